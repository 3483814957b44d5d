# libgavel.so and libgavel.a: the C API (engine/capi/gavel_c.cc) plus the
# whole engine. Only the gavel_* functions of include/gavel/gavel.h are
# exported from the shared library: everything is compiled with hidden
# visibility, a version script localizes every other symbol, and
# --exclude-libs keeps the static archives' symbols (absl, yaml-cpp, ...) out.

# What the engine links, for the static library's users (libgavel.a holds
# the engine's objects, not its dependencies).
set(GAVEL_LIBRARY_DEPS
  protobuf::libprotobuf
  absl::status absl::statusor absl::strings absl::str_format absl::time absl::span
  absl::flat_hash_map absl::flat_hash_set absl::hash absl::inlined_vector
  PkgConfig::RE2 yaml-cpp simdjson::simdjson OpenSSL::Crypto)

set(GAVEL_CAPI_DEFS GAVEL_PROJECT_VERSION="${PROJECT_VERSION}")

add_library(gavel_shared SHARED engine/capi/gavel_c.cc)
target_compile_options(gavel_shared PRIVATE ${GAVEL_WARNINGS})
target_compile_definitions(gavel_shared PRIVATE ${GAVEL_CAPI_DEFS})
target_link_libraries(gavel_shared PRIVATE gavel_engine)
target_include_directories(gavel_shared PUBLIC
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
target_link_options(gavel_shared PRIVATE
  -Wl,--version-script=${PROJECT_SOURCE_DIR}/engine/capi/libgavel.map
  -Wl,--exclude-libs,ALL -Wl,--no-undefined)
set_target_properties(gavel_shared PROPERTIES
  OUTPUT_NAME gavel VERSION ${PROJECT_VERSION} SOVERSION ${PROJECT_VERSION_MAJOR}
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
  LINK_DEPENDS ${PROJECT_SOURCE_DIR}/engine/capi/libgavel.map
  EXPORT_NAME gavel)
add_library(gavel::gavel ALIAS gavel_shared)

add_library(gavel_static STATIC engine/capi/gavel_c.cc
  $<TARGET_OBJECTS:gavel_engine> $<TARGET_OBJECTS:gavel_proto>)
target_compile_options(gavel_static PRIVATE ${GAVEL_WARNINGS})
target_compile_definitions(gavel_static PRIVATE ${GAVEL_CAPI_DEFS})
target_include_directories(gavel_static
  PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>
  PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
target_link_libraries(gavel_static PRIVATE ${GAVEL_LIBRARY_DEPS})
add_dependencies(gavel_static gavel_engine gavel_proto)
set_target_properties(gavel_static PROPERTIES
  OUTPUT_NAME gavel POSITION_INDEPENDENT_CODE ON
  CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON
  EXPORT_NAME gavel_static)
add_library(gavel::gavel_static ALIAS gavel_static)
