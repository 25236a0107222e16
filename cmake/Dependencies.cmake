# Every external dependency comes from a Debian 12 package (scripts/setup-deps).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)  # the MySQL compressed protocol
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(MARIADB REQUIRED IMPORTED_TARGET libmariadb)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)

find_library(PG_QUERY_LIB NAMES libpg_query.a pg_query REQUIRED)
find_library(PROTOBUF_C_LIB NAMES protobuf-c REQUIRED)
add_library(pg_query_lib INTERFACE)
target_link_libraries(pg_query_lib INTERFACE ${PG_QUERY_LIB} ${PROTOBUF_C_LIB})

# Asio/Beast are header-only; one interface target carries their defines.
add_library(asio_lib INTERFACE)
target_link_libraries(asio_lib INTERFACE Boost::headers Threads::Threads OpenSSL::SSL OpenSSL::Crypto)
