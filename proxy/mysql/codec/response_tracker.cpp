#include "proxy/mysql/codec/response_tracker.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "proxy/mysql/codec/lenenc.hpp"
#include "proxy/mysql/codec/messages.hpp"

namespace sw::mysql {

ResponseKind response_kind(Command cmd) noexcept {
  switch (cmd) {
    case Command::quit:
    case Command::stmt_close:
    case Command::stmt_send_long_data:
      return ResponseKind::none;
    case Command::query:
    case Command::process_info:
      return ResponseKind::text_rows;
    case Command::stmt_execute:
    case Command::stmt_bulk_execute:  // OK | ERR | result sets (RETURNING)
      return ResponseKind::binary_rows;
    case Command::stmt_fetch:
      return ResponseKind::fetch;
    case Command::stmt_prepare:
      return ResponseKind::prepare;
    case Command::field_list:
      return ResponseKind::field_list;
    default:
      return ResponseKind::single;
  }
}

void ResponseTracker::start(ResponseKind kind, std::uint8_t seq) noexcept {
  kind_ = kind;
  seq_ = seq;
  done_ = kind == ResponseKind::none;
  ends_after_packet_ = false;
  failed_ = false;
  status_seen_ = false;
  continuation_ = false;
  rows_seen_ = false;
  statement_id_ = 0;
  prepare_params_ = 0;
  last_insert_id_ = 0;
  ended_.clear();
  rows_ = 0;
  pending_ = 0;
  header_have_ = 0;
  head_need_ = 0;
  head_have_ = 0;
  left_ = 0;
  switch (kind) {
    case ResponseKind::fetch:
      state_ = State::rows;
      break;
    case ResponseKind::field_list:
      state_ = State::field_list;
      break;
    case ResponseKind::single:
      state_ = State::single;
      break;
    default:
      state_ = State::first;
  }
}

bool ResponseTracker::is_terminator(std::uint8_t first, std::uint32_t length) const noexcept {
  if (first != header::eof) return false;
  return deprecate_eof() ? length < max_packet_payload : length < 9;
}

Result<std::size_t> ResponseTracker::consume(ByteSpan data) {
  return consume_impl(data, nullptr);
}

Result<std::size_t> ResponseTracker::consume_renumbering(std::uint8_t* data, std::size_t size) {
  return consume_impl(ByteSpan(data, size), data);
}

Result<std::size_t> ResponseTracker::consume_impl(ByteSpan data, std::uint8_t* writable) {
  std::size_t pos = 0;
  while (pos < data.size() && !done_) {
    if (header_have_ < header_.size()) {
      std::size_t n = std::min(header_.size() - header_have_, data.size() - pos);
      std::memcpy(header_.data() + header_have_, data.data() + pos, n);
      header_have_ += n;
      pos += n;
      if (header_have_ < header_.size()) break;
      length_ = static_cast<std::uint32_t>(header_[0] | (header_[1] << 8) | (header_[2] << 16));
      if (writable) {
        // The sequence byte is the header's last, the one just copied.
        writable[pos - 1] = seq_;
        header_[3] = seq_;
      }
      if (header_[3] != seq_)
        return make_error(Errc::protocol_violation, "server packet sequence id " +
                                                        std::to_string(header_[3]) + ", expected " +
                                                        std::to_string(seq_));
      seq_ = static_cast<std::uint8_t>(seq_ + 1);
      left_ = length_;
      head_have_ = 0;
      head_need_ = continuation_ ? 0 : std::min<std::size_t>(length_, head_.size());
      if (head_need_ == 0 && !continuation_) {
        if (auto st = classify(length_); !st) return st.error();
      }
    }
    if (head_have_ < head_need_) {
      std::size_t n = std::min(head_need_ - head_have_, data.size() - pos);
      std::memcpy(head_.data() + head_have_, data.data() + pos, n);
      head_have_ += n;
      pos += n;
      left_ -= static_cast<std::uint32_t>(n);
      if (head_have_ < head_need_) break;
      if (auto st = classify(length_); !st) return st.error();
    }
    std::size_t skip = std::min<std::size_t>(left_, data.size() - pos);
    pos += skip;
    left_ -= static_cast<std::uint32_t>(skip);
    if (left_ == 0 && header_have_ == header_.size() && head_have_ == head_need_) {
      continuation_ = length_ == max_packet_payload;
      header_have_ = 0;
      if (!continuation_ && ends_after_packet_) done_ = true;
      if (stop_at_result_start_ && at_result_start()) break;
    }
  }
  return pos;
}

void ResponseTracker::finish_terminator(ByteSpan head, bool may_open_cursor) {
  result_ended(rows_);
  auto st = terminator_status(head);
  std::uint16_t flags = st.value_or(0);
  status_ = flags;
  status_seen_ = st.has_value();
  if (may_open_cursor && (flags & status::cursor_exists)) {
    ends_after_packet_ = true;  // a cursor is open: rows come with COM_STMT_FETCH
    return;
  }
  if (kind_ != ResponseKind::fetch && (flags & status::more_results)) {
    state_ = State::first;
  } else {
    ends_after_packet_ = true;
  }
}

void ResponseTracker::after_columns() {
  state_ = deprecate_eof() ? State::rows : State::metadata_eof;
}

void ResponseTracker::after_prepare_params() {
  if (prepare_columns_ == 0) {
    ends_after_packet_ = true;
    return;
  }
  state_ = State::prepare_columns;
  pending_ = prepare_columns_;
}

void ResponseTracker::note_error(ByteSpan head) {
  failed_ = true;
  // ERR: 0xff, code (2), then with CLIENT_PROTOCOL_41 '#' and the SQLSTATE.
  std::size_t text = 3;
  if (head.size() >= 9 && head[3] == '#') {
    sqlstate_.assign(reinterpret_cast<const char*>(head.data() + 4), 5);
    text = 9;
  } else {
    sqlstate_ = "HY000";
  }
  if (kind_ != ResponseKind::text_rows && kind_ != ResponseKind::binary_rows) return;
  ResultEnd e;
  e.error = head.size() >= 3 ? static_cast<std::uint16_t>(head[1] | (head[2] << 8)) : 0;
  e.sqlstate = sqlstate_;
  if (head.size() > text)
    e.message.assign(reinterpret_cast<const char*>(head.data() + text), head.size() - text);
  ended_.push_back(std::move(e));
}

void ResponseTracker::result_ended(std::int64_t rows) {
  if (kind_ != ResponseKind::text_rows && kind_ != ResponseKind::binary_rows) return;
  ResultEnd e;
  e.rows = rows;
  ended_.push_back(std::move(e));
}

Status ResponseTracker::classify(std::uint32_t length) {
  ByteSpan head(head_.data(), head_have_);
  std::uint8_t first = head.empty() ? 0 : head[0];
  auto unexpected = [&](const char* where) {
    return make_error(Errc::protocol_violation, std::string("unexpected server packet ") +
                                                    std::to_string(first) + " " + where);
  };
  switch (state_) {
    case State::single:
      if (first == header::err) note_error(head);
      if (first == header::ok || first == header::eof) {
        if (auto ok = parse_ok(head)) {
          status_ = ok->status;
          status_seen_ = true;
          if (ok->last_insert_id) last_insert_id_ = ok->last_insert_id;
        }
      }
      ends_after_packet_ = true;
      return {};
    case State::first:
      if (head.empty()) return unexpected("(empty) at the start of a result");
      if (first == header::err) {
        note_error(head);
        ends_after_packet_ = true;
        return {};
      }
      if (first == header::ok || (first == header::eof && length < 9)) {
        if (kind_ == ResponseKind::prepare) {
          ByteReader in(head);
          in.skip(1);
          auto id = in.u32_le();
          auto columns = in.u16_le();
          auto params = in.u16_le();
          if (!id || !columns || !params) return unexpected("(short prepare answer)");
          statement_id_ = *id;
          prepare_columns_ = *columns;
          prepare_params_ = *params;
          if (*params > 0) {
            state_ = State::prepare_params;
            pending_ = *params;
          } else {
            after_prepare_params();
          }
          return {};
        }
        if (auto ok = parse_ok(head)) {
          status_ = ok->status;
          status_seen_ = true;
          if (ok->last_insert_id) last_insert_id_ = ok->last_insert_id;
          if (!(ok->status & status::more_results)) ends_after_packet_ = true;
          result_ended(static_cast<std::int64_t>(ok->affected_rows));
        } else {
          ends_after_packet_ = true;
          result_ended(-1);
        }
        return {};
      }
      if (first == header::local_infile)
        return make_error(Errc::unsupported, "server asked for LOAD DATA LOCAL INFILE");
      {
        ByteReader in(head);
        auto columns = read_lenenc_int(in);
        if (!columns || *columns == 0) return unexpected("(bad column count)");
        pending_ = *columns;
        state_ = State::column_defs;
        rows_seen_ = false;
        rows_ = 0;
      }
      return {};
    case State::column_defs:
      if (--pending_ == 0) after_columns();
      return {};
    case State::metadata_eof:
      if (first != header::eof) return unexpected("where EOF after column definitions belongs");
      if (auto st = terminator_status(head)) {
        status_ = *st;
        status_seen_ = true;
        if (kind_ == ResponseKind::binary_rows && (*st & status::cursor_exists)) {
          ends_after_packet_ = true;
          result_ended(0);  // the rows come with COM_STMT_FETCH
          return {};
        }
      }
      state_ = State::rows;
      return {};
    case State::rows:
      if (first == header::err) {
        note_error(head);
        ends_after_packet_ = true;
        return {};
      }
      if (is_terminator(first, length)) {
        finish_terminator(head, kind_ == ResponseKind::binary_rows && !rows_seen_);
        return {};
      }
      rows_seen_ = true;
      ++rows_;
      return {};
    case State::prepare_params:
      if (--pending_ == 0) {
        if (deprecate_eof())
          after_prepare_params();
        else
          state_ = State::prepare_params_eof;
      }
      return {};
    case State::prepare_params_eof:
      if (first != header::eof) return unexpected("where EOF after parameters belongs");
      after_prepare_params();
      return {};
    case State::prepare_columns:
      if (--pending_ == 0) {
        if (deprecate_eof())
          ends_after_packet_ = true;
        else
          state_ = State::prepare_columns_eof;
      }
      return {};
    case State::prepare_columns_eof:
      if (first != header::eof) return unexpected("where EOF after columns belongs");
      ends_after_packet_ = true;
      return {};
    case State::field_list:
      if (first == header::err) {
        note_error(head);
        ends_after_packet_ = true;
      } else if (is_terminator(first, length) ||
                 (first == header::eof && length < max_packet_payload)) {
        if (auto st = terminator_status(head)) {
          status_ = *st;
          status_seen_ = true;
        }
        ends_after_packet_ = true;
      }
      return {};
  }
  return {};
}

}  // namespace sw::mysql
