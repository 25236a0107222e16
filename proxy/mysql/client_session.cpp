#include "proxy/mysql/client_session.hpp"

#include <functional>
#include <optional>

#include <spdlog/spdlog.h>

#include "proxy/mysql/auth_lookup.hpp"
#include "proxy/mysql/client_auth.hpp"
#include "proxy/mysql/codec/auth.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/local_infile.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/request_metrics.hpp"

namespace sw::mysql {

// Lets a KILL from another session end this one while it holds no server
// connection; touched only on this session's worker.
struct KillSwitch {
  net::tcp::socket* socket = nullptr;
};

namespace {

// Commands are small; the buffer is freed whenever the client goes idle
// and grows only for a large packet.
constexpr std::size_t client_buffer_bytes = 4 * 1024;
constexpr std::size_t login_packet_limit = 1 << 20;
constexpr std::uint16_t er_connection_killed = 1927;  // 70100
constexpr std::uint16_t er_query_interrupted = 1317;  // 70100
constexpr std::uint16_t er_lost_connection = 2013;    // client-side code, HY000

bool local_infile_configured(const Config& config) {
  for (const auto& p : config.profiles)
    if (p.local_infile.value_or(false)) return true;
  return false;
}

// Cheap pre-check before the statement model runs: "infile" anywhere.
bool mentions_infile(std::string_view sql) {
  static constexpr std::string_view word = "infile";
  for (std::size_t i = 0; i + word.size() <= sql.size(); ++i) {
    std::size_t k = 0;
    while (k < word.size() && (sql[i + k] | 0x20) == word[k]) ++k;
    if (k == word.size()) return true;
  }
  return false;
}

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

std::uint32_t read_u32(ByteSpan payload, std::size_t at) {
  if (payload.size() < at + 4) return 0;
  return static_cast<std::uint32_t>(payload[at] | (payload[at + 1] << 8) | (payload[at + 2] << 16) |
                                    (static_cast<std::uint32_t>(payload[at + 3]) << 24));
}

// Shared between the idle wait and the backend watch's completion handler,
// which may run after the session is gone.
struct IdleWatch {
  bool armed = true;
  bool backend_spoke = false;
  net::tcp::socket* client = nullptr;
};

}  // namespace

ClientSession::ClientSession(std::shared_ptr<const ListenerContext> ctx,
                             std::shared_ptr<MysqlPools> pools, net::tcp::socket socket,
                             net::ConnectionSlot slot)
    : ctx_(std::move(ctx)),
      pools_(std::move(pools)),
      client_(Stream(std::move(socket)), client_buffer_bytes),
      slot_(std::move(slot)),
      audit_(ctx_->audit) {
  net::error_code ec;
  auto remote = client_.stream().socket().remote_endpoint(ec);
  host_ = ec ? "unknown" : remote.address().to_string();
  client_.stream().socket().set_option(net::tcp::no_delay(true), ec);
  kill_switch_ = std::make_shared<KillSwitch>();
  kill_switch_->socket = &client_.stream().socket();
}

ClientSession::~ClientSession() {
  if (connection_id_) ConnectionRegistry::instance().remove(connection_id_);
  // A connection still held mid-command or mid-transaction goes back dirty
  // (reset before reuse) or, mid-answer, is dropped.
  bool at_boundary = tracker_.done();
  lease_.release(at_boundary, true);
  if (pool_client_ && lease_.shard()) lease_.shard()->client_detached();
}

parsers::MysqlLexOptions ClientSession::lex_options() const noexcept {
  parsers::MysqlLexOptions lex;
  lex.no_backslash_escapes = server_status_ & status::no_backslash_escapes;
  return lex;
}

void ClientSession::set_backend_tls(BackendLogin& login) const {
  login.tls = &ctx_->listener->server_tls;
  login.tls_context = ctx_->server_tls.get();
  login.host = ctx_->listener->backend.host;
}

void ClientSession::close_all() {
  client_.close();
  if (probe_) probe_->channel().close();
}

net::awaitable<bool> ClientSession::send_err(std::uint16_t code, std::string_view sqlstate,
                                             std::string_view message, std::uint8_t seq) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_err(ErrPacket{code, std::string(sqlstate), std::string(message)}, scratch_);
  b.finish(seq);
  co_return static_cast<bool>(co_await client_.write(scratch_));
}

net::awaitable<bool> ClientSession::send_err(const ErrPacket& err, std::uint8_t seq) {
  co_return co_await send_err(err.code, err.sqlstate, err.message, seq);
}

net::awaitable<bool> ClientSession::send_ok(std::uint8_t seq) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  OkPacket ok;
  ok.status = server_status_;
  encode_ok(ok, capabilities_, scratch_);
  b.finish(seq);
  co_return static_cast<bool>(co_await client_.write(scratch_));
}

net::awaitable<void> ClientSession::run() {
  // g++ 12 miscompiles `while (co_await f()) {}` here (the frame handed to
  // the resumed coroutine is off by 8 bytes): keep co_await out of loop
  // conditions.
  bool ready = co_await handshake();
  if (ready) register_session();
  while (ready) ready = co_await command_loop_step();
  close_all();
}

// Not a coroutine on purpose: g++ 12 mishandles temporaries that live
// across a co_await in the same full-expression.
void ClientSession::register_session() {
  net::SessionInfo info;
  info.protocol = Protocol::mysql;
  info.tenant = ctx_->tenant->name;
  info.user = user_;
  info.database = state_.database;
  info.peer = net::peer_address(client_.stream().socket());
  registration_ = net::SessionRegistry::instance().add(
      std::move(info), client_.stream().socket().get_executor(), [this] { close_all(); });
  audit_.facts().session_id = registration_.id();
}

