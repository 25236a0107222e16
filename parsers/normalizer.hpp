#pragma once
// One lexer pass that turns a request into its cache key and fingerprint:
// literals become placeholders, IN-lists of literals collapse, whitespace,
// comments and keyword case vanish; everything that can change a policy
// decision (names, operators, token boundaries, MySQL executable comments
// and their version gates) stays. The key is a compact tagged byte encoding
// (each token: a tag byte, and for names/operators a length and the bytes),
// so two different token sequences can never produce the same key.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/mysql_lexer.hpp"
#include "parsers/statement.hpp"
#include "parsers/token.hpp"

namespace sw::parsers {

struct NormalizeResult {
  LexError error = LexError::none;
  std::uint32_t statements = 0;  // as the policy counts them (see Analysis)
  // MariaDB with CLIENT_MULTI_STATEMENTS: statements the server runs (or
  // fails on) in order. After a ';' only whitespace and ';' → done; an empty
  // statement (';' right after ';') is a syntax error that ends the batch.
  std::uint32_t server_statements = 0;
  bool has_content = false;       // false: empty or comments only
  std::uint64_t fingerprint = 0;  // XXH3 of the appended key bytes
  bool ok() const noexcept { return error == LexError::none; }
};

// A growable byte buffer written through a pointer (std::string would check
// capacity and terminate on every byte). Grows, never shrinks: a reused
// buffer stops allocating once it has seen the largest key.
class KeyBuffer {
 public:
  void clear() noexcept { size_ = 0; }
  std::size_t size() const noexcept { return size_; }
  const char* data() const noexcept { return bytes_.data(); }
  std::string_view view() const noexcept { return {bytes_.data(), size_}; }
  // Room for n more bytes at the end; write them, then commit().
  char* tail(std::size_t n) {
    if (size_ + n > bytes_.size()) bytes_.resize(std::max(bytes_.size() * 2, size_ + n + 256));
    return bytes_.data() + size_;
  }
  void commit(std::size_t n) noexcept { size_ += n; }
  void truncate(std::size_t n) noexcept { size_ = n < size_ ? n : size_; }
  void push_back(char c) {
    *tail(1) = c;
    ++size_;
  }
  void append(std::string_view s) {
    if (s.empty()) return;
    std::memcpy(tail(s.size()), s.data(), s.size());
    size_ += s.size();
  }

 private:
  std::vector<char> bytes_;
  std::size_t size_ = 0;
};

// Appends the key encoding of `sql` to `out` (which is not cleared, so a
// caller may put a prefix first). Allocates only when `out` must grow.
NormalizeResult normalize(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                          KeyBuffer& out);
// Convenience for tests and tools: the key appended to a string.
NormalizeResult normalize(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql,
                          std::string& out);

// Human-readable normalised text ("select * from t where id = ?"), for
// digests, audit and policy-check output. Not used on the hot path.
std::string normalized_text(Dialect dialect, MysqlLexOptions mysql_options, std::string_view sql);

}  // namespace sw::parsers
