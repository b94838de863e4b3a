# Debian packages built by CPack from the install components (`cd build && cpack -G DEB`):
#   component  package          contents
#   runtime    libpdqguard0     libpdqguard.so.0 (the shared library, SONAME libpdqguard.so.0)
#   dev        libpdqguard-dev  headers, libpdqguard.so, libpdqguard.a, pdqguard.pc, the CMake package
#   cli        pdqguard         /usr/bin/pdqguard (+ man page, bash completion), and every
#                               other installed program (pdqguard-gateway) when its install
#                               rule says COMPONENT cli
# Versions come from project(VERSION); dependencies on system libraries from
# dpkg-shlibdeps, between the three packages from the component DEPENDS (exact
# version), and libpdqguard-dev's on the -dev packages of the private dependencies
# (pdqguard.pc's Requires.private must resolve) from dpkg, which owns their .pc files.
# tests/packaging/deb_check.sh builds the packages and checks them.
# Included last from the top-level CMakeLists.txt, once every install rule exists.

set(PDQGUARD_DEB_MAINTAINER "pdqguard maintainers <pdqguard@localhost>" CACHE STRING
    "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pdqguard)
set(CPACK_PACKAGE_VENDOR pdqguard)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_INSTALL_DIRECTORY pdqguard)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_COMPONENTS_ALL runtime dev)
if(TARGET pdqguard_cli)  # PDQGUARD_BUILD_TOOLS=OFF: no programs, no pdqguard package
  list(APPEND CPACK_COMPONENTS_ALL cli)
endif()
set(CPACK_DEB_COMPONENT_INSTALL ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${PDQGUARD_DEB_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # name_version-release_arch.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A program that links libpdqguard.so.0 (none today: pdqguard and pdqguard-gateway
# link it statically): dpkg-shlibdeps would find it in the build tree; the
# dependency on libpdqguard0 comes from the component DEPENDS.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS "${PROJECT_BINARY_DIR}/lib")
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME "libpdqguard${PROJECT_VERSION_MAJOR}")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# A shlibs file in every package with a shared library (libpdqguard0 only), so that
# packages built against it get their dependency from dpkg-shlibdeps.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libpdqguard-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_CLI_PACKAGE_NAME pdqguard)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION utils)

# libpdqguard-dev: the -dev packages owning the private modules' .pc files (pdqguard.pc
# lists them in Requires.private, and pkg-config refuses a module whose requirements
# are missing). Found through dpkg from the one module list in lib/CMakeLists.txt.
set(_pdqguard_dev_depends "")
find_program(PDQGUARD_DPKG_QUERY dpkg-query)
get_directory_property(_pdqguard_modules DIRECTORY lib DEFINITION PDQGUARD_PRIVATE_MODULES)
if(PDQGUARD_DPKG_QUERY)
  foreach(_m IN LISTS _pdqguard_modules)
    pkg_get_variable(_pcdir ${_m} pcfiledir)
    execute_process(COMMAND ${PDQGUARD_DPKG_QUERY} -S "${_pcdir}/${_m}.pc"
      OUTPUT_VARIABLE _owner ERROR_QUIET RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_rc EQUAL 0 AND _owner MATCHES "^([^:,]+)")
      list(APPEND _pdqguard_dev_depends ${CMAKE_MATCH_1})
    else()
      message(STATUS "packaging: no Debian package owns ${_m}.pc: not a libpdqguard-dev dependency")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _pdqguard_dev_depends)
endif()
list(APPEND _pdqguard_dev_depends pkg-config)
list(JOIN _pdqguard_dev_depends ", " CPACK_DEBIAN_DEV_PACKAGE_DEPENDS)

# libpdqguard0 and pdqguard: the libraries loaded with dlopen on first use
# (FFmpeg's, libheif: lib/CMakeLists.txt), which dpkg-shlibdeps cannot see. Each
# module's library file (its -dev package's .so symlink) resolved to the real file,
# whose owner is the run-time package (e.g. libavcodec59: its name carries the soname
# pdqguard loads, so no version is added).
set(_pdqguard_dlopen_depends "")
get_directory_property(_pdqguard_dlopen_libs DIRECTORY lib DEFINITION PDQGUARD_DLOPEN_LINK_LIBRARIES)
if(PDQGUARD_DPKG_QUERY)
  foreach(_lib IN LISTS _pdqguard_dlopen_libs)
    if(NOT _lib MATCHES "(avformat|avcodec|swscale|avutil|heif)")
      continue()  # only the dlopened libraries themselves, not what their .pc adds
    endif()
    file(REAL_PATH "${_lib}" _real)
    execute_process(COMMAND ${PDQGUARD_DPKG_QUERY} -S "${_real}"
      OUTPUT_VARIABLE _owner ERROR_QUIET RESULT_VARIABLE _rc OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(_rc EQUAL 0 AND _owner MATCHES "^([^:,]+)")
      list(APPEND _pdqguard_dlopen_depends ${CMAKE_MATCH_1})
    else()
      message(STATUS "packaging: no Debian package owns ${_real}: not a run-time dependency")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES _pdqguard_dlopen_depends)
endif()
list(JOIN _pdqguard_dlopen_depends ", " CPACK_DEBIAN_RUNTIME_PACKAGE_DEPENDS)
list(JOIN _pdqguard_dlopen_depends ", " CPACK_DEBIAN_CLI_PACKAGE_DEPENDS)

include(CPack)
cpack_add_component(runtime DISPLAY_NAME "pdqguard shared library"
  DESCRIPTION "PDQ perceptual hashing and blocklist matching: shared library
 libpdqguard computes PDQ hashes of images and video frames, bit for bit as the
 reference implementation, and matches them against blocklists. C and C++ API.")
cpack_add_component(dev DISPLAY_NAME "pdqguard development files" DEPENDS runtime
  DESCRIPTION "PDQ perceptual hashing and blocklist matching: development files
 Headers (C API pdqguard.h and the C++ API), the static library, pkg-config file
 pdqguard.pc and the CMake package (find_package(pdqguard)).")
cpack_add_component(cli DISPLAY_NAME "pdqguard command-line tool" DEPENDS runtime
  DESCRIPTION "PDQ perceptual hashing and blocklist matching: command-line tools
 pdqguard hashes images, video frames, archives and whole directory trees and
 matches them against hash lists (scan, resume, index files, vPDQ video).
 pdqguard-gateway is an HTTP service a chat server asks before accepting an upload.")
