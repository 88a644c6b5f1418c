# Install rules: `cmake --install build --prefix P` gives P/include/sluice/*.hpp, the static (or
# shared) libraries, and a package config so another project can `find_package(sluice)` and link
# sluice::engine and sluice::nodes.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS sluice_engine sluice_nodes
  EXPORT sluiceTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/include/sluice DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
if(TARGET sluice)
  install(TARGETS sluice RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
install(EXPORT sluiceTargets NAMESPACE sluice:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/sluiceConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/sluiceConfig.cmake
  ${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake
  ${CMAKE_CURRENT_LIST_DIR}/dependencies.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/sluice)
