# Every dependency comes from a Debian 12 package (deploy/local/install-deps.sh) and is
# reached through an imported target.
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(valijson REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(CURL REQUIRED)
find_package(ZLIB REQUIRED)  # the gateway compresses the web console once, at start
find_package(GTest REQUIRED)

# Debian's libnats-dev 3.4 ships a cnats-config.cmake that names a static library the package
# does not contain, so find_package(cnats) fails; import the shared library by hand instead.
find_path(NATS_INCLUDE_DIR nats/nats.h REQUIRED)
find_library(NATS_LIBRARY nats REQUIRED)
add_library(cnats::nats UNKNOWN IMPORTED)
set_target_properties(cnats::nats PROPERTIES
  IMPORTED_LOCATION "${NATS_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${NATS_INCLUDE_DIR}")

# libmagic (Debian's libmagic-dev) decides evidence files' types from their content; no CMake package.
find_path(MAGIC_INCLUDE_DIR magic.h REQUIRED)
find_library(MAGIC_LIBRARY magic REQUIRED)
add_library(Magic::magic UNKNOWN IMPORTED)
set_target_properties(Magic::magic PROPERTIES
  IMPORTED_LOCATION "${MAGIC_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MAGIC_INCLUDE_DIR}")

# MySQL Connector/C++ 1.1 ships no CMake package: import it by hand, once.
find_path(MYSQLCPPCONN_INCLUDE_DIR mysql_driver.h REQUIRED)
find_library(MYSQLCPPCONN_LIBRARY mysqlcppconn REQUIRED)
add_library(mysqlcppconn::mysqlcppconn UNKNOWN IMPORTED)
set_target_properties(mysqlcppconn::mysqlcppconn PROPERTIES
  IMPORTED_LOCATION "${MYSQLCPPCONN_LIBRARY}"
  INTERFACE_INCLUDE_DIRECTORIES "${MYSQLCPPCONN_INCLUDE_DIR}")

# Documents (CONTRACT §9), all through pkg-config from Debian's -dev packages: Pango over Cairo lays
# out and breaks Chinese text and writes the PDF (libpango1.0-dev, libcairo2-dev), libqrencode
# draws the verification QR code, libxlsxwriter writes the spreadsheets.
find_package(PkgConfig REQUIRED)
pkg_check_modules(PANGOCAIRO REQUIRED IMPORTED_TARGET pangocairo cairo-pdf)
pkg_check_modules(QRENCODE REQUIRED IMPORTED_TARGET libqrencode)
pkg_check_modules(XLSXWRITER REQUIRED IMPORTED_TARGET xlsxwriter)
