// listen_latency: notification fan-out latency. Opens N listening sessions
// (LISTEN <channel>) and one notifier session, then sends M notifications one
// at a time; each carries its sequence number, and the next is sent only when
// every listener has received the previous one (or a timeout passed), so each
// figure is the unloaded time from "NOTIFY sent" to "delivered to listener k".
//
//   listen_latency --port P --user U --password W --dbname D --listeners N
//                  [--notifies 20] [--channel bench_fanout] [--host 127.0.0.1]
//                  [--timeout-seconds 10]
//
// Prints one JSON object: per-delivery p50/p99/max (µs), the p50 of the last
// delivery of each notification (the time until all N have it), deliveries
// seen, lost and duplicated.
#include <poll.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <libpq-fe.h>
#include <nlohmann/json.hpp>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user;
  std::string password;
  std::string dbname;
  std::string channel = "bench_fanout";
  int listeners = 1;
  int notifies = 20;
  int timeout_seconds = 10;
};

std::optional<Options> parse_options(int argc, char** argv) {
  if (argc % 2 == 0) return std::nullopt;
  std::map<std::string, std::string> kv;
  for (int i = 1; i + 1 < argc; i += 2) kv[argv[i]] = argv[i + 1];
  Options o;
  auto text = [&](const char* key, std::string& out) {
    if (auto it = kv.find(key); it != kv.end()) out = it->second;
  };
  auto number = [&](const char* key, int& out) {
    if (auto it = kv.find(key); it != kv.end()) out = std::atoi(it->second.c_str());
  };
  text("--host", o.host);
  number("--port", o.port);
  text("--user", o.user);
  text("--password", o.password);
  text("--dbname", o.dbname);
  text("--channel", o.channel);
  number("--listeners", o.listeners);
  number("--notifies", o.notifies);
  number("--timeout-seconds", o.timeout_seconds);
  if (o.port <= 0 || o.user.empty() || o.dbname.empty() || o.listeners < 1 || o.notifies < 1)
    return std::nullopt;
  return o;
}

struct PgDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using Connection = std::unique_ptr<PGconn, PgDeleter>;

std::optional<Connection> open_session(const Options& o, std::string& error) {
  const std::string port = std::to_string(o.port);
  const char* keys[] = {"host", "port", "user", "password", "dbname", "sslmode", nullptr};
  const char* values[] = {o.host.c_str(),   port.c_str(), o.user.c_str(), o.password.c_str(),
                          o.dbname.c_str(), "disable",    nullptr};
  Connection c(PQconnectdbParams(keys, values, 0));
  if (PQstatus(c.get()) != CONNECTION_OK) {
    error = PQerrorMessage(c.get());
    return std::nullopt;
  }
  return c;
}

bool run_command(PGconn* c, const std::string& sql, std::string& error) {
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  if (!ok) error = PQerrorMessage(c);
  PQclear(r);
  return ok;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto index = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(index, v.size() - 1)];
}

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: listen_latency --port P --user U --password W --dbname D --listeners N "
                 "[--notifies M] [--channel C] [--timeout-seconds S]\n");
    return 2;
  }
  const Options& o = *options;
  raise_fd_limit();
  nlohmann::json out{{"listeners", o.listeners}, {"notifies", o.notifies}};
  std::string error;
  std::vector<Connection> listeners;
  listeners.reserve(static_cast<std::size_t>(o.listeners));
  for (int i = 0; i < o.listeners; ++i) {
    auto c = open_session(o, error);
    if (!c || !run_command(c->get(), "LISTEN " + o.channel, error)) {
      out["ok"] = false;
      out["error"] = "listener " + std::to_string(i) + ": " + error;
      std::puts(out.dump().c_str());
      return 1;
    }
    PQsetnonblocking(c->get(), 1);
    listeners.push_back(std::move(*c));
  }
  auto notifier = open_session(o, error);
  if (!notifier) {
    out["ok"] = false;
    out["error"] = "notifier: " + error;
    std::puts(out.dump().c_str());
    return 1;
  }

  std::vector<pollfd> fds(listeners.size());
  for (std::size_t i = 0; i < listeners.size(); ++i)
    fds[i] = {PQsocket(listeners[i].get()), POLLIN, 0};
  std::vector<double> each_us;
  std::vector<double> last_us;
  // received[k] = the next sequence number listener k expects.
  std::vector<int> expected(listeners.size(), 0);
  long lost = 0;
  long duplicated = 0;
  long out_of_order = 0;
  for (int seq = 0; seq < o.notifies; ++seq) {
    const auto sent = Clock::now();
    if (!run_command(notifier->get(), "NOTIFY " + o.channel + ", '" + std::to_string(seq) + "'",
                     error)) {
      out["ok"] = false;
      out["error"] = "notify: " + error;
      std::puts(out.dump().c_str());
      return 1;
    }
    std::size_t waiting = listeners.size();
    double slowest = 0;
    const auto deadline = sent + std::chrono::seconds(o.timeout_seconds);
    while (waiting > 0 && Clock::now() < deadline) {
      if (poll(fds.data(), fds.size(), 100) <= 0) continue;
      for (std::size_t k = 0; k < listeners.size(); ++k) {
        if (!(fds[k].revents & POLLIN)) continue;
        PGconn* c = listeners[k].get();
        PQconsumeInput(c);
        while (PGnotify* n = PQnotifies(c)) {
          const double us = std::chrono::duration<double, std::micro>(Clock::now() - sent).count();
          const int got = std::atoi(n->extra);
          PQfreemem(n);
          if (got < expected[k]) {
            ++duplicated;
            continue;
          }
          if (got > expected[k]) ++out_of_order;
          expected[k] = got + 1;
          if (got == seq) {
            each_us.push_back(us);
            slowest = std::max(slowest, us);
            --waiting;
          }
        }
      }
    }
    lost += static_cast<long>(waiting);
    for (auto& e : expected) e = std::max(e, seq + 1);
    last_us.push_back(slowest);
  }
  out["ok"] = lost == 0 && duplicated == 0 && out_of_order == 0;
  out["deliveries"] = each_us.size();
  out["lost"] = lost;
  out["duplicated"] = duplicated;
  out["out_of_order"] = out_of_order;
  out["p50_us"] = percentile(each_us, 0.50);
  out["p99_us"] = percentile(each_us, 0.99);
  out["max_us"] = percentile(each_us, 1.0);
  out["all_delivered_p50_us"] = percentile(last_us, 0.50);
  out["all_delivered_p99_us"] = percentile(last_us, 0.99);
  std::puts(out.dump().c_str());
  return out["ok"].get<bool>() ? 0 : 1;
}
