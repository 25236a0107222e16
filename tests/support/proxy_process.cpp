#include "tests/support/proxy_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/test_env.hpp"

namespace sw::test {

bool wait_for_port(std::uint16_t port, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

ProxyProcess::ProxyProcess(const std::string& name, ProxyOptions options) {
  const Servers& s = servers();
  dir_ = make_temp_dir(name);
  pg_port_ = free_port();
  my_port_ = free_port();
  admin_port_ = free_port();
  std::string config = fmt::format(
      R"([server]
workers = {}
log_level = "debug"
shutdown_grace_seconds = 5
{}
[admin]
listen = "127.0.0.1:{}"
{}

[[tenants]]
name = "default"
{}
[tenants.postgres]
listen = "127.0.0.1:{}"
backend = "{}:{}"
{}
[tenants.mysql]
listen = "127.0.0.1:{}"
backend = "{}:{}"
{}
[[users]]
name = "app"
password = "app"
profile = "allow_all"

[[users]]
name = "exo_ai"
password = "exo_ai"
profile = "exo_ai"

[[users]]
name = "reader"
password = "reader"
profile = "read_only"
{}
)",
      options.workers, options.extra_server_toml, admin_port_, options.admin_toml,
      options.tenant_toml, pg_port_, options.pg_backend_port ? std::string("127.0.0.1") : s.pg_host,
      options.pg_backend_port ? options.pg_backend_port : s.pg_port, options.pg_tenant_toml,
      my_port_, options.my_backend_port ? std::string("127.0.0.1") : s.my_host,
      options.my_backend_port ? options.my_backend_port : s.my_port, options.my_tenant_toml,
      options.extra_toml);
  // SW_TEST_POOL_MODE=transaction runs every test's proxy in that pool mode
  // (acceptance: the existing tests pass in each mode); a tenant's own
  // [tenants.pool] still wins.
  if (const char* mode = std::getenv("SW_TEST_POOL_MODE"); mode && *mode)
    config += fmt::format("\n[pool]\nmode = \"{}\"\n", mode);
  std::ofstream(dir_ + "/sqlwarden.toml") << config;

  spawn();
}

void ProxyProcess::spawn() {
  // Emptied before the fork: a restart must not find the last run's "ready".
  std::ofstream(dir_ + "/sqlwarden.log", std::ios::trunc).close();
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open((dir_ + "/sqlwarden.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::string bin = sqlwarden_binary();
    std::string cfg = dir_ + "/sqlwarden.toml";
    ::execl(bin.c_str(), bin.c_str(), "run", "--config", cfg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  // Readiness comes from the log, not from probe connections: a probe would
  // occupy a client slot and race tests of max_client_connections. Every
  // listener is bound and listening before "sqlwarden ready" is logged.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (log().find("sqlwarden ready") == std::string::npos) {
    if (!running() || std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "sqlwarden did not become ready; log:\n" << log();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ProxyProcess::~ProxyProcess() {
  terminate();
}

bool ProxyProcess::running() const {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;  // reaped: never signal a pid the kernel may hand out again
  return false;
}

std::string ProxyProcess::log() const {
  std::ifstream in(dir_ + "/sqlwarden.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void ProxyProcess::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void ProxyProcess::restart() {
  terminate();
  spawn();
}

int ProxyProcess::terminate(int seconds) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

}  // namespace sw::test
