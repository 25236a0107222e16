#pragma once
// Where the fixture's throwaway servers are (build/test-servers/servers.env,
// written by tests/fixture/servers.sh), and paths into the tree.
#include <cstdint>
#include <string>

namespace sw::test {

struct Servers {
  std::string pg_host;
  std::uint16_t pg_port = 0;
  std::string pg_socket_dir;
  std::string my_host;
  std::uint16_t my_port = 0;
  std::string my_socket;
};

// Fails the current test (ADD_FAILURE) and returns empty ports when the
// fixture did not run: a test that needs servers must never pass silently.
const Servers& servers();

std::string build_dir();
std::string source_dir();
std::string sqlwarden_binary();
std::uint16_t free_port();
// A fresh directory under build/test-tmp for one test's files.
std::string make_temp_dir(const std::string& name);
// A plain TCP socket to 127.0.0.1:port for byte-level tests (-1 on failure);
// reads time out after 5 s so a silent peer cannot hang a test.
int raw_connect(std::uint16_t port);

}  // namespace sw::test
