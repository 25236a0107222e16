#include "proxy/pg/server_connection.hpp"

#include <array>

#include <fmt/format.h>

#include "proxy/net/connect.hpp"
#include "proxy/net/graceful_close.hpp"
#include "proxy/pg/auth/md5.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/codec/startup.hpp"
#include "proxy/pg/message_io.hpp"

namespace sw::pg {

namespace {

constexpr std::uint32_t kMaxStartupMessage = 1 << 20;  // auth and startup replies are small

using codec::AuthCode;

}  // namespace

net::awaitable<std::pair<std::unique_ptr<ServerConnection>, ServerConnection::Failure>>
ServerConnection::open(const ServerLogin& login) {
  using Out = std::pair<std::unique_ptr<ServerConnection>, Failure>;
  auto socket = co_await net::connect_backend(login.backend, login.connect_timeout);
  if (!socket) co_return Out{nullptr, Failure{socket.error().message, {}}};
  auto conn = std::make_unique<ServerConnection>(net::Stream(std::move(*socket)), login.backend);

  if (login.tls && login.tls->mode != TlsMode::disabled && login.tls_context) {
    Bytes req;
    ByteWriter w(req);
    w.u32_be(8);
    w.u32_be(codec::kSslRequestCode);
    net::error_code ec;
    co_await conn->stream_.write(net::asio::buffer(req), ec);
    if (ec) co_return Out{nullptr, Failure{"backend SSLRequest: " + ec.message(), {}}};
    std::array<std::uint8_t, 1> answer{};
    co_await net::asio::async_read(conn->stream_.socket(), net::asio::buffer(answer),
                                   net::nothrow(ec));
    if (ec) co_return Out{nullptr, Failure{"backend SSLRequest: " + ec.message(), {}}};
    if (answer[0] == 'S') {
      auto st = co_await conn->stream_.connect_tls(*login.tls_context, login.backend.host,
                                                   !login.tls->ca_file.empty());
      if (!st) co_return Out{nullptr, Failure{st.error().message, {}}};
    } else if (login.tls->mode == TlsMode::require) {
      co_return Out{nullptr, Failure{"backend refused TLS but server_tls.mode = require", {}}};
    }
  }

  Bytes server_error;
  auto problem = co_await conn->authenticate(login, server_error);
  if (!problem) co_return Out{nullptr, Failure{problem.error().message, std::move(server_error)}};
  co_return Out{std::move(conn), Failure{}};
}

net::awaitable<Result<std::string>> ServerConnection::authenticate(const ServerLogin& login,
                                                                   Bytes& server_error) {
  Bytes out;
  std::vector<std::pair<std::string, std::string>> params;
  params.emplace_back("user", login.user);
  params.emplace_back("database", login.database);
  for (const auto& p : login.params) params.push_back(p);
  codec::append_startup(out, params);
  net::error_code ec;
  co_await stream_.write(net::asio::buffer(out), ec);
  if (ec) co_return make_error(Errc::io, "backend write: " + ec.message());

  std::optional<auth::ScramClient> scram;
  for (;;) {
    auto m = co_await read_message(stream_, reader_, kMaxStartupMessage);
    if (!m) co_return make_error(m.error().code, "backend: " + m.error().message);
    ByteSpan message = *m;
    std::uint8_t type = message[0];
    out.clear();
    if (type == codec::msg::kErrorResponse) {
      server_error.assign(message.begin(), message.end());
      reader_.consume(message.size());
      co_return make_error(Errc::auth_failed, "backend refused the login");
    }
    if (type == codec::msg::kNoticeResponse) {
      startup_notices_.insert(startup_notices_.end(), message.begin(), message.end());
    } else if (type == codec::msg::kParameterStatus) {
      auto ps = codec::parse_parameter_status(message);
      if (!ps) co_return ps.error();
      parameters_.emplace_back(std::string(ps->first), std::string(ps->second));
    } else if (type == codec::msg::kBackendKeyData) {
      auto k = codec::parse_backend_key_data(message);
      if (!k) co_return k.error();
      backend_pid_ = k->first;
      backend_key_ = k->second;
    } else if (type == codec::msg::kReadyForQuery) {
      auto s = codec::parse_ready_for_query(message);
      if (!s) co_return s.error();
      tx_status_ = *s;
      reader_.consume(message.size());
      co_return std::string();
    } else if (type == codec::msg::kNegotiateProtocolVersion) {
      // We ask for plain 3.0 without extensions: nothing to adjust.
    } else if (type == codec::msg::kAuthentication) {
      auto req = codec::parse_auth_request(message);
      if (!req) co_return req.error();
      using Kind = auth::BackendCredential::Kind;
      const auth::BackendCredential& cred = login.credential;
      const std::string& pw = cred.secret.reveal();
      auto cannot = [&](std::string_view method) {
        return make_error(
            Errc::unsupported,
            fmt::format("backend asks for {} authentication, which needs the "
                        "password of role \"{}\" (sqlwarden only has {})",
                        method, login.user,
                        cred.kind == Kind::md5_hash ? "its md5 hash" : "its SCRAM keys"));
      };
      switch (static_cast<AuthCode>(req->code)) {
        case AuthCode::ok:
          break;
        case AuthCode::cleartext_password:
          if (cred.kind != Kind::password) co_return cannot("password");
          codec::append_password(out, pw);
          break;
        case AuthCode::md5_password: {
          if (req->payload.size() != 4) co_return make_error(Errc::protocol_violation, "md5 salt");
          if (cred.kind == Kind::scram_keys) co_return cannot("md5");
          std::array<std::uint8_t, 4> salt{};
          std::copy(req->payload.begin(), req->payload.end(), salt.begin());
          // md5 logins prove knowledge of the stored hash, so the hash suffices.
          std::string stored = cred.kind == Kind::md5_hash ? pw : auth::md5_stored(pw, login.user);
          codec::append_password(out, auth::md5_response(stored, salt));
          break;
        }
        case AuthCode::sasl: {
          bool offered = false;
          for (auto mech : codec::parse_sasl_mechanisms(req->payload))
            offered |= mech == auth::kScramSha256;
          if (!offered)
            co_return make_error(Errc::unsupported, "backend offers no SASL mechanism we support");
          if (cred.kind == Kind::md5_hash) co_return cannot("SCRAM-SHA-256");
          if (cred.kind == Kind::scram_keys)
            scram.emplace(cred.scram);
          else
            scram.emplace(pw);
          scram->set_cache(login.scram_cache);
          codec::append_sasl_initial_response(out, auth::kScramSha256, scram->client_first());
          break;
        }
        case AuthCode::sasl_continue: {
          if (!scram) co_return make_error(Errc::protocol_violation, "unexpected SASL continue");
          auto final_msg = scram->on_server_first(as_chars(req->payload));
          if (!final_msg) co_return final_msg.error();
          codec::append_sasl_response(out, *final_msg);
          break;
        }
        case AuthCode::sasl_final: {
          if (!scram) co_return make_error(Errc::protocol_violation, "unexpected SASL final");
          if (auto st = scram->on_server_final(as_chars(req->payload)); !st) co_return st.error();
          break;
        }
        default:
          co_return make_error(Errc::unsupported,
                               "backend asks for an unsupported "
                               "authentication method (code " +
                                   std::to_string(req->code) + ")");
      }
    } else {
      co_return make_error(
          Errc::protocol_violation,
          std::string("unexpected backend message during startup: ") + static_cast<char>(type));
    }
    reader_.consume(message.size());
    if (!out.empty()) {
      co_await stream_.write(net::asio::buffer(out), ec);
      if (ec) co_return make_error(Errc::io, "backend write: " + ec.message());
    }
  }
}

void ServerConnection::note_parameter(std::string_view name, std::string_view value) {
  for (auto& [n, v] : parameters_) {
    if (n == name) {
      v = value;
      return;
    }
  }
  parameters_.emplace_back(std::string(name), std::string(value));
}

void ServerConnection::watch_while_idle() {
  if (watch_->watching || watch_->broken) return;
  watch_->watching = true;
  // Readable while idle means the server said something unprompted: in
  // practice a FATAL before it closes. The connection is not read here
  // (the next borrower would lose bytes); it is marked broken and dropped.
  stream_.socket().async_wait(net::tcp::socket::wait_read,
                              [w = watch_, gen = watch_->generation](net::error_code ec) {
                                if (w->generation != gen) return;
                                w->watching = false;
                                if (ec != net::asio::error::operation_aborted) w->broken = true;
                              });
}

void ServerConnection::stop_watching() {
  if (!watch_->watching) return;
  watch_->watching = false;
  ++watch_->generation;
  net::error_code ignore;
  stream_.socket().cancel(ignore);
}

net::awaitable<void> ServerConnection::close() {
  Bytes out;
  codec::append_terminate(out);
  co_await net::close_gracefully(stream_, net::asio::buffer(out), net::kGoodbyeWait);
}

void ServerConnection::retire_self(std::unique_ptr<pool::ServerHandle> self,
                                   std::function<void()> gone) {
  stop_watching();
  std::unique_ptr<ServerConnection> me(static_cast<ServerConnection*>(self.release()));
  auto ex = stream_.socket().get_executor();
  net::close_in_background(ex, std::move(me), &ServerConnection::close, std::move(gone));
}

}  // namespace sw::pg
