#include "proxy/mysql/server_connection.hpp"

#include <poll.h>

#include "proxy/mysql/backend_profile.hpp"
#include "proxy/mysql/codec/auth.hpp"
#include "proxy/mysql/codec/constants.hpp"
#include "proxy/mysql/codec/lenenc.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"
#include "proxy/net/connect.hpp"
#include "proxy/net/graceful_close.hpp"

namespace sw::mysql {

namespace {

constexpr std::size_t server_buffer_bytes = 32 * 1024;
constexpr std::size_t login_packet_limit = 1 << 20;

bool hash_only(const BackendLogin& login) {
  return login.password.empty() && !login.native_stage1.empty();
}

// The plugin of the first answer: the greeting's when we can answer it.
std::string first_plugin(const Greeting& greeting, const BackendLogin& login) {
  if (greeting.auth_plugin == caching_sha2_plugin && !hash_only(login))
    return std::string(caching_sha2_plugin);
  return std::string(native_password_plugin);
}

// The answer to `scramble` for `plugin`; an error when the plugin cannot be
// answered on this stream or with this secret.
Result<std::string> answer_scramble(std::string_view plugin, const BackendLogin& login,
                                    std::string_view scramble, bool tls) {
  const std::string& password = login.password;
  if (hash_only(login)) {
    if (plugin.empty() || plugin == native_password_plugin)
      return native_password_response_from_stage1(login.native_stage1, scramble);
    return make_error(Errc::unsupported,
                      "backend asks for authentication plugin '" + std::string(plugin) +
                          "' for a user sqlwarden knows only by its mysql_native_password hash");
  }
  if (plugin.empty() || plugin == native_password_plugin)
    return native_password_response(password, scramble);
  if (plugin == caching_sha2_plugin) return caching_sha2_response(password, scramble);
  if (plugin == clear_password_plugin) {
    if (!tls)
      return make_error(Errc::unsupported,
                        "backend asks for mysql_clear_password without TLS; refusing to send the "
                        "password in clear");
    return password + '\0';
  }
  return make_error(Errc::unsupported, "backend asks for authentication plugin '" +
                                           std::string(plugin) +
                                           "', which sqlwarden does not speak");
}

}  // namespace

net::awaitable<Result<Opened>> ServerConnection::connect(const Endpoint& backend,
                                                         std::chrono::milliseconds timeout) {
  auto socket = co_await net::connect_backend(backend, timeout);
  if (!socket) co_return std::move(socket).error();
  auto conn = std::make_unique<ServerConnection>(
      PacketChannel(Stream(std::move(*socket)), server_buffer_bytes));
  auto packet = co_await conn->channel_.read_packet(0, login_packet_limit);
  if (!packet) co_return std::move(packet).error();
  ByteSpan payload = single_payload(packet->raw);
  Opened opened;
  if (!payload.empty() && payload[0] == header::err) {
    auto err = parse_err(payload);
    if (!err)
      co_return make_error(Errc::protocol_violation,
                           "backend " + backend.to_string() + " sent a malformed refusal");
    opened.error = std::move(*err);
    co_return opened;
  }
  auto greeting = parse_greeting(payload);
  if (!greeting) co_return std::move(greeting).error();
  BackendProfiles::instance().remember(backend, *greeting);
  conn->greeting_ = std::move(*greeting);
  conn->channel_.consume(packet->raw.size());
  opened.connection = std::move(conn);
  co_return opened;
}

net::awaitable<Result<Opened>> ServerConnection::open(const Endpoint& backend,
                                                      const BackendLogin& login,
                                                      std::chrono::milliseconds timeout) {
  auto opened = co_await connect(backend, timeout);
  if (!opened || opened->error) co_return opened;
  auto outcome = co_await opened->connection->login(login);
  if (!outcome) co_return std::move(outcome).error();
  if (outcome->error) {
    opened->connection.reset();
    opened->error = std::move(outcome->error);
  }
  opened->status = outcome->status;
  co_return opened;
}

bool ServerConnection::usable() const noexcept {
  return !channel_.has_input();
}

bool ServerConnection::idle_check() const noexcept {
  return quiet();
}

bool ServerConnection::quiet() const noexcept {
  if (channel_.has_input()) return false;
  auto& self = const_cast<ServerConnection&>(*this);
  pollfd p{self.channel_.stream().socket().native_handle(), POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

net::awaitable<Result<LoginOutcome>> ServerConnection::login(const BackendLogin& login) {
  std::uint32_t caps = (login.capabilities & greeting_.capabilities & cap::proxy_supported) |
                       cap::protocol_41 | cap::secure_connection | cap::plugin_auth;
  caps |= greeting_.capabilities & cap::plugin_auth_lenenc_data;
  // CLIENT_MYSQL as the server has it: a MariaDB server reads the extended
  // capabilities only from a client that clears it too.
  caps = (caps & ~cap::long_password) | (greeting_.capabilities & cap::long_password);
  std::uint32_t ext = 0;
  if (!(caps & cap::long_password)) {
    // EXTENDED_METADATA shapes column definitions: the client's choice.
    // Bulk execution only adds a command, so every connection takes it and
    // serves clients with and without it.
    ext = (login.ext_capabilities & greeting_.ext_capabilities & ext_cap::extended_metadata) |
          (greeting_.ext_capabilities & ext_cap::stmt_bulk_operations);
  }
  // LOAD DATA LOCAL: the client session relays file requests it checked.
  caps |= login.capabilities & greeting_.capabilities & cap::local_files;
  if (login.database)
    caps |= cap::connect_with_db;
  else
    caps &= ~cap::connect_with_db;
  if (!(greeting_.capabilities & cap::protocol_41))
    co_return make_error(Errc::unsupported, "backend does not speak protocol 4.1");
  login_ = login;
  session_ = SessionView{};
  session_.database = login.database.value_or("");
  session_.charset = login.charset ? login.charset : greeting_.charset;
  auto seq = co_await start_tls(login, caps);
  if (!seq) co_return std::move(seq).error();
  capabilities_ = caps;
  ext_capabilities_ = ext;

  std::string plugin = first_plugin(greeting_, login);
  auto answer = answer_scramble(plugin, login, greeting_.scramble, channel_.stream().is_tls());
  if (!answer) co_return std::move(answer).error();

  HandshakeResponse r;
  r.capabilities = caps;
  r.ext_capabilities = ext;
  r.max_packet = 1u << 30;
  r.charset = login.charset ? login.charset : greeting_.charset;
  r.user = login.user;
  r.auth_response = std::move(*answer);
  r.database = login.database;
  r.auth_plugin = plugin;
  r.connect_attrs = login.connect_attrs;
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_handshake_response(r, scratch_);
  std::uint8_t next = b.finish(*seq);
  if (auto st = co_await channel_.write(scratch_); !st) co_return std::move(st).error();
  auto outcome = co_await finish_auth(plugin, greeting_.scramble, next);
  // Compression starts after the login's OK (this connection's own choice,
  // whatever the clients it serves later use).
  if (outcome && !outcome->error && (caps & cap::compress)) channel_.start_compression();
  co_return outcome;
}

net::awaitable<Result<std::uint8_t>> ServerConnection::start_tls(const BackendLogin& login,
                                                                 std::uint32_t& caps) {
  if (!login.tls || login.tls->mode == TlsMode::disabled) co_return std::uint8_t{1};
  if (!login.tls_context)
    co_return make_error(Errc::config, "backend TLS is configured but its context is unavailable");
  if (!(greeting_.capabilities & cap::ssl)) {
    if (login.tls->mode == TlsMode::require)
      co_return make_error(Errc::unsupported, "backend does not offer TLS, which is required");
    co_return std::uint8_t{1};
  }
  caps |= cap::ssl;
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_ssl_request(caps, 1u << 30, login.charset ? login.charset : greeting_.charset, scratch_);
  std::uint8_t next = b.finish(1);
  if (auto st = co_await channel_.write(scratch_); !st) co_return std::move(st).error();
  if (!channel_.buffered().empty())
    co_return make_error(Errc::protocol_violation, "backend sent data before the TLS handshake");
  auto st = co_await channel_.stream().connect_tls(*login.tls_context, login.host,
                                                   !login.tls->ca_file.empty());
  if (!st) co_return make_error(Errc::io, "backend TLS: " + st.error().message);
  co_return next;
}

net::awaitable<Result<LoginOutcome>> ServerConnection::change_user(const BackendLogin& login) {
  std::string plugin = first_plugin(greeting_, login);
  auto answer = answer_scramble(plugin, login, greeting_.scramble, channel_.stream().is_tls());
  if (!answer) co_return std::move(answer).error();
  login_ = login;
  session_ = SessionView{};
  session_.database = login.database.value_or("");
  session_.charset = login.charset ? login.charset : greeting_.charset;
  ChangeUser c;
  c.user = login.user;
  c.auth_response = std::move(*answer);
  c.database = login.database.value_or("");
  c.charset = login.charset ? login.charset : greeting_.charset;
  c.auth_plugin = plugin;
  c.connect_attrs = login.connect_attrs;
  scratch_.clear();
  PacketBuilder b(scratch_);
  encode_change_user(c, capabilities_, scratch_);
  b.finish(0);
  if (auto st = co_await channel_.write_command(scratch_); !st) co_return std::move(st).error();
  co_return co_await finish_auth(plugin, greeting_.scramble, 1);
}

net::awaitable<Result<LoginOutcome>> ServerConnection::finish_auth(std::string plugin,
                                                                   std::string scramble,
                                                                   std::uint8_t seq) {
  for (int round = 0; round < 8; ++round) {
    auto packet = co_await channel_.read_packet(seq, login_packet_limit);
    if (!packet) co_return std::move(packet).error();
    Bytes payload;
    join_payload(packet->raw, payload);
    seq = packet->info.next_seq;
    channel_.consume(packet->raw.size());
    if (payload.empty()) co_return make_error(Errc::protocol_violation, "empty auth packet");
    LoginOutcome outcome;
    switch (payload[0]) {
      case header::ok: {
        auto ok = parse_ok(payload);
        if (ok) outcome.status = ok->status;
        co_return outcome;
      }
      case header::err: {
        auto err = parse_err(payload);
        if (!err) co_return make_error(Errc::protocol_violation, "malformed ERR during login");
        outcome.error = std::move(*err);
        co_return outcome;
      }
      case header::eof: {
        auto sw = parse_auth_switch(payload);
        if (!sw) co_return make_error(Errc::protocol_violation, "malformed auth switch request");
        plugin = sw->plugin;
        scramble = sw->data;
        greeting_.scramble = scramble;
        auto answer = answer_scramble(plugin, login_, scramble, channel_.stream().is_tls());
        if (!answer) co_return std::move(answer).error();
        scratch_.clear();
        seq = append_packets(scratch_, seq, as_bytes(*answer));
        if (auto st = co_await channel_.write(scratch_); !st) co_return std::move(st).error();
        break;
      }
      case header::auth_more_data: {
        if (plugin != caching_sha2_plugin || payload.size() < 2)
          co_return make_error(Errc::protocol_violation, "unexpected AuthMoreData");
        if (payload[1] == sha2_fast_auth_success) break;  // the OK follows
        if (payload[1] != sha2_perform_full_auth)
          co_return make_error(Errc::protocol_violation, "unexpected caching_sha2 message");
        if (!channel_.stream().is_tls())
          co_return make_error(Errc::unsupported,
                               "backend wants caching_sha2_password full authentication, which "
                               "needs TLS to the backend (RSA key exchange is not supported)");
        if (hash_only(login_))
          co_return make_error(Errc::unsupported,
                               "backend wants the password of a user sqlwarden knows only by its "
                               "mysql_native_password hash");
        std::string clear = login_.password + '\0';
        scratch_.clear();
        seq = append_packets(scratch_, seq, as_bytes(clear));
        if (auto st = co_await channel_.write(scratch_); !st) co_return std::move(st).error();
        break;
      }
      default:
        co_return make_error(Errc::protocol_violation, "unexpected packet during backend login");
    }
  }
  co_return make_error(Errc::protocol_violation, "backend login does not end");
}

net::awaitable<Result<LoginOutcome>> ServerConnection::execute_simple(std::string_view sql) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::query));
  scratch_.insert(scratch_.end(), sql.begin(), sql.end());
  b.finish(0);
  co_return co_await simple_command();
}

