# IOVALAB_SANITIZE selects one sanitizer set for the whole build:
#   ""               none
#   thread           ThreadSanitizer
#   address,undefined AddressSanitizer + UndefinedBehaviorSanitizer
# The compiler is probed first; a request it cannot honour is a hard error,
# never a silent downgrade to an uninstrumented build.
set(IOVALAB_SANITIZE "" CACHE STRING
	"Sanitizers: empty, 'thread' or 'address,undefined'")

include(CheckCSourceCompiles)

if(IOVALAB_SANITIZE)
	if(NOT IOVALAB_SANITIZE STREQUAL "thread" AND
	   NOT IOVALAB_SANITIZE STREQUAL "address,undefined")
		message(FATAL_ERROR "IOVALAB_SANITIZE='${IOVALAB_SANITIZE}': "
			"use 'thread' or 'address,undefined'")
	endif()
	set(_san_flags -fsanitize=${IOVALAB_SANITIZE} -fno-omit-frame-pointer)
	if(IOVALAB_SANITIZE MATCHES "undefined")
		list(APPEND _san_flags -fno-sanitize-recover=undefined)
	endif()
	set(CMAKE_REQUIRED_FLAGS "-fsanitize=${IOVALAB_SANITIZE}")
	set(CMAKE_REQUIRED_LINK_OPTIONS "-fsanitize=${IOVALAB_SANITIZE}")
	check_c_source_compiles("int main(void) { return 0; }"
		IOVALAB_SANITIZER_WORKS_${IOVALAB_SANITIZE})
	unset(CMAKE_REQUIRED_FLAGS)
	unset(CMAKE_REQUIRED_LINK_OPTIONS)
	if(NOT IOVALAB_SANITIZER_WORKS_${IOVALAB_SANITIZE})
		message(FATAL_ERROR "${CMAKE_C_COMPILER_ID} "
			"${CMAKE_C_COMPILER_VERSION} cannot build and link with "
			"-fsanitize=${IOVALAB_SANITIZE} (is its runtime, e.g. "
			"libtsan2/libasan8/libubsan1, installed?)")
	endif()
	add_compile_options(${_san_flags})
	add_link_options(-fsanitize=${IOVALAB_SANITIZE})
	if(IOVALAB_SANITIZE STREQUAL "thread")
		# Lets code add TSan annotations around primitives TSan cannot
		# see (libck's inline asm, liburcu's grace periods).
		add_compile_definitions(IOVALAB_TSAN=1)
	endif()
	message(STATUS "iovalab: sanitizers enabled: ${IOVALAB_SANITIZE}")
endif()
