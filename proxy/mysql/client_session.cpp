#include "proxy/mysql/client_session.hpp"

#include <functional>
#include <optional>

#include <spdlog/spdlog.h>

#include "proxy/mysql/client_auth.hpp"
#include "proxy/mysql/codec/auth.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/local_infile.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/connection_registry.hpp"
#include "proxy/mysql/request_metrics.hpp"

namespace sw::mysql {

namespace {

constexpr std::size_t client_buffer_bytes = 16 * 1024;
constexpr std::size_t login_packet_limit = 1 << 20;
// ER_UNKNOWN_ERROR: a server-side code (2xxx codes are the client library's own).
constexpr std::uint16_t er_unknown_error = 1105;

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

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

std::uint32_t read_u32(ByteSpan payload, std::size_t at) {
  if (payload.size() < at + 4) return 0;
  return static_cast<std::uint32_t>(payload[at] | (payload[at + 1] << 8) | (payload[at + 2] << 16) |
                                    (static_cast<std::uint32_t>(payload[at + 3]) << 24));
}

}  // namespace

ClientSession::ClientSession(std::shared_ptr<const ListenerContext> ctx, net::tcp::socket socket,
                             net::ConnectionSlot slot)
    : ctx_(std::move(ctx)),
      client_(Stream(std::move(socket)), client_buffer_bytes),
      slot_(std::move(slot)) {
  net::error_code ec;
  auto remote = client_.stream().socket().remote_endpoint(ec);
  host_ = ec ? "unknown" : remote.address().to_string();
  client_.stream().socket().set_option(net::tcp::no_delay(true), ec);
}

ClientSession::~ClientSession() {
  if (connection_id_) ConnectionRegistry::instance().remove(connection_id_);
}

void ClientSession::set_backend_tls(BackendLogin& login) const {
  login.tls = &ctx_->listener->server_tls;
  login.tls_context = ctx_->server_tls.get();
  login.host = ctx_->listener->backend.host;
}

std::string ClientSession::peer_host() const {
  return host_;
}

void ClientSession::close_all() {
  client_.close();
  if (server_) server_->channel().close();
}

net::awaitable<bool> ClientSession::send_err(std::uint16_t code, std::string_view sqlstate,
                                             std::string_view message, std::uint8_t seq) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_err(ErrPacket{code, std::string(sqlstate), std::string(message)}, scratch_);
  b.finish(seq);
  co_return static_cast<bool>(co_await client_.write(scratch_));
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
  info.database = database_;
  info.peer = net::peer_address(client_.stream().socket());
  registration_ = net::SessionRegistry::instance().add(
      std::move(info), client_.stream().socket().get_executor(), [this] { close_all(); });
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
  auto server = co_await ServerConnection::connect(ctx_->listener->backend,
                                                   ctx_->tenant->pool.connect_timeout);
  if (!server) {
    spdlog::warn("mysql: {}", server.error().message);
    co_await send_err(er_unknown_error, "HY000",
                      "sqlwarden: cannot reach the backend server: " + server.error().message, 0);
    co_return false;
  }
  server_ = std::move(*server);
  const Greeting& backend = server_->greeting();

