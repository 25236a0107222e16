#include "policy/policy_gate.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include "parsers/mysql_classifier.hpp"
#include "parsers/normalizer.hpp"
#include "parsers/pg_analyzer.hpp"
#include "proxy/core/proxy_metrics.hpp"

namespace sw::policy {

namespace {

constexpr std::size_t kMaxCachedKeyBytes = 16 * 1024;

bool has_high_bytes(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

Decision to_decision(const Verdict& v, std::uint64_t fingerprint) {
  Decision d;
  d.allowed = v.allowed;
  d.kind = v.kind;
  if (!v.allowed) {
    d.rule = v.rule;
    d.message = v.message;
  }
  d.fingerprint = fingerprint;
  return d;
}

}  // namespace

PolicyGate::PolicyGate(std::vector<Profile> profiles, std::size_t cache_capacity)
    : profiles_(std::move(profiles)), cache_(cache_capacity) {
  key_.tail(4096);  // warm the buffer so typical statements never grow it
}

const Profile* PolicyGate::find_profile(std::string_view name) const noexcept {
  for (const auto& p : profiles_)
    if (p.name == name) return &p;
  return nullptr;
}

Decision PolicyGate::check(const SessionContext& session, std::string_view sql) {
  Decision d = decide(session, sql);
  metrics::count_statement(session.protocol, static_cast<std::uint8_t>(d.kind),
                           parsers::statement_kind_name(d.kind));
  if (!d.allowed) metrics::count_denial(session.protocol, d.rule);
  return d;
}

Decision PolicyGate::decide(const SessionContext& session, std::string_view sql) {
  const Profile* profile = find_profile(session.profile);
  if (!profile)
    return to_decision(
        deny("unknown_profile", fmt::format("sqlwarden: no policy profile '{}' for this user; "
                                            "every statement is denied",
                                            session.profile)),
        0);
  if (exceeds_length(sql, profile->max_length))
    return to_decision(deny("too_long", fmt::format("sqlwarden: statement longer than {} "
                                                    "characters; denied under profile '{}'",
                                                    profile->max_length, profile->name)),
                       0);
  parsers::Dialect dialect =
      session.protocol == Protocol::mysql ? parsers::Dialect::mysql : parsers::Dialect::postgres;
  if (!profile->allow_everything) {
    if (dialect == parsers::Dialect::postgres && !session.standard_conforming_strings &&
        sql.find('\\') != std::string_view::npos)
      return to_decision(
          deny("unsupported",
               fmt::format("sqlwarden: backslashes with standard_conforming_strings off are "
                           "not supported under profile '{}'",
                           profile->name)),
          0);
    if (dialect == parsers::Dialect::mysql && session.ambiguous_multibyte_charset &&
        has_high_bytes(sql))
      return to_decision(
          deny("unsupported",
               fmt::format("sqlwarden: non-ASCII text in a client character set whose "
                           "characters can contain '\\' or quote bytes is not supported under "
                           "profile '{}'; use utf8mb4",
                           profile->name)),
          0);
  }
  parsers::MysqlLexOptions lex{session.no_backslash_escapes, session.ansi_quotes};

  // Key prefix: profile, dialect + lexing flags, current database.
  key_.clear();
  auto index = static_cast<std::uint16_t>(profile - profiles_.data());
  key_.push_back(static_cast<char>(index & 0xff));
  key_.push_back(static_cast<char>(index >> 8));
  key_.push_back(static_cast<char>((dialect == parsers::Dialect::mysql ? 1 : 0) |
                                   (lex.no_backslash_escapes ? 2 : 0) | (lex.ansi_quotes ? 4 : 0)));
  key_.append(session.database);
  key_.push_back('\0');
  std::size_t prefix = key_.size();
  parsers::NormalizeResult lexed = parsers::normalize(dialect, lex, sql, key_);

  RequestFacts facts{dialect, session.database, &lexed, &analysis_};
  if (!lexed.ok()) {
    analysis_ = {};
    return to_decision(evaluate(*profile, facts), lexed.fingerprint);
  }
  std::uint64_t hash = XXH3_64bits_withSeed(key_.data(), prefix, lexed.fingerprint);
  // Huge requests (bulk loads under allow_all) are judged but not cached:
  // their keys would pin megabytes and they rarely repeat.
  bool cacheable = key_.size() <= kMaxCachedKeyBytes;
  if (cacheable)
    if (const Verdict* hit = cache_.find(hash, key_.view()))
      return to_decision(*hit, lexed.fingerprint);

  analysis_.parsed = false;
  analysis_.error.clear();
  analysis_.versioned_comment = false;
  analysis_.statement_count = lexed.statements;
  if (lexed.has_content) {
    if (dialect == parsers::Dialect::postgres) {
      parsers::analyze_postgres(sql, analysis_);
    } else {
      parsers::analyze_mysql(sql, lex, analysis_, tokens_);
    }
  } else {
    analysis_.statements.clear();
    analysis_.parsed = true;
  }
  Verdict verdict = evaluate(*profile, facts);
  if (cacheable) cache_.insert(hash, key_.view(), verdict);
  return to_decision(verdict, lexed.fingerprint);
}

}  // namespace sw::policy
