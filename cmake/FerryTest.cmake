# ferry_test(NAME SOURCES a.cc b.cc LIBS lib1 lib2)
# One GoogleTest binary registered with CTest. Tests are labelled with the
# subsystem folder so `ctest -L bao` runs one subsystem.
#
# Every test binary links ferry_test_seed (testing/seed.h): one FERRY_SEED
# replays its random tests and its RapidCheck properties.
add_library(ferry_test_seed OBJECT ${PROJECT_SOURCE_DIR}/testing/seed.cc)
target_include_directories(ferry_test_seed PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(ferry_test_seed PRIVATE ferry_options)

function(ferry_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} ferry_options ferry_test_seed
    GTest::gtest GTest::gtest_main rapidcheck)
  add_test(NAME ${name} COMMAND ${name})
  get_filename_component(_label ${CMAKE_CURRENT_SOURCE_DIR} NAME)
  set_tests_properties(${name} PROPERTIES LABELS "${_label};${T_LABELS}")
  if(T_TIMEOUT)
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
  else()
    set_tests_properties(${name} PROPERTIES TIMEOUT 600)
  endif()
endfunction()
