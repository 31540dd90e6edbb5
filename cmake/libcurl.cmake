# cmake/libcurl.cmake: libcurl for the Vault/OpenBao client (injector/remote.c), loaded with dlopen by default.
#
# libcurl pulls in OpenSSL, nghttp2, libssh2, krb5, LDAP, libidn2 and more: linking it would make every hush
# process pay for loading them, though only a command that reads a remote Vault needs them. hush compiles against
# the curl headers pkg-config finds and loads that library's SONAME, read here from the library file, the first
# time a remote fetch is needed (injector/curl.c). -DHUSH_LIBCURL_DLOPEN=OFF links libcurl as usual.
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
option(HUSH_LIBCURL_DLOPEN "Load libcurl with dlopen when a remote Vault is first read, instead of linking it" ON)
set(HUSH_LIBCURL_SONAME "" CACHE STRING "The SONAME to dlopen for libcurl (default: read from the library file)")

add_library(hush_curl INTERFACE)
if(HUSH_LIBCURL_DLOPEN)
  set(hush_curl_soname ${HUSH_LIBCURL_SONAME})
  hush_dlopen_interface(hush_curl CURL "/libcurl[^/]*[.]so$" HUSH_LIBCURL_SONAME hush_curl_soname)
else()
  target_link_libraries(hush_curl INTERFACE PkgConfig::CURL)
endif()
