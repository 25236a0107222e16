// libFuzzer target for the MySQL codec: the first input byte picks a
// decoder, the rest is what a hostile peer could send. Every decoder must
// reject or accept without reading out of bounds, hanging or crashing.
#include <cstddef>
#include <cstdint>

#include "proxy/mysql/codec/compression.hpp"
#include "proxy/mysql/codec/handshake.hpp"
#include "proxy/mysql/codec/lenenc.hpp"
#include "proxy/mysql/codec/local_infile.hpp"
#include "proxy/mysql/codec/messages.hpp"
#include "proxy/mysql/codec/packet.hpp"
#include "proxy/mysql/codec/response_tracker.hpp"
#include "proxy/mysql/codec/special_statements.hpp"

using namespace sw;
using namespace sw::mysql;

namespace {

void track(ResponseKind kind, std::uint32_t caps, ByteSpan data, std::size_t chunk) {
  ResponseTracker t(caps);
  t.start(kind, 1);
  std::size_t pos = 0;
  while (pos < data.size() && !t.done()) {
    std::size_t n = std::min(chunk, data.size() - pos);
    auto used = t.consume(data.subspan(pos, n));
    if (!used) return;
    if (*used > n) __builtin_trap();  // never claims bytes it was not given
    pos += *used;
    if (*used < n) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::uint8_t mode = data[0];
  std::uint8_t knob = data[1];
  ByteSpan in(data + 2, size - 2);
  std::uint32_t caps = (knob & 1 ? cap::deprecate_eof : 0) | cap::proxy_supported;
  if (!(knob & 1)) caps &= ~cap::deprecate_eof;
  switch (mode % 8) {
    case 0: {
      auto lp = scan_logical_packet(in, knob, 1u << 20);
      if (lp && *lp) {
        if ((*lp)->raw_size > in.size()) __builtin_trap();
        Bytes joined;
        join_payload(in.first((*lp)->raw_size), joined);
        if (joined.size() != (*lp)->payload_size) __builtin_trap();
      }
      break;
    }
    case 1: {
      auto g = parse_greeting(in);
      if (g) {
        Bytes out;
        encode_greeting(*g, out);
      }
      break;
    }
    case 2: {
      auto r = parse_handshake_response(in);
      if (r && !r->ssl_request) {
        Bytes out;
        encode_handshake_response(*r, out);
      }
      break;
    }
    case 3:
      (void)parse_change_user(in, caps);
      (void)parse_ok(in);
      (void)parse_err(in);
      (void)parse_auth_switch(in);
      (void)terminator_status(in);
      break;
    case 4: {
      ByteReader r(in);
      while (read_lenenc_string(r)) {
      }
      break;
    }
    case 5: {
      KillStatement k;
      (void)parse_kill_statement(as_chars(in), k);
      (void)plan_local_infile(as_chars(in), in.size() % 2 == 0, false);
      (void)local_infile_request(in);
      // Compressed packets: whatever inflates must match its announced
      // length, and what is deflated again must come back the same.
      Bytes inflated;
      ByteSpan rest = in;
      while (true) {
        auto frame = decode_compressed_packet(rest, inflated);
        if (!frame || !*frame) break;
        if ((*frame)->raw_size > rest.size()) __builtin_trap();
        rest = rest.subspan((*frame)->raw_size);
      }
      Bytes wire, back;
      append_compressed(wire, knob, inflated);
      for (ByteSpan w = wire; !w.empty();) {
        auto frame = decode_compressed_packet(w, back);
        if (!frame || !*frame) __builtin_trap();
        w = w.subspan((*frame)->raw_size);
      }
      if (back != inflated) __builtin_trap();
      break;
    }
    default: {
      static constexpr ResponseKind kinds[] = {ResponseKind::single,      ResponseKind::text_rows,
                                               ResponseKind::binary_rows, ResponseKind::fetch,
                                               ResponseKind::prepare,     ResponseKind::field_list};
      track(kinds[(knob >> 1) % 6], caps, in, 1 + (knob >> 4));
      track(kinds[(knob >> 1) % 6], caps, in, in.size());
    }
  }
  return 0;
}
