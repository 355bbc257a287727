# IOVALAB_FUZZ (the fuzz preset): libFuzzer targets in the layers' fuzz/
# directories, with AddressSanitizer + UBSan. Needs clang and its runtime
# (Debian: clang, libclang-rt-dev); a compiler without -fsanitize=fuzzer is
# a configure error, never a silently empty fuzz build. Every library is
# built with coverage instrumentation (fuzzer-no-link); only the targets
# link libFuzzer's main.
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-fsanitize=fuzzer")
set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=fuzzer")
check_c_source_compiles("
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{ return (int)(n && d[0]); }" IOVALAB_FUZZER_WORKS)
unset(CMAKE_REQUIRED_FLAGS)
unset(CMAKE_REQUIRED_LINK_OPTIONS)
if(NOT IOVALAB_FUZZER_WORKS)
	message(FATAL_ERROR "IOVALAB_FUZZ: ${CMAKE_C_COMPILER_ID} "
		"${CMAKE_C_COMPILER_VERSION} cannot build -fsanitize=fuzzer "
		"(configure with clang; is libclang-rt-dev installed?)")
endif()
add_compile_options(-fsanitize=fuzzer-no-link)

# iovalab_add_fuzz(NAME n SOURCES f.c... LIBS l... CORPUS dir RUNS r)
# Builds fuzz-NAME and adds the CTest "fuzz.NAME" (label fuzz): every
# seed in CORPUS (in the repository, never written to), then RUNS more
# inputs from a fixed seed, into a scratch corpus emptied first. The run
# is bounded by RUNS; -max_total_time caps it again at 30 s in case the
# machine is very slow, which ends the run early but still passes, and
# the CTest timeout (60 s) sits above that cap.
function(iovalab_add_fuzz)
	cmake_parse_arguments(F "" "NAME;CORPUS;RUNS" "SOURCES;LIBS" ${ARGN})
	add_executable(fuzz-${F_NAME} ${F_SOURCES})
	target_link_libraries(fuzz-${F_NAME} PRIVATE ${F_LIBS})
	target_link_options(fuzz-${F_NAME} PRIVATE -fsanitize=fuzzer)
	set(_scratch ${CMAKE_CURRENT_BINARY_DIR}/corpus-${F_NAME})
	iovalab_add_test(NAME fuzz.${F_NAME}
		COMMAND sh -c "rm -rf \"$1\" && mkdir \"$1\" && exec \"$0\" \
-seed=1 -runs=$2 -max_total_time=30 -print_final_stats=1 \
-artifact_prefix=\"$1\"/ \"$1\" \"$3\""
			$<TARGET_FILE:fuzz-${F_NAME}> ${_scratch} ${F_RUNS}
			${F_CORPUS}
		LABELS fuzz TIMEOUT 60)
endfunction()