net::awaitable<Result<ServerConnection::Rows>> ServerConnection::query_rows(std::string_view sql,
                                                                            std::size_t max_rows) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::query));
  scratch_.insert(scratch_.end(), sql.begin(), sql.end());
  b.finish(0);
  if (auto st = co_await channel_.write_command(scratch_); !st) co_return std::move(st).error();
  std::uint8_t seq = 1;
  Bytes payload;
  auto next = [&]() -> net::awaitable<Result<bool>> {
    auto packet = co_await channel_.read_packet(seq, login_packet_limit);
    if (!packet) co_return std::move(packet).error();
    payload.clear();
    join_payload(packet->raw, payload);
    seq = packet->info.next_seq;
    channel_.consume(packet->raw.size());
    co_return !payload.empty();
  };
  auto bad = [] { return make_error(Errc::protocol_violation, "malformed result set"); };
  Rows out;
  if (auto r = co_await next(); !r || !*r) co_return r ? bad() : std::move(r).error();
  if (payload[0] == header::err) {
    out.error = parse_err(payload);
    if (!out.error) co_return bad();
    co_return out;
  }
  if (payload[0] == header::ok) co_return out;  // no result set
  ByteReader in(payload);
  auto columns = read_lenenc_int(in);
  if (!columns || *columns == 0 || *columns > 4096) co_return bad();
  for (std::uint64_t i = 0; i < *columns; ++i)
    if (auto r = co_await next(); !r || !*r) co_return r ? bad() : std::move(r).error();
  if (!(capabilities_ & cap::deprecate_eof))
    if (auto r = co_await next(); !r || !*r) co_return r ? bad() : std::move(r).error();
  for (;;) {
    if (auto r = co_await next(); !r || !*r) co_return r ? bad() : std::move(r).error();
    // EOF (or OK with DEPRECATE_EOF) ends the rows; a row starting with
    // 0xfe would be a string of 2^24 bytes or more, longer than any packet.
    if (payload[0] == header::eof && payload.size() < 0xffffff) break;
    if (payload[0] == header::err) {
      out.error = parse_err(payload);
      if (!out.error) co_return bad();
      co_return out;
    }
    auto row = parse_text_row(payload, static_cast<std::size_t>(*columns));
    if (!row) co_return bad();
    if (out.rows.size() < max_rows) out.rows.push_back(std::move(*row));
  }
  co_return out;
}

