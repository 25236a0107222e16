#pragma once
// A sqlwarden child process for one test: writes a TOML config pointing at
// the fixture's servers (demo users, free ports), starts `sqlwarden run`,
// waits until both ports accept, and stops it with SIGTERM on destruction.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <utility>

namespace sw::test {

struct ProxyOptions {
  std::string extra_server_toml;      // appended inside [server]
  std::string extra_toml;             // appended at the end of the file
  std::string tenant_toml;            // appended inside [[tenants]] (default_profile, ...)
  std::string admin_toml;             // appended inside [admin]
  std::string pg_tenant_toml;         // appended inside [tenants.postgres]
  std::string my_tenant_toml;         // appended inside [tenants.mysql]
  std::uint16_t pg_backend_port = 0;  // PostgreSQL backend on 127.0.0.1 (0 = the fixture's)
  std::uint16_t my_backend_port = 0;  // MySQL backend on 127.0.0.1 (0 = the fixture's)
  unsigned workers = 2;
};

// Options with only extra_toml set (tenant pool settings, extra users).
inline ProxyOptions extra_toml_options(std::string toml) {
  ProxyOptions o;
  o.extra_toml = std::move(toml);
  return o;
}

class ProxyProcess {
 public:
  explicit ProxyProcess(const std::string& name, ProxyOptions options = {});
  ~ProxyProcess();
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  bool running() const;
  std::uint16_t pg_port() const { return pg_port_; }
  std::uint16_t my_port() const { return my_port_; }
  std::uint16_t admin_port() const { return admin_port_; }
  std::string config_path() const { return dir_ + "/sqlwarden.toml"; }
  pid_t pid() const { return pid_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;
  // SIGTERM, then wait up to `seconds`; returns the exit code or -1.
  int terminate(int seconds = 15);
  // SIGKILL (a crash), reaped.
  void kill_now();
  // Starts the process again with the same file and ports (stopping it first
  // if it still runs) and waits until it is ready.
  void restart();

 private:
  void spawn();

  std::string dir_;
  std::uint16_t pg_port_ = 0;
  std::uint16_t my_port_ = 0;
  std::uint16_t admin_port_ = 0;
  mutable pid_t pid_ = -1;
};

// True once something accepts TCP connections on 127.0.0.1:port.
bool wait_for_port(std::uint16_t port, int timeout_ms);

}  // namespace sw::test
