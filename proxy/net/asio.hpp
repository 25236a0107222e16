#pragma once
// The one include for Boost.Asio in sqlwarden. Only driver code (proxy/net,
// the protocol drivers, admin) includes it; codecs, parsers and policy never
// do, which keeps their compile times and fuzz builds small.
#include <utility>  // Boost 1.74's awaitable.hpp needs std::exchange declared first

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace sw::net {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using asio::awaitable;
using asio::use_awaitable;
using boost::system::error_code;
// Completion token that stores the error in `ec` instead of throwing: the
// data path never lets an exception carry an I/O failure.
inline auto nothrow(error_code& ec) {
  return asio::redirect_error(asio::use_awaitable, ec);
}
}  // namespace sw::net
