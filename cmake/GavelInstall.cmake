# `cmake --install`: headers, libgavel.so/.a, the gavel CLI, a CMake package
# (find_package(gavel) -> gavel::gavel, and gavel::gavel_static with
# COMPONENTS static) and a pkg-config file (gavel.pc).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GAVEL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/gavel)

install(TARGETS gavel RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES include/gavel/gavel.h include/gavel/gavel.hpp DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/gavel)

install(TARGETS gavel_shared EXPORT gavel-targets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT gavel-targets NAMESPACE gavel:: DESTINATION ${GAVEL_CMAKE_DIR})

install(TARGETS gavel_static EXPORT gavel-static-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT gavel-static-targets NAMESPACE gavel:: DESTINATION ${GAVEL_CMAKE_DIR})

configure_package_config_file(cmake/gavel-config.cmake.in ${PROJECT_BINARY_DIR}/gavel-config.cmake
  INSTALL_DESTINATION ${GAVEL_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/gavel-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/gavel-config.cmake ${PROJECT_BINARY_DIR}/gavel-config-version.cmake
  DESTINATION ${GAVEL_CMAKE_DIR})

file(RELATIVE_PATH GAVEL_PC_TO_PREFIX /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(cmake/gavel.pc.in ${PROJECT_BINARY_DIR}/gavel.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/gavel.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
