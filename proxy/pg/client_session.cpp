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

namespace sw::pg {

namespace {

namespace msg = codec::msg;

constexpr std::size_t kClientBuffer = 8 * 1024;
constexpr std::uint32_t kServerMaxMessage = 0x7fffffff;  // the server is trusted to frame

// Messages the client→server relay looks at whole; everything else streams.
constexpr codec::InspectSet kClientInspect{'Q', 'P', 'S', 'F', 'X'};
// Messages the server→client relay looks at whole.
constexpr codec::InspectSet kServerInspect{'Z', 'E'};

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
      timer_(client_.socket().get_executor()) {
  touch();
}

ClientSession::~ClientSession() {
  if (registered_) CancelRegistry::instance().remove(cancel_key_.pid);
}

void ClientSession::close_all() noexcept {
  if (closed_) return;
  closed_ = true;
  timer_.cancel();
  client_.close();
  if (server_) server_->stream().close();
}

net::awaitable<bool> ClientSession::write_client(ByteSpan bytes) {
  net::error_code ec;
  client_writing_ = true;
  co_await client_.write(net::asio::buffer(bytes.data(), bytes.size()), ec);
  client_writing_ = false;
  metrics::count_client_bytes(Protocol::postgres, 0, bytes.size());
  co_return !ec;
}

net::awaitable<bool> ClientSession::write_server(ByteSpan bytes) {
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
  if (!client_writing_) co_await write_client(out);
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
  if (server_cfg.client_idle_timeout.count() > 0)
    net::spawn_logged(
        ex,
        [](std::shared_ptr<ClientSession> self) -> net::awaitable<void> {
          co_await self->idle_watchdog();
        }(shared_from_this()),
        "pg idle watchdog");
  net::spawn_logged(
      ex,
      [](std::shared_ptr<ClientSession> self) -> net::awaitable<void> {
        co_await self->server_to_client();
      }(shared_from_this()),
      "pg server relay");
  co_await client_to_server();
  if (!closed_ && server_) {
    co_await server_->close();
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
      co_await fatal(outcome.sqlstate, outcome.message);
    }
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

  auto identity =
      user ? backend_identity(*user, outcome) : backend_identity(user_, *stored, outcome);
  if (!identity) {
    co_await fatal("28000", identity.error().message);
    co_return false;
  }
  ServerLogin login = backend_login(identity->user, database_);
  login.credential = std::move(identity->credential);
  login.params = std::move(forward);
  auto [server, failure] = co_await ServerConnection::open(login);
  if (!server) {
    spdlog::warn("pg: backend login for user \"{}\" failed: {}", user_, failure.problem);
    if (!failure.error_message.empty()) {
      co_await write_client(failure.error_message);
      co_return false;
    }
    co_await fatal("08006", "sqlwarden: cannot reach the database server: " + failure.problem);
    co_return false;
  }
  server_ = std::move(server);

  cancel_key_ = CancelRegistry::instance().add();
  registered_ = true;
  CancelRegistry::instance().set_target(cancel_key_.pid, server_->cancel_target());

  Bytes out;
  codec::append_auth(out, codec::AuthCode::ok);
  for (const auto& [name, value] : server_->parameters())
    codec::append_parameter_status(out, name, value);
  const Bytes& notices = server_->startup_notices();
  out.insert(out.end(), notices.begin(), notices.end());
  codec::append_backend_key_data(out, cancel_key_.pid, cancel_key_.key);
  codec::append_ready_for_query(out, server_->tx_status());
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

net::awaitable<void> ClientSession::client_to_server() {
  codec::FrameScanner scanner(kClientInspect, ctx_->config->server.max_message_bytes);
  std::size_t run = 0;  // bytes at the reader's front, checked, not yet sent
  Bytes substitute;
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
        if (!co_await reader_.fill(client_, step.size)) co_return;
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
        scanner.consume(step.size);
        run += step.size;
        continue;
      case Kind::message:
        break;
    }

    ByteSpan message = avail.first(step.size);
    scanner.consume(step.size);
    policy::Decision decision;
    substitute.clear();
    if (!busy()) begin_request();  // the first message of a request
    switch (step.type) {
      case msg::kTerminate:
        if (run > 0) co_await write_server(reader_.avail().first(run));
        co_return;
      case msg::kSync:
        ++syncs_sent_;
        break;
      case msg::kFunctionCall:
        ++syncs_sent_;
        // A FunctionCall names a function by OID, which no SQL policy can
        // judge: only unrestricted profiles may use it.
        if (profile_ != "allow_all") {
          decision.allowed = false;
          decision.message =
              "FunctionCall messages are not allowed for profile \"" + profile_ + "\"";
          codec::append_query(substitute, denial_marker());
          denials_.push_back({syncs_sent_, decision.message});
        }
        break;
      case msg::kQuery: {
        auto sql = codec::parse_query(message);
        if (!sql) {
          co_await fatal("08P01", sql.error().message);
          co_return;
        }
        ++syncs_sent_;
        decision = ctx_->gate->check(gate_context_, *sql);
        if (!decision.allowed) {
          codec::append_query(substitute, denial_marker());
          denials_.push_back({syncs_sent_, decision.message});
        }
        break;
      }
      case msg::kParse: {
        auto parse = codec::parse_parse(message);
        if (!parse) {
          co_await fatal("08P01", parse.error().message);
          co_return;
        }
        decision = ctx_->gate->check(gate_context_, parse->sql);
        if (!decision.allowed) {
          codec::append_parse(substitute, "", denial_marker());
          denials_.push_back({syncs_sent_ + 1, decision.message});
        }
        break;
      }
      default:
        break;
    }
    if (decision.allowed) {
      run += step.size;
      continue;
    }
    spdlog::debug("pg: denied for user \"{}\": {}", user_, decision.message);
    // Send what came before, drop the denied message, send its stand-in.
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
  MessageReader& reader = server_->reader();
  std::size_t run = 0;
  Bytes rewritten;
  for (;;) {
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
      if (!co_await reader.fill(server_->stream(), step.size)) break;
      continue;
    }
    if (step.kind == Kind::bad_length || step.kind == Kind::too_large) {
      spdlog::warn("pg: backend sent a malformed message; closing the session");
      break;
    }
    scanner.consume(step.size);
    if (step.kind == Kind::pass) {
      run += step.size;
      continue;
    }
    ByteSpan message = avail.first(step.size);
    if (step.type == msg::kReadyForQuery) {
      auto status = codec::parse_ready_for_query(message);
      if (status) server_->set_tx_status(*status);
      ++syncs_received_;
      metrics_ready_for_query(status ? *status : 'I');
      while (!denials_.empty() && denials_.front().sync_seq <= syncs_received_)
        denials_.erase(denials_.begin());
      touch();
    } else if (step.type == msg::kErrorResponse) {
      rewritten.clear();
      if (rewrite_denial(message, rewritten)) {
        if (run > 0 && !co_await write_client(reader.avail().first(run))) break;
        reader.consume(run + step.size);
        run = 0;
        if (!co_await write_client(rewritten)) break;
        continue;
      }
      metrics_backend_error(message);
    }
    run += step.size;
  }
  close_all();
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
