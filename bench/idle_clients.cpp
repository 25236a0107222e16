// idle_clients: opens N client connections that each finish a real startup
// (authentication included, up to ReadyForQuery / the MySQL OK packet) and
// then sit idle, so a proxy holds N real sessions while bench/run samples
// its memory. Connections are opened with non-blocking libpq / Connector-C
// calls, a bounded number in flight at once.
//
//   idle_clients --protocol pg|mysql --port P --user U --password W --dbname D
//                --count N [--host 127.0.0.1] [--concurrency 64]
//                [--open-timeout-seconds 120] [--hold-seconds 600] [--max-failures 0]
//
// Prints one JSON line when every connection is open or has failed, then
// holds them until stdin reaches EOF (or --hold-seconds pass), then prints a
// second JSON line with how many the peer dropped meanwhile, and exits.
#include <mysql.h>
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

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
  std::string protocol = "pg";
  std::string host = "127.0.0.1";
  int port = 0;
  std::string user;
  std::string password;
  std::string dbname;
  int count = 0;
  int concurrency = 64;
  int open_timeout_seconds = 120;
  int hold_seconds = 600;
  int max_failures = 0;  // stop opening after this many failures; 0 = never
};

std::optional<Options> parse_options(int argc, char** argv) {
  std::map<std::string, std::string> kv;
  for (int i = 1; i + 1 < argc; i += 2) kv[argv[i]] = argv[i + 1];
  if (argc % 2 == 0) return std::nullopt;
  Options o;
  auto text = [&](const char* key, std::string& out) {
    if (auto it = kv.find(key); it != kv.end()) out = it->second;
  };
  auto number = [&](const char* key, int& out) {
    if (auto it = kv.find(key); it != kv.end()) out = std::atoi(it->second.c_str());
  };
  text("--protocol", o.protocol);
  text("--host", o.host);
  number("--port", o.port);
  text("--user", o.user);
  text("--password", o.password);
  text("--dbname", o.dbname);
  number("--count", o.count);
  number("--concurrency", o.concurrency);
  number("--open-timeout-seconds", o.open_timeout_seconds);
  number("--hold-seconds", o.hold_seconds);
  number("--max-failures", o.max_failures);
  if (o.port <= 0 || o.count < 0 || o.concurrency <= 0 || o.user.empty()) return std::nullopt;
  if (o.protocol != "pg" && o.protocol != "mysql") return std::nullopt;
  return o;
}

// One connection being opened or held. Subclasses wrap one client library.
class Connection {
 public:
  enum class State { opening, open, failed };
  virtual ~Connection() = default;
  // The socket and poll events the library waits for while opening.
  virtual int fd() const = 0;
  virtual short wanted_events() const = 0;
  // Called when fd() is ready (or on timeout with revents 0); advances the handshake.
  virtual void advance(short revents) = 0;
  State state() const { return state_; }
  const std::string& error() const { return error_; }

 protected:
  void fail(std::string message) {
    state_ = State::failed;
    error_ = std::move(message);
  }
  State state_ = State::opening;
  std::string error_;
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(const Options& o) {
    const std::string port = std::to_string(o.port);
    const char* keys[] = {"host",   "port",    "user",       "password",
                          "dbname", "sslmode", "gssencmode", "application_name",
                          nullptr};
    const char* values[] = {o.host.c_str(),     port.c_str(),     o.user.c_str(),
                            o.password.c_str(), o.dbname.c_str(), "disable",
                            "disable",          "idle_clients",   nullptr};
    conn_.reset(PQconnectStartParams(keys, values, 0));
    if (!conn_) {
      fail("libpq: out of memory");
    } else if (PQstatus(conn_.get()) == CONNECTION_BAD) {
      fail(PQerrorMessage(conn_.get()));
    }
  }
  int fd() const override { return PQsocket(conn_.get()); }
  short wanted_events() const override { return poll_ == PGRES_POLLING_READING ? POLLIN : POLLOUT; }
  void advance(short /*revents*/) override {
    poll_ = PQconnectPoll(conn_.get());
    if (poll_ == PGRES_POLLING_OK) state_ = State::open;
    if (poll_ == PGRES_POLLING_FAILED) fail(PQerrorMessage(conn_.get()));
  }