net::awaitable<bool> ClientSession::handshake() {
  if (!slot_.admitted()) {
    co_await send_err(er::con_count, "08004", "Too many connections", 0);
    co_return false;
  }
  const ServerConfig& server_config = ctx_->config->server;
  auto ex = co_await net::asio::this_coro::executor;
  net::asio::steady_timer timer(ex, server_config.client_auth_timeout);
  bool timed_out = false;
  timer.async_wait([this, &timed_out](net::error_code ec) {
    if (ec) return;
    timed_out = true;
    close_all();
  });
  struct CancelTimer {
    net::asio::steady_timer& t;
    ~CancelTimer() { t.cancel(); }
  } cancel_timer{timer};

  connection_id_ = ConnectionRegistry::instance().add(ctx_->tenant->name);
  auto backend = co_await backend_profile();
  if (!backend) co_return false;

  scramble_ = make_scramble();
  std::uint32_t advertised =
      advertised_capabilities(backend->capabilities, ctx_->client_tls != nullptr);
  // LOAD DATA LOCAL: offered when some profile may use it (each statement is
  // still checked against the user's own profile).
  if ((backend->capabilities & cap::local_files) && local_infile_configured(*ctx_->config))
    advertised |= cap::local_files;
  Greeting greeting;
  greeting.server_version = ctx_->listener->server_version.empty() ? backend->server_version
                                                                   : ctx_->listener->server_version;
  greeting.connection_id = connection_id_;
  greeting.scramble = scramble_;
  greeting.capabilities = advertised;
  // MariaDB's extended capabilities mean something only when the greeting
  // says "not MySQL" (CLIENT_MYSQL clear), as the backend's does.
  std::uint32_t advertised_ext = (advertised & cap::long_password)
                                     ? 0
                                     : advertised_ext_capabilities(backend->ext_capabilities);
  greeting.ext_capabilities = advertised_ext;
  greeting.charset = backend->charset;
  greeting.status = backend->status & ~status::in_trans;
  greeting.auth_plugin = std::string(native_password_plugin);
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_greeting(greeting, scratch_);
  b.finish(0);
  if (!co_await client_.write(scratch_)) co_return false;

  auto packet = co_await client_.read_packet_exact(1, login_packet_limit);
  if (!packet) {
    if (timed_out) spdlog::info("mysql: client {} did not log in in time", host_);
    co_return false;
  }
  std::uint8_t seq = packet->info.next_seq;
  Bytes payload;
  join_payload(packet->raw, payload);
  client_.consume(packet->raw.size());
  auto response = parse_handshake_response(payload);
  if (!response) {
    co_await send_err(er::handshake, "08S01", "Bad handshake", seq);
    co_return false;
  }
  if (response->ssl_request) {
    if (!ctx_->client_tls) {
      co_await send_err(er::handshake, "08S01", "sqlwarden: TLS is not enabled on this listener",
                        seq);
      co_return false;
    }
    // Nothing past the SSLRequest was read (read_packet_exact): the TLS
    // layer gets the ClientHello from the socket itself.
    if (auto st = co_await client_.stream().accept_tls(*ctx_->client_tls); !st) {
      spdlog::info("mysql: TLS handshake with {} failed: {}", host_, st.error().message);
      co_return false;
    }
    auto login = co_await read_login_payload(seq);
    if (!login) co_return false;
    response = parse_handshake_response(*login);
    if (!response || response->ssl_request) {
      co_await send_err(er::handshake, "08S01", "Bad handshake", seq);
      co_return false;
    }
  } else if (ctx_->listener->client_tls.mode == TlsMode::require) {
    co_await send_err(er::access_denied, "28000",
                      "sqlwarden: connections to this listener must use TLS (SSL)", seq);
    co_return false;
  }
  {
    auto& facts = audit_.facts();
    facts.tenant = ctx_->tenant->name;
    facts.protocol = "mysql";
    facts.client_addr = net::peer_address(client_.stream().socket());
    facts.user = response->user;
    facts.database = response->database.value_or("");
    facts.application = connect_attribute(response->connect_attrs, "program_name");
    facts.source = audit_hook::source_of(facts.application);
  }
  capabilities_ = response->capabilities & advertised;
  ext_capabilities_ =
      (capabilities_ & cap::long_password) ? 0 : response->ext_capabilities & advertised_ext;
  if ((capabilities_ & cap::client_required) != cap::client_required) {
    co_await send_err(er::handshake, "08S01", "Bad handshake: client too old", seq);
    co_return false;
  }
  tracker_.set_capabilities(capabilities_);

  auto authed = co_await authenticate_client(*response, seq);
  if (!authed || !*authed) co_return false;
  bool ok = co_await login_backend(*response, seq);
  if (ok && timed_out) ok = false;
  co_return ok;
}

net::awaitable<std::optional<Bytes>> ClientSession::read_login_payload(std::uint8_t& seq) {
  auto packet = co_await client_.read_packet(seq, login_packet_limit);
  if (!packet) co_return std::nullopt;
  Bytes payload;
  join_payload(packet->raw, payload);
  seq = packet->info.next_seq;
  client_.consume(packet->raw.size());
  co_return payload;
}

net::awaitable<std::optional<Bytes>> ClientSession::ask_client(
    std::uint8_t& seq, const std::function<void(Bytes&)>& encode) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode(scratch_);
  seq = b.finish(seq);
  if (!co_await client_.write(scratch_)) co_return std::nullopt;
  co_return co_await read_login_payload(seq);
}

