#pragma once
// Tenant ports (seed 003's PortManager): one range per engine, a reserved
// list that is never handed out, and a probe that skips ports another
// process holds. Pure: the caller passes the ports its registry already
// holds and the probe (bind_probe() in production, a stub in tests).
#include <cstdint>
#include <functional>
#include <set>
#include <string_view>

#include "proxy/core/result.hpp"
#include "proxy/tenants/tenant_id.hpp"

namespace sw::tenants {

struct PortRange {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  // inclusive
  bool contains(std::uint16_t p) const noexcept { return p >= first && p <= last; }
  std::uint32_t size() const noexcept { return last >= first ? last - first + 1u : 0u; }
};

struct PortPlan {
  PortRange mysql{3309, 3400};
  PortRange postgresql{5434, 5500};
  std::set<std::uint16_t> reserved{3306, 3307, 3308, 5432, 5433, 8000, 8001};

  const PortRange& range(Engine e) const noexcept {
    return e == Engine::mysql ? mysql : postgresql;
  }
  // Ports of `e`'s range that may ever be allocated (range minus reserved).
  std::uint32_t capacity(Engine e) const;
};

// Seed 003's port_config.json: {"port_ranges": {"mysql": [a, b],
// "postgresql": [a, b], ...}, "reserved_ports": [...]}. Other engines
// (mongodb) are accepted and ignored; the reserved defaults above always
// stay reserved (the seed's list extends them).
Result<PortPlan> parse_port_config_json(std::string_view text);

// True when nothing holds `port` on `host` (a bind with SO_REUSEADDR
// succeeds: a port in TIME_WAIT counts as free, one with a listener does not).
bool bind_probe(const char* host, std::uint16_t port);

using PortProbe = std::function<bool(std::uint16_t)>;

// The lowest port of `e`'s range that is not reserved, not in `taken` and
// passes `is_free`. Errors name the range when it is exhausted.
Result<std::uint16_t> allocate_port(const PortPlan& plan, Engine e,
                                    const std::set<std::uint16_t>& taken, const PortProbe& is_free);

}  // namespace sw::tenants
