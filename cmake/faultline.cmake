# Helpers shared by every folder: one library per folder, tests labelled for CTest.

set(FAULTLINE_WARNINGS -Wall -Wextra -Wpedantic)
if(FAULTLINE_WERROR)
  list(APPEND FAULTLINE_WARNINGS -Werror)
endif()

# faultline_library(NAME SOURCES ... DEPS ...)
# DEPS are the lower layers (and third-party targets) this folder may use.
function(faultline_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR})
  target_compile_options(${name} PRIVATE ${FAULTLINE_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
endfunction()

# faultline_test(NAME SOURCES ... DEPS ... LABELS unit|sim|e2e [PROPERTIES ...])
# Each GoogleTest case becomes its own CTest test carrying the labels.
function(faultline_test name)
  if(NOT FAULTLINE_TESTS)
    return()
  endif()
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${FAULTLINE_WARNINGS})
  target_compile_definitions(${name} PRIVATE
    FAULTLINE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  gtest_discover_tests(${name} PROPERTIES LABELS "${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
endfunction()