net::awaitable<Result<LoginOutcome>> ServerConnection::reset() {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::reset_connection));
  b.finish(0);
  auto r = co_await simple_command();
  if (r && !r->error) {
    session_.statements.clear();
    session_.settings_key.clear();
    session_.dirty = false;
    session_.last_insert_id = 0;
  }
  co_return r;
}

net::awaitable<Result<LoginOutcome>> ServerConnection::init_db(std::string_view database) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::init_db));
  scratch_.insert(scratch_.end(), database.begin(), database.end());
  b.finish(0);
  auto r = co_await simple_command();
  if (r && !r->error) session_.database = std::string(database);
  co_return r;
}

net::awaitable<Result<LoginOutcome>> ServerConnection::prepare(std::string_view sql,
                                                               std::uint32_t& id) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::stmt_prepare));
  scratch_.insert(scratch_.end(), sql.begin(), sql.end());
  b.finish(0);
  if (auto st = co_await channel_.write_command(scratch_); !st) co_return std::move(st).error();
  ResponseTracker tracker(capabilities_);
  tracker.start(ResponseKind::prepare, 1);
  LoginOutcome outcome;
  std::optional<ErrPacket> err;
  while (!tracker.done()) {
    if (channel_.buffered().empty())
      if (auto st = co_await channel_.fill(); !st) co_return std::move(st).error();
    ByteSpan chunk = channel_.buffered();
    if (!err && chunk.size() > 4 && chunk[4] == header::err) {
      // An ERR answer is one packet; read it whole to keep its text.
      auto packet = co_await channel_.read_packet(1, login_packet_limit);
      if (!packet) co_return std::move(packet).error();
      err = parse_err(single_payload(packet->raw));
      chunk = channel_.buffered();
    }
    auto used = channel_.compressed()
                    ? tracker.consume_renumbering(channel_.buffered_mut(), chunk.size())
                    : tracker.consume(chunk);
    if (!used) co_return std::move(used).error();
    channel_.consume(*used);
  }
  if (tracker.failed()) {
    outcome.error = err ? std::move(err) : ErrPacket{1105, "HY000", "prepare failed"};
    co_return outcome;
  }
  id = tracker.statement_id();
  co_return outcome;
}

