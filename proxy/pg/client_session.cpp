#include "proxy/pg/client_session.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include <spdlog/spdlog.h>

#include "proxy/core/proxy_metrics.hpp"
#include "proxy/net/connect.hpp"
#include "proxy/net/session_registry.hpp"
#include "proxy/net/spawn.hpp"
#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth_lookup.hpp"
#include "proxy/pg/backend_identity.hpp"
#include "proxy/pg/client_auth.hpp"
#include "proxy/pg/codec/frame_scanner.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/codec/startup.hpp"
#include "proxy/pg/lease.hpp"
#include "proxy/pg/server_exchange.hpp"
#include "proxy/pg/session_sync.hpp"
#include "proxy/pg/statement_audit.hpp"

namespace sw::pg {

namespace {

namespace msg = codec::msg;

constexpr std::size_t kClientBuffer = 8 * 1024;
constexpr std::uint32_t kServerMaxMessage = 0x7fffffff;  // the server is trusted to frame

// Messages the client→server relay looks at whole; everything else streams.
constexpr codec::InspectSet kClientInspect{'Q', 'P', 'S', 'F', 'X', 'B', 'D', 'C', 'H', 'E'};
// Messages the server→client relay looks at whole (C, I, s: where an
// Execute's result ends, for the audit trail; C also for LISTEN's tag).
constexpr codec::InspectSet kServerInspect{'Z', 'E', '1', 'S', 'C', 'I', 's'};
constexpr std::uint8_t kParseComplete = '1';
constexpr std::uint8_t kCommandComplete = 'C';

// Sent in place of a LISTEN/UNLISTEN the proxy answers while the client
// holds a server connection (inside a transaction block): a no-op on a
// connection that never listened, which the server still runs under the
// transaction's rules (25P02 in an aborted block) and answers with a
// CommandComplete that is rewritten into the client's tag.
constexpr std::string_view kListenStandIn = "UNLISTEN sqlwarden_listen_stand_in";

// Whether a Query may be a LISTEN/UNLISTEN worth parsing.
bool maybe_listen(parsers::StatementKind kind, std::string_view sql) {
  return (kind == parsers::StatementKind::notify || kind == parsers::StatementKind::unknown) &&
         sql.size() < 4096;
}

// A per-process token no real statement contains: the statement sent in
// place of a denied one, which the server rejects as a syntax error.
const std::string& denial_marker() {
  static const std::string marker = [] {
    auto b = auth::random_bytes(8);
    std::string s = "sqlwarden_denied_";
    static constexpr char kHex[] = "0123456789abcdef";
    for (auto c : b) {
      s.push_back(kHex[c >> 4]);
      s.push_back(kHex[c & 15]);
    }
    return s;
  }();
  return marker;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Startup parameters set server settings without a SET statement, so under
// a restricting profile (which denies SET) only harmless client settings
// pass, and only client encodings in which an ASCII byte is always that
// character: in SJIS, BIG5, GBK, UHC, JOHAB and GB18030 a quote or
// backslash byte can be the tail of a multibyte character, so the server
// would read a statement differently from the gate.
std::optional<std::string> check_startup_params(
    const std::vector<std::pair<std::string, std::string>>& params, const std::string& profile) {
  static constexpr std::string_view kAllowed[] = {
      "application_name", "client_encoding",          "datestyle", "timezone", "extra_float_digits",
      "intervalstyle",    "fallback_application_name"};
  static constexpr std::string_view kUnsafeEncodings[] = {
      "sjis",   "shift_jis", "shiftjis", "mskanji",        "big5",         "gbk",    "cp936",
      "uhc",    "johab",     "gb18030",  "shift_jis_2004", "shiftjis2004", "win932", "win936",
      "win949", "win950",    "cp932",    "cp949",          "cp950"};
  for (const auto& [name, value] : params) {
    std::string key = lower(name);
    if (std::find(std::begin(kAllowed), std::end(kAllowed), key) == std::end(kAllowed))
      return "startup parameter \"" + name + "\" is not allowed for profile \"" + profile + "\"";
    if (key == "client_encoding") {
      std::string enc = lower(value);
      std::erase(enc, '_');
      std::erase(enc, '-');
      for (std::string_view bad : kUnsafeEncodings) {
        std::string b(bad);
        std::erase(b, '_');
        if (enc == b)
          return "client_encoding \"" + value + "\" is not allowed for profile \"" + profile + "\"";
      }
    }
  }
  return std::nullopt;
}

bool is_copy_message(std::uint8_t type) {
  return type == msg::kCopyData || type == msg::kCopyDone || type == msg::kCopyFail;
}

bool is_false(std::string_view v) {
  return v == "false" || v == "off" || v == "no" || v == "0";
}

}  // namespace

ClientSession::ClientSession(std::shared_ptr<ListenerContext> ctx, net::tcp::socket socket,
                             net::ConnectionSlot slot)
    : ctx_(std::move(ctx)),
      client_(std::move(socket)),
      reader_(kClientBuffer),
      slot_(std::move(slot)),
      timer_(client_.socket().get_executor()),
      internal_done_(client_.socket().get_executor()),
      audit_(ctx_->audit),
      write_done_(client_.socket().get_executor()) {
  touch();
}

ClientSession::~ClientSession() {
  if (hub_) hub_->unsubscribe_all(listen_id_);  // the last subscriber: UNLISTEN
  if (registered_) CancelRegistry::instance().remove(cancel_key_.pid);
  if (server_ && shard_) release_server(false);
  if (attached_) shard_->client_detached();
}

void ClientSession::close_all() noexcept {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  internal_done_.cancel();
  write_done_.cancel();
  client_.close();
  notify_queue_.clear();
  // A lease still held is finished by its relay (see finish_server), or
  // dropped by the destructor when no relay runs.
}

net::awaitable<bool> ClientSession::wait_writable() {
  // The relays and the notification writer may want the socket at once:
  // one write at a time, each of whole messages.
  while (client_writing_ && !closed_) {
    write_done_.expires_at(std::chrono::steady_clock::time_point::max());
    net::error_code ec;
    co_await write_done_.async_wait(net::nothrow(ec));
  }
  co_return !closed_;
}

net::awaitable<bool> ClientSession::write_client(ByteSpan bytes) {
  co_return co_await write_client(bytes, {});
}

net::awaitable<bool> ClientSession::write_client(ByteSpan first, ByteSpan second) {
  if (client_writing_ && !co_await wait_writable()) co_return false;
  net::error_code ec;
  client_writing_ = true;
  // One gathered send: a result and the ReadyForQuery the proxy composed
  // leave in one system call.
  std::array<net::asio::const_buffer, 2> buffers{net::asio::buffer(first.data(), first.size()),
                                                 net::asio::buffer(second.data(), second.size())};
  co_await client_.write(buffers, ec);
  client_writing_ = false;
  write_done_.cancel();
  std::size_t n = first.size() + second.size();
  if (shard_) pool::ShardCounters::add(shard_->counters().bytes_sent, n);
  metrics::count_client_bytes(Protocol::postgres, 0, n);
  if (!notify_queue_.empty()) kick_notifications();
  co_return !ec;
}

net::awaitable<bool> ClientSession::write_server(ByteSpan bytes) {
  if (!server_) co_return false;
  net::error_code ec;
  co_await server_->stream().write(net::asio::buffer(bytes.data(), bytes.size()), ec);
  metrics::count_client_bytes(Protocol::postgres, bytes.size(), 0);
  co_return !ec;
}

void ClientSession::begin_request() {
  request_started_ = std::chrono::steady_clock::now();
  registration_.set_state(net::SessionState::active);
}

void ClientSession::metrics_ready_for_query(char tx_status) {
  if (!busy()) {
    metrics::observe_request(Protocol::postgres,
                             std::chrono::steady_clock::now() - request_started_);
    registration_.set_state(net::SessionState::idle);
  }
  if (tx_status == 'I') metrics::count_transaction(Protocol::postgres);
}

void ClientSession::metrics_backend_error(ByteSpan message) {
  if (auto fields = codec::parse_error_fields(message))
    for (const auto& [code, value] : *fields)
      if (code == 'C') metrics::count_backend_error(Protocol::postgres, value);
}

net::awaitable<void> ClientSession::fatal(std::string_view sqlstate, std::string_view message) {
  Bytes out;
  codec::append_error(out, {"FATAL", sqlstate, message});
  if (!client_writing_ && !closed_) co_await write_client(out);
  close_all();
}

net::awaitable<void> ClientSession::run() {
  const auto& server_cfg = ctx_->config->server;
  // Startup and authentication must finish in time, or the socket closes.
  timer_.expires_after(server_cfg.client_auth_timeout);
  timer_.async_wait([weak = weak_from_this()](net::error_code ec) {
    if (ec) return;
    if (auto self = weak.lock()) self->client_.close();
  });
  bool ready = co_await startup();
  timer_.cancel();
  if (!ready) {
    close_all();
    co_return;
  }
  auto ex = client_.socket().get_executor();
  registration_ = net::SessionRegistry::instance().add(
      {0, Protocol::postgres, ctx_->tenant->name, user_, database_,
       net::peer_address(client_.socket())},
      ex, [this] { close_all(); });  // runs on this worker, only while registered
  audit_.facts().session_id = registration_.id();
  if (server_cfg.client_idle_timeout.count() > 0)
    net::spawn_logged(
        ex,
        [](std::shared_ptr<ClientSession> self) -> net::awaitable<void> {
          co_await self->idle_watchdog();
        }(shared_from_this()),
        "pg idle watchdog");
  start_relay();  // session mode keeps the connection borrowed at startup
  co_await client_to_server();
  if (server_) {
    if (relay_running_) {
      // The relay owns the lease: let it give the connection back cleanly.
      detaching_ = true;
      net::error_code ignore;
      server_->stream().socket().cancel(ignore);
    } else {
      co_await finish_server();
    }
  }
  close_all();
}

net::awaitable<bool> ClientSession::startup() {
  const ListenerConfig& listener = *ctx_->listener;
  codec::StartupPacket packet;
  for (bool tls_tried = false;;) {
    if (!co_await reader_.fill(client_, 4)) co_return false;
    auto len = codec::startup_packet_length(reader_.avail());
    if (!len) {
      // Like PostgreSQL: log it and close without an ErrorResponse. This is
      // what a Terminate sent before the StartupMessage looks like (node-
      // postgres sends one when end() is called while connecting), and the
      // client expects no answer to it.
      net::error_code ec;
      auto peer = client_.socket().remote_endpoint(ec);
      spdlog::info("pg: {} from {}", len.error().message,
                   ec ? std::string("unknown") : peer.address().to_string());
      co_return false;
    }
    if (!co_await reader_.fill(client_, **len)) co_return false;
    auto parsed = codec::parse_startup_packet(reader_.avail().first(**len));
    reader_.consume(**len);
    if (!parsed) {
      co_await fatal("08P01", parsed.error().message);
      co_return false;
    }
    packet = std::move(*parsed);
    using Kind = codec::StartupPacket::Kind;
    if (packet.kind == Kind::cancel_request) {
      co_await handle_cancel_request(packet.cancel_pid, packet.cancel_key);
      co_return false;
    }
    if (packet.kind == Kind::gssenc_request) {
      std::uint8_t no = 'N';
      if (!co_await write_client({&no, 1})) co_return false;
      continue;
    }
    if (packet.kind == Kind::ssl_request) {
      if (tls_tried || client_.is_tls()) {
        co_await fatal("08P01", "unexpected SSLRequest");
        co_return false;
      }
      tls_tried = true;
      bool offer = ctx_->client_tls != nullptr;
      std::uint8_t answer = offer ? 'S' : 'N';
      if (!co_await write_client({&answer, 1})) co_return false;
      if (!offer) continue;
      // Bytes sent before the handshake would bypass TLS (CVE-2021-23214).
      if (reader_.size() > 0) {
        co_await fatal("08P01", "received unencrypted data after SSL request");
        co_return false;
      }
      auto st = co_await client_.accept_tls(*ctx_->client_tls);
      if (!st) {
        spdlog::debug("pg client TLS: {}", st.error().message);
        co_return false;
      }
      continue;
    }
    break;
  }

  if (packet.major != 3) {
    co_await fatal("0A000", fmt::format("unsupported frontend protocol {}.{}: server supports "
                                        "3.0 to 3.0",
                                        packet.major, packet.minor));
    co_return false;
  }
  // Protocol extensions (_pq_.*) and minor versions above 0 are declined the
  // way a 3.0 server does: NegotiateProtocolVersion, then carry on.
  std::vector<std::string> unrecognized;
  std::vector<std::pair<std::string, std::string>> forward;
  const std::string* user_param = nullptr;
  const std::string* database_param = nullptr;
  for (const auto& p : packet.params) {
    if (p.first.rfind("_pq_.", 0) == 0) {
      unrecognized.push_back(p.first);
    } else if (p.first == "user") {
      user_param = &p.second;
    } else if (p.first == "database") {
      database_param = &p.second;
    } else if (p.first == "replication") {
      if (!is_false(p.second)) {
        co_await fatal("0A000", "replication connections are not supported by sqlwarden");
        co_return false;
      }
    } else {
      forward.push_back(p);
    }
  }
  if (!user_param || user_param->empty()) {
    co_await fatal("28000", "no PostgreSQL user name specified in startup packet");
    co_return false;
  }
  if (listener.client_tls.mode == TlsMode::require && !client_.is_tls()) {
    co_await fatal("28000", fmt::format("connection for user \"{}\" requires TLS (sslmode=require)",
                                        *user_param));
    co_return false;
  }
  if (!ctx_->tls_problem.empty()) {
    co_await fatal("08006", "TLS is configured but unavailable: " + ctx_->tls_problem);
    co_return false;
  }
  if (!slot_.admitted()) {
    co_await fatal("53300", "sorry, too many clients already");
    co_return false;
  }
  if (packet.minor > 0 || !unrecognized.empty()) {
    Bytes out;
    codec::append_negotiate_protocol_version(out, 0, unrecognized);
    if (!co_await write_client(out)) co_return false;
  }

  user_ = *user_param;
  database_ = database_param && !database_param->empty()
                  ? *database_param
                  : (listener.default_database.empty() ? user_ : listener.default_database);
  {
    auto& facts = audit_.facts();
    facts.tenant = ctx_->tenant->name;
    facts.protocol = "postgres";
    facts.client_addr = net::peer_address(client_.socket());
    facts.user = user_;
    facts.database = database_;
    for (const auto& [name, value] : forward)
      if (lower(name) == "application_name" ||
          (facts.application.empty() && lower(name) == "fallback_application_name"))
        facts.application = value;
    facts.source = audit_hook::source_of(facts.application);
  }
  const UserConfig* user = ctx_->config->find_user(user_);
  const bool configured = user != nullptr;
  if (user && !user->tenants.empty() &&
      std::find(user->tenants.begin(), user->tenants.end(), ctx_->tenant->name) ==
          user->tenants.end())
    user = nullptr;  // not a user of this tenant: fails like an unknown user

  // A user without a [[users]] entry is checked against the secret the
  // backend stores (auth_user/auth_query). No row: an unknown user.
  std::optional<Secret> stored;
  if (!configured && !listener.auth_user.empty()) {
    auto found = co_await look_up_user();
    if (!found) {
      spdlog::warn("pg: auth_query for user \"{}\" failed: {}", user_, found.error().message);
      co_await fatal("08006", "sqlwarden: cannot look up user \"" + user_ +
                                  "\" on the database server (see the proxy log)");
      co_return false;
    }
    stored = std::move(*found);
  }
  const Secret* secret = user ? &user->password : (stored ? &*stored : nullptr);
  auto outcome = co_await authenticate_client(*ctx_, client_, reader_,
                                              ClaimedUser{user_, secret, user != nullptr});
  if (!outcome.ok) {
    if (!outcome.sqlstate.empty()) {
      spdlog::info("pg: authentication failed for user \"{}\": {}", user_, outcome.message);
      audit_.login_failed(outcome.sqlstate, outcome.message);
      co_await fatal(outcome.sqlstate, outcome.message);
    }
    co_return false;
  }
  if (listener.pin_database && database_ != listener.default_database) {
    // A tenant port serves its clone only (docs/tenants.md): checked after
    // the password so the name of the served database is not given away.
    std::string message =
        fmt::format("sqlwarden: this port serves database \"{}\" only; database \"{}\" is refused",
                    listener.default_database, database_);
    audit_.login_failed("42501", message);
    co_await fatal("42501", message);
    co_return false;
  }

  profile_ = user && !user->profile.empty() ? user->profile : ctx_->tenant->default_profile;
  gate_context_.protocol = Protocol::postgres;
  gate_context_.tenant = ctx_->tenant->name;
  gate_context_.user = user_;
  gate_context_.database = database_;
  gate_context_.profile = profile_;
  if (profile_ != "allow_all") {
    if (auto refusal = check_startup_params(forward, profile_)) {
      co_await fatal("42501", *refusal);
      co_return false;
    }
  }

  // The pool key: server connections are shared by every client of this
  // tenant that reaches the same backend database as the same backend user.
  auto identity =
      user ? backend_identity(*user, outcome) : backend_identity(user_, *stored, outcome);
  if (!identity) {
    co_await fatal("28000", identity.error().message);
    co_return false;
  }
  login_ = backend_login(identity->user, database_);
  login_.credential = std::move(identity->credential);
  // Startup parameters become the client's session settings, replayed on
  // whichever server connection it borrows (pooled connections log in
  // without them).
  for (const auto& [name, value] : forward) {
    if (name == "options") {
      auto opts = parse_startup_options(value);
      if (!opts) {
        co_await fatal("08P01", "sqlwarden: startup option \"" + value +
                                    "\" is not supported (only -c name=value)");
        co_return false;
      }
      for (auto& [n, v] : *opts) wanted_[n] = v;
    } else {
      wanted_[fold_setting_name(name)] = value;
    }
  }
  mode_ = Config::pool_mode_for(user, *ctx_->tenant);
  pool::PoolKey key{ctx_->tenant->name, listener.backend.to_string(), database_, login_.user};
  shard_ = ctx_->shard(client_.socket().get_executor(), key, login_);
  if (!shard_->client_attached()) {
    co_await fatal("53300", "sqlwarden: too many clients for pool \"" + key.name() +
                                "\" (max_client_connections)");
    co_return false;
  }
  attached_ = true;

  // Borrow a connection once to check the login works and to learn the
  // parameters the client must be told, as the server reports them with
  // the client's own settings applied.
  if (!co_await ensure_server()) co_return false;

  cancel_key_ = CancelRegistry::instance().add();
  registered_ = true;
  CancelRegistry::instance().set_target(cancel_key_.pid, server_->cancel_target());

  Bytes out;
  codec::append_auth(out, codec::AuthCode::ok);
  for (const auto& [name, value] : server_->reported()) {
    codec::append_parameter_status(out, name, value);
    if (name == "standard_conforming_strings")
      gate_context_.standard_conforming_strings = value == "on";
  }
  codec::append_backend_key_data(out, cancel_key_.pid, cancel_key_.key);
  codec::append_ready_for_query(out, 'I');
  if (pooled()) release_server(true);
  co_return co_await write_client(out);
}

ServerLogin ClientSession::backend_login(std::string user, std::string database) const {
  ServerLogin login;
  login.backend = ctx_->listener->backend;
  login.user = std::move(user);
  login.database = std::move(database);
  login.connect_timeout = ctx_->tenant->pool.connect_timeout;
  login.tls = &ctx_->listener->server_tls;
  login.tls_context = ctx_->server_tls.get();
  login.scram_cache = &ctx_->backend_scram_cache;
  return login;
}

net::awaitable<Result<std::optional<Secret>>> ClientSession::look_up_user() {
  const ListenerConfig& listener = *ctx_->listener;
  const UserConfig* auth_user = ctx_->config->find_user(listener.auth_user);
  if (!auth_user)
    co_return make_error(Errc::invalid_argument, "auth_user is not a configured user");
  ServerLogin login =
      backend_login(auth_user->backend_user.empty() ? auth_user->name : auth_user->backend_user,
                    listener.auth_dbname.empty() ? database_ : listener.auth_dbname);
  login.credential = auth::BackendCredential::password(
      auth_user->backend_password.empty() ? auth_user->password : auth_user->backend_password);
  co_return co_await lookup_stored_secret(login, listener.auth_query, user_);
}

net::awaitable<bool> ClientSession::handle_cancel_request(std::uint32_t pid, std::uint32_t key) {
  auto target = CancelRegistry::instance().find({pid, key});
  if (!target) co_return false;  // like PostgreSQL: silently ignore unknown keys
  auto socket = co_await net::connect_backend(target->backend, ctx_->tenant->pool.connect_timeout);
  if (!socket) {
    spdlog::warn("pg: cannot forward cancel request: {}", socket.error().message);
    co_return false;
  }
  Bytes out;
  codec::append_cancel_request(out, target->pid, target->key);
  net::error_code ec;
  co_await net::asio::async_write(*socket, net::asio::buffer(out), net::nothrow(ec));
  // The server closes once it has handled the request; libpq waits for our
  // close the same way, so the cancel has been delivered when we close.
  std::uint8_t scratch[16];
  if (!ec) co_await socket->async_read_some(net::asio::buffer(scratch), net::nothrow(ec));
  co_return true;
}

net::awaitable<bool> ClientSession::ensure_server() {
  // The relay may be running the proxy's own query on the lease; the
  // client's bytes must not interleave with it.
  while (internal_busy_ && !closed_) {
    internal_done_.expires_at(std::chrono::steady_clock::time_point::max());
    net::error_code ec;
    co_await internal_done_.async_wait(net::nothrow(ec));
  }
  if (closed_) co_return false;
  if (server_) co_return true;
  auto waited_from = std::chrono::steady_clock::now();
  auto lease = co_await lease_server(shard_, login_);
  if (closed_) {
    if (lease.server) return_server(*shard_, std::move(lease.server), true);
    co_return false;
  }
  if (!lease.server) {
    if (!lease.server_error.empty()) {
      if (!client_writing_) co_await write_client(lease.server_error);
      close_all();
    } else {
      spdlog::info("pg: {}", lease.message);
      co_await fatal(lease.sqlstate, lease.message);
    }
    co_return false;
  }
  server_ = std::move(lease.server);
  lease_start_ = std::chrono::steady_clock::now();
  pool::ShardCounters::add(
      shard_->counters().wait_time_us,
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(lease_start_ - waited_from)
              .count()));
  if (!co_await apply_settings()) co_return false;
  if (registered_) CancelRegistry::instance().set_target(cancel_key_.pid, server_->cancel_target());
  co_return true;
}

net::awaitable<bool> ClientSession::apply_settings() {
  auto diff = pool::diff(server_->settings(), wanted_);
  if (diff.empty()) co_return true;
  auto sql = replay_sql(diff);
  auto r = co_await run_internal(*server_, sql);
  if (!r) {
    release_server(false);
    co_await fatal("08006", "sqlwarden: server connection failed while restoring session settings");
    co_return false;
  }
  if (!r->ok()) {
    // The client's own setting was rejected (e.g. a bad startup parameter):
    // report it as the server would have at login.
    release_server(false);
    co_await fatal(r->sqlstate, r->error);
    co_return false;
  }
  server_->settings() = wanted_;
  co_return true;
}

void ClientSession::release_server(bool reusable) {
  if (!server_) return;
  if (registered_) CancelRegistry::instance().set_target(cancel_key_.pid, std::nullopt);
  auto held = std::chrono::steady_clock::now() - lease_start_;
  pool::ShardCounters::add(
      shard_->counters().xact_time_us,
      static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(held).count()));
  reusable = reusable && !in_flight() && parse_expect_.empty();
  return_server(*shard_, std::move(server_), reusable);
  if (!notify_queue_.empty()) kick_notifications();  // idle now
}

