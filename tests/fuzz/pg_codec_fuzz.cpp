// libFuzzer target for the PostgreSQL codec: startup packets, the frame
// scanner fed in arbitrary chunks with every message parser applied to
// what it yields, and the SCRAM state machines on hostile input.
// The first byte picks the mode; the rest is the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proxy/pg/auth/crypto.hpp"
#include "proxy/pg/auth/scram.hpp"
#include "proxy/pg/codec/frame_scanner.hpp"
#include "proxy/pg/codec/messages.hpp"
#include "proxy/pg/codec/startup.hpp"

namespace {

using namespace sw;
using namespace sw::pg;

void parse_all(ByteSpan message) {
  (void)codec::parse_query(message);
  (void)codec::parse_parse(message);
  (void)codec::parse_ready_for_query(message);
  (void)codec::parse_backend_key_data(message);
  (void)codec::parse_parameter_status(message);
  if (auto a = codec::parse_auth_request(message)) (void)codec::parse_sasl_mechanisms(a->payload);
  (void)codec::parse_error_fields(message);
  (void)codec::parse_sasl_initial_response(message);
  (void)codec::parse_sasl_response(message);
  (void)codec::parse_password(message);
}

void fuzz_startup(ByteSpan in) {
  auto len = codec::startup_packet_length(in);
  if (!len || !*len || **len > in.size()) return;
  auto p = codec::parse_startup_packet(in.first(**len));
  if (p) (void)p->param("user");
}

// Scans `in` as a message stream, delivered in chunks whose sizes come from
// the input itself, like reads from a socket.
void fuzz_frames(ByteSpan in) {
  if (in.empty()) return;
  std::uint8_t chunk = static_cast<std::uint8_t>(in[0] | 1);
  in = in.subspan(1);
  static constexpr codec::InspectSet kInspect{'Q', 'P', 'S', 'F', 'X', 'Z', 'E', 'R', 'K', 'p'};
  codec::FrameScanner scanner(kInspect, 1 << 16);
  std::size_t pos = 0;
  std::size_t visible = std::min<std::size_t>(chunk, in.size());
  for (int guard = 0; guard < 100000; ++guard) {
    auto step = scanner.next(in.subspan(pos, visible - pos));
    using Kind = codec::ScanStep::Kind;
    if (step.kind == Kind::bad_length || step.kind == Kind::too_large) return;
    if (step.kind == Kind::need_more) {
      if (visible == in.size()) return;
      visible = std::min(in.size(), visible + chunk);
      continue;
    }
    if (step.size == 0 || step.size > visible - pos) __builtin_trap();  // scanner invariant
    if (step.kind == Kind::message) parse_all(in.subspan(pos, step.size));
    scanner.consume(step.size);
    pos += step.size;
  }
}

const auth::ScramVerifier& verifier() {
  static const auth::ScramVerifier v =
      auth::ScramVerifier::from_password("pw", as_bytes("0123456789abcdef"), 4096);
  return v;
}

void fuzz_scram_server(std::string_view text) {
  auto split = text.find('\0');
  auth::ScramServer server(verifier());
  auto first = server.on_client_first(text.substr(0, split));
  if (first && split != std::string_view::npos)
    (void)server.on_client_final(text.substr(split + 1));
}

void fuzz_scram_client(std::string_view text) {
  // Keep PBKDF2 cheap: skip inputs that ask for many iterations.
  auto i = text.find("i=");
  if (i != std::string_view::npos && text.size() - i > 6 && text[i + 2] != '0') {
    std::size_t digits = 0;
    while (i + 2 + digits < text.size() && text[i + 2 + digits] >= '0' &&
           text[i + 2 + digits] <= '9')
      ++digits;
    if (digits > 3) return;
  }
  auto split = text.find('\0');
  auth::ScramClient client("pw");
  client.set_nonce("fuzznonce");
  (void)client.client_first();
  auto final_msg = client.on_server_first(text.substr(0, split));
  if (final_msg && split != std::string_view::npos)
    (void)client.on_server_final(text.substr(split + 1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  ByteSpan in(data + 1, size - 1);
  std::string_view text = as_chars(in);
  switch (data[0] % 5) {
    case 0:
      fuzz_startup(in);
      break;
    case 1:
      fuzz_frames(in);
      break;
    case 2:
      fuzz_scram_server(text);
      break;
    case 3:
      fuzz_scram_client(text);
      break;
    case 4:
      (void)auth::ScramVerifier::parse(text);
      (void)auth::base64_decode(text);
      break;
  }
  return 0;
}
