#include "audit/jsonl_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "audit/durable_file.hpp"

namespace sw::audit {

namespace {

Error io_error(std::string_view what, const std::string& path) {
  return make_error(Errc::io, fmt::format("{} {}: {}", what, path, std::strerror(errno)));
}

std::uint64_t number_after(std::string_view line, std::string_view key) {
  auto at = line.find(key);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = line.substr(at + key.size());
  std::uint64_t v = 0;
  std::from_chars(rest.data(), rest.data() + rest.size(), v);
  return v;
}

}  // namespace

JsonlTail read_jsonl_tail(const std::string& path) {
  JsonlTail tail;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tail;
  tail.existed = true;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || st.st_size == 0) {
    ::close(fd);
    return tail;
  }
  constexpr off_t kWindow = 1 << 20;
  off_t from = st.st_size > kWindow ? st.st_size - kWindow : 0;
  std::string buf(static_cast<std::size_t>(st.st_size - from), '\0');
  ssize_t n = ::pread(fd, buf.data(), buf.size(), from);
  ::close(fd);
  if (n <= 0) return tail;
  buf.resize(static_cast<std::size_t>(n));
  // A crash can leave a partial last line: it does not count.
  bool complete = buf.back() == '\n';
  std::string_view view(buf);
  if (complete) view.remove_suffix(1);
  auto nl = view.rfind('\n');
  std::string_view last = nl == std::string_view::npos ? view : view.substr(nl + 1);
  if (!complete) {
    tail.clean_stop = false;
    view = nl == std::string_view::npos ? std::string_view() : view.substr(0, nl);
    nl = view.rfind('\n');
    last = nl == std::string_view::npos ? view : view.substr(nl + 1);
  } else {
    tail.clean_stop = last.find("\"event\":\"audit_stop\"") != std::string_view::npos;
  }
  // Data lines lead with their number; markers carry last_seq.
  tail.last_seq =
      std::max<std::uint64_t>({number_after(last, "{\"seq\":"), number_after(last, "{\"cursor\":"),
                               number_after(last, "\"last_seq\":")});
  return tail;
}

Result<std::unique_ptr<JsonlFile>> JsonlFile::open(const AuditJsonlConfig& options) {
  auto f = std::make_unique<JsonlFile>(options);
  f->tail_ = read_jsonl_tail(options.path);
  if (auto st = f->open_current(); !st) return std::move(st).error();
  return f;
}

JsonlFile::~JsonlFile() {
  if (fd_ >= 0) {
    if (dirty_ && options_.fsync != AuditFsync::none) ::fsync(fd_);
    ::close(fd_);
  }
}

Status JsonlFile::open_current() {
  fd_ = ::open(options_.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) return io_error("cannot open audit file", options_.path);
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return io_error("cannot stat audit file", options_.path);
  size_ = static_cast<std::uint64_t>(st.st_size);
  opened_at_ = Clock::now();
  last_sync_ = opened_at_;
  if (options_.fsync != AuditFsync::none) fsync_directory(options_.path);
  return {};
}

Status JsonlFile::rotate() {
  if (auto st = fsync_now(); !st) return st;
  ::close(fd_);
  fd_ = -1;
  time_t now = ::time(nullptr);
  struct tm tm {};
  gmtime_r(&now, &tm);
  std::string base =
      fmt::format("{}.{:04}{:02}{:02}T{:02}{:02}{:02}", options_.path, tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::string target = base;
  struct stat st {};
  for (int i = 1; ::stat(target.c_str(), &st) == 0; ++i) target = fmt::format("{}-{}", base, i);
  if (::rename(options_.path.c_str(), target.c_str()) != 0) {
    Error err = io_error("cannot rotate audit file", options_.path);
    if (auto reopened = open_current(); !reopened) return std::move(reopened).error();
    return err;
  }
  ++rotations_;
  return open_current();
}

Status JsonlFile::append(std::string_view lines) {
  if (lines.empty()) return {};
  if (fd_ < 0) {
    if (auto st = open_current(); !st) return st;
  }
  bool too_big =
      options_.rotate_bytes != 0 && size_ > 0 && size_ + lines.size() > options_.rotate_bytes;
  bool too_old = options_.rotate_age.count() != 0 && size_ > 0 &&
                 Clock::now() - opened_at_ >= options_.rotate_age;
  if (too_big || too_old) {
    if (auto st = rotate(); !st) return st;
  }
  while (!lines.empty()) {
    ssize_t n = ::write(fd_, lines.data(), lines.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error("cannot write audit file", options_.path);
    }
    lines.remove_prefix(static_cast<std::size_t>(n));
    size_ += static_cast<std::uint64_t>(n);
    dirty_ = true;
  }
  return {};
}

Status JsonlFile::fsync_now() {
  if (fd_ < 0 || !dirty_) return {};
  if (::fdatasync(fd_) != 0) return io_error("cannot fsync audit file", options_.path);
  dirty_ = false;
  last_sync_ = Clock::now();
  return {};
}

Status JsonlFile::sync(bool force) {
  if (force) return fsync_now();
  switch (options_.fsync) {
    case AuditFsync::none:
      return {};
    case AuditFsync::always:
      return fsync_now();
    case AuditFsync::interval:
      if (Clock::now() - last_sync_ >= options_.fsync_interval) return fsync_now();
      return {};
  }
  return {};
}

}  // namespace sw::audit