net::awaitable<void> ClientSession::finish_server() {
  if (!server_) co_return;
  bool clean = server_->tx_status() == 'I' && !in_flight() && server_->reader().size() == 0;
  if (clean && (pins_ != 0 || !pooled())) {
    // Session state that cannot be handed over: wipe it. DISCARD ALL also
    // drops the pooled statements and every setting.
    auto r = co_await run_internal(*server_, "DISCARD ALL");
    clean = r && r->ok() && server_->tx_status() == 'I';
    server_->settings().clear();
    server_->prepared().clear();
    server_->unnamed_tag = 0;
  }
  unsynced_ = false;
  syncs_sent_ = syncs_received_;
  parse_expect_.clear();
  release_server(clean);
}

net::awaitable<bool> ClientSession::settle_session(Bytes& notices) {
  if (!probe_needed_) co_return true;
  probe_needed_ = false;
  auto r = co_await run_internal(*server_, probe_sql());
  if (!r) co_return false;
  if (!r->ok()) {
    spdlog::warn("pg: session-state probe failed: {}", r->error);
    pins_ = pins_ | pool::Pin::other;  // unknown state: keep it to this client
    co_return true;
  }
  auto probe = parse_probe(r->rows);
  wanted_ = probe.settings;
  server_->settings() = std::move(probe.settings);
  server_->prepared() = std::move(probe.statements);
  pins_ = probe.pins;
  if (pins_ != 0 && shard_->config().strict) {
    std::string what = pool::describe(pins_);
    auto d = co_await run_internal(*server_, "DISCARD ALL");
    if (!d) co_return false;
    server_->settings().clear();
    server_->prepared().clear();
    server_->unnamed_tag = 0;
    statements_.clear();
    unnamed_tag_ = 0;
    pins_ = 0;
    // DISCARD ALL reset the settings as well: restore the client's.
    if (!co_await apply_settings()) co_return false;
    codec::append_error(
        notices, {"ERROR", "0A000",
                  "sqlwarden: pool \"" + shard_->key().name() + "\" is strict and cannot keep " +
                      what + " across transactions (" + pool_mode_name(mode_) +
                      " mode); the session state was discarded, including protocol-level prepared "
                      "statements"});
  }
  co_return true;
}

