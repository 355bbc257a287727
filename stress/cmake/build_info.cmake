# Run at build time (cmake -P): write the commit into OUT_COMMIT only when
# it changed, so a new commit relinks iova-stress and nothing else does.
#   -DSRC=<source dir> -DOUT=<header>
execute_process(COMMAND git describe --always --dirty
	WORKING_DIRECTORY ${SRC}
	OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
	ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
	set(commit "unknown")
endif()
set(text "#define STRESS_COMMIT \"${commit}\"\n")
if(EXISTS ${OUT})
	file(READ ${OUT} old)
else()
	set(old "")
endif()
if(NOT old STREQUAL text)
	file(WRITE ${OUT} "${text}")
endif()
