#pragma once
// Whole-message reads for the startup and authentication phases, where the
// drivers handle one message at a time.
#include <cstdint>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"
#include "proxy/net/tls.hpp"
#include "proxy/pg/message_reader.hpp"

namespace sw::pg {

// Reads one typed message (header included) into the reader and returns a
// view of it; the caller consumes it with reader.consume(view.size()).
net::awaitable<Result<ByteSpan>> read_message(net::Stream& stream, MessageReader& reader,
                                              std::uint32_t max_length);

}  // namespace sw::pg
