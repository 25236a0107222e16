#pragma once
// LISTEN/UNLISTEN answered by the proxy under transaction pooling, the pure
// part: recognising a Query that is exactly one LISTEN, UNLISTEN or
// UNLISTEN * (channel names folded and truncated as PostgreSQL does), the
// savepoint commands that decide which of a transaction's LISTENs survive,
// and the per-client transaction bookkeeping (PostgreSQL applies LISTEN and
// UNLISTEN at COMMIT, in order, and forgets them on ROLLBACK or ROLLBACK TO
// an earlier savepoint). No I/O.
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sw::pg {

struct ListenOp {
  enum class Kind { listen, unlisten, unlisten_all };
  Kind kind = Kind::listen;
  std::string channel;  // as the server names it (folded, truncated); empty for unlisten_all
  // The command tag PostgreSQL answers with.
  const char* tag() const noexcept { return kind == Kind::listen ? "LISTEN" : "UNLISTEN"; }
  friend bool operator==(const ListenOp&, const ListenOp&) = default;
};

// The statement when `sql` is one LISTEN / UNLISTEN / UNLISTEN * (comments,
// whitespace and one trailing semicolon allowed); nullopt for anything else
// (several statements, NOTIFY, a reserved word as channel, U&"..." names),
// which then goes to the server as before.
std::optional<ListenOp> parse_listen(std::string_view sql);

// SAVEPOINT name / RELEASE [SAVEPOINT] name / ROLLBACK [WORK|TRANSACTION]
// TO [SAVEPOINT] name, alone in a Query.
struct SavepointOp {
  enum class Kind { savepoint, release, rollback_to };
  Kind kind = Kind::savepoint;
  std::string name;
};
std::optional<SavepointOp> parse_savepoint(std::string_view sql);

// A double-quoted identifier for statements the proxy sends.
std::string quote_channel(std::string_view channel);

// One client's LISTEN/UNLISTEN inside its current transaction block.
class ListenTransaction {
 public:
  void add(ListenOp op) { ops_.push_back(std::move(op)); }
  void apply(const SavepointOp& op);
  // COMMIT: the operations to apply, in order; the block is over.
  std::vector<ListenOp> commit();
  // ROLLBACK (or PREPARE TRANSACTION, or DISCARD): nothing happens.
  void rollback();
  bool empty() const noexcept { return ops_.empty(); }
  const std::vector<ListenOp>& pending() const noexcept { return ops_; }

  // Applies committed operations to a client's channel set.
  static void apply(const std::vector<ListenOp>& ops, std::set<std::string>& channels);

 private:
  std::vector<ListenOp> ops_;
  std::vector<std::pair<std::string, std::size_t>> savepoints_;  // name, ops_ size at SAVEPOINT
};

}  // namespace sw::pg