void ClientSession::on_parse(const std::string& name, std::string_view sql, ByteSpan types,
                             Bytes& out) {
  std::uint64_t seq = syncs_sent_ + 1;
  if (name.empty()) {
    unnamed_sql_.assign(sql);
    unnamed_types_.assign(types.begin(), types.end());
    unnamed_tag_ = ctx_->next_unnamed_tag++;
    server_->unnamed_tag = unnamed_tag_;
    codec::append_parse(out, "", sql, types);
    parse_expect_.push_back({seq, false, 0, {}});
    return;
  }
  pool::StatementId id = ctx_->statements.intern(sql, as_chars(types));
  statements_[name] = id;
  if (server_->prepared().count(id)) {
    // Already prepared on this connection: an empty unnamed Parse gives the
    // client its ParseComplete in order, with no other effect.
    codec::append_parse(out, "", "");
    server_->unnamed_tag = 0;
    parse_expect_.push_back({seq, false, 0, {}});
    return;
  }
  codec::append_parse(out, pool::StatementCatalog::server_name(id), sql, types);
  server_->prepared().insert(id);
  parse_expect_.push_back({seq, false, id, name});
}

bool ClientSession::ensure_statement(std::string_view name, std::string& server_name, Bytes& out) {
  std::uint64_t seq = syncs_sent_ + 1;
  if (name.empty()) {
    server_name.clear();
    if (unnamed_tag_ != 0 && server_->unnamed_tag != unnamed_tag_) {
      codec::append_parse(out, "", unnamed_sql_, unnamed_types_);
      server_->unnamed_tag = unnamed_tag_;
      parse_expect_.push_back({seq, true, 0, {}});
    }
    return true;
  }
  auto it = statements_.find(std::string(name));
  if (it == statements_.end()) return false;  // unknown: the server reports it
  pool::StatementId id = it->second;
  server_name = pool::StatementCatalog::server_name(id);
  if (!server_->prepared().count(id)) {
    const auto* stmt = ctx_->statements.find(id);
    if (!stmt) return false;
    codec::append_parse(out, server_name, stmt->text, as_bytes(stmt->params));
    server_->prepared().insert(id);
    parse_expect_.push_back({seq, true, id, {}});
  }
  return true;
}

