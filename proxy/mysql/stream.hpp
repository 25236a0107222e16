#pragma once
// The byte stream the MySQL drivers read and write: the shared net::Stream
// (plain TCP, upgraded in place to TLS after an SSLRequest).
#include "proxy/net/tls.hpp"

namespace sw::mysql {

using Stream = net::Stream;

}  // namespace sw::mysql
