#pragma once
// Sans-I/O framing of the PostgreSQL v3 message stream after startup: every
// message is a type byte, a big-endian int32 length (which counts itself but
// not the type byte) and a body. The scanner tells the driver, for the bytes
// it has buffered, what to do next: read more, pass N bytes through
// untouched (bodies of messages nobody inspects may be streamed in pieces,
// so a 1 GB CopyData never needs a 1 GB buffer), or look at one whole
// message. It never owns or copies bytes.
#include <cstddef>
#include <cstdint>

#include "proxy/core/bytes.hpp"

namespace sw::pg::codec {

constexpr std::size_t kHeaderSize = 5;  // type byte + int32 length

// Which message types the driver wants to see whole (everything else streams).
struct InspectSet {
  bool types[256] = {};
  constexpr InspectSet() = default;
  constexpr InspectSet(std::initializer_list<char> list) {
    for (char c : list) types[static_cast<std::uint8_t>(c)] = true;
  }
  constexpr bool contains(std::uint8_t type) const { return types[type]; }
};

struct ScanStep {
  enum class Kind {
    need_more,   // buffer more bytes: at least `size` in total from the current position
    pass,        // forward the next `size` bytes unchanged
    message,     // a whole message of `size` bytes (header included) of `type` is buffered
    bad_length,  // length field < 4: protocol violation
    too_large,   // length field above the configured maximum
  };
  Kind kind = Kind::need_more;
  std::size_t size = 0;
  std::uint8_t type = 0;
  bool starts_message = false;  // `pass`: these bytes begin a new message (header included)
};

class FrameScanner {
 public:
  FrameScanner(const InspectSet& inspect, std::uint32_t max_message_bytes)
      : inspect_(&inspect), max_(max_message_bytes) {}

  // `avail` are the buffered bytes at the current position. After `pass` or
  // `message` the driver must call consume() with the bytes it used.
  ScanStep next(ByteSpan avail);
  void consume(std::size_t n);

  // True when the scanner is between messages (no message body half-passed).
  bool at_boundary() const noexcept { return pass_remaining_ == 0; }
  // Type of the message whose body is being streamed (0 at a boundary).
  std::uint8_t streaming_type() const noexcept { return streaming_type_; }

 private:
  const InspectSet* inspect_;
  std::uint32_t max_;
  std::uint64_t pass_remaining_ = 0;  // bytes of a streamed message still to pass
  std::uint8_t streaming_type_ = 0;
  std::size_t pending_consume_ = 0;  // set by next(), checked by consume()
  bool pending_is_pass_ = false;
};

// Reads the 5-byte header at the start of `b` (caller ensures b.size() >= 5).
inline std::uint32_t header_length(ByteSpan b) {
  return (std::uint32_t{b[1]} << 24) | (std::uint32_t{b[2]} << 16) | (std::uint32_t{b[3]} << 8) |
         std::uint32_t{b[4]};
}

}  // namespace sw::pg::codec
