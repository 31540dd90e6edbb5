# cmake/dlopen.cmake: for the libraries hush loads with dlopen on first use (libgit2, libcurl).
#
# hush compiles against the headers pkg-config finds and dlopens that library's SONAME, read here from the library
# file named by pkg-config (with objdump -p, or readelf -d). The interface target gets the headers, the SONAME as a
# compile definition, libdl, and a build RPATH for a library outside the loader's default folders, so that it is
# found the way a linked one would be.

# hush_dlopen_interface(TARGET PREFIX FILE_REGEX DEFINE SONAME_VAR)
#   TARGET      an INTERFACE library to set up
#   PREFIX      the pkg_check_modules prefix (GIT2, CURL)
#   FILE_REGEX  matches the library file among ${PREFIX}_LINK_LIBRARIES
#   DEFINE      the compile definition that carries the SONAME (a string literal)
#   SONAME_VAR  a variable: the SONAME to use, or empty to read it from the library file (a configure error when
#               that fails); set to the SONAME used
function(hush_dlopen_interface target prefix file_regex define soname_var)
  set(soname ${${soname_var}})
  if(NOT soname)
    set(file "")
    foreach(lib IN LISTS ${prefix}_LINK_LIBRARIES)
      if(lib MATCHES "${file_regex}")
        set(file ${lib})
      endif()
    endforeach()
    find_program(HUSH_OBJDUMP NAMES objdump llvm-objdump)
    find_program(HUSH_READELF NAMES readelf llvm-readelf)
    set(dyn "")
    if(file AND HUSH_OBJDUMP)
      execute_process(COMMAND ${HUSH_OBJDUMP} -p ${file} OUTPUT_VARIABLE dyn ERROR_QUIET)
    elseif(file AND HUSH_READELF)
      execute_process(COMMAND ${HUSH_READELF} -d ${file} OUTPUT_VARIABLE dyn ERROR_QUIET)
    endif()
    if(dyn MATCHES "SONAME +([^ \n]+)")
      set(soname ${CMAKE_MATCH_1})
    elseif(dyn MATCHES "soname: \\[([^]]+)\\]")
      set(soname ${CMAKE_MATCH_1})
    endif()
    if(NOT soname)
      message(FATAL_ERROR "cannot read the SONAME of ${target} ('${file}'): set the SONAME option, or link the "
                          "library (the DLOPEN option OFF)")
    endif()
  endif()
  message(STATUS "${target}: loaded with dlopen as ${soname}")
  target_include_directories(${target} INTERFACE ${${prefix}_INCLUDE_DIRS})
  target_compile_options(${target} INTERFACE ${${prefix}_CFLAGS_OTHER})
  target_compile_definitions(${target} INTERFACE ${define}="${soname}")
  target_link_libraries(${target} INTERFACE ${CMAKE_DL_LIBS})
  set(rpath ${CMAKE_BUILD_RPATH})
  foreach(dir IN LISTS ${prefix}_LIBRARY_DIRS)
    if(NOT dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES AND NOT dir IN_LIST rpath)
      list(APPEND rpath ${dir})
    endif()
  endforeach()
  set(CMAKE_BUILD_RPATH ${rpath} PARENT_SCOPE)
  set(${soname_var} ${soname} PARENT_SCOPE)
endfunction()