net::awaitable<Result<bool>> ClientSession::authenticate_client(const HandshakeResponse& response,
                                                                std::uint8_t& seq) {
  const UserConfig* user = find_user_for_tenant(*ctx_->config, *ctx_->tenant, response.user);
  if (!user) user = co_await find_backend_only_user(response.user);
  std::string plugin = response.auth_plugin;
  if (plugin.empty() && !(capabilities_ & cap::plugin_auth))
    plugin = std::string(native_password_plugin);
  std::string answer = response.auth_response;
  if (plugin != native_password_plugin) {
    // The client answered for another plugin than the one announced, so
    // its answer was not computed over our scramble (clients withhold it
    // from a different plugin). Switch it to caching_sha2_password when that
    // is what it speaks, otherwise to mysql_native_password, as the server would.
    // A user configured by its native hash can only be checked by that plugin.
    bool sha2 = plugin == caching_sha2_plugin && !(user && has_native_password_hash(*user));
    std::string target(sha2 ? caching_sha2_plugin : native_password_plugin);
    auto joined = co_await ask_client(seq, [&](Bytes& out) {
      encode_auth_switch(AuthSwitch{target, scramble_}, out);
    });
    if (!joined) co_return false;
    answer.assign(joined->begin(), joined->end());
    plugin = std::move(target);
  }
  bool ok = false;
  if (plugin == caching_sha2_plugin && ctx_->listener->caching_sha2_full_auth) {
    // Full authentication: ask for the password itself, only over TLS.
    auto joined = co_await ask_client(seq, [](Bytes& out) {
      encode_auth_more_data(std::string(1, sha2_perform_full_auth), out);
    });
    if (!joined) co_return false;
    if (!client_.stream().is_tls()) {
      co_await send_err(er::access_denied, "28000",
                        "sqlwarden: caching_sha2_password full authentication needs TLS (RSA key "
                        "exchange is not supported)",
                        seq);
      co_return false;
    }
    std::string_view clear = as_chars(*joined);
    if (!clear.empty() && clear.back() == '\0') clear.remove_suffix(1);
    ok = user && verify_clear_password(*user, clear, &backend_stage1_);
    answer = std::string(clear);
    plugin.clear();  // no fast-auth marker follows a full authentication
  } else {
    ok = user && verify_scramble_answer(*user, plugin, scramble_, answer, &backend_stage1_);
  }
  if (!ok) {
    spdlog::info("mysql: access denied for user '{}' from {}", response.user, host_);
    std::string denied = access_denied_message(response.user, host_, !answer.empty());
    audit_.login_failed(er::access_denied, denied);
    co_await send_err(er::access_denied, "28000", denied, seq);
    co_return false;
  }
  if (plugin == caching_sha2_plugin) {
    scratch_.clear();
    PacketBuilder b(scratch_);
    encode_auth_more_data(std::string(1, sha2_fast_auth_success), scratch_);
    seq = b.finish(seq);
    if (!co_await client_.write(scratch_)) co_return false;
  }
  AuthenticatedUser a = describe_user(*user, *ctx_->tenant);
  user_ = user->name;
  profile_ = a.profile;
  backend_user_ = std::move(a.backend_user);
  backend_password_ = std::move(a.backend_password);
  co_return true;
}

net::awaitable<const UserConfig*> ClientSession::find_backend_only_user(std::string_view name) {
  const ListenerConfig& listener = *ctx_->listener;
  if (listener.auth_user.empty()) co_return nullptr;
  const UserConfig* auth = ctx_->config->find_user(listener.auth_user);
  if (!auth) co_return nullptr;  // config-check refuses this
  AuthenticatedUser a = describe_user(*auth, *ctx_->tenant);
  BackendLogin login;
  login.user = std::move(a.backend_user);
  login.password = std::move(a.backend_password);
  login.capabilities = cap::protocol_41 | cap::secure_connection | cap::plugin_auth;
  set_backend_tls(login);
  auto found = co_await lookup_backend_user(listener.backend, login, listener.auth_query, name,
                                            ctx_->tenant->pool.connect_timeout);
  if (!found) {
    // The client is answered as an unknown user; the operator learns why.
    spdlog::warn("mysql: auth_query lookup of '{}' failed: {}", name, found.error().message);
    co_return nullptr;
  }
  backend_only_user_ = std::move(*found);
  co_return backend_only_user_ ? &*backend_only_user_ : nullptr;
}

net::awaitable<std::optional<BackendProfile>> ClientSession::backend_profile() {
  const Endpoint& backend = ctx_->listener->backend;
  if (auto cached = BackendProfiles::instance().find(backend)) co_return cached;
  // First client for this backend: read its greeting once (the pool's
  // logins refresh the cache from then on).
  auto probe = co_await ServerConnection::connect(backend, ctx_->tenant->pool.connect_timeout);
  if (probe && probe->error) {
    co_await send_err(*probe->error, 0);  // e.g. 1040 Too many connections, verbatim
    co_return std::nullopt;
  }
  if (!probe) {
    spdlog::warn("mysql: backend {}: {}", backend.to_string(), probe.error().message);
    co_await send_backend_unreachable(probe.error().message, 0);
    co_return std::nullopt;
  }
  probe_ = std::move(probe->connection);
  co_return BackendProfiles::instance().find(backend);
}

net::awaitable<bool> ClientSession::send_backend_unreachable(std::string_view why,
                                                             std::uint8_t seq) {
  co_return co_await send_err(backend_unreachable_error(ctx_->listener->backend, why), seq);
}

net::awaitable<bool> ClientSession::join_pool(const std::optional<std::string>& database,
                                              std::uint8_t seq) {
  if (pool_client_) lease_.shard()->client_detached();
  pool_client_ = false;
  bind_pool(database);
  if (!lease_.shard()->client_attached()) {
    co_await send_err(
        er::con_count, "08004",
        "sqlwarden: too many client connections for pool " + lease_.shard()->key().name(), seq);
    co_return false;
  }
  pool_client_ = true;
  // Borrow once now, in every mode: the backend's verdict on this user and
  // database (1045, 1044, 1049, 1862...) reaches the client at login, verbatim.
  auto failure = co_await lease_.acquire(state_);
  if (failure) {
    spdlog::info("mysql: backend login for '{}' refused: {}", user_, failure->error.message);
    co_await send_err(failure->error, seq);
    co_return false;
  }
  server_status_ = status::autocommit;
  ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend,
                                            lease_.server()->thread_id());
  co_return true;
}

void ClientSession::bind_pool(const std::optional<std::string>& database) {
  const UserConfig* user = ctx_->config->find_user(user_);
  mode_ = Config::pool_mode_for(user, *ctx_->tenant);
  strict_ = ctx_->tenant->pool.strict;
  PoolLogin login;
  login.backend = ctx_->listener->backend;
  login.connect_timeout = ctx_->tenant->pool.connect_timeout;
  login.login.user = backend_user_;
  login.login.password = backend_password_;
  login.login.native_stage1 = backend_stage1_;
  login.login.database = database;
  login.login.capabilities = capabilities_;
  login.login.ext_capabilities = ext_capabilities_;
  login.login.charset = state_.charset;
  login.login.connect_attrs = connect_attrs_;
  set_backend_tls(login.login);
  pool::PoolKey key{ctx_->tenant->name, login.backend.to_string(), database.value_or(""),
                    backend_user_};
  auto shard = pools_->shard(key, ctx_->tenant->pool, login);
  lease_.bind(std::move(shard), std::move(login), capabilities_, ext_capabilities_);
}

