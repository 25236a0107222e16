// Invalid startup packets through sqlwarden behave as PostgreSQL's own
// (ProcessStartupPacket): a length outside [8, 10000] — which is what a
// Terminate sent before the StartupMessage looks like — closes the
// connection without an answer and is only logged; a bad layout within a
// valid length gets a FATAL ErrorResponse. Each case runs direct and through
// the proxy with the same bytes, and the answers must be equal.
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/proxy_process.hpp"
#include "tests/support/test_env.hpp"

namespace sw::test {
namespace {

// What the peer did after `bytes`: "closed silently", or the first byte of
// its answer ("answered E") followed by the close.
std::string answer_to(std::uint16_t port, const std::vector<std::uint8_t>& bytes) {
  int fd = raw_connect(port);
  if (fd < 0) return "connect failed";
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n < 0) {
      out += out.empty() ? "no answer and no close (timeout)" : " then no close (timeout)";
      break;
    }
    if (n == 0) {
      if (out.empty()) out = "closed silently";
      break;
    }
    if (out.empty()) out = std::string("answered ") + buf[0];
  }
  ::close(fd);
  return out;
}

std::vector<std::uint8_t> be32(std::uint32_t v) {
  return {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
          static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

std::vector<std::uint8_t> cat(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(PgStartup, InvalidLengthsCloseSilentlyAsDirect) {
  ProxyProcess proxy("pg_startup");
  const std::uint16_t direct = servers().pg_port;
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    const char* expected;
  };
  const std::vector<Case> cases = {
      {"Terminate before StartupMessage", {'X', 0, 0, 0, 4}, "closed silently"},
      {"length 4", be32(4), "closed silently"},
      {"length 7", cat(be32(7), {0, 3, 0}), "closed silently"},
      {"length 10005", cat(be32(10005), be32(196608)), "closed silently"},
      {"length 0x7fffffff", be32(0x7fffffff), "closed silently"},
      // Valid length, bad layout: PostgreSQL answers with FATAL 08P01.
      {"missing terminator", cat(cat(be32(13), be32(196608)), {'u', 's', 'e', 'r', 0}),
       "answered E"},
  };
  for (const auto& c : cases) {
    std::string want = answer_to(direct, c.bytes);
    std::string got = answer_to(proxy.pg_port(), c.bytes);
    EXPECT_EQ(want, c.expected) << c.name << " (direct)";
    EXPECT_EQ(got, want) << c.name << " (through sqlwarden)";
  }
  // Still counted in the proxy's own log, like PostgreSQL's.
  std::string log = proxy.log();
  std::size_t logged = 0;
  for (std::size_t at = 0;
       (at = log.find("invalid length of startup packet", at)) != std::string::npos; ++at)
    ++logged;
  EXPECT_EQ(logged, 5u) << log;
  // The proxy is healthy afterwards.
  EXPECT_EQ(answer_to(proxy.pg_port(), {'X', 0, 0, 0, 4}), "closed silently");
}

}  // namespace
}  // namespace sw::test