bool ClientSession::parse_locally(ByteSpan message) {
  auto parse = codec::parse_parse_full(message);
  if (!parse || parse->statement.empty()) return false;
  pool::StatementId id = ctx_->statements.intern(parse->sql, as_chars(parse->param_types));
  if (!ctx_->statements.valid(id)) return false;
  auto decision = ctx_->gate->check(gate_context_, parse->sql);
  if (!decision.allowed) return false;  // the usual path reports the denial
  if (audit_.refusing()) return false;  // the usual path refuses it
  if (may_change_session(parsers::statement_kind_name(decision.kind), parse->sql))
    probe_needed_ = true;
  statements_[std::string(parse->statement)] = id;
  audit_.parse(parse->statement, parse->sql, decision);
  static constexpr std::uint8_t kParseCompleteMsg[] = {kParseComplete, 0, 0, 0, 4};
  local_reply_.insert(local_reply_.end(), std::begin(kParseCompleteMsg),
                      std::end(kParseCompleteMsg));
  return true;
}

// At ReadyForQuery: Parses of that batch still expecting ParseComplete
// failed (the server skipped or rejected them), so their statements do not
// exist on this connection.
void ClientSession::settle_parse_expectations() {
  while (!parse_expect_.empty() && parse_expect_.front().sync_seq <= syncs_received_) {
    auto& e = parse_expect_.front();
    if (e.id != 0 && server_) server_->prepared().erase(e.id);
    if (!e.client_name.empty()) {
      auto it = statements_.find(e.client_name);
      if (it != statements_.end() && it->second == e.id) statements_.erase(it);
    }
    if (e.id == 0 && server_) server_->unnamed_tag = 0;
    parse_expect_.pop_front();
  }
}

