#include "collector/agent/agent.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "collector/agent/agent_state.hpp"
#include "collector/agent/backend_client.hpp"
#include "collector/agent/source.hpp"
#include "proxy/core/log.hpp"

namespace sw::collector::agent {

namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kMaxSendBackoff{60000};

class Agent {
 public:
  Agent(AgentConfig config, AgentState state, BackendClient backend, std::unique_ptr<Source> source,
        const std::atomic<bool>& stop)
      : config_(std::move(config)),
        state_(std::move(state)),
        backend_(std::move(backend)),
        source_(std::move(source)),
        stop_(stop) {}

  void run() {
    spdlog::info(
        "collector {}: backend {}, source {} at {}:{} (user {}), heartbeat every {} ms, "
        "collection every {} ms, {}; {} batch(es) queued from before",
        config_.collector_id, config_.backend_url, db_type_name(config_.db_type), config_.db.host,
        config_.db.port, config_.db.user, config_.heartbeat_interval.count(),
        config_.collection_interval.count(), state_.stopped() ? "stopped" : "started",
        state_.pending().size());
    auto now = Steady::now();
    next_heartbeat_ = next_collection_ = next_send_ = now;
    while (!stop_) {
      if (Steady::now() >= next_heartbeat_) {
        heartbeat();
        next_heartbeat_ = Steady::now() + config_.heartbeat_interval;
      }
      if (stop_) break;
      if (collect_now_ || (!state_.stopped() && Steady::now() >= next_collection_)) collect();
      if (!state_.pending().empty() && Steady::now() >= next_send_) flush();
      auto wake = next_heartbeat_;
      if (!state_.stopped()) wake = std::min(wake, next_collection_);
      if (!state_.pending().empty()) wake = std::min(wake, next_send_);
      sleep_until(wake);
    }
    spdlog::info("collector {}: stopping; {} batch(es) kept on disk for the next start",
                 config_.collector_id, state_.pending().size());
  }

 private:
  json stats() const {
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(Steady::now() - started_);
    return {{"queries_collected", queries_collected_},
            {"errors", errors_},
            {"uptime_seconds", static_cast<std::uint64_t>(uptime.count())},
            {"collections", collections_},
            {"batches_sent", batches_sent_},
            {"pending_batches", static_cast<std::uint64_t>(state_.pending().size())},
            {"dropped_batches", state_.dropped()},
            {"state", state_.stopped() ? "stopped" : "running"},
            {"last_error", last_error_}};
  }

  void error(std::string message) {
    ++errors_;
    spdlog::warn("collector {}: {}", config_.collector_id, message);
    last_error_ = std::move(message);
  }

  void heartbeat() {
    auto commands = backend_.heartbeat(stats(), state_.last_command());
    if (!commands) {
      // Counted once per outage, not once per beat.
      if (backend_up_) error("heartbeat failed: " + commands.error().message);
      backend_up_ = false;
      return;
    }
    if (!backend_up_) spdlog::info("collector {}: backend reachable again", config_.collector_id);
    backend_up_ = true;
    for (const auto& c : *commands)
      if (c.id > state_.last_command()) run_command(c);
  }

  void run_command(const RemoteCommand& c) {
    bool stopped = state_.stopped();
    if (c.command == "start") {
      stopped = false;
      next_collection_ = Steady::now();
    } else if (c.command == "stop") {
      stopped = true;
    } else if (c.command == "collect") {
      collect_now_ = true;
    } else if (c.command == "update_config") {
      if (auto applied = apply_update(config_, c.payload); !applied)
        error(fmt::format("command {} update_config refused: {}", c.id, applied.error().message));
      else
        spdlog::info(
            "collector {}: configuration updated (min_exec_time_ms {}, collection every "
            "{} ms)",
            config_.collector_id, config_.db.min_exec_time_ms, config_.collection_interval.count());
    } else {
      error(fmt::format("command {}: unknown command \"{}\"", c.id, c.command));
    }
    spdlog::info("collector {}: command {} ({}) done", config_.collector_id, c.id, c.command);
    if (auto saved = state_.set_last_command(c.id, stopped); !saved)
      error("state: " + saved.error().message);
  }

