#pragma once
// Connector/C connections for MySQL integration tests: one client with the
// two calls tests need most (run a statement, read one value), and root on
// the fixture's server over its socket for setting up accounts and KILLs.
#include <mysql.h>

#include <cstdint>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/test_env.hpp"

namespace sw::test {

struct MyConn {
  MYSQL* m = mysql_init(nullptr);
  MyConn() = default;
  MyConn(const MyConn&) = delete;
  MyConn& operator=(const MyConn&) = delete;
  ~MyConn() { mysql_close(m); }

  bool connect(std::uint16_t port, const char* user = "app", const char* password = "app",
               const char* db = "exo_cluster") {
    return mysql_real_connect(m, "127.0.0.1", user, password, db, port, nullptr, 0) != nullptr;
  }
  // True when the statement ran (any result is read and dropped).
  bool run(const std::string& sql) {
    if (mysql_query(m, sql.c_str()) != 0) return false;
    if (MYSQL_RES* r = mysql_store_result(m)) mysql_free_result(r);
    return mysql_errno(m) == 0;
  }
  // First column of the first row, "NULL", "ok" (no result set) or "error <errno>".
  std::string scalar(const std::string& sql) {
    if (mysql_query(m, sql.c_str()) != 0) return "error " + std::to_string(mysql_errno(m));
    MYSQL_RES* res = mysql_store_result(m);
    if (!res) return mysql_field_count(m) == 0 ? "ok" : "no result";
    MYSQL_ROW row = mysql_fetch_row(res);
    std::string out = row && row[0] ? row[0] : "NULL";
    mysql_free_result(res);
    return out;
  }
};

// root on the fixture's MariaDB (unix socket authentication).
struct MyRoot : MyConn {
  MyRoot() {
    if (!mysql_real_connect(m, nullptr, "root", nullptr, nullptr, 0, servers().my_socket.c_str(),
                            0))
      ADD_FAILURE() << "root login: " << mysql_error(m);
  }
  void exec(const std::string& sql) { EXPECT_TRUE(run(sql)) << sql << ": " << mysql_error(m); }
};

}  // namespace sw::test
