#pragma once
// Files that survive a crash: a whole-file replace (write a temporary file,
// fsync it, rename it over the old one, fsync the directory) and a durable
// append (O_APPEND, fsync before returning). Readers of a replaced file see
// the old or the new content, never a mix; an append torn by a crash leaves
// at most a partial last line, which readers skip.
#include <string>
#include <string_view>

#include "proxy/core/result.hpp"

namespace sw::audit {

// Replaces `path` with `content` (mode 0600).
Status write_file_atomically(const std::string& path, std::string_view content);
// Appends `content` to `path` (created 0600) and fsyncs it.
Status append_durably(const std::string& path, std::string_view content);
// The whole file; Errc::not_found when it does not exist.
Result<std::string> read_whole_file(const std::string& path);
// Creates `dir` (and its parents) with mode 0700 when missing.
Status ensure_directory(const std::string& dir);
// The directory part of `path` ("." when it has none).
std::string directory_of(const std::string& path);
// After a create or rename, the directory entry must be durable too.
void fsync_directory(const std::string& path);

}  // namespace sw::audit
