#pragma once
// "IN (lit, lit, …)" holding only literals or parameters: the normaliser
// folds it into one marker in the key and into "in (...)" in the normalised
// text, so statements that differ only in the length of such a list share a
// fingerprint, and a fingerprint names one normalised text.
#include <string_view>

#include "parsers/token.hpp"

namespace sw::parsers::detail {

class InListTracker {
 public:
  enum class Step { none, opened, closed };

  // Feed every token in order; `opened` at the list's '(', `closed` at its ')'.
  Step next(TokenKind kind, std::string_view text) noexcept {
    const bool item =
        kind == TokenKind::string || kind == TokenKind::number || kind == TokenKind::param;
    if (kind == TokenKind::word && text.size() == 2 && ascii_lower(text[0]) == 'i' &&
        ascii_lower(text[1]) == 'n') {
      state_ = State::saw_in;
    } else if (state_ == State::saw_in && kind == TokenKind::punct && text == "(") {
      state_ = State::open;
      return Step::opened;
    } else if ((state_ == State::open || state_ == State::comma) && item) {
      state_ = State::item;
    } else if (state_ == State::item && kind == TokenKind::punct && text == ",") {
      state_ = State::comma;
    } else if (state_ == State::item && kind == TokenKind::punct && text == ")") {
      state_ = State::none;
      return Step::closed;
    } else {
      state_ = State::none;
    }
    return Step::none;
  }
  void reset() noexcept { state_ = State::none; }

 private:
  enum class State { none, saw_in, open, item, comma };
  State state_ = State::none;
};

}  // namespace sw::parsers::detail