  scramble_ = make_scramble();
  std::uint32_t advertised = (cap::proxy_supported & backend.capabilities) | cap::long_password |
                             cap::protocol_41 | cap::secure_connection | cap::plugin_auth |
                             cap::plugin_auth_lenenc_data | cap::connect_with_db |
                             cap::connect_attrs;
  if (ctx_->client_tls) advertised |= cap::ssl;
  // LOAD DATA LOCAL: offered when some profile may use it (each statement is
  // still checked against the user's own profile).
  if ((backend.capabilities & cap::local_files) && local_infile_configured(*ctx_->config))
    advertised |= cap::local_files;
  Greeting greeting;
  greeting.server_version = backend.server_version;
  greeting.connection_id = connection_id_;
  greeting.scramble = scramble_;
  greeting.capabilities = advertised;
  greeting.charset = backend.charset;
  greeting.status = backend.status;
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
  capabilities_ = response->capabilities & advertised;
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
  std::string plugin = response.auth_plugin;
  if (plugin.empty() && !(capabilities_ & cap::plugin_auth))
    plugin = std::string(native_password_plugin);
  std::string answer = response.auth_response;
  if (plugin != native_password_plugin) {
    // The client answered for another plugin than the one announced, so
    // its answer was not computed over our scramble (clients withhold it
    // from a different plugin). Switch it to caching_sha2_password when that
    // is what it speaks, otherwise to mysql_native_password, as the server would.
    std::string target(plugin == caching_sha2_plugin ? caching_sha2_plugin
                                                     : native_password_plugin);
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
    ok = user && verify_clear_password(*user, clear);
    answer = std::string(clear);
    plugin.clear();  // no fast-auth marker follows a full authentication
  } else {
    ok = user && verify_scramble_answer(*user, plugin, scramble_, answer);
  }
  if (!ok) {
    spdlog::info("mysql: access denied for user '{}' from {}", response.user, host_);
    co_await send_err(er::access_denied, "28000",
                      access_denied_message(response.user, host_, !answer.empty()), seq);
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

net::awaitable<bool> ClientSession::login_backend(const HandshakeResponse& response,
                                                  std::uint8_t seq) {
  BackendLogin login;
  login.user = backend_user_;
  login.password = backend_password_;
  login.database = response.database;
  if (!login.database && !ctx_->listener->default_database.empty())
    login.database = ctx_->listener->default_database;
  login.capabilities = capabilities_;
  login.charset = response.charset;
  charset_ = response.charset;
  if (capabilities_ & cap::connect_attrs) connect_attrs_ = response.connect_attrs;
  login.connect_attrs = connect_attrs_;
  set_backend_tls(login);
  auto outcome = co_await server_->login(login);
  if (!outcome) {
    spdlog::warn("mysql: backend login for '{}' failed: {}", user_, outcome.error().message);
    co_await send_err(er_unknown_error, "HY000",
                      "sqlwarden: backend login failed: " + outcome.error().message, seq);
    co_return false;
  }
  if (outcome->error) {
    const ErrPacket& e = *outcome->error;
    co_await send_err(e.code, e.sqlstate, e.message, seq);
    co_return false;
  }
  if ((server_->capabilities() & ~cap::connect_with_db) !=
      ((capabilities_ | cap::long_password | cap::plugin_auth | cap::secure_connection |
        cap::protocol_41 | (server_->greeting().capabilities & cap::plugin_auth_lenenc_data)) &
       ~cap::connect_with_db)) {
    spdlog::debug("mysql: backend capabilities {:x} vs client {:x}", server_->capabilities(),
                  capabilities_);
  }
  server_status_ = outcome->status;
  database_ = login.database.value_or("");
  ConnectionRegistry::instance().set_target(connection_id_, ctx_->listener->backend,
                                            server_->thread_id());
  co_return co_await send_ok(seq);
}

net::awaitable<bool> ClientSession::command_loop_step() {
  client_.shrink();
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
    co_return co_await handle_change_user(request, seq);
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
  co_return keep;
}

net::awaitable<Result<bool>> ClientSession::admit(std::string_view sql, std::uint8_t seq) {
  policy::SessionContext session;
  session.protocol = Protocol::mysql;
  session.tenant = ctx_->tenant->name;
  session.user = user_;
  session.database = database_;
  session.profile = profile_;
  session.no_backslash_escapes = server_status_ & status::no_backslash_escapes;
  policy::Decision d = ctx_->gate->check(session, sql);
  if (d.allowed) co_return true;
  if (d.rule == "local_infile") {
    // Refused with the server's own words, as a server that does not allow
    // the client's LOAD DATA LOCAL would (4166 inside a multi-statement).
    spdlog::info("mysql: LOAD DATA LOCAL refused for '{}' (profile {}, local_infile off)", user_,
                 profile_);
    bool multi = plan_local_infile(sql, session.no_backslash_escapes, false).statements > 1;
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

net::awaitable<bool> ClientSession::handle_command(ByteSpan raw, ByteSpan payload,
                                                   std::uint8_t seq) {
  if (payload.empty())
    co_return co_await send_err(er::unknown_com, "08S01", "Unknown command", seq);
  auto cmd = static_cast<Command>(payload[0]);
  std::string_view arg = as_chars(payload.subspan(1));
  auto gated = [&](std::string_view sql) -> net::awaitable<int> {
    auto r = co_await admit(sql, seq);
    if (!r) co_return -1;  // client gone
    co_return *r ? 1 : 0;
  };
  switch (cmd) {
    case Command::quit:
      co_await server_->quit();
      co_return false;
    case Command::query: {
      int verdict = co_await gated(arg);
      if (verdict < 0) co_return false;
      if (verdict == 0) co_return true;
      KillStatement kill;
      switch (parse_kill_statement(arg, kill)) {
        case KillParse::kill:
          co_return co_await handle_kill(kill, seq);
        case KillParse::unsupported:
          co_return co_await send_err(
              er::not_supported, "42000",
              "sqlwarden: only KILL [HARD|SOFT] [QUERY|CONNECTION] <connection id> is supported "
              "through the proxy",
              seq);
        case KillParse::not_kill:
          break;
      }
      // The gate allowed any LOAD DATA LOCAL in it: remember which files the
      // server may ask for, in order.
      expected_files_.clear();
      if (mentions_infile(arg)) {
        auto plan = plan_local_infile(arg, server_status_ & status::no_backslash_escapes, false);
        expected_files_.assign(plan.files.begin(), plan.files.end());
      }
      co_return co_await forward(raw, ResponseKind::text_rows, seq);
    }
    case Command::stmt_prepare: {
      int verdict = co_await gated(arg);
      if (verdict < 0) co_return false;
      if (verdict == 0) co_return true;
      co_return co_await forward(raw, ResponseKind::prepare, seq);
    }
    case Command::init_db: {
      int verdict = co_await gated("USE " + quote_identifier(arg));
      if (verdict <= 0) co_return verdict == 0;
      std::string db(arg);
      bool ok = co_await forward(raw, ResponseKind::single, seq);
      if (ok && !tracker_.failed()) registration_.set_database(database_ = std::move(db));
      co_return ok;
    }
    case Command::field_list: {
      std::string_view table = arg.substr(0, arg.find('\0'));
      int verdict = co_await gated("SHOW COLUMNS FROM " + quote_identifier(table));
      if (verdict <= 0) co_return verdict == 0;
      co_return co_await forward(raw, ResponseKind::field_list, seq);
    }
    case Command::create_db:
    case Command::drop_db: {
      std::string sql = cmd == Command::create_db ? "CREATE DATABASE " : "DROP DATABASE ";
      int verdict = co_await gated(sql + quote_identifier(arg));
      if (verdict <= 0) co_return verdict == 0;
      co_return co_await forward(raw, ResponseKind::single, seq);
    }
    case Command::refresh:
    case Command::shutdown:
    case Command::process_info: {
      std::string_view sql = cmd == Command::refresh    ? "FLUSH PRIVILEGES"
                             : cmd == Command::shutdown ? "SHUTDOWN"
                                                        : "SHOW PROCESSLIST";
      int verdict = co_await gated(sql);
      if (verdict <= 0) co_return verdict == 0;
      co_return co_await forward(raw, response_kind(cmd), seq);
    }
    case Command::process_kill: {
      if (payload.size() < 5)
        co_return co_await send_err(er::net_read_error, "08S01", "Malformed COM_PROCESS_KILL", seq);
      KillStatement kill;
      kill.id = read_u32(payload, 1);
      int verdict = co_await gated("KILL CONNECTION " + std::to_string(kill.id));
      if (verdict <= 0) co_return verdict == 0;
      co_return co_await handle_kill(kill, seq);
    }
    case Command::change_user:
      co_return co_await handle_change_user(payload, seq);  // normally taken earlier
    case Command::binlog_dump:
    case Command::connect:
    case Command::sleep:
    case Command::debug:
      break;
    case Command::statistics:
    case Command::ping:
    case Command::stmt_execute:
    case Command::stmt_send_long_data:
    case Command::stmt_close:
    case Command::stmt_reset:
    case Command::set_option:
    case Command::stmt_fetch:
    case Command::reset_connection:
      co_return co_await forward(raw, response_kind(cmd), seq);
  }
  // Replication, COM_DEBUG and the commands only the server sends itself.
  co_return co_await send_err(
      er::unknown_com, "08S01",
      "sqlwarden: command " + std::to_string(payload[0]) + " is not supported through the proxy",
      seq);
}

net::awaitable<bool> ClientSession::forward(ByteSpan raw, ResponseKind kind, std::uint8_t seq) {
  PacketChannel& server = server_->channel();
  RequestMetrics metered(raw.size(), server_status_, kind, registration_);
  if (!co_await server.write(raw)) co_return false;
  if (kind == ResponseKind::none) co_return true;
  tracker_.start(kind, seq);
  while (!tracker_.done()) {
    // Only a request with allowed LOAD DATA LOCAL statements may see a file
    // request; anywhere else the tracker refuses it as a protocol error.
    bool files_expected = kind == ResponseKind::text_rows && !expected_files_.empty();
    tracker_.set_stop_at_result_start(files_expected);
    if (files_expected && tracker_.at_result_start()) {
      int handled = co_await relay_local_infile();
      if (handled < 0) co_return false;
      if (handled > 0) continue;
    }
    if (server.buffered().empty()) {
      if (auto st = co_await server.fill(); !st) {
        spdlog::info("mysql: backend connection of '{}' lost: {}", user_, st.error().message);
        co_return false;
      }
    }
    ByteSpan chunk = server.buffered();
    auto used = tracker_.consume(chunk);
    if (!used) {
      spdlog::warn("mysql: backend answer for '{}' broke the protocol: {}", user_,
                   used.error().message);
      co_return false;
    }
    if (!co_await client_.write(chunk.first(*used))) co_return false;
    metered.sent += *used;
    server.consume(*used);
  }
  if (tracker_.status_seen()) server_status_ = tracker_.status();
  metered.finish(tracker_, server_status_);
  co_return true;
}

net::awaitable<int> ClientSession::relay_local_infile() {
  PacketChannel& server = server_->channel();
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

net::awaitable<bool> ClientSession::handle_kill(const KillStatement& kill, std::uint8_t seq) {
  auto target = ConnectionRegistry::instance().find(static_cast<std::uint32_t>(kill.id));
  if (!target || target->tenant != ctx_->tenant->name)
    co_return co_await send_err(er::no_such_thread, "HY000",
                                "Unknown thread id: " + std::to_string(kill.id), seq);
  std::string sql = std::string("KILL ") + (kill.hard ? "" : "SOFT ") +
                    (kill.query_only ? "QUERY " : "CONNECTION ") +
                    std::to_string(target->thread_id);
  Result<LoginOutcome> outcome = LoginOutcome{};
  if (kill.id == connection_id_) {
    outcome = co_await server_->execute_simple(sql);
  } else {
    // The target's backend connection is busy: say it on a fresh one, as
    // the killer's backend user (the server checks that user's rights).
    auto other =
        co_await ServerConnection::connect(target->backend, ctx_->tenant->pool.connect_timeout);
    if (!other) {
      outcome = std::move(other).error();
    } else {
      BackendLogin login;
      login.user = backend_user_;
      login.password = backend_password_;
      login.capabilities = cap::protocol_41 | cap::secure_connection | cap::plugin_auth;
      login.charset = charset_;
      set_backend_tls(login);
      outcome = co_await (*other)->login(login);
      if (outcome && !outcome->error) outcome = co_await (*other)->execute_simple(sql);
      co_await (*other)->quit();
    }
  }
  if (!outcome)
    co_return co_await send_err(er_unknown_error, "HY000",
                                "sqlwarden: KILL failed: " + outcome.error().message, seq);
  if (outcome->error) {
    const ErrPacket& e = *outcome->error;
    bool sent = co_await send_err(e.code, e.sqlstate, e.message, seq);
    co_return sent&& kill.id != connection_id_;
  }
  co_return co_await send_ok(seq);
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
  {
    std::string answer(answer_bytes->begin(), answer_bytes->end());
    const UserConfig* user = find_user_for_tenant(*ctx_->config, *ctx_->tenant, request->user);
    if (!user || !verify_scramble_answer(*user, native_password_plugin, scramble_, answer)) {
      co_await send_err(er::access_denied, "28000",
                        access_denied_message(request->user, host_, !answer.empty()), seq);
      co_return false;
    }
    AuthenticatedUser a = describe_user(*user, *ctx_->tenant);
    BackendLogin login;
    login.user = a.backend_user;
    login.password = a.backend_password;
    if (!request->database.empty()) login.database = request->database;
    login.capabilities = capabilities_;
    login.charset = request->charset ? static_cast<std::uint8_t>(request->charset) : charset_;
    login.connect_attrs = request->connect_attrs;
    auto outcome = co_await server_->change_user(login);
    if (!outcome) {
      co_await send_err(er_unknown_error, "HY000",
                        "sqlwarden: backend COM_CHANGE_USER failed: " + outcome.error().message,
                        seq);
      co_return false;
    }
    if (outcome->error) {
      const ErrPacket& e = *outcome->error;
      co_await send_err(e.code, e.sqlstate, e.message, seq);
      co_return false;
    }
    user_ = user->name;
    profile_ = a.profile;
    backend_user_ = std::move(a.backend_user);
    backend_password_ = std::move(a.backend_password);
    database_ = request->database;
    server_status_ = outcome->status;
    co_return co_await send_ok(seq);
  }
}

}  // namespace sw::mysql