net::awaitable<bool> ClientSession::login_backend(const HandshakeResponse& response,
                                                  std::uint8_t seq) {
  if (probe_) {
    // The greeting is cached now; the probe was never logged in.
    probe_->channel().close();
    probe_.reset();
  }
  std::optional<std::string> database = response.database;
  if (!database && !ctx_->listener->default_database.empty())
    database = ctx_->listener->default_database;
  if (database && !co_await database_allowed(*database, seq, true)) co_return false;
  state_.database = database.value_or("");
  state_.charset = response.charset;
  if (capabilities_ & cap::connect_attrs) connect_attrs_ = response.connect_attrs;
  bool joined = co_await join_pool(database, seq);
  if (!joined) co_return false;
  if (!pooled()) {
    co_await align_connection_id();
  } else {
    lease_.release(true, false);
    ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend, 0);
  }
  std::weak_ptr<KillSwitch> weak = kill_switch_;
  auto ex = client_.stream().socket().get_executor();
  ConnectionRegistry::instance().set_closer(connection_id_, [ex, weak] {
    net::asio::post(ex, [weak] {
      if (auto k = weak.lock()) {
        net::error_code ignore;
        k->socket->shutdown(net::tcp::socket::shutdown_both, ignore);
      }
    });
  });
  bool sent = co_await send_ok(seq);
  // Compression starts after the login's OK, on this side alone: the
  // server connection negotiated its own.
  if (sent && (capabilities_ & cap::compress)) client_.start_compression();
  co_return sent;
}

net::awaitable<void> ClientSession::align_connection_id() {
  // pseudo_thread_id is what CONNECTION_ID() returns. Setting it needs
  // SUPER or BINLOG REPLAY on MariaDB (SYSTEM_VARIABLES_ADMIN on MySQL);
  // without it CONNECTION_ID() shows the backend's thread id instead.
  auto r = co_await lease_.server()->execute_simple("SET @@session.pseudo_thread_id=" +
                                                    std::to_string(connection_id_));
  if (r && r->error)
    spdlog::debug("mysql: CONNECTION_ID() of '{}' stays the backend's: {}", user_,
                  r->error->message);
  // The connection now carries this session's id: never hand it to another
  // client without a reset.
  if (r && !r->error) lease_.server()->session().dirty = true;
}

net::awaitable<bool> ClientSession::ensure_server(std::uint8_t seq) {
  if (lease_.held()) co_return true;
  auto failure = co_await lease_.acquire(state_);
  if (failure) {
    co_await send_err(failure->error, seq);
    co_return false;
  }
  server_status_ = static_cast<std::uint16_t>(
      (server_status_ & ~status::in_trans & ~status::cursor_exists) | status::autocommit);
  ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend,
                                            lease_.server()->thread_id());
  co_return true;
}

void ClientSession::release_if_idle() {
  if (!pooled() || !lease_.held()) return;
  if (server_status_ & status::in_trans) return;
  if (!(server_status_ & status::autocommit)) return;  // autocommit=0: a transaction always open
  if (state_.pinned()) return;
  lease_.release(true, false);
  ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend, 0);
}

net::awaitable<bool> ClientSession::wait_idle() {
  client_.shrink();
  if (client_.has_input() || client_.stream().is_tls()) co_return false;
  // TLS clients: decrypted bytes may wait inside the TLS layer, so socket
  // readability says nothing; they notice a backend close at their next command.
  client_.release_buffer();
  auto watch = std::make_shared<IdleWatch>();
  watch->client = &client_.stream().socket();
  ServerConnection* server = lease_.server();
  net::tcp::socket* backend = server ? &server->channel().stream().socket() : nullptr;
  if (server && server->channel().has_input()) watch->backend_spoke = true;
  if (backend && !watch->backend_spoke && !server->channel().stream().is_tls()) {
    backend->async_wait(net::tcp::socket::wait_read, [watch](net::error_code ec) {
      if (ec || !watch->armed) return;
      watch->backend_spoke = true;
      net::error_code ignore;
      watch->client->cancel(ignore);
    });
  }
  if (!watch->backend_spoke) {
    net::error_code ec;
    co_await client_.stream().socket().async_wait(net::tcp::socket::wait_read, net::nothrow(ec));
  }
  watch->armed = false;
  if (backend) {
    net::error_code ignore;
    backend->cancel(ignore);
  }
  if (!watch->backend_spoke) co_return false;
  // Relay what the server said (its ERR, if it sent one) as it sent it, then
  // close, so the client learns now rather than at its next command.
  PacketChannel& channel = server->channel();
  if (channel.buffered().empty()) (void)co_await channel.fill();
  if (!channel.buffered().empty()) (void)co_await client_.write(channel.buffered());
  spdlog::info("mysql: backend closed the session of '{}' (connection {})", user_, connection_id_);
  lease_.release(false, true);
  co_return true;
}

net::awaitable<bool> ClientSession::command_loop_step() {
  bool backend_closed = co_await wait_idle();
  if (backend_closed) co_return false;
  client_.begin_command();
  auto packet = co_await client_.read_packet(0, ctx_->config->server.max_message_bytes);
  if (!packet) {
    const Error& e = packet.error();
    if (e.code == Errc::protocol_violation) {
      co_await send_err(er::net_packets_out_of_order, "08S01", "Got packets out of order", 1);
    } else if (e.code == Errc::message_too_large) {
      co_await send_err(er::net_packet_too_large, "08S01",
                        "Got a packet bigger than 'max_allowed_packet' bytes", 1);
    }
    co_return false;
  }
  ByteSpan raw = packet->raw;
  if (single_payload(raw).size() > 0 &&
      single_payload(raw)[0] == static_cast<std::uint8_t>(Command::change_user)) {
    // Its authentication exchange reads more from the client: take the
    // command out of the buffer first.
    Bytes request;
    join_payload(raw, request);
    std::uint8_t seq = packet->info.next_seq;
    client_.consume(raw.size());
    bool keep = co_await handle_change_user(request, seq);
    if (keep) release_if_idle();
    co_return keep;
  }
  ByteSpan payload;
  if (packet->info.packets == 1) {
    payload = single_payload(raw);
  } else {
    command_.clear();
    join_payload(raw, command_);
    payload = command_;
  }
  command_bytes_ = raw.size();
  bool keep = co_await handle_command(raw, payload, packet->info.next_seq);
  client_.consume(command_bytes_);
  command_bytes_ = 0;
  if (command_.capacity() > client_buffer_bytes) Bytes().swap(command_);
  if (keep) release_if_idle();
  co_return keep;
}

