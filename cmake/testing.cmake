# Test tiers, as CTest labels (liburcu's quick / short / long stress tiers):
#   unit          deterministic, seconds in total
#   stress-short  bounded concurrency runs, a few seconds each
#   stress-long   minutes; not run by .ci/test
#   tsan          what must also pass in the TSan build (label added to tests
#                 that exercise concurrent paths)
#   fuzz          short, count-bounded libFuzzer runs (fuzz preset only)
#
# Timeouts (the suite must pass with two busy loops beside it on 2 CPUs:
# .ci/test --loaded). Every test bounds its own work; the TIMEOUT follows
# from that bound, never from a quiet machine's wall time:
#   * a test bounded by a run budget B it enforces itself, with a stall
#     watchdog W (iovalab/watchdog.h: no progress for W s is reported and
#     exits 3): TIMEOUT >= 2 * (B + W), the factor covering setup and the
#     work-bounded checks after the run;
#   * a test bounded by counts alone (unit, fuzz, short iova-stress runs,
#     whose phases are time-bounded): TIMEOUT >= 10x its wall time in that
#     preset under .ci/test --loaded, so a machine several times busier
#     still passes; past that, a count-bounded test that can block on a
#     spinning lock gets a budget and watchdog instead of a larger number.
#
# iovalab_add_test(NAME name COMMAND cmd... LABELS l... [TIMEOUT s])
function(iovalab_add_test)
	cmake_parse_arguments(T "" "NAME;TIMEOUT" "COMMAND;LABELS" ${ARGN})
	if(NOT T_TIMEOUT)
		set(T_TIMEOUT 120)
	endif()
	add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
	set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}"
		TIMEOUT ${T_TIMEOUT})
endfunction()
