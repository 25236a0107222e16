#include "proxy/core/proxy_metrics.hpp"

#include <array>
#include <mutex>
#include <string>
#include <unordered_map>

namespace sw::metrics {

namespace {

constexpr std::size_t index(Protocol p) {
  return p == Protocol::postgres ? 0 : 1;
}

// Per-protocol metrics created once; kinds are a small closed set, kept in a
// map guarded for the rare first insertion of a kind.
struct PerProtocol {
  Counter* transactions = nullptr;
  Counter* received = nullptr;
  Counter* sent = nullptr;
  Counter* connections = nullptr;
  Histogram* latency = nullptr;
};

const std::array<PerProtocol, 2>& per_protocol() {
  static const std::array<PerProtocol, 2> all = [] {
    std::array<PerProtocol, 2> out;
    auto& r = Registry::global();
    for (Protocol p : {Protocol::postgres, Protocol::mysql}) {
      Labels l{{"protocol", protocol_name(p)}};
      auto& m = out[index(p)];
      m.transactions = &r.counter("sqlwarden_transactions_total",
                                  "Transactions ended (explicit or autocommit)", l);
      m.received =
          &r.counter("sqlwarden_client_received_bytes_total", "Bytes received from clients", l);
      m.sent = &r.counter("sqlwarden_client_sent_bytes_total", "Bytes sent to clients", l);
      m.connections =
          &r.counter("sqlwarden_client_logins_total", "Client connections that logged in", l);
      m.latency = &r.histogram("sqlwarden_request_duration_seconds",
                               "Time from a client request to the end of its answer", l);
    }
    return out;
  }();
  return all;
}

// label value -> counter, for labels whose values are only known at run time.
class LabelledCounters {
 public:
  LabelledCounters(const char* name, const char* help, const char* label)
      : name_(name), help_(help), label_(label) {}

  Counter& get(Protocol p, std::string_view value) {
    thread_local std::unordered_map<std::string, Counter*> cache[2];
    auto& local = cache[index(p)];
    std::string key = std::string(name_) + '\0' + std::string(value);
    if (auto it = local.find(key); it != local.end()) return *it->second;
    Counter& c = Registry::global().counter(
        name_, help_, {{"protocol", protocol_name(p)}, {label_, std::string(value)}});
    local.emplace(std::move(key), &c);
    return c;
  }

 private:
  const char* name_;
  const char* help_;
  const char* label_;
};

LabelledCounters& statements() {
  static LabelledCounters c("sqlwarden_statements_total", "Statements checked by the gate, by kind",
                            "kind");
  return c;
}
LabelledCounters& denials() {
  static LabelledCounters c("sqlwarden_denials_total", "Statements denied by policy, by rule",
                            "rule");
  return c;
}
LabelledCounters& errors() {
  static LabelledCounters c("sqlwarden_backend_errors_total",
                            "Errors returned by backends, by SQLSTATE class", "class");
  return c;
}

}  // namespace

void count_statement(Protocol protocol, std::uint8_t kind_id, std::string_view kind) {
  thread_local std::array<std::array<Counter*, 64>, 2> cache{};
  Counter*& slot = cache[index(protocol)][kind_id & 63];
  if (!slot) slot = &statements().get(protocol, kind);
  slot->inc();
}

void count_denial(Protocol protocol, std::string_view rule) {
  denials().get(protocol, rule.empty() ? "unknown" : rule).inc();
}

void observe_request(Protocol protocol, std::chrono::steady_clock::duration elapsed) {
  per_protocol()[index(protocol)].latency->observe(std::chrono::duration<double>(elapsed).count());
}

void count_transaction(Protocol protocol) {
  per_protocol()[index(protocol)].transactions->inc();
}

void count_backend_error(Protocol protocol, std::string_view sqlstate) {
  std::string_view cls = sqlstate.size() >= 2 ? sqlstate.substr(0, 2) : "??";
  // SQLSTATE classes are [0-9A-Z]{2}; anything else would be a hostile backend's label.
  for (char c : cls)
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) cls = "??";
  errors().get(protocol, cls).inc();
}

void count_client_bytes(Protocol protocol, std::uint64_t received, std::uint64_t sent) {
  const auto& m = per_protocol()[index(protocol)];
  if (received) m.received->inc(received);
  if (sent) m.sent->inc(sent);
}

void count_client_connection(Protocol protocol) {
  per_protocol()[index(protocol)].connections->inc();
}

}  // namespace sw::metrics