policy::Decision ClientSession::gate_check(std::string_view sql) const {
  policy::SessionContext session;
  session.protocol = Protocol::mysql;
  session.tenant = ctx_->tenant->name;
  session.user = user_;
  session.database = state_.database;
  session.profile = profile_;
  session.no_backslash_escapes = server_status_ & status::no_backslash_escapes;
  return ctx_->gate->check(session, sql);
}

net::awaitable<Result<bool>> ClientSession::admit(std::string_view sql, std::uint8_t seq) {
  policy::Decision d = gate_check(sql);
  if (d.allowed && audit_.refusing()) {
    audit_.denied(sql, d, true, lex_options());
    if (!co_await send_err(er::unknown_error, "HY000", audit_hook::kRefusedMessage, seq))
      co_return make_error(Errc::io, "client gone");
    co_return false;
  }
  if (d.allowed) {
    admitted_ = std::move(d);
    co_return true;
  }
  audit_.denied(sql, d, false, lex_options());
  if (d.rule == "local_infile") {
    // Refused with the server's own words, as a server that does not allow
    // the client's LOAD DATA LOCAL would (4166 inside a multi-statement).
    spdlog::info("mysql: LOAD DATA LOCAL refused for '{}' (profile {}, local_infile off)", user_,
                 profile_);
    bool multi = plan_local_infile(sql, lex_options().no_backslash_escapes, false).statements > 1;
    bool sent = multi ? co_await send_err(er::local_infile_disabled, "HY000",
                                          "The used command is not allowed because the MariaDB "
                                          "server or client has disabled the local infile "
                                          "capability",
                                          seq)
                      : co_await send_err(er::not_allowed_command, "42000",
                                          "The used command is not allowed with this MariaDB "
                                          "version",
                                          seq);
    if (!sent) co_return make_error(Errc::io, "client gone");
    co_return false;
  }
  // Policy messages already name sqlwarden; add nothing so clients read it once.
  std::string message = d.message.empty() ? "sqlwarden: statement denied by policy" : d.message;
  spdlog::info("mysql: denied for '{}' ({}): {}", user_, d.rule, message);
  if (!co_await send_err(er::table_access_denied, "42000", message, seq))
    co_return make_error(Errc::io, "client gone");
  co_return false;
}

// The SQL the gate judges for a command that is not COM_QUERY; empty for
// commands the gate does not see.
static std::string gate_sql_for(Command cmd, std::string_view arg) {
  switch (cmd) {
    case Command::stmt_prepare:
      return std::string(arg);
    case Command::init_db:
      return "USE " + quote_identifier(arg);
    case Command::field_list:
      return "SHOW COLUMNS FROM " + quote_identifier(arg.substr(0, arg.find('\0')));
    case Command::create_db:
      return "CREATE DATABASE " + quote_identifier(arg);
    case Command::drop_db:
      return "DROP DATABASE " + quote_identifier(arg);
    case Command::refresh:
      return "FLUSH PRIVILEGES";
    case Command::shutdown:
      return "SHUTDOWN";
    case Command::process_info:
      return "SHOW PROCESSLIST";
    default:
      return {};
  }
}

net::awaitable<bool> ClientSession::handle_command(ByteSpan raw, ByteSpan payload,
                                                   std::uint8_t seq) {
  if (payload.empty())
    co_return co_await send_err(er::unknown_com, "08S01", "Unknown command", seq);
  auto cmd = static_cast<Command>(payload[0]);
  std::string_view arg = as_chars(payload.subspan(1));
  // A command that needed the previous one's connection (FOUND_ROWS after
  // SQL_CALC_FOUND_ROWS) has it now; after it the connection may go.
  state_.hold_next = false;
  // g++ 12 mishandles temporaries and block-scoped objects that live across
  // a co_await inside a switch: everything awaited below is a plain call.
  std::string gate_sql = gate_sql_for(cmd, arg);
  KillStatement kill;  // COM_PROCESS_KILL
  if (cmd == Command::process_kill) {
    if (payload.size() < 5)
      co_return co_await send_err(er::net_read_error, "08S01", "Malformed COM_PROCESS_KILL", seq);
    kill.id = read_u32(payload, 1);
    gate_sql = "KILL CONNECTION " + std::to_string(kill.id);
  }
  if (cmd == Command::stmt_bulk_execute && !(ext_capabilities_ & ext_cap::stmt_bulk_operations))
    co_return co_await send_err(er::unsupported_ps, "HY000",
                                "This command is not supported in the prepared statement "
                                "protocol yet",
                                seq);
  if (!gate_sql.empty()) {
    auto admitted = co_await admit(gate_sql, seq);
    if (!admitted) co_return false;  // client gone
    if (!*admitted) co_return true;  // denied; the client was told
  }
  switch (cmd) {
    case Command::quit:
      // The server connection goes back to the pool (reset before reuse).
      co_return false;
    case Command::query:
      co_return co_await handle_query(raw, arg, seq);
    case Command::stmt_prepare:
      co_return co_await handle_prepare(raw, arg, seq);
    case Command::stmt_bulk_execute:
    case Command::stmt_execute:
    case Command::stmt_send_long_data:
    case Command::stmt_close:
    case Command::stmt_reset:
    case Command::stmt_fetch:
      co_return co_await handle_statement_command(cmd, payload, seq);
    case Command::init_db:
      co_return co_await handle_init_db(raw, arg, seq);
    case Command::field_list:
    case Command::create_db:
    case Command::drop_db:
    case Command::refresh:
    case Command::shutdown:
    case Command::process_info:
    case Command::statistics:
      co_return co_await handle_simple(raw, response_kind(cmd), seq);
    case Command::process_kill:
      co_return co_await handle_kill(kill, seq);
    case Command::change_user:
      co_return co_await handle_change_user(payload, seq);  // normally taken earlier
    case Command::reset_connection:
      co_return co_await handle_reset_connection(raw, seq);
    case Command::ping:
      // Between transactions the proxy answers for the pool: no server
      // connection is taken just to say it is there.
      if (!lease_.held()) co_return co_await send_ok(seq);
      co_return co_await handle_simple(raw, ResponseKind::single, seq);
    case Command::set_option:
      // Multi-statements on or off for the rest of the session: not
      // replayable, so the client keeps its connection.
      state_.pins |= static_cast<std::uint32_t>(SessionPin::other);
      co_return co_await handle_simple(raw, ResponseKind::single, seq);
    case Command::binlog_dump:
    case Command::connect:
    case Command::sleep:
    case Command::debug:
      break;
  }
  // Replication, COM_DEBUG and the commands only the server sends itself.
  co_return co_await send_err(
      er::unknown_com, "08S01",
      "sqlwarden: command " + std::to_string(payload[0]) + " is not supported through the proxy",
      seq);
}

