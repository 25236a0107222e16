// ClientSession: LISTEN/UNLISTEN answered by the proxy under transaction
// and statement pooling, and delivery of the notifications the pool key's
// ListenHub fans out (see listen_hub.hpp for the threading). Everything
// here runs on the session's worker.
#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "proxy/net/spawn.hpp"
#include "proxy/pg/client_session.hpp"
#include "proxy/pg/codec/messages.hpp"

namespace sw::pg {

namespace {

// Shared between hub_listen and the hub's callback, which may run after the
// session is gone.
struct ListenWait {
  explicit ListenWait(net::asio::any_io_executor ex) : timer(ex) {}
  net::asio::steady_timer timer;
  std::optional<std::string> result;
};

}  // namespace

void ClientSession::on_notification(const std::shared_ptr<const Bytes>& message,
                                    const std::string& channel) {
  if (closed_ || overflowed_) return;
  const std::uint64_t arrival = ++notify_arrivals_;
  // Only channels whose LISTEN is committed (or being answered right now).
  if (!listening_.count(channel) && !(listen_busy_ && channel == pending_listen_)) {
    // Sent by this transaction's own connection on a channel it LISTENs to
    // in this transaction: kept until COMMIT or ROLLBACK decides.
    if (server_ && hub_channels_.count(channel) && message->size() >= 9 &&
        tentative_.size() < shard_->config().listen_queue_size) {
      std::uint32_t pid = (std::uint32_t{(*message)[5]} << 24) |
                          (std::uint32_t{(*message)[6]} << 16) |
                          (std::uint32_t{(*message)[7]} << 8) | std::uint32_t{(*message)[8]};
      if (pid == server_->cancel_target().pid) tentative_.push_back({arrival, message, channel});
    }
    return;
  }
  notify_queue_.emplace_back(arrival, message);
  if (notify_queue_.size() > shard_->config().listen_queue_size) {
    overflowed_ = true;
    auto& c = hub_->counters();
    c.dropped.fetch_add(notify_queue_.size(), std::memory_order_relaxed);
    c.overflow_closes.fetch_add(1, std::memory_order_relaxed);
    notify_queue_.clear();
    auto text = fmt::format(
        "sqlwarden: closing the connection: more than listen_queue_size ({}) notifications "
        "are waiting for this client (it is not reading, or stays inside a transaction)",
        shard_->config().listen_queue_size);
    spdlog::warn("pg: user \"{}\" on pool {}: {}", user_, shard_->key().name(), text);
    net::spawn_logged(
        client_.socket().get_executor(),
        [](std::shared_ptr<ClientSession> self, std::string text) -> net::awaitable<void> {
          co_await self->fatal("53400", text);
        }(shared_from_this(), std::move(text)),
        "pg listen overflow");
    return;
  }
  kick_notifications();
}

bool ClientSession::deliverable() const noexcept {
  // Between the client's transactions, never inside a result: nothing in
  // flight, no proxy work on the connection, and either no server
  // connection or one whose relay waits with nothing to relay.
  return !closed_ && !overflowed_ && !in_flight() && !internal_busy_ && !listen_busy_ &&
         !local_batch_ && local_reply_.empty() && (!server_ || relay_at_rest_);
}

void ClientSession::kick_notifications() {
  if (notify_writer_ || notify_queue_.empty() || !deliverable()) return;
  auto self = weak_from_this().lock();
  if (!self) return;  // being destroyed
  notify_writer_ = true;
  net::spawn_logged(
      client_.socket().get_executor(),
      [](std::shared_ptr<ClientSession> s) -> net::awaitable<void> {
        co_await s->write_notifications();
      }(std::move(self)),
      "pg notification writer");
}

net::awaitable<void> ClientSession::write_notifications() {
  while (!closed_ && !notify_queue_.empty()) {
    if (!co_await wait_writable()) break;
    if (!deliverable()) break;  // the client started something meanwhile
    Bytes out;
    append_notifications(out);
    if (!co_await write_client(out)) break;
  }
  notify_writer_ = false;
}

void ClientSession::append_notifications(Bytes& out) {
  if (notify_queue_.empty()) return;
  for (const auto& q : notify_queue_) out.insert(out.end(), q.second->begin(), q.second->end());
  hub_->counters().relayed.fetch_add(notify_queue_.size(), std::memory_order_relaxed);
  notify_queue_.clear();
}

net::awaitable<std::string> ClientSession::hub_listen(const std::string& channel) {
  auto ex = client_.socket().get_executor();
  if (!hub_) {
    // With size 1 the listening connection would take the pool's only
    // slot and starve every client: it then comes on top of the pool.
    const auto& cfg = shard_->config();
    ListenHubSetup setup{shard_->key(), login_, shard_, ex,
                         cfg.listen_connections > 0 && cfg.size > 1};
    hub_ = ListenHub::of(setup);
    listen_id_ = ListenHub::next_subscriber_id();
  }
  hub_channels_.insert(channel);
  auto wait = std::make_shared<ListenWait>(ex);
  bool ready = hub_->subscribe(listen_id_, channel, weak_from_this(), ex, [wait](std::string e) {
    wait->result = std::move(e);
    wait->timer.cancel();
  });
  if (ready) co_return std::string();
  if (!wait->result) {
    wait->timer.expires_after(shard_->config().client_wait_timeout);
    net::error_code ec;
    co_await wait->timer.async_wait(net::nothrow(ec));
  }
  std::string problem =
      wait->result ? *wait->result
                   : fmt::format(
                         "sqlwarden: the listening connection of pool \"{}\" did not "
                         "LISTEN within {} ms (client_wait_timeout_ms)",
                         shard_->key().name(), shard_->config().client_wait_timeout.count());
  if (!problem.empty() && !listening_.count(channel)) {
    hub_channels_.erase(channel);
    hub_->unsubscribe(listen_id_, channel);
  }
  co_return problem;
}

void ClientSession::reconcile_hub() {
  if (!hub_) return;
  for (auto it = hub_channels_.begin(); it != hub_channels_.end();) {
    if (listening_.count(*it)) {
      ++it;
      continue;
    }
    hub_->unsubscribe(listen_id_, *it);
    it = hub_channels_.erase(it);
  }
}

net::awaitable<int> ClientSession::answer_listen_locally(ByteSpan message) {
  auto sql = codec::parse_query(message);
  if (!sql || sql->size() >= 4096) co_return 0;
  auto op = parse_listen(*sql);
  if (!op) co_return 0;
  begin_request();
  auto decision = ctx_->gate->check(gate_context_, *sql);
  bool refused = decision.allowed && audit_.refusing();  // fail_closed
  if (refused) {
    decision.allowed = false;
    decision.message = std::string(audit_hook::kRefusedMessage);
  }
  Bytes out;
  if (!decision.allowed) {
    // What the server path answers for a denial, without a server.
    spdlog::debug("pg: denied for user \"{}\": {}", user_, decision.message);
    audit_.denied(*sql, decision, refused);
    codec::append_error(out, {"ERROR", "42501", decision.message});
  } else {
    listen_busy_ = true;
    std::string problem;
    switch (op->kind) {
      case ListenOp::Kind::listen:
        pending_listen_ = op->channel;
        problem = co_await hub_listen(op->channel);
        if (problem.empty()) listening_.insert(op->channel);
        pending_listen_.clear();
        break;
      case ListenOp::Kind::unlisten:
        listening_.erase(op->channel);
        break;
      case ListenOp::Kind::unlisten_all:
        listening_.clear();
        break;
    }
    reconcile_hub();
    listen_busy_ = false;
    if (closed_) co_return -1;
    audit_.answered(*sql, decision, "58000", problem);
    if (problem.empty())
      codec::append_command_complete(out, op->tag());
    else
      codec::append_error(out, {"ERROR", "58000", problem});
    // As PostgreSQL: notifications go right before ReadyForQuery 'I'.
    append_notifications(out);
  }
  codec::append_ready_for_query(out, 'I');
  if (!co_await write_client(out)) co_return -1;
  metrics_ready_for_query('I');
  co_return 1;
}

void ClientSession::commit_listen() {
  ListenTransaction::apply(listen_tx_.commit(), listening_);
  // In the server's order among what is queued already.
  for (auto& t : tentative_) {
    if (!listening_.count(t.channel)) continue;
    auto at = std::find_if(notify_queue_.begin(), notify_queue_.end(),
                           [&](const auto& q) { return q.first > t.arrival; });
    notify_queue_.insert(at, {t.arrival, std::move(t.message)});
  }
  tentative_.clear();
}

void ClientSession::rollback_listen() {
  listen_tx_.rollback();
  tentative_.clear();
}

bool ClientSession::listen_on_command_complete(ByteSpan message, Bytes& out) {
  if (!pooled()) return false;
  if (!listen_expect_.empty() && listen_expect_.front().sync_seq == syncs_received_ + 1 &&
      !listen_expect_.front().done) {
    // The stand-in of an intercepted LISTEN/UNLISTEN: the client's tag.
    listen_expect_.front().done = true;
    codec::append_command_complete(out, listen_expect_.front().op.tag());
    return true;
  }
  if (!hub_) return false;  // never listened: nothing to track
  auto tag = codec::parse_command_complete(message);
  if (!tag) return false;
  if (*tag == "COMMIT") {
    commit_listen();
  } else if (*tag == "ROLLBACK") {
    saw_rollback_ = true;  // ROLLBACK, or ROLLBACK TO (see listen_on_ready_for_query)
  } else if (*tag == "PREPARE TRANSACTION") {
    rollback_listen();  // PostgreSQL refuses to prepare a transaction that LISTENed
  } else if (*tag == "DISCARD ALL") {
    rollback_listen();  // DISCARD ALL includes UNLISTEN *
    listening_.clear();
    reconcile_hub();
  }
  return false;
}

void ClientSession::listen_on_ready_for_query(char tx) {
  if (!pooled()) return;
  while (!listen_expect_.empty() && listen_expect_.front().sync_seq <= syncs_received_) {
    auto& e = listen_expect_.front();
    if (e.done) listen_tx_.add(std::move(e.op));  // failed (aborted block): no effect
    listen_expect_.pop_front();
  }
  while (!savepoint_expect_.empty() && savepoint_expect_.front().sync_seq <= syncs_received_) {
    const auto& sp = savepoint_expect_.front().op;
    if (!batch_error_) {
      listen_tx_.apply(sp);
      if (sp.kind == SavepointOp::Kind::rollback_to) saw_rollback_ = false;
    }
    savepoint_expect_.pop_front();
  }
  if (saw_rollback_)
    rollback_listen();
  else if (tx == 'I')  // the end of an implicit transaction commits it
    commit_listen();
  saw_rollback_ = false;
  batch_error_ = false;
  if (tx == 'I') reconcile_hub();
}

}  // namespace sw::pg
