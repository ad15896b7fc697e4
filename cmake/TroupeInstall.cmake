# `cmake --install`: the libraries and their headers under include/troupe/,
# the troupe command, the CMake package Troupe and troupe.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(TROUPE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Troupe")
set(TROUPE_HEADER_FOLDERS base serialization formats config actors state cluster)

install(TARGETS troupe_options troupe_base troupe_serialization troupe_formats troupe_config
                troupe_actors troupe_state troupe_cluster troupe_client troupe_actor_client
        EXPORT TroupeTargets ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(TARGETS troupe RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# The header tree as the code includes it ("cluster/session.h"), under
# include/troupe/; the imported targets put include/troupe on the path.
foreach(folder IN LISTS TROUPE_HEADER_FOLDERS)
  install(DIRECTORY "${PROJECT_SOURCE_DIR}/${folder}/"
          DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/troupe/${folder}" FILES_MATCHING PATTERN "*.h")
endforeach()
install(FILES "${PROJECT_BINARY_DIR}/generated/base/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/troupe/base")
install(FILES "${PROJECT_SOURCE_DIR}/include/troupe/troupe.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/troupe")

install(EXPORT TroupeTargets NAMESPACE Troupe:: DESTINATION "${TROUPE_CMAKE_DIR}")
configure_package_config_file("${CMAKE_CURRENT_LIST_DIR}/TroupeConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/TroupeConfig.cmake"
                              INSTALL_DESTINATION "${TROUPE_CMAKE_DIR}")
# 0.x: a new minor version may break the API.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/TroupeConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/TroupeConfig.cmake"
              "${PROJECT_BINARY_DIR}/TroupeConfigVersion.cmake"
              "${CMAKE_CURRENT_LIST_DIR}/FindCAF.cmake"
        DESTINATION "${TROUPE_CMAKE_DIR}")

# troupe.pc finds its prefix from its own place (${pcfiledir}), so that
# `cmake --install --prefix P` may choose any P.
file(RELATIVE_PATH TROUPE_PC_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" TROUPE_PC_PREFIX "${TROUPE_PC_PREFIX}")
get_filename_component(TROUPE_CAF_LIBDIR "${CAF_CORE_LIBRARY}" DIRECTORY)
configure_file("${CMAKE_CURRENT_LIST_DIR}/troupe.pc.in" "${PROJECT_BINARY_DIR}/troupe.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/troupe.pc" DESTINATION "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