  void collect() {
    collect_now_ = false;
    Result<Collection> got = make_error(Errc::internal, "not run");
    try {
      got = source_->collect(config_.db, state_.cursor());
    } catch (const json::exception& e) {
      got = make_error(Errc::internal, fmt::format("unexpected data: {}", e.what()));
    }
    if (!got) {
      error(fmt::format("collection from {} failed: {}", source_->name(), got.error().message));
      // Reconnect with backoff, never slower than the configured interval.
      collect_backoff_ =
          std::min(std::max(collect_backoff_ * 2, milliseconds(1000)), config_.collection_interval);
      next_collection_ = Steady::now() + collect_backoff_;
      return;
    }
    collect_backoff_ = milliseconds(0);
    ++collections_;
    if (got->missed)
      error(
          fmt::format("the source dropped {} slow-log entries before they were read", got->missed));
    std::uint64_t calls = 0;
    for (auto& q : got->queries) {
      calls += q.value("calls", std::uint64_t{1});
      // A multi-megabyte INSERT would exceed the backend's body limit; its
      // start is enough to fingerprint and recognise it.
      if (auto text = q.find("query");
          text != q.end() && text->is_string() &&
          text->get_ref<const std::string&>().size() > kMaxQueryTextBytes)
        *text = text->get<std::string>().substr(0, kMaxQueryTextBytes);
    }
    auto dropped = state_.add_collection(got->queries, source_->name(), std::move(got->cursor),
                                         config_.max_batch_queries, config_.max_spool_batches);
    if (!dropped) {
      error("state: " + dropped.error().message);
    } else {
      queries_collected_ += calls;
      if (*dropped)
        error(fmt::format("{} unsent batch(es) dropped: more than max_spool_batches ({}) queued",
                          *dropped, config_.max_spool_batches));
      if (!got->queries.empty())
        spdlog::info("collector {}: collected {} slow quer{} from {}", config_.collector_id,
                     got->queries.size(), got->queries.size() == 1 ? "y" : "ies", source_->name());
    }
    next_collection_ = Steady::now() + config_.collection_interval;
  }

  void flush() {
    while (!state_.pending().empty() && !stop_) {
      const PendingBatch& front = state_.pending().front();
      std::string message;
      Delivery d = backend_.send_batch(front.body, message);
      if (d == Delivery::retry) {
        send_backoff_ = std::min(std::max(send_backoff_ * 2, milliseconds(1000)), kMaxSendBackoff);
        next_send_ = Steady::now() + send_backoff_;
        spdlog::warn("collector {}: batch {} not delivered ({}); retrying in {} ms",
                     config_.collector_id, front.id, message, send_backoff_.count());
        return;
      }
      if (d == Delivery::rejected)
        error(fmt::format("batch {} rejected by the backend: {}", front.id, message));
      else
        ++batches_sent_;
      if (auto removed = state_.remove_front(); !removed) {
        error("state: " + removed.error().message);
        return;
      }
    }
    send_backoff_ = milliseconds(0);
  }

  void sleep_until(Steady::time_point t) {
    while (!stop_ && Steady::now() < t)
      std::this_thread::sleep_for(std::min<Steady::duration>(t - Steady::now(), milliseconds(50)));
  }

  AgentConfig config_;
  AgentState state_;
  BackendClient backend_;
  std::unique_ptr<Source> source_;
  const std::atomic<bool>& stop_;
  Steady::time_point started_ = Steady::now();
  Steady::time_point next_heartbeat_, next_collection_, next_send_;
  milliseconds send_backoff_{0}, collect_backoff_{0};
  bool collect_now_ = false;
  bool backend_up_ = true;
  std::uint64_t queries_collected_ = 0, errors_ = 0, collections_ = 0, batches_sent_ = 0;
  std::string last_error_;
};

std::atomic<bool> g_stop{false};

void on_stop_signal(int) {
  g_stop.store(true);
}

}  // namespace

int run_agent(AgentConfig config, const std::atomic<bool>& stop) {
  auto state = AgentState::open(config.state_dir);
  if (!state) {
    spdlog::critical("collector: {}", state.error().message);
    return 1;
  }
  auto backend = BackendClient::make(config);
  if (!backend) {
    spdlog::critical("collector: {}", backend.error().message);
    return 1;
  }
  auto source = make_source(config.db_type);
  Agent agent(std::move(config), std::move(*state), std::move(*backend), std::move(source), stop);
  agent.run();
  end_mysql_library();
  return 0;
}

int collector_main(const std::string& config_path, const CommandLineOverrides& overrides) {
  auto config = load_agent_config(config_path, overrides);
  if (!config) {
    std::cerr << config.error().message << "\n";
    return 2;
  }
  (void)init_logging("info", LogFormat::text);
  std::signal(SIGTERM, on_stop_signal);
  std::signal(SIGINT, on_stop_signal);
  std::signal(SIGPIPE, SIG_IGN);
  return run_agent(std::move(*config), g_stop);
}

}  // namespace sw::collector::agent
