# Warnings, sanitizers and per-target defaults shared by every subsystem.
add_library(ferry_options INTERFACE)
target_compile_options(ferry_options INTERFACE -Wall -Wextra)
if(FERRY_WERROR)
  target_compile_options(ferry_options INTERFACE -Werror)
  # GCC 12 at -O3 reports -Wrestrict and -Wstringop-overread inside the
  # libstdc++ string/span code it inlined (known false positives, e.g. GCC
  # bug 105329): they stay warnings there so a Release build is not refused.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(ferry_options INTERFACE
      -Wno-error=restrict -Wno-error=stringop-overread)
  endif()
endif()
target_include_directories(ferry_options INTERFACE
  ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}/src
  ${PROJECT_SOURCE_DIR})

if(FERRY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# A libFuzzer build instruments every library for coverage feedback (the
# decoders under test live in them), not only the fuzz entry points.
if(FERRY_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
