#include "proxy/core/result.hpp"

namespace sw {

const char* errc_name(Errc code) noexcept {
  switch (code) {
    case Errc::invalid_argument:
      return "invalid_argument";
    case Errc::protocol_violation:
      return "protocol_violation";
    case Errc::message_too_large:
      return "message_too_large";
    case Errc::need_more_data:
      return "need_more_data";
    case Errc::io:
      return "io";
    case Errc::timeout:
      return "timeout";
    case Errc::auth_failed:
      return "auth_failed";
    case Errc::not_found:
      return "not_found";
    case Errc::unsupported:
      return "unsupported";
    case Errc::config:
      return "config";
    case Errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace sw