net::awaitable<bool> ClientSession::database_allowed(std::string_view db, std::uint8_t seq,
                                                     bool at_login) {
  const ListenerConfig& listener = *ctx_->listener;
  if (!listener.pin_database || db == listener.default_database) co_return true;
  // A tenant port serves its clone only (docs/tenants.md).
  std::string message = "sqlwarden: this port serves database '" + listener.default_database +
                        "' only; database '" + std::string(db) + "' is refused";
  if (at_login) audit_.login_failed(er::db_access_denied, message);
  co_await send_err(er::db_access_denied, "42000", message, seq);
  co_return false;
}

net::awaitable<bool> ClientSession::handle_init_db(ByteSpan raw, std::string_view db,
                                                   std::uint8_t seq) {
  if (ctx_->listener->pin_database && db != ctx_->listener->default_database) {
    // Refused, but the session lives on, as the server's own 1044 would.
    co_await database_allowed(db, seq, false);
    co_return true;
  }
  bool ok = co_await handle_simple(raw, ResponseKind::single, seq);
  if (ok && !tracker_.failed()) {
    state_.database = std::string(db);
    registration_.set_database(state_.database);
    if (lease_.held()) lease_.server()->session().database = state_.database;
  }
  co_return ok;
}

net::awaitable<Result<bool>> ClientSession::refuse_unpoolable(const SessionEffects& effects,
                                                              std::uint8_t seq) {
  std::string why;
  if (effects.pins && (strict_ || mode_ == PoolMode::statement)) {
    why = "sqlwarden: " + describe_pins(effects.pins) +
          " would tie this client to one server "
          "connection, which this pool (" +
          std::string(pool_mode_name(mode_)) + (strict_ ? " mode, strict" : " mode") +
          ") does not allow";
  } else if (mode_ == PoolMode::statement && effects.starts_transaction) {
    why = "sqlwarden: transactions are not available in statement pooling mode";
  }
  if (why.empty()) co_return false;
  bool sent = co_await send_err(er::not_supported, "42000", why, seq);
  if (!sent) co_return make_error(Errc::io, "client gone");
  co_return true;
}

void ClientSession::apply_effects(const SessionEffects& effects, bool succeeded) {
  // Pins hold even when a multi-statement request failed half way: some of
  // it may have run.
  state_.pins |= effects.pins;
  if (!succeeded) return;
  state_.hold_next = effects.hold_next;
  if (effects.unlock_tables) state_.pins &= ~static_cast<std::uint32_t>(SessionPin::table_lock);
  ServerConnection* server = lease_.server();
  if (effects.use_database) {
    state_.database = *effects.use_database;
    if (server) server->session().database = *effects.use_database;
  }
  if (!effects.replayable_sets.empty()) {
    for (const std::string& set : effects.replayable_sets)
      if (!state_.add_replay(set)) state_.pins |= static_cast<std::uint32_t>(SessionPin::other);
    if (server) server->session().settings_key = state_.settings_key();
  }
}

net::awaitable<bool> ClientSession::handle_query(ByteSpan raw, std::string_view sql,
                                                 std::uint8_t seq) {
  auto verdict = co_await admit(sql, seq);
  if (!verdict) co_return false;
  if (!*verdict) co_return true;
  KillStatement kill;
  switch (parse_kill_statement(sql, kill)) {
    case KillParse::kill:
      if (kill.self) kill.id = connection_id_;
      co_return co_await handle_kill(kill, seq);
    case KillParse::unsupported:
      co_return co_await send_err(
          er::not_supported, "42000",
          "sqlwarden: only KILL [HARD|SOFT] [QUERY|CONNECTION] <connection id>|CONNECTION_ID() "
          "is supported through the proxy",
          seq);
    case KillParse::not_kill:
      if (batch_kills_by_number(sql, server_status_ & status::no_backslash_escapes))
        co_return co_await send_err(
            er::not_supported, "42000",
            "sqlwarden: KILL <connection id> inside a multi-statement request is not supported "
            "through the proxy (the server would read the id as one of its own threads); send it "
            "as a statement of its own",
            seq);
      break;
  }
  // The gate allowed any LOAD DATA LOCAL in it: remember which files the
  // server may ask for, in order.
  expected_files_.clear();
  if (mentions_infile(sql)) {
    auto plan = plan_local_infile(sql, server_status_ & status::no_backslash_escapes, false);
    expected_files_.assign(plan.files.begin(), plan.files.end());
  }
  SessionEffects effects;
  if (pooled()) {
    effects = session_effects(sql, server_status_ & status::no_backslash_escapes);
    auto refused = co_await refuse_unpoolable(effects, seq);
    if (!refused) co_return false;
    if (*refused) co_return true;
  }
  bool have_server = co_await ensure_server(seq);
  if (!have_server) co_return true;
  ServerConnection& server = *lease_.server();
  if (effects.reads_last_insert_id && server.session().last_insert_id != state_.last_insert_id) {
    // LAST_INSERT_ID() is per connection on the server, per client here:
    // give this connection the client's value first.
    auto r = co_await server.execute_simple("DO LAST_INSERT_ID(" +
                                            std::to_string(state_.last_insert_id) + ")");
    if (!r) co_return co_await server_lost(r.error().message, seq);
    server.session().last_insert_id = state_.last_insert_id;
  }
  audit_.facts().database = state_.database;
  audit_.expect(sql, admitted_, lex_options(), server.thread_id());
  bool ok = co_await forward(raw, ResponseKind::text_rows, seq);
  if (!ok || !lease_.held()) co_return ok;
  if (tracker_.last_insert_id()) {
    state_.last_insert_id = tracker_.last_insert_id();
    lease_.server()->session().last_insert_id = state_.last_insert_id;
  }
  if (pooled()) apply_effects(effects, !tracker_.failed());
  co_return true;
}

