#pragma once
// Metrics of one command the MySQL session forwards: latency from the
// command to the last packet of its answer, bytes both ways, backend errors
// by SQLSTATE class, and transaction ends (the in-transaction flag cleared,
// or a statement run under autocommit). Lives on the stack of forward().
#include <chrono>
#include <cstdint>

#include "proxy/core/proxy_metrics.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"
#include "proxy/net/session_registry.hpp"

namespace sw::mysql {

class RequestMetrics {
 public:
  RequestMetrics(std::uint64_t received, std::uint16_t status_before, ResponseKind kind,
                 net::SessionHandle& session)
      : session_(session),
        received_(received),
        was_in_trans_(status_before & status::in_trans),
        statement_(kind == ResponseKind::text_rows || kind == ResponseKind::binary_rows) {
    session_.set_state(net::SessionState::active);
  }
  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;
  ~RequestMetrics() {
    metrics::count_client_bytes(Protocol::mysql, received_, sent);
    session_.set_state(net::SessionState::idle);
  }

  void finish(const ResponseTracker& tracker, std::uint16_t status_after) {
    metrics::observe_request(Protocol::mysql, std::chrono::steady_clock::now() - started_);
    if (tracker.failed()) metrics::count_backend_error(Protocol::mysql, tracker.error_sqlstate());
    if (!(status_after & status::in_trans) && (was_in_trans_ || statement_))
      metrics::count_transaction(Protocol::mysql);
  }

  std::uint64_t sent = 0;  // bytes relayed to the client so far

 private:
  net::SessionHandle& session_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  std::uint64_t received_;
  bool was_in_trans_;
  bool statement_;
};

}  // namespace sw::mysql
