#pragma once
// Buffered reading from a Stream for the PostgreSQL drivers. The buffer is
// allocated on first use and grows only for a large message, then shrinks
// back, so an idle connection costs little memory.
#include <cstddef>
#include <vector>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/tls.hpp"

namespace sw::pg {

class MessageReader {
 public:
  explicit MessageReader(std::size_t initial_capacity) : initial_(initial_capacity) {}

  // Buffered, not yet consumed bytes.
  ByteSpan avail() const noexcept { return {buf_.data() + begin_, end_ - begin_}; }
  std::size_t size() const noexcept { return end_ - begin_; }
  void consume(std::size_t n) noexcept;

  // Reads until at least `need` bytes are buffered. Errc::io on EOF/error.
  net::awaitable<Status> fill(net::Stream& stream, std::size_t need);
  // Reads once (at least one more byte).
  net::awaitable<Status> read_more(net::Stream& stream) { return fill(stream, size() + 1); }

  // Frees an oversized buffer once it holds nothing.
  void maybe_shrink() noexcept;
  // Gives the buffer back to this thread's spare list once it holds nothing
  // (an idle client keeps no buffer; the next read takes a spare one).
  void release() noexcept;

 private:
  std::size_t initial_;
  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0;
  std::size_t end_ = 0;
};

}  // namespace sw::pg