net::awaitable<bool> ClientSession::handle_simple(ByteSpan raw, ResponseKind kind,
                                                  std::uint8_t seq) {
  bool have_server = co_await ensure_server(seq);
  if (!have_server) co_return true;
  bool ok = co_await forward(raw, kind, seq);
  co_return ok;
}

net::awaitable<bool> ClientSession::forward(ByteSpan bytes, ResponseKind kind, std::uint8_t seq) {
  if (auto st = co_await lease_.server()->channel().write_command(bytes); !st) {
    audit_.lost();
    co_return co_await server_lost(st.error().message, seq);
  }
  if (kind == ResponseKind::none) co_return true;
  bool ok = co_await relay(kind, seq, bytes.size());
  audit_.lost();  // an answer that did not reach its end (no-op when it did)
  co_return ok;
}

net::awaitable<bool> ClientSession::relay(ResponseKind kind, std::uint8_t seq,
                                          std::uint64_t received) {
  PacketChannel& server = lease_.server()->channel();
  RequestMetrics metered(received, server_status_, kind, registration_);
  tracker_.start(kind, seq);
  bool relayed = false;
  while (!tracker_.done()) {
    // Only a request with allowed LOAD DATA LOCAL statements may see a file
    // request; anywhere else the tracker refuses it as a protocol error.
    bool files_expected = kind == ResponseKind::text_rows && !expected_files_.empty();
    tracker_.set_stop_at_result_start(files_expected);
    if (files_expected && tracker_.at_result_start()) {
      int handled = co_await relay_local_infile();
      if (handled < 0) {
        lease_.release(false, true);
        co_return false;
      }
      if (handled > 0) {
        relayed = true;
        continue;
      }
    }
    if (server.buffered().empty()) {
      if (auto st = co_await server.fill(); !st) {
        if (relayed) {
          // Half an answer reached the client: its protocol state is gone.
          spdlog::info("mysql: backend connection of '{}' lost mid-answer: {}", user_,
                       st.error().message);
          lease_.release(false, true);
          co_return false;
        }
        co_return co_await server_lost(st.error().message, seq);
      }
    }
    ByteSpan chunk = server.buffered();
    // A compressed server numbers its packets after its compressed count:
    // the client is given the uncompressed protocol's numbers.
    auto used = server.compressed()
                    ? tracker_.consume_renumbering(server.buffered_mut(), chunk.size())
                    : tracker_.consume(chunk);
    if (!used) {
      spdlog::warn("mysql: backend answer for '{}' broke the protocol: {}", user_,
                   used.error().message);
      lease_.release(false, true);
      co_return false;
    }
    if (audit_.expecting()) {
      audit_.results(tracker_.ended(), tracker_.done());
      // fsync = "always": the answer's last packet waits until its records
      // are on disk (the bytes stay in the server buffer meanwhile).
      if (tracker_.done() && audit_.must_wait()) co_await audit_.wait_durable();
    }
    if (!co_await client_.write(chunk.first(*used))) co_return false;
    relayed = true;
    metered.sent += *used;
    server.consume(*used);
  }
  if (tracker_.status_seen()) server_status_ = tracker_.status();
  metered.finish(tracker_, server_status_);
  co_return true;
}

net::awaitable<int> ClientSession::relay_local_infile() {
  PacketChannel& server = lease_.server()->channel();
  // The packet's first payload byte tells; fill until it is here.
  while (server.buffered().size() < packet_header_size + 1)
    if (auto st = co_await server.fill(); !st) co_return -1;
  auto head = peek_header(server.buffered());
  if (!head || head->length == 0 || server.buffered()[packet_header_size] != header::local_infile)
    co_return 0;
  auto packet = co_await server.read_packet(tracker_.next_seq(), 1 << 20);
  if (!packet) {
    spdlog::info("mysql: LOCAL INFILE request of '{}': {}", user_, packet.error().message);
    co_return -1;
  }
  auto name = local_infile_request(single_payload(packet->raw));
  if (!name || expected_files_.empty() || *name != expected_files_.front()) {
    // A server naming another file than the client's statement: never let
    // it read a client file. The backend connection is not trusted again.
    spdlog::warn("mysql: backend asked '{}' for a LOCAL INFILE the statement did not name; refused",
                 user_);
    co_await send_err(er::not_allowed_command, "42000",
                      "sqlwarden: the server asked for a local file the statement did not name; "
                      "refused",
                      tracker_.next_seq());
    co_return -1;
  }
  expected_files_.pop_front();
  std::uint8_t seq = packet->info.next_seq;
  if (!co_await client_.write(packet->raw)) co_return -1;
  server.consume(packet->raw.size());
  // The command is done with: the client's buffer now holds its file.
  client_.consume(command_bytes_);
  command_bytes_ = 0;
  // The file, packet by packet, until the client's empty packet.
  for (;;) {
    auto data = co_await client_.read_packet(seq, ctx_->config->server.max_message_bytes);
    if (!data) {
      spdlog::info("mysql: LOCAL INFILE data from '{}': {}", user_, data.error().message);
      co_return -1;
    }
    seq = data->info.next_seq;
    bool last = data->info.payload_size == 0;
    if (!co_await server.write(data->raw)) co_return -1;
    client_.consume(data->raw.size());
    if (last) break;
  }
  tracker_.resume_after_local_infile(seq);
  co_return 1;
}

