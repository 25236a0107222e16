// sqlwarden-shell: seed 000's db_shell. One-shot (--query, --schema,
// --test) or an interactive REPL with line editing and history (readline),
// dot commands .schema [table], .stats, .history, .quit. Every statement is
// a query_database tool call, so the gate, pool and audit see it.
//
// Exit codes: 0 ok, 1 a statement was denied or failed, 2 bad usage or
// config, 3 the database or the admin API could not be reached.
#include <readline/history.h>
#include <readline/readline.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "tools/shell/output.hpp"
#include "tools/shell/transport.hpp"

namespace sw::shell {
namespace {

struct HistoryEntry {
  std::string query;
  bool ok = false;
  std::string status;  // "ok, 5 rows" or the error rule
  double ms = 0;
  std::string hash;
};

class Repl {
 public:
  Repl(Transport& t, bool as_json) : t_(t), json_(as_json) {}

  int run_query(const std::string& sql) {
    auto r = t_.call("query_database", {{"query", sql}});
    record(sql, r);
    return print_query_result(r, json_, std::cout, std::cerr);
  }

  int interactive() {
    std::string history_file;
    if (const char* home = std::getenv("HOME"))
      history_file = std::string(home) + "/.sqlwarden_shell_history";
    if (!history_file.empty()) read_history(history_file.c_str());
    std::cout << "sqlwarden-shell — " << t_.describe()
              << "\nType SQL, or .schema [table], .stats, .history, .help, .quit\n";
    int last = 0;
    for (;;) {
      char* line = readline("sqlwarden> ");
      if (!line) break;  // EOF
      std::string input(line);
      std::free(line);
      auto first = input.find_first_not_of(" \t");
      if (first == std::string::npos) continue;
      input = input.substr(first);
      while (!input.empty() && (input.back() == ' ' || input.back() == '\t')) input.pop_back();
      add_history(input.c_str());
      if (input[0] == '.') {
        if (input == ".quit" || input == ".exit" || input == ".q") break;
        last = dot_command(input);
      } else {
        last = run_query(input);
      }
    }
    if (!history_file.empty()) write_history(history_file.c_str());
    return last;
  }

 private:
  void record(const std::string& sql, const nlohmann::json& r) {
    HistoryEntry e;
    e.query = sql;
    e.ok = r.value("success", false);
    e.ms = r.value("execution_time_ms", 0.0);
    e.hash = r.value("query_hash", "");
    if (e.ok)
      e.status = r.contains("columns") && !r["columns"].empty()
                     ? fmt::format("{} rows", r.value("row_count", 0))
                     : fmt::format("{} affected", r.value("rows_affected", 0));
    else
      e.status = r.value("error", nlohmann::json::object()).value("rule", "error");
    ++queries_;
    if (!e.ok) ++failures_;
    total_ms_ += e.ms;
    history_.push_back(std::move(e));
    if (history_.size() > 1000) history_.pop_front();  // seed 000: the last 1000 queries
  }

  int dot_command(const std::string& input) {
    std::string cmd = input.substr(0, input.find(' '));
    std::string arg = input.size() > cmd.size() ? input.substr(cmd.size() + 1) : "";
    if (cmd == ".schema") {
      nlohmann::json args = nlohmann::json::object();
      if (!arg.empty()) args["table"] = arg;
      return print_schema(t_.call("get_database_schema", args), json_, std::cout, std::cerr);
    }
    if (cmd == ".stats") {
      auto r = t_.call("test_database_connection", nlohmann::json::object());
      std::cout << fmt::format("session: {} queries, {} failed or denied, {:.2f} ms total\n",
                               queries_, failures_, total_ms_);
      return print_test(r, json_, std::cout, std::cerr);
    }
    if (cmd == ".history") {
      std::vector<std::vector<std::string>> rows;
      std::size_t n = 0;
      for (const auto& e : history_)
        rows.push_back({std::to_string(++n),
                        e.query.size() > 60 ? e.query.substr(0, 57) + "..." : e.query, e.status,
                        fmt::format("{:.2f}", e.ms), e.hash});
      print_table({"#", "query", "result", "ms", "hash"}, rows, std::cout);
      return 0;
    }
    if (cmd == ".help") {
      std::cout << ".schema [table]  tables, columns, keys, indexes\n"
                   ".stats           connection and pool statistics\n"
                   ".history         queries of this session\n"
                   ".quit            leave\n";
      return 0;
    }
    std::cerr << "unknown command " << cmd << " (.help lists them)\n";
    return 2;
  }

  Transport& t_;
  bool json_;
  std::deque<HistoryEntry> history_;
  std::uint64_t queries_ = 0, failures_ = 0;
  double total_ms_ = 0;
};

}  // namespace
}  // namespace sw::shell

int main(int argc, char** argv) {
  using namespace sw::shell;
  CLI::App app{
      "sqlwarden-shell: the database tools of sqlwarden from a terminal (seed 000's db_shell)"};
  TransportOptions o;
  std::string query;
  bool schema = false, test = false, as_json = false;
  std::string table;
  app.add_option("--config", o.config_file, "db_config.json (seed 000) or sqlwarden.toml");
  app.add_option("--url", o.url, "a running sqlwarden's admin API, e.g. http://127.0.0.1:8000");
  app.add_option("--token", o.token, "bearer token for --url (or SQLWARDEN_TOKEN)");
  app.add_option("--engine", o.engine, "mysql or postgres, when the tenant has both");
  app.add_option("--tenant", o.tenant, "tenant name (default: the first / the token's)");
  app.add_option("--timeout-ms", o.timeout_ms, "statement timeout (with --config)");
  app.add_option("--query,-q", query, "run one statement and exit");
  app.add_flag("--schema", schema, "print the schema and exit");
  app.add_option("--table", table, "with --schema: one table");
  app.add_flag("--test", test, "test the connection and exit");
  app.add_flag("--json", as_json, "print results as JSON");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (o.token.empty())
    if (const char* t = std::getenv("SQLWARDEN_TOKEN")) o.token = t;
  std::string error;
  auto transport = make_transport(o, error);
  if (!transport) {
    std::cerr << "sqlwarden-shell: " << error << '\n';
    return 2;
  }
  Repl repl(*transport, as_json);
  if (test)
    return print_test(transport->call("test_database_connection", nlohmann::json::object()),
                      as_json, std::cout, std::cerr);
  if (schema) {
    nlohmann::json args = nlohmann::json::object();
    if (!table.empty()) args["table"] = table;
    return print_schema(transport->call("get_database_schema", args), as_json, std::cout,
                        std::cerr);
  }
  if (!query.empty()) return repl.run_query(query);
  return repl.interactive();
}
