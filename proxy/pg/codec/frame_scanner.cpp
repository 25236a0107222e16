#include "proxy/pg/codec/frame_scanner.hpp"

#include <algorithm>

namespace sw::pg::codec {

ScanStep FrameScanner::next(ByteSpan avail) {
  pending_consume_ = 0;
  if (pass_remaining_ > 0) {
    if (avail.empty()) return {ScanStep::Kind::need_more, 1, 0};
    std::size_t n = static_cast<std::size_t>(
        std::min<std::uint64_t>(pass_remaining_, static_cast<std::uint64_t>(avail.size())));
    pending_consume_ = n;
    pending_is_pass_ = true;
    return {ScanStep::Kind::pass, n, streaming_type_};
  }
  if (avail.size() < kHeaderSize) return {ScanStep::Kind::need_more, kHeaderSize, 0};
  std::uint8_t type = avail[0];
  std::uint32_t len = header_length(avail);
  if (len < 4) return {ScanStep::Kind::bad_length, 0, type};
  if (len > max_) return {ScanStep::Kind::too_large, len, type};
  std::size_t total = std::size_t{len} + 1;
  if (inspect_->contains(type)) {
    if (avail.size() < total) return {ScanStep::Kind::need_more, total, type};
    pending_consume_ = total;
    pending_is_pass_ = false;
    return {ScanStep::Kind::message, total, type};
  }
  // Streamed message: pass what is buffered now, the rest as it arrives.
  std::size_t n = std::min(total, avail.size());
  pass_remaining_ = total;
  streaming_type_ = type;
  pending_consume_ = n;
  pending_is_pass_ = true;
  return {ScanStep::Kind::pass, n, type, true};
}

void FrameScanner::consume(std::size_t n) {
  if (pending_is_pass_) {
    n = std::min<std::size_t>(n, pending_consume_);
    pass_remaining_ -= std::min<std::uint64_t>(pass_remaining_, n);
    if (pass_remaining_ == 0) streaming_type_ = 0;
  }
  pending_consume_ = 0;
  pending_is_pass_ = false;
}

}  // namespace sw::pg::codec