void ClientSession::start_relay() {
  if (relay_running_ || !server_) return;
  relay_running_ = true;
  net::spawn_logged(
      client_.socket().get_executor(),
      [](std::shared_ptr<ClientSession> self) -> net::awaitable<void> {
        co_await self->server_to_client();
      }(shared_from_this()),
      "pg server relay");
}

net::awaitable<void> ClientSession::client_to_server() {
  codec::FrameScanner scanner(kClientInspect, ctx_->config->server.max_message_bytes);
  std::size_t run = 0;  // bytes at the reader's front, checked, not yet sent
  Bytes substitute;
  std::string server_name;
  for (;;) {
    ByteSpan avail = reader_.avail().subspan(run);
    codec::ScanStep step = scanner.next(avail);
    using Kind = codec::ScanStep::Kind;
    switch (step.kind) {
      case Kind::need_more: {
        if (run > 0) {
          if (!co_await write_server(reader_.avail().first(run))) co_return;
          reader_.consume(run);
          run = 0;
        }
        reader_.maybe_shrink();
        touch();
        if (reader_.size() == 0 && scanner.at_boundary()) {
          // Idle: hold no buffer while waiting for the client to speak.
          reader_.release();
          if (!client_.is_tls()) {
            net::error_code ec;
            co_await client_.socket().async_wait(net::tcp::socket::wait_read, net::nothrow(ec));
            if (ec) co_return;
          }
        }
        std::size_t before = reader_.size();
        if (!co_await reader_.fill(client_, step.size)) co_return;
        if (shard_)
          pool::ShardCounters::add(shard_->counters().bytes_received, reader_.size() - before);
        touch();
        continue;
      }
      case Kind::bad_length:
        co_await fatal("08P01", "invalid message length");
        co_return;
      case Kind::too_large:
        co_await fatal("08P01", fmt::format("message of {} bytes exceeds max_message_bytes ({})",
                                            step.size, ctx_->config->server.max_message_bytes));
        co_return;
      case Kind::pass:
        if (step.starts_message && !codec::is_frontend_query_phase_type(step.type)) {
          co_await fatal("08P01", fmt::format("invalid frontend message type {}", step.type));
          co_return;
        }
        if (step.starts_message) {
          if (!co_await ensure_server()) co_return;
          start_relay();
          if (!in_flight()) batch_start_ = std::chrono::steady_clock::now();
          // COPY data belongs to the Query (or Execute) that started it.
          if (!is_copy_message(step.type)) unsynced_ = true;
        }
        scanner.consume(step.size);
        run += step.size;
        continue;
      case Kind::message:
        break;
    }

    ByteSpan message = avail.first(step.size);
    if (!server_ && pooled() && !in_flight() && run == 0) {
      if (step.type == msg::kQuery && !local_batch_ && local_reply_.empty()) {
        int answered = co_await answer_listen_locally(message);
        if (answered < 0) co_return;
        if (answered > 0) {
          scanner.consume(step.size);
          reader_.consume(step.size);
          continue;
        }
      }
      if (step.type == msg::kParse && parse_locally(message)) {
        scanner.consume(step.size);
        reader_.consume(step.size);
        local_batch_ = true;
        continue;
      }
      if (step.type == msg::kSync && local_batch_) {
        scanner.consume(step.size);
        reader_.consume(step.size);
        codec::append_ready_for_query(local_reply_, 'I');
        local_batch_ = false;
        if (!co_await write_client(local_reply_)) co_return;
        local_reply_.clear();
        continue;
      }
    }
    if (!local_reply_.empty()) {
      // Local replies come first: they answer earlier messages.
      local_batch_ = false;
      if (!co_await write_client(local_reply_)) co_return;
      local_reply_.clear();
    }
    if (step.type == msg::kTerminate) {
      scanner.consume(step.size);
      if (run > 0) co_await write_server(reader_.avail().first(run));
      co_return;
    }
    if (!co_await ensure_server()) co_return;
    start_relay();
    // ensure_server may have waited; the reader has not moved.
    avail = reader_.avail().subspan(run);
    message = avail.first(step.size);
    scanner.consume(step.size);
    if (!in_flight()) batch_start_ = std::chrono::steady_clock::now();
    policy::Decision decision;
    bool replace = false;
    substitute.clear();
    if (!busy()) begin_request();  // the first message of a request
    switch (step.type) {
      case msg::kSync:
        ++syncs_sent_;
        unsynced_ = false;
        break;
      case msg::kFunctionCall:
        ++syncs_sent_;
        unsynced_ = false;
        // A FunctionCall names a function by OID, which no SQL policy can
        // judge: only unrestricted profiles may use it.
        if (profile_ != "allow_all") {
          decision.allowed = false;
          decision.message =
              "FunctionCall messages are not allowed for profile \"" + profile_ + "\"";
          codec::append_query(substitute, denial_marker());
          denials_.push_back({syncs_sent_, decision.message});
        }
        probe_needed_ = probe_needed_ || pooled();
        break;
      case msg::kQuery: {
        auto sql = codec::parse_query(message);
        if (!sql) {
          co_await fatal("08P01", sql.error().message);
          co_return;
        }
        ++syncs_sent_;
        unsynced_ = false;
        decision = ctx_->gate->check(gate_context_, *sql);
        bool refused = decision.allowed && audit_.refusing();
        if (refused) {
          decision.allowed = false;
          decision.message = std::string(audit_hook::kRefusedMessage);
        }
        std::optional<ListenOp> listen_op;
        if (decision.allowed && pooled() && maybe_listen(decision.kind, *sql))
          listen_op = parse_listen(*sql);
        if (!decision.allowed) {
          audit_.denied(*sql, decision, refused);
          codec::append_query(substitute, denial_marker());
          denials_.push_back({syncs_sent_, decision.message});
        } else if (listen_op) {
          audit_.query(*sql, decision, syncs_sent_, server_pid());
          // Inside a transaction (or pinned): the server runs a stand-in so
          // the transaction's rules apply; the LISTEN itself takes effect
          // at COMMIT. The hub LISTENs at once, so a NOTIFY committed with
          // this transaction is not missed.
          std::uint64_t seq = syncs_sent_;
          std::string problem;
          if (listen_op->kind == ListenOp::Kind::listen)
            problem = co_await hub_listen(listen_op->channel);
          if (closed_) co_return;
          if (problem.empty()) {
            listen_expect_.push_back({seq, std::move(*listen_op), false});
            codec::append_query(substitute, kListenStandIn);
          } else {
            codec::append_query(substitute, denial_marker());
            denials_.push_back({seq, problem});
          }
          replace = true;
        } else {
          audit_.query(*sql, decision, syncs_sent_, server_pid());
          if (pooled() && may_change_session(parsers::statement_kind_name(decision.kind), *sql))
            probe_needed_ = true;
        }
        if (decision.allowed && pooled() && decision.kind == parsers::StatementKind::txn)
          if (auto sp = parse_savepoint(*sql)) savepoint_expect_.push_back({syncs_sent_, *sp});
        server_->unnamed_tag = 0;  // a simple Query replaces the unnamed statement
        break;
      }
      case msg::kParse: {
        auto parse = codec::parse_parse_full(message);
        if (!parse) {
          co_await fatal("08P01", parse.error().message);
          co_return;
        }
        unsynced_ = true;
        decision = ctx_->gate->check(gate_context_, parse->sql);
        bool refused = decision.allowed && audit_.refusing();
        if (refused) {
          decision.allowed = false;
          decision.message = std::string(audit_hook::kRefusedMessage);
        }
        if (decision.allowed) audit_.parse(parse->statement, parse->sql, decision);
        if (!decision.allowed) {
          audit_.denied(parse->sql, decision, refused);
          audit_.parse_denied(parse->statement);
          audit_.parse_denied("");  // the marker replaces the unnamed statement
          codec::append_parse(substitute, "", denial_marker());
          denials_.push_back({syncs_sent_ + 1, decision.message});
          server_->unnamed_tag = 0;
        } else if (pooled()) {
          if (may_change_session(parsers::statement_kind_name(decision.kind), parse->sql))
            probe_needed_ = true;
          on_parse(std::string(parse->statement), parse->sql, parse->param_types, substitute);
          replace = true;
        } else {
          parse_expect_.push_back({syncs_sent_ + 1, false, 0, {}});
        }
        break;
      }
      case msg::kBind: {
        unsynced_ = true;
        if (!pooled() && !audit_.on()) break;
        auto bind = codec::parse_bind_names(message);
        if (!bind) {
          co_await fatal("08P01", bind.error().message);
          co_return;
        }
        audit_.bind(bind->portal, bind->statement);
        if (!pooled()) break;
        if (ensure_statement(bind->statement, server_name, substitute)) {
          codec::append_bind(substitute, bind->portal, server_name, bind->rest);
          replace = true;
        }
        break;
      }
      case msg::kExecute: {
        unsynced_ = true;
        if (!audit_.on()) break;
        auto portal = codec::parse_execute_portal(message);
        if (!portal) {
          co_await fatal("08P01", portal.error().message);
          co_return;
        }
        audit_.execute(*portal, syncs_sent_ + 1, server_pid());
        break;
      }
      case msg::kDescribe:
      case msg::kClose: {
        unsynced_ = true;
        if (!pooled() && !audit_.on()) break;
        auto target = codec::parse_target(message);
        if (!target) {
          co_await fatal("08P01", target.error().message);
          co_return;
        }
        if (step.type == msg::kClose) audit_.close(target->what, target->name);
        if (!pooled()) break;
        if (target->what != 'S') break;
        if (step.type == msg::kDescribe) {
          if (ensure_statement(target->name, server_name, substitute)) {
            codec::append_describe(substitute, 'S', server_name);
            replace = true;
          }
        } else if (target->name.empty()) {
          unnamed_tag_ = 0;
          server_->unnamed_tag = 0;
        } else {
          // The pooled statement stays for other clients; the client's name
          // goes. Closing a name that does not exist is not an error, so
          // the client still gets its CloseComplete.
          statements_.erase(std::string(target->name));
          codec::append_close(substitute, 'S', "sw_closed");
          replace = true;
        }
        break;
      }
      default:
        if (!is_copy_message(step.type)) unsynced_ = true;
        break;
    }
    if (decision.allowed && !replace) {
      run += step.size;
      continue;
    }
    if (!decision.allowed) spdlog::debug("pg: denied for user \"{}\": {}", user_, decision.message);
    // Send what came before, drop the message, send its stand-in.
    if (run > 0 && !co_await write_server(reader_.avail().first(run))) co_return;
    reader_.consume(run + step.size);
    run = 0;
    if (!co_await write_server(substitute)) co_return;
  }
}