net::awaitable<bool> ClientSession::server_lost(std::string_view what, std::uint8_t seq) {
  spdlog::info("mysql: backend connection of '{}' lost: {}", user_, what);
  // A session-mode client, or one inside a transaction or holding state on
  // that connection, lost its session as it would with the server: close
  // it. Otherwise the pool drops the connection and the client goes on.
  bool survives = pooled() && !(server_status_ & status::in_trans) &&
                  (server_status_ & status::autocommit) && !state_.pinned();
  lease_.release(false, true);
  ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend, 0);
  if (!survives) session_over_ = true;
  co_await send_err(er_lost_connection, "HY000",
                    "Lost connection to server during query (sqlwarden: the backend connection " +
                        std::string(survives ? "failed; retry" : "was closed") + ")",
                    seq);
  co_return survives;
}

net::awaitable<bool> ClientSession::handle_kill(const KillStatement& kill, std::uint8_t seq) {
  auto target = ConnectionRegistry::instance().find(static_cast<std::uint32_t>(kill.id));
  if (!target || target->tenant != ctx_->tenant->name)
    co_return co_await send_err(er::no_such_thread, "HY000",
                                "Unknown thread id: " + std::to_string(kill.id), seq);
  if (target->thread_id == 0) {
    if (kill.id == connection_id_) {
      // Killing oneself between transactions: the server's own answers (its
      // KILL interrupts the KILL itself), and KILL CONNECTION closes.
      if (kill.query_only)
        co_return co_await send_err(er_query_interrupted, "70100",
                                    "Query execution was interrupted", seq);
      co_await send_err(er_connection_killed, "70100", "Connection was killed", seq);
      co_return false;
    }
    // A pooled client between transactions: no statement to stop; KILL
    // CONNECTION closes its socket, as the server would.
    if (!kill.query_only && target->close_client) target->close_client();
    co_return co_await send_ok(seq);
  }
  std::string sql = std::string("KILL ") + (kill.hard ? "" : "SOFT ") +
                    (kill.query_only ? "QUERY " : "CONNECTION ") +
                    std::to_string(target->thread_id);
  Result<LoginOutcome> outcome = LoginOutcome{};
  if (kill.id == connection_id_ && lease_.held()) {
    outcome = co_await lease_.server()->execute_simple(sql);
  } else {
    // The target's backend connection is busy: say it on a fresh one, as
    // the killer's backend user (the server checks that user's rights).
    BackendLogin login;
    login.user = backend_user_;
    login.password = backend_password_;
    login.native_stage1 = backend_stage1_;
    login.capabilities = cap::protocol_41 | cap::secure_connection | cap::plugin_auth;
    login.charset = state_.charset;
    set_backend_tls(login);
    auto other =
        co_await ServerConnection::open(target->backend, login, ctx_->tenant->pool.connect_timeout);
    if (!other) {
      outcome = std::move(other).error();
    } else if (other->error) {
      outcome = LoginOutcome{std::move(other->error), 0};
    } else {
      outcome = co_await other->connection->execute_simple(sql);
      co_await other->connection->quit();
    }
    if (outcome && !outcome->error && !kill.query_only && target->close_client)
      target->close_client();  // a pooled client: its socket closes now too
  }
  if (!outcome)
    co_return co_await send_err(er_connection_killed, "70100",
                                "sqlwarden: KILL failed: " + outcome.error().message, seq);
  if (outcome->error) {
    // Killing one's own connection ends it (the server closed it); one's
    // own KILL QUERY only interrupts the KILL itself.
    bool sent = co_await send_err(*outcome->error, seq);
    co_return sent && (kill.query_only || kill.id != connection_id_);
  }
  co_return co_await send_ok(seq);
}

net::awaitable<bool> ClientSession::handle_reset_connection(ByteSpan raw, std::uint8_t seq) {
  // The client's session starts over: no settings, statements or pins.
  ClientState fresh;
  fresh.database = state_.database;
  fresh.charset = state_.charset;
  state_ = std::move(fresh);
  if (!lease_.held()) co_return co_await send_ok(seq);
  bool ok = co_await forward(raw, ResponseKind::single, seq);
  if (ok && lease_.held() && !tracker_.failed()) {
    auto& s = lease_.server()->session();
    s.statements.clear();
    s.settings_key.clear();
    s.last_insert_id = 0;
    if (!pooled()) s.dirty = true;  // pseudo_thread_id is gone too; harmless
  }
  co_return ok;
}

net::awaitable<bool> ClientSession::handle_change_user(ByteSpan payload, std::uint8_t seq) {
  auto request = parse_change_user(payload, capabilities_);
  if (!request) {
    co_await send_err(er::net_read_error, "08S01", request.error().message, seq);
    co_return false;
  }
  // Re-challenge with the greeting's scramble, as the server does: some
  // clients (Connector/C) answer a switch during COM_CHANGE_USER with the
  // scramble they already hold.
  auto answer_bytes = co_await ask_client(seq, [&](Bytes& out) {
    encode_auth_switch(AuthSwitch{std::string(native_password_plugin), scramble_}, out);
  });
  if (!answer_bytes) co_return false;
  std::string answer(answer_bytes->begin(), answer_bytes->end());
  const UserConfig* user = find_user_for_tenant(*ctx_->config, *ctx_->tenant, request->user);
  if (!user) user = co_await find_backend_only_user(request->user);
  std::string stage1;
  if (!user || !verify_scramble_answer(*user, native_password_plugin, scramble_, answer, &stage1)) {
    co_await send_err(er::access_denied, "28000",
                      access_denied_message(request->user, host_, !answer.empty()), seq);
    co_return false;
  }
  AuthenticatedUser a = describe_user(*user, *ctx_->tenant);
  // A new session for another user: state, statements and pool start over.
  ClientState fresh;
  fresh.database = request->database;
  fresh.charset = request->charset ? static_cast<std::uint8_t>(request->charset) : state_.charset;
  state_ = std::move(fresh);
  user_ = user->name;
  profile_ = a.profile;
  backend_user_ = std::move(a.backend_user);
  backend_password_ = std::move(a.backend_password);
  backend_stage1_ = std::move(stage1);
  if (!request->connect_attrs.empty()) connect_attrs_ = request->connect_attrs;
  std::optional<std::string> database;
  if (!request->database.empty()) database = request->database;
  bool joined = co_await join_pool(database, seq);
  if (!joined) co_return false;
  if (!pooled()) co_await align_connection_id();
  co_return co_await send_ok(seq);
}

}  // namespace sw::mysql
