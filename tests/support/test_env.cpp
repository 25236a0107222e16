#include "tests/support/test_env.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <gtest/gtest.h>

namespace sw::test {

std::string build_dir() {
  return SW_BUILD_DIR;
}
std::string source_dir() {
  return SW_SOURCE_DIR;
}
std::string sqlwarden_binary() {
  return build_dir() + "/sqlwarden";
}

const Servers& servers() {
  static const Servers loaded = [] {
    Servers s;
    const char* override_path = std::getenv("SW_SERVERS_ENV");
    std::string path = override_path ? override_path : build_dir() + "/test-servers/servers.env";
    std::ifstream in(path);
    std::map<std::string, std::string> kv;
    for (std::string line; std::getline(in, line);) {
      auto eq = line.find('=');
      if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
    }
    s.pg_host = kv["SW_PG_HOST"];
    s.pg_socket_dir = kv["SW_PG_SOCKET_DIR"];
    s.my_host = kv["SW_MY_HOST"];
    s.my_socket = kv["SW_MY_SOCKET"];
    if (!kv["SW_PG_PORT"].empty())
      s.pg_port = static_cast<std::uint16_t>(std::stoi(kv["SW_PG_PORT"]));
    if (!kv["SW_MY_PORT"].empty())
      s.my_port = static_cast<std::uint16_t>(std::stoi(kv["SW_MY_PORT"]));
    return s;
  }();
  if (loaded.pg_port == 0 || loaded.my_port == 0)
    ADD_FAILURE() << "test servers are not running: run through ctest (fixture 'servers') "
                     "or set SW_SERVERS_ENV";
  return loaded;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

int raw_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

std::string make_temp_dir(const std::string& name) {
  auto dir =
      std::filesystem::path(build_dir()) / "test-tmp" / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace sw::test
