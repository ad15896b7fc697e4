# `cmake --install`: the libraries and their headers under include/troupe/,
# the troupe command, the CMake package Troupe and troupe.pc for pkg-config.
include(CMakePackageConfigHelpers)

set(TROUPE_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/Troupe")

# Appends `target` and every troupe_* target it links, directly or not, to
# the global property TROUPE_LINK_ORDER, each after the targets it links.
function(troupe_collect_links target)
  get_property(seen GLOBAL PROPERTY TROUPE_LINK_ORDER)
  if(target IN_LIST seen)
    return()
  endif()
  get_target_property(links ${target} INTERFACE_LINK_LIBRARIES)
  if(links)
    foreach(link IN LISTS links)
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" link "${link}")
      if(link MATCHES "^troupe_" AND TARGET ${link})
        troupe_collect_links(${link})
      endif()
    endforeach()
  endif()
  set_property(GLOBAL APPEND PROPERTY TROUPE_LINK_ORDER ${target})
endfunction()

# What Troupe::actors (and so Troupe::client) links is what gets installed,
# so that a library a merge adds to that graph is installed with its headers.
troupe_collect_links(troupe_actor_client)
get_property(troupe_installed GLOBAL PROPERTY TROUPE_LINK_ORDER)
install(TARGETS ${troupe_installed} EXPORT TroupeTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}")
install(TARGETS troupe RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")

# Each static library's headers as the code includes them ("cluster/session.h"),
# under include/troupe/ (the imported targets put include/troupe on the path);
# troupe.pc lists the libraries in reverse, each before what it links.
set(TROUPE_PC_LIBS "")
foreach(library IN LISTS troupe_installed)
  get_target_property(type ${library} TYPE)
  if(type STREQUAL "STATIC_LIBRARY")
    get_target_property(source_dir ${library} SOURCE_DIR)
    file(RELATIVE_PATH folder "${PROJECT_SOURCE_DIR}" "${source_dir}")
    install(DIRECTORY "${source_dir}/" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/troupe/${folder}"
            FILES_MATCHING PATTERN "*.h")
    set(TROUPE_PC_LIBS "-l${library} ${TROUPE_PC_LIBS}")
  endif()
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
