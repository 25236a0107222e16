#include "proxy/pg/message_io.hpp"

#include "proxy/pg/codec/frame_scanner.hpp"

namespace sw::pg {

net::awaitable<Result<ByteSpan>> read_message(net::Stream& stream, MessageReader& reader,
                                              std::uint32_t max_length) {
  if (auto st = co_await reader.fill(stream, codec::kHeaderSize); !st) co_return st.error();
  std::uint32_t len = codec::header_length(reader.avail());
  if (len < 4) co_return make_error(Errc::protocol_violation, "invalid message length");
  if (len > max_length) co_return make_error(Errc::message_too_large, "message too large");
  if (auto st = co_await reader.fill(stream, std::size_t{len} + 1); !st) co_return st.error();
  co_return reader.avail().first(std::size_t{len} + 1);
}

}  // namespace sw::pg
