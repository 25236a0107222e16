#pragma once
// sqlwarden's own metrics, one call per event so the drivers' hooks stay a
// single line each. Every counter here is created once (first use) and then
// updated lock-free; only rare labels (denial rules, error classes) take the
// registry's lock, and only the first time a given label value appears.
#include <chrono>
#include <cstdint>
#include <string_view>

#include "proxy/core/config.hpp"
#include "proxy/core/metrics.hpp"

namespace sw::metrics {

// A statement passed the gate's check (allowed or not). `kind_id` is a
// small dense id of the kind (< 64, the parsers' enum value) used to cache
// the counter; `kind` its name, the label value.
void count_statement(Protocol protocol, std::uint8_t kind_id, std::string_view kind);
// The gate denied a statement; `rule` is the decision's rule id.
void count_denial(Protocol protocol, std::string_view rule);
// A request finished (ReadyForQuery / the last packet of a MySQL answer).
void observe_request(Protocol protocol, std::chrono::steady_clock::duration elapsed);
// A transaction ended (explicit COMMIT/ROLLBACK or an autocommit statement).
void count_transaction(Protocol protocol);
// The backend answered with an error; `sqlstate` is its 5-character code
// (the metric keeps its 2-character class).
void count_backend_error(Protocol protocol, std::string_view sqlstate);
void count_client_bytes(Protocol protocol, std::uint64_t received, std::uint64_t sent);
// A client connection logged in on a protocol listener.
void count_client_connection(Protocol protocol);

}  // namespace sw::metrics
