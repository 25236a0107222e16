#pragma once
// Follows the server's answer to one command, packet by packet, so the
// proxy can relay it verbatim and know where it ends: result sets (text and
// binary, several under MULTI_RESULTS), prepare answers, cursors, field
// lists and single-packet answers. Streaming: it sees bytes as they arrive
// in any chunking and keeps only a packet header and the first bytes of a
// payload, so a 20 MB row passes without being buffered.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "proxy/core/bytes.hpp"
#include "proxy/core/result.hpp"
#include "proxy/mysql/codec/constants.hpp"

namespace sw::mysql {

enum class ResponseKind : std::uint8_t {
  none,         // no answer (COM_QUIT, COM_STMT_CLOSE, COM_STMT_SEND_LONG_DATA)
  single,       // one packet: OK, ERR, EOF or a string (COM_STATISTICS)
  text_rows,    // COM_QUERY, COM_PROCESS_INFO: OK | ERR | result sets
  binary_rows,  // COM_STMT_EXECUTE: like text_rows, or a cursor's metadata
  fetch,        // COM_STMT_FETCH: rows up to a terminator
  prepare,      // COM_STMT_PREPARE: ERR | OK + parameter and column definitions
  field_list,   // COM_FIELD_LIST: ERR | column definitions + terminator
};

// What the server answers to `cmd`; nullopt for commands the proxy does not relay.
ResponseKind response_kind(Command cmd) noexcept;

class ResponseTracker {
 public:
  explicit ResponseTracker(std::uint32_t capabilities = 0) : capabilities_(capabilities) {}
  void set_capabilities(std::uint32_t capabilities) noexcept { capabilities_ = capabilities; }

  // Begins following an answer whose first packet carries sequence id `seq`.
  void start(ResponseKind kind, std::uint8_t seq) noexcept;

  // Takes the next bytes from the server. Returns how many belong to the
  // current answer: all of them, or fewer when the answer ends inside
  // `data` (the rest is not the server's to send). Errors: packets out of
  // order, or a packet that cannot occur at this point.
  Result<std::size_t> consume(ByteSpan data);
  // The same for bytes the caller relays from a server speaking the
  // compressed protocol, where the packets' own sequence ids carry no
  // meaning (the server continues its compressed count): they are set in
  // `data` to what the uncompressed protocol expects instead of checked.
  Result<std::size_t> consume_renumbering(std::uint8_t* data, std::size_t size);

  bool done() const noexcept { return done_; }
  // Status flags of the last OK/EOF seen (0 until one arrives).
  std::uint16_t status() const noexcept { return status_; }
  bool status_seen() const noexcept { return status_seen_; }
  // The answer ended with ERR.
  bool failed() const noexcept { return failed_; }
  // The SQLSTATE of the last ERR packet (valid when failed()).
  const std::string& error_sqlstate() const noexcept { return sqlstate_; }
  // COM_STMT_PREPARE: the statement id the server assigned.
  std::uint32_t statement_id() const noexcept { return statement_id_; }
  std::uint16_t prepare_params() const noexcept { return prepare_params_; }
  // Each result of a text_rows / binary_rows answer as it ends (a result
  // set's terminator, an OK, an ERR), for the audit trail. The driver reads
  // them after consume() and clears the list.
  struct ResultEnd {
    std::int64_t rows = -1;   // rows of a result set, affected rows of an OK
    std::uint16_t error = 0;  // ERR code; 0 = success
    std::string sqlstate;
    std::string message;  // the ERR message (its first bytes)
  };
  std::vector<ResultEnd>& ended() noexcept { return ended_; }
  // The last non-zero insert id an OK packet of this answer carried (0: none).
  std::uint64_t last_insert_id() const noexcept { return last_insert_id_; }
  std::uint8_t next_seq() const noexcept { return seq_; }

  // At a packet boundary where a new result begins (the answer's first
  // packet, or the next result of a multi-statement): the one place a
  // LOAD DATA LOCAL INFILE request (0xFB) can come. The driver inspects it
  // itself, before consume() sees it.
  bool at_result_start() const noexcept {
    return !done_ && state_ == State::first && header_have_ == 0 && !continuation_;
  }
  // With `on`, consume() also returns at every result start after the
  // first, so the driver can look at the next packet before relaying it.
  void set_stop_at_result_start(bool on) noexcept { stop_at_result_start_ = on; }
  // The driver handled a LOCAL INFILE request and the file transfer; the
  // server's answer to it (OK/ERR, perhaps more results) starts at `seq`.
  void resume_after_local_infile(std::uint8_t seq) noexcept { seq_ = seq; }

 private:
  enum class State : std::uint8_t {
    first,
    column_defs,
    metadata_eof,
    rows,
    prepare_params,
    prepare_params_eof,
    prepare_columns,
    prepare_columns_eof,
    field_list,
    single,
  };

  Result<std::size_t> consume_impl(ByteSpan data, std::uint8_t* writable);
  Status classify(std::uint32_t length);
  void after_columns();
  void after_prepare_params();
  void note_error(ByteSpan head);
  void result_ended(std::int64_t rows);
  void finish_terminator(ByteSpan head, bool may_open_cursor);
  bool is_terminator(std::uint8_t first, std::uint32_t length) const noexcept;
  bool deprecate_eof() const noexcept { return capabilities_ & cap::deprecate_eof; }

  std::uint32_t capabilities_;
  ResponseKind kind_ = ResponseKind::none;
  State state_ = State::first;
  std::uint8_t seq_ = 0;
  bool done_ = true;
  bool ends_after_packet_ = false;
  bool failed_ = false;
  bool status_seen_ = false;
  bool continuation_ = false;  // the current packet continues a 16 MiB one
  bool rows_seen_ = false;
  bool stop_at_result_start_ = false;
  std::uint16_t status_ = 0;
  std::uint32_t statement_id_ = 0;
  std::uint64_t pending_ = 0;  // definitions still to come in this state
  std::uint16_t prepare_columns_ = 0;
  std::uint16_t prepare_params_ = 0;
  std::uint64_t last_insert_id_ = 0;

  std::array<std::uint8_t, 4> header_{};
  std::size_t header_have_ = 0;
  std::uint32_t length_ = 0;
  std::string sqlstate_;  // of the last ERR packet
  std::vector<ResultEnd> ended_;
  std::int64_t rows_ = 0;  // rows of the current result set
  // Enough of each packet's start to classify it and to read an ERR's message.
  std::array<std::uint8_t, 160> head_{};
  std::size_t head_need_ = 0;
  std::size_t head_have_ = 0;
  std::uint32_t left_ = 0;  // payload bytes of the current packet not yet seen
};

}  // namespace sw::mysql
