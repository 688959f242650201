# The official BLAKE3 C implementation, as Debian ships it in the source of
# librust-blake3-dev. Built here with its runtime SIMD dispatch and x86-64
# assembly; never copied into this repository.
file(GLOB _blake3_dirs /usr/share/cargo/registry/blake3-*/c)
list(SORT _blake3_dirs)
list(REVERSE _blake3_dirs)
list(GET _blake3_dirs 0 BLAKE3_C_DIR)
if(NOT EXISTS ${BLAKE3_C_DIR}/blake3.c)
  message(FATAL_ERROR "BLAKE3 C sources not found: run tools/setup-deps.sh")
endif()
message(STATUS "BLAKE3 C sources: ${BLAKE3_C_DIR}")

add_library(blake3_c STATIC
  ${BLAKE3_C_DIR}/blake3.c
  ${BLAKE3_C_DIR}/blake3_dispatch.c
  ${BLAKE3_C_DIR}/blake3_portable.c
  ${BLAKE3_C_DIR}/blake3_sse2_x86-64_unix.S
  ${BLAKE3_C_DIR}/blake3_sse41_x86-64_unix.S
  ${BLAKE3_C_DIR}/blake3_avx2_x86-64_unix.S
  ${BLAKE3_C_DIR}/blake3_avx512_x86-64_unix.S)
# The internal header blake3_impl.h is deliberately visible: crypto/ builds
# non-root subtree chaining values on its entry points (ARCHITECTURE.md).
target_include_directories(blake3_c SYSTEM PUBLIC ${BLAKE3_C_DIR})
set_target_properties(blake3_c PROPERTIES POSITION_INDEPENDENT_CODE ON)
# Sanitizers gain nothing inside hand-written assembly and the C reference.
target_compile_options(blake3_c PRIVATE -fno-sanitize=all -O3)