net::awaitable<Status> ServerConnection::close_statement(std::uint32_t id) {
  scratch_.clear();
  PacketBuilder b(scratch_);
  scratch_.push_back(static_cast<std::uint8_t>(Command::stmt_close));
  for (int i = 0; i < 4; ++i) scratch_.push_back(static_cast<std::uint8_t>(id >> (8 * i)));
  b.finish(0);
  co_return co_await channel_.write_command(scratch_);
}

net::awaitable<Result<LoginOutcome>> ServerConnection::simple_command() {
  if (auto st = co_await channel_.write_command(scratch_); !st) co_return std::move(st).error();
  auto packet = co_await channel_.read_packet(1, login_packet_limit);
  if (!packet) co_return std::move(packet).error();
  ByteSpan payload = single_payload(packet->raw);
  LoginOutcome outcome;
  if (auto err = parse_err(payload)) {
    outcome.error = std::move(*err);
  } else if (auto ok = parse_ok(payload)) {
    outcome.status = ok->status;
  } else {
    co_return make_error(Errc::protocol_violation, "expected OK or ERR");
  }
  channel_.consume(packet->raw.size());
  co_return outcome;
}

net::awaitable<void> ServerConnection::quit() {
  static constexpr std::uint8_t com_quit[] = {1, 0, 0, 0, static_cast<std::uint8_t>(Command::quit)};
  if (!goodbye_) {
    co_await net::close_gracefully(channel_.stream(), net::asio::const_buffer(), net::kGoodbyeWait);
    co_return;
  }
  channel_.begin_command();
  ByteSpan wire = channel_.wire_bytes(ByteSpan(com_quit, sizeof com_quit));
  co_await net::close_gracefully(channel_.stream(), net::asio::buffer(wire.data(), wire.size()),
                                 net::kGoodbyeWait);
}

void ServerConnection::retire_self(std::unique_ptr<pool::ServerHandle> self,
                                   std::function<void()> gone) {
  std::unique_ptr<ServerConnection> me(static_cast<ServerConnection*>(self.release()));
  auto ex = channel_.stream().socket().get_executor();
  net::close_in_background(ex, std::move(me), &ServerConnection::quit, std::move(gone));
}

}  // namespace sw::mysql
