#pragma once
// An append-only JSON Lines file with size/age rotation and an fsync policy.
// Used by the audit writer thread only (audit trail and slow log). Rotation
// renames the current file to PATH.YYYYMMDDTHHMMSS[-N] and starts a new one.
// Files are created 0600: audit text can hold data the operator must guard.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proxy/core/config.hpp"
#include "proxy/core/result.hpp"

namespace sw::audit {

struct JsonlTail {
  bool existed = false;        // the file was there before this run
  bool clean_stop = true;      // its last line is an audit_stop marker (or it is empty)
  std::uint64_t last_seq = 0;  // largest "seq" (or "cursor") found in its last line
};

class JsonlFile {
 public:
  using Clock = std::chrono::steady_clock;
  static Result<std::unique_ptr<JsonlFile>> open(const AuditJsonlConfig& options);
  explicit JsonlFile(AuditJsonlConfig options) : options_(std::move(options)) {}  // then open()
  ~JsonlFile();
  JsonlFile(const JsonlFile&) = delete;
  JsonlFile& operator=(const JsonlFile&) = delete;

  const JsonlTail& tail() const noexcept { return tail_; }
  const std::string& path() const noexcept { return options_.path; }

  // Writes every byte (rotating first when due); complete lines only.
  Status append(std::string_view lines);
  // fsync per policy: `always` syncs when anything was appended since the
  // last sync; `interval` when the interval has passed; `force` syncs now.
  Status sync(bool force = false);
  bool dirty() const noexcept { return dirty_; }
  std::uint64_t rotations() const noexcept { return rotations_; }

 private:
  Status open_current();
  Status rotate();
  Status fsync_now();

  AuditJsonlConfig options_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
  Clock::time_point opened_at_;
  Clock::time_point last_sync_;
  bool dirty_ = false;
  std::uint64_t rotations_ = 0;
  JsonlTail tail_;
};

// Reads the last line of an existing JSONL file (tests, restart reports).
JsonlTail read_jsonl_tail(const std::string& path);

}  // namespace sw::audit