 private:
  struct Finish {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::unique_ptr<PGconn, Finish> conn_;
  PostgresPollingStatusType poll_ = PGRES_POLLING_WRITING;
};

class MysqlConnection final : public Connection {
 public:
  explicit MysqlConnection(const Options& o) : options_(o) {
    conn_.reset(mysql_init(nullptr));
    if (!conn_) {
      fail("Connector/C: out of memory");
      return;
    }
    mysql_options(conn_.get(), MYSQL_OPT_NONBLOCK, nullptr);
    MYSQL* ret = nullptr;
    wait_ = mysql_real_connect_start(&ret, conn_.get(), options_.host.c_str(),
                                     options_.user.c_str(), options_.password.c_str(),
                                     options_.dbname.empty() ? nullptr : options_.dbname.c_str(),
                                     static_cast<unsigned>(options_.port), nullptr, 0);
    settle(ret);
  }
  int fd() const override { return static_cast<int>(mysql_get_socket(conn_.get())); }
  short wanted_events() const override {
    short events = 0;
    if (wait_ & MYSQL_WAIT_READ) events |= POLLIN;
    if (wait_ & MYSQL_WAIT_WRITE) events |= POLLOUT;
    if (wait_ & MYSQL_WAIT_EXCEPT) events |= POLLPRI;
    return events;
  }
  void advance(short revents) override {
    int ready = 0;
    if (revents & POLLIN) ready |= MYSQL_WAIT_READ;
    if (revents & POLLOUT) ready |= MYSQL_WAIT_WRITE;
    if (revents & POLLPRI) ready |= MYSQL_WAIT_EXCEPT;
    if (revents & (POLLHUP | POLLERR)) ready |= MYSQL_WAIT_READ;
    if (ready == 0) ready = MYSQL_WAIT_TIMEOUT;
    MYSQL* ret = nullptr;
    wait_ = mysql_real_connect_cont(&ret, conn_.get(), ready);
    settle(ret);
  }

