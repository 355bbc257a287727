# Test tiers, as CTest labels (liburcu's quick / short / long stress tiers):
#   unit          deterministic, seconds in total
#   stress-short  bounded concurrency runs, a few seconds each
#   stress-long   minutes; not run by .ci/test
#   tsan          what must also pass in the TSan build (label added to tests
#                 that exercise concurrent paths)
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