bool ClientSession::rewrite_denial(ByteSpan message, Bytes& out) const {
  if (denials_.empty() || denials_.front().sync_seq != syncs_received_ + 1) return false;
  auto fields = codec::parse_error_fields(message);
  if (!fields) return false;
  bool marker = false;
  for (const auto& [code, value] : *fields)
    if (code == 'M' && value.find(denial_marker()) != std::string_view::npos) marker = true;
  if (!marker) return false;
  codec::append_error(out, {"ERROR", "42501", denials_.front().message});
  return true;
}

net::awaitable<void> ClientSession::server_to_client() {
  codec::FrameScanner scanner(kServerInspect, kServerMaxMessage);
  std::size_t run = 0;
  Bytes rewritten;
  bool failed = false;
  while (server_) {
    MessageReader& reader = server_->reader();
    ByteSpan avail = reader.avail().subspan(run);
    codec::ScanStep step = scanner.next(avail);
    using Kind = codec::ScanStep::Kind;
    if (step.kind == Kind::need_more) {
      if (run > 0) {
        if (!co_await write_client(reader.avail().first(run))) break;
        reader.consume(run);
        run = 0;
      }
      reader.maybe_shrink();
      // Between transactions while the connection stays (pinned): queued
      // notifications may go to the client now.
      relay_at_rest_ = !in_flight() && server_->tx_status() == 'I' && scanner.at_boundary() &&
                       reader.size() == 0;
      if (relay_at_rest_ && !notify_queue_.empty()) kick_notifications();
      bool filled = static_cast<bool>(co_await reader.fill(server_->stream(), step.size));
      relay_at_rest_ = false;
      if (!filled) {
        failed = true;
        break;
      }
      continue;
    }
    if (step.kind == Kind::bad_length || step.kind == Kind::too_large) {
      spdlog::warn("pg: backend sent a malformed message; closing the session");
      failed = true;
      break;
    }
    scanner.consume(step.size);
    if (step.kind == Kind::pass) {
      run += step.size;
      continue;
    }
    ByteSpan message = avail.first(step.size);
    if (step.type == kParseComplete) {
      bool drop = false;
      if (!parse_expect_.empty()) {
        drop = parse_expect_.front().drop;
        if (parse_expect_.front().id != 0) ctx_->statements.mark_valid(parse_expect_.front().id);
        parse_expect_.pop_front();
      }
      if (drop) {
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run + step.size);
        run = 0;
        continue;
      }
    } else if (step.type == msg::kParameterStatus) {
      if (auto ps = codec::parse_parameter_status(message)) {
        server_->note_parameter(ps->first, ps->second);
        if (ps->first == "standard_conforming_strings")
          gate_context_.standard_conforming_strings = ps->second == "on";
      }
    } else if (step.type == kCommandComplete) {
      audit_.command_complete(message, syncs_received_ + 1);
      rewritten.clear();
      if (listen_on_command_complete(message, rewritten)) {
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run + step.size);
        run = 0;
        if (!co_await write_client(rewritten)) break;
        continue;
      }
    } else if (step.type == msg::kErrorResponse) {
      batch_error_ = true;
      rewritten.clear();
      if (rewrite_denial(message, rewritten)) {
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run + step.size);
        run = 0;
        if (!co_await write_client(rewritten)) break;
        continue;
      }
      metrics_backend_error(message);
      audit_.error(message, syncs_received_ + 1);
    } else if (step.type == msg::kEmptyQueryResponse || step.type == msg::kPortalSuspended) {
      audit_.execute_done(syncs_received_ + 1);
    } else if (step.type == msg::kReadyForQuery) {
      auto status = codec::parse_ready_for_query(message);
      char tx = status ? *status : 'E';
      server_->set_tx_status(tx);
      ++syncs_received_;
      audit_.ready_for_query(syncs_received_, tx);
      if (audit_.must_wait()) {
        // fsync = "always": the client learns its statements are done only
        // once their records are on disk. What came before goes now.
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run);
        run = 0;
        co_await audit_.wait_durable();
      }
      listen_on_ready_for_query(tx);
      metrics_ready_for_query(tx);
      while (!denials_.empty() && denials_.front().sync_seq <= syncs_received_)
        denials_.erase(denials_.begin());
      settle_parse_expectations();
      touch();
      auto& counters = shard_->counters();
      pool::ShardCounters::add(counters.queries, 1);
      pool::ShardCounters::add(
          counters.query_time_us,
          static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                         std::chrono::steady_clock::now() - batch_start_)
                                         .count()));
      if (tx == 'I') pool::ShardCounters::add(counters.transactions, 1);
      bool at_boundary = !in_flight() && reader.size() == run + step.size;
      if (!pooled() || !at_boundary) {
        run += step.size;
        continue;
      }
      // Nothing in flight: the lease may end here. The ReadyForQuery waits
      // until the proxy's own work on the connection is done; without such
      // work it leaves with the result in one send.
      const bool internal_work =
          (tx != 'I' && mode_ == PoolMode::statement) || (tx == 'I' && probe_needed_);
      if (internal_work) {
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run + step.size);
        run = 0;
      }
      Bytes out;
      internal_busy_ = true;
      bool ok = true;
      if (tx != 'I' && mode_ == PoolMode::statement) {
        // Statement mode cannot hold a transaction open between statements.
        auto r = co_await run_internal(*server_, "ROLLBACK");
        ok = r && server_->tx_status() == 'I';
        codec::append_error(out, {"ERROR", "25000",
                                  "sqlwarden: transaction blocks are not allowed in statement "
                                  "pool mode (pool \"" +
                                      shard_->key().name() + "\"); rolled back"});
        tx = 'I';
      }
      if (ok && tx == 'I') ok = co_await settle_session(out);
      internal_busy_ = false;
      internal_done_.cancel();
      if (!ok) {
        failed = true;
        break;
      }
      // PostgreSQL sends pending notifications right before ReadyForQuery 'I'.
      if (tx == 'I') append_notifications(out);
      codec::append_ready_for_query(out, tx);
      if (!co_await write_client(reader.avail().first(run), out)) break;
      if (!internal_work) {
        reader.consume(run + step.size);
        run = 0;
      }
      if (tx == 'I' && pins_ == 0 && !in_flight() && server_->reader().size() == 0) {
        release_server(true);
        relay_running_ = false;
        co_return;
      }
      continue;
    }
    run += step.size;
  }
  relay_running_ = false;
  audit_.lost();  // statements still in flight never got their result
  relay_at_rest_ = false;
  if (detaching_ || closed_) {
    co_await finish_server();
    co_return;
  }
  release_server(false);
  if (failed) {
    spdlog::info("pg: server connection of user \"{}\" lost", user_);
    co_await fatal("08006",
                   "sqlwarden: the server connection was lost (terminated by the server "
                   "or the network); the current transaction is gone");
  } else {
    close_all();
  }
}

net::awaitable<void> ClientSession::idle_watchdog() {
  const auto idle = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      ctx_->config->server.client_idle_timeout);
  while (!closed_) {
    timer_.expires_at(last_activity_ + idle);
    net::error_code ec;
    co_await timer_.async_wait(net::nothrow(ec));
    if (ec || closed_) co_return;
    if (busy()) {
      touch();  // a long query is not idleness
      continue;
    }
    if (std::chrono::steady_clock::now() - last_activity_ >= idle) {
      co_await fatal("57P05", "terminating connection due to idle-session timeout");
      co_return;
    }
  }
}

}  // namespace sw::pg
