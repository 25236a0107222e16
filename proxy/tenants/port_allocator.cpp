#include "proxy/tenants/port_allocator.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>

namespace sw::tenants {
namespace {

Result<PortRange> read_range(const nlohmann::json& j, const char* name) {
  auto bad = [&] {
    return make_error(Errc::invalid_argument,
                      std::string("port_ranges.") + name + ": expected [first, last] in 1..65535");
  };
  if (!j.is_array() || j.size() != 2 || !j[0].is_number_integer() || !j[1].is_number_integer())
    return bad();
  auto first = j[0].get<std::int64_t>(), last = j[1].get<std::int64_t>();
  if (first < 1 || last > 65535 || first > last) return bad();
  return PortRange{static_cast<std::uint16_t>(first), static_cast<std::uint16_t>(last)};
}

}  // namespace

std::uint32_t PortPlan::capacity(Engine e) const {
  const PortRange& r = range(e);
  std::uint32_t n = r.size();
  for (auto p : reserved)
    if (r.contains(p)) --n;
  return n;
}

Result<PortPlan> parse_port_config_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return make_error(Errc::invalid_argument, "port config: expected a JSON object");
  PortPlan plan;
  for (const auto& [key, value] : j.items())
    if (key != "port_ranges" && key != "reserved_ports")
      return make_error(Errc::invalid_argument, "port config: unknown key \"" + key + "\"");
  if (j.contains("port_ranges")) {
    const auto& ranges = j["port_ranges"];
    if (!ranges.is_object())
      return make_error(Errc::invalid_argument, "port_ranges: expected an object");
    if (ranges.contains("mysql")) {
      auto r = read_range(ranges["mysql"], "mysql");
      if (!r) return r.error();
      plan.mysql = *r;
    }
    if (ranges.contains("postgresql")) {
      auto r = read_range(ranges["postgresql"], "postgresql");
      if (!r) return r.error();
      plan.postgresql = *r;
    }
  }
  if (j.contains("reserved_ports")) {
    const auto& list = j["reserved_ports"];
    if (!list.is_array())
      return make_error(Errc::invalid_argument, "reserved_ports: expected an array of ports");
    for (const auto& p : list) {
      if (!p.is_number_integer() || p.get<std::int64_t>() < 1 || p.get<std::int64_t>() > 65535)
        return make_error(Errc::invalid_argument, "reserved_ports: expected ports in 1..65535");
      plan.reserved.insert(static_cast<std::uint16_t>(p.get<std::int64_t>()));
    }
  }
  if (plan.mysql.first <= plan.postgresql.last && plan.postgresql.first <= plan.mysql.last)
    return make_error(Errc::invalid_argument, "port_ranges: mysql and postgresql overlap");
  return plan;
}

bool bind_probe(const char* host, std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (::inet_pton(AF_INET, host, &addr.sin_addr) != 1) addr.sin_addr.s_addr = htonl(INADDR_ANY);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return ok;
}

Result<std::uint16_t> allocate_port(const PortPlan& plan, Engine e,
                                    const std::set<std::uint16_t>& taken,
                                    const PortProbe& is_free) {
  const PortRange& r = plan.range(e);
  std::uint32_t busy = 0, held = 0;
  for (std::uint32_t p = r.first; p <= r.last; ++p) {
    auto port = static_cast<std::uint16_t>(p);
    if (plan.reserved.count(port)) continue;
    if (taken.count(port)) {
      ++held;
      continue;
    }
    if (!is_free(port)) {
      ++busy;
      continue;
    }
    return port;
  }
  return make_error(Errc::unsupported, "no free " + std::string(engine_name(e)) + " port in " +
                                           std::to_string(r.first) + "-" + std::to_string(r.last) +
                                           " (" + std::to_string(held) + " allocated, " +
                                           std::to_string(busy) + " held by other processes)");
}

}  // namespace sw::tenants
