# Run at build time (cmake -P): write the commit into OUT only when
# it changed, so a new commit rebuilds only the files that include it
# (iovalab_build.h) and relinks only their tools.
#   -DSRC=<source dir> -DOUT=<header>
execute_process(COMMAND git describe --always --dirty
	WORKING_DIRECTORY ${SRC}
	OUTPUT_VARIABLE commit OUTPUT_STRIP_TRAILING_WHITESPACE
	ERROR_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR commit STREQUAL "")
	set(commit "unknown")
endif()
set(text "#define LAB_BUILD_COMMIT \"${commit}\"\n")
if(EXISTS ${OUT})
	file(READ ${OUT} old)
else()
	set(old "")
endif()
if(NOT old STREQUAL text)
	file(WRITE ${OUT} "${text}")
endif()