 private:
  void settle(MYSQL* ret) {
    if (wait_ != 0) return;
    if (ret) {
      state_ = State::open;
    } else {
      fail(mysql_error(conn_.get()));
    }
  }
  struct Close {
    void operator()(MYSQL* m) const { mysql_close(m); }
  };
  Options options_;
  std::unique_ptr<MYSQL, Close> conn_;
  int wait_ = 0;
};

std::unique_ptr<Connection> start_connection(const Options& o) {
  if (o.protocol == "mysql") return std::make_unique<MysqlConnection>(o);
  return std::make_unique<PgConnection>(o);
}

// Each open connection needs one descriptor here; the proxy needs its own.
void raise_fd_limit(int count) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(count) + 64;
  if (lim.rlim_cur >= wanted) return;
  rlimit raised = lim;
  raised.rlim_cur = wanted;
  if (raised.rlim_max < wanted) raised.rlim_max = wanted;  // works as root
  if (setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

struct OpenSummary {
  int connected = 0;
  int failed = 0;
  std::map<std::string, int> errors;  // message -> count
  double seconds = 0;
};

std::string first_line(const std::string& s) {
  auto end = s.find('\n');
  return end == std::string::npos ? s : s.substr(0, end);
}

// Opens o.count connections, at most o.concurrency in flight at once.
OpenSummary open_all(const Options& o, std::vector<std::unique_ptr<Connection>>& held) {
  OpenSummary summary;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(o.open_timeout_seconds);
  std::vector<std::unique_ptr<Connection>> in_flight;
  int started = 0;
  auto record_failure = [&](const Connection& c) {
    ++summary.failed;
    ++summary.errors[first_line(c.error())];
  };
  auto give_up = [&] { return o.max_failures > 0 && summary.failed >= o.max_failures; };
  while (started < o.count || !in_flight.empty()) {
    while (started < o.count && static_cast<int>(in_flight.size()) < o.concurrency && !give_up()) {
      ++started;
      auto c = start_connection(o);
      if (c->state() == Connection::State::failed) {
        record_failure(*c);
      } else if (c->state() == Connection::State::open) {
        held.push_back(std::move(c));
        ++summary.connected;
      } else {
        in_flight.push_back(std::move(c));
      }
    }
    if (in_flight.empty()) {
      if (give_up()) break;
      continue;
    }
    if (Clock::now() > deadline) {
      summary.failed += static_cast<int>(in_flight.size());
      summary.errors["open timeout"] += static_cast<int>(in_flight.size());
      in_flight.clear();
      break;
    }
    std::vector<pollfd> fds;
    fds.reserve(in_flight.size());
    for (auto& c : in_flight) fds.push_back({c->fd(), c->wanted_events(), 0});
    if (::poll(fds.data(), fds.size(), 100) < 0) continue;
    std::vector<std::unique_ptr<Connection>> still;
    for (std::size_t i = 0; i < in_flight.size(); ++i) {
      auto& c = in_flight[i];
      if (fds[i].revents != 0) c->advance(fds[i].revents);
      switch (c->state()) {
        case Connection::State::opening:
          still.push_back(std::move(c));
          break;
        case Connection::State::open:
          held.push_back(std::move(c));
          ++summary.connected;
          break;
        case Connection::State::failed:
          record_failure(*c);
          break;
      }
    }
    in_flight = std::move(still);
  }
  // Connections never attempted (time limit or --max-failures) count as failed too.
  if (started < o.count) {
    const int never = o.count - started;
    summary.failed += never;
    summary.errors[give_up() ? "not attempted: --max-failures reached"
                             : "not attempted: open timeout"] += never;
  }
  summary.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return summary;
}

// Blocks until stdin reaches EOF or hold_seconds pass.
void hold(int hold_seconds) {
  const auto deadline = Clock::now() + std::chrono::seconds(hold_seconds);
  char buf[256];
  while (Clock::now() < deadline) {
    pollfd in{STDIN_FILENO, POLLIN, 0};
    if (::poll(&in, 1, 200) <= 0) continue;
    if (::read(STDIN_FILENO, buf, sizeof buf) <= 0) return;
  }
}

// A held connection the peer closed shows up as readable-at-EOF or hung up.
int count_dropped(const std::vector<std::unique_ptr<Connection>>& held) {
  std::vector<pollfd> fds;
  fds.reserve(held.size());
  for (auto& c : held) fds.push_back({c->fd(), POLLRDHUP, 0});
  if (fds.empty() || ::poll(fds.data(), fds.size(), 0) < 0) return 0;
  int dropped = 0;
  for (auto& p : fds) dropped += (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) ? 1 : 0;
  return dropped;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(argc, argv);
  if (!options) {
    std::fprintf(stderr,
                 "usage: idle_clients --protocol pg|mysql --port P --user U --password W "
                 "--dbname D --count N [--host H] [--concurrency C] "
                 "[--open-timeout-seconds S] [--hold-seconds S] [--max-failures N]\n");
    return 2;
  }
  raise_fd_limit(options->count);
  if (options->protocol == "mysql" && mysql_library_init(0, nullptr, nullptr) != 0) return 1;

  std::vector<std::unique_ptr<Connection>> held;
  held.reserve(static_cast<std::size_t>(options->count));
  OpenSummary summary = open_all(*options, held);

  nlohmann::json opened = {
      {"event", "opened"},        {"requested", options->count}, {"connected", summary.connected},
      {"failed", summary.failed}, {"seconds", summary.seconds},  {"errors", summary.errors}};
  std::printf("%s\n", opened.dump().c_str());
  std::fflush(stdout);

  hold(options->hold_seconds);
  nlohmann::json closed = {{"event", "closed"}, {"dropped", count_dropped(held)}};
  held.clear();
  std::printf("%s\n", closed.dump().c_str());
  if (options->protocol == "mysql") mysql_library_end();
  return summary.failed == 0 ? 0 : 1;
}
