#include "collector/registry.hpp"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

#include "audit/durable_file.hpp"
#include "audit/json_line.hpp"
#include "collector/api_key.hpp"

namespace sw::collector {

namespace {

using nlohmann::json;

std::int64_t unix_seconds(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

Clock::time_point from_unix(std::int64_t s) {
  return Clock::time_point(std::chrono::seconds(s));
}

std::string utc_text(Clock::time_point t) {
  std::string out;
  audit::append_utc_time(t, out);
  return out;
}

// The statistics a heartbeat may carry (seed 001: queries collected,
// errors, uptime); anything else is ignored so a heartbeat cannot grow the
// registry file without bound.
json known_stats(const json& stats) {
  json out = json::object();
  if (!stats.is_object()) return out;
  for (const char* key : {"queries_collected", "errors", "uptime_seconds", "collections",
                          "batches_sent", "pending_batches", "dropped_batches"}) {
    auto it = stats.find(key);
    if (it != stats.end() && is_count(*it)) out[key] = it->get<std::uint64_t>();
  }
  for (const char* key : {"state", "last_error", "version"}) {
    auto it = stats.find(key);
    if (it != stats.end() && it->is_string()) out[key] = it->get<std::string>().substr(0, 512);
  }
  return out;
}

}  // namespace

struct Registry::Entry {
  std::uint64_t id = 0;
  Registration reg;
  std::string key_sha256;
  Clock::time_point created;
  std::optional<Clock::time_point> last_heartbeat;
  json stats = json::object();
  std::uint64_t next_command_id = 1;
  std::vector<Command> commands;  // pending, id order
  // Received data (rebuilt from the queries file at open).
  std::set<std::string> batch_ids;
  std::uint64_t queries_received = 0;
  std::unique_ptr<audit::DigestTable> digests;
};

bool is_online(std::optional<Clock::time_point> last_heartbeat, Clock::time_point now,
               std::chrono::seconds offline_after) noexcept {
  return last_heartbeat && now - *last_heartbeat < offline_after;
}

Result<Registration> parse_registration(const json& body) {
  Registration r;
  auto bad = [](std::string m) { return make_error(Errc::invalid_argument, std::move(m)); };
  auto name = body.find("name");
  if (name == body.end() || !name->is_string() || name->get<std::string>().empty() ||
      name->get<std::string>().size() > 255)
    return bad("name is required: a string of 1 to 255 characters");
  r.name = name->get<std::string>();
  auto type = body.find("type");
  if (type == body.end() || !type->is_string())
    return bad("type is required: mysql, postgres or sqlwarden");
  r.type = type->get<std::string>();
  if (r.type == "postgresql") r.type = "postgres";
  if (r.type != "mysql" && r.type != "postgres" && r.type != "sqlwarden")
    return bad("type must be mysql, postgres or sqlwarden");
  if (auto t = body.find("team_id"); t != body.end() && !t->is_null()) {
    if (!t->is_number_integer()) return bad("team_id must be an integer");
    r.team_id = t->get<std::int64_t>();
  }
  if (auto c = body.find("config"); c != body.end() && !c->is_null()) {
    if (!c->is_object()) return bad("config must be an object");
    r.config = *c;
    // The receiver never needs the database password: it is not kept.
    for (const char* secret : {"password", "api_key", "token"}) r.config.erase(secret);
    if (r.config.dump().size() > 16384) return bad("config is larger than 16 KiB");
  }
  if (auto i = body.find("collection_interval_minutes"); i != body.end() && !i->is_null()) {
    if (!is_count(*i) || i->get<std::uint64_t>() == 0 || i->get<std::uint64_t>() > 7 * 24 * 60)
      return bad("collection_interval_minutes must be an integer from 1 to 10080");
    r.collection_interval_minutes = i->get<std::uint32_t>();
  }
  if (auto a = body.find("auto_collect"); a != body.end() && !a->is_null()) {
    if (!a->is_boolean()) return bad("auto_collect must be true or false");
    r.auto_collect = a->get<bool>();
  }
  return r;
}

Registry::Registry(OpenKey, RegistryOptions options) : options_(std::move(options)) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(RegistryOptions options) {
  if (options.state_dir.empty())
    return make_error(Errc::config, "collectors.state_dir is required");
  if (auto made = audit::ensure_directory(options.state_dir); !made) return std::move(made).error();
  auto r = std::make_unique<Registry>(OpenKey{}, std::move(options));
  if (auto loaded = r->load(); !loaded) return std::move(loaded).error();
  return r;
}

std::string Registry::queries_path(std::uint64_t id) const {
  return fmt::format("{}/collector-{}-queries.jsonl", options_.state_dir, id);
}

Status Registry::load() {
  std::string path = options_.state_dir + "/collectors.json";
  auto text = audit::read_whole_file(path);
  if (!text) {
    if (text.error().code == Errc::not_found) return {};
    return std::move(text).error();
  }
  json root = json::parse(*text, nullptr, false);
  auto corrupt = [&path](std::string_view what) {
    return make_error(Errc::config, fmt::format("{}: {}", path, what));
  };
  if (!root.is_object() || !root["collectors"].is_array())
    return corrupt("not a collector registry");
  // Written by save_locked(); a wrong type below means the file was edited
  // by hand: refuse to start rather than guess.
  try {
    next_id_ = root.value("next_id", std::uint64_t{1});
    for (const auto& c : root["collectors"]) {
      auto e = std::make_unique<Entry>();
      e->id = c.at("id").get<std::uint64_t>();
      e->reg.name = c.at("name").get<std::string>();
      e->reg.type = c.at("type").get<std::string>();
      e->reg.team_id = c.value("team_id", std::int64_t{0});
      e->reg.config = c.value("config", json::object());
      e->reg.collection_interval_minutes = c.value("collection_interval_minutes", 5u);
      e->reg.auto_collect = c.value("auto_collect", true);
      e->key_sha256 = c.at("key_sha256").get<std::string>();
      e->created = from_unix(c.value("created_unix", std::int64_t{0}));
      if (auto hb = c.find("last_heartbeat_unix"); hb != c.end() && hb->is_number_integer())
        e->last_heartbeat = from_unix(hb->get<std::int64_t>());
      e->stats = c.value("stats", json::object());
      e->next_command_id = c.value("next_command_id", std::uint64_t{1});
      for (const auto& cmd : c.value("commands", json::array())) {
        auto kind = command_from_name(cmd.at("command").get<std::string>());
        if (!kind) return corrupt("unknown command in the queue");
        e->commands.push_back(Command{cmd.at("id").get<std::uint64_t>(), *kind,
                                      cmd.value("payload", json::object()),
                                      from_unix(cmd.value("created_unix", std::int64_t{0}))});
      }
      e->digests = std::make_unique<audit::DigestTable>(options_.max_digests);
      if (auto batches = load_batches(*e); !batches) return batches;
      std::uint64_t id = e->id;
      next_id_ = std::max(next_id_, id + 1);
      entries_[id] = std::move(e);
    }
  } catch (const json::exception& ex) {
    return corrupt(ex.what());
  }
  return {};
}

Status Registry::load_batches(Entry& e) {
  auto text = audit::read_whole_file(queries_path(e.id));
  if (!text)
    return text.error().code == Errc::not_found ? Status{} : Status{std::move(text).error()};
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last append: never acknowledged
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    auto batch = batch_from_stored(json::parse(line, nullptr, false));
    if (!batch)
      return make_error(Errc::config,
                        fmt::format("{}: {}", queries_path(e.id), batch.error().message));
    if (e.batch_ids.insert(batch->batch_id).second) aggregate(e, *batch);
  }
  return {};
}

void Registry::aggregate(Entry& e, const Batch& batch) {
  for (const auto& q : batch.queries) {
    audit::AuditRecord r;
    r.time = q.time;
    r.user = q.user;
    r.database = q.database;
    r.kind = q.kind;
    r.fingerprint = q.fingerprint;
    r.normalized = q.normalized;
    r.duration_us = q.duration_us;
    r.rows = q.rows;
    e.digests->add(r, q.calls);
    e.queries_received += q.calls;
  }
}

Status Registry::save_locked() const {
  json list = json::array();
  for (const auto& [id, e] : entries_) {
    json commands = json::array();
    for (const auto& c : e->commands) commands.push_back(command_json(c));
    json c = {{"id", id},
              {"name", e->reg.name},
              {"type", e->reg.type},
              {"team_id", e->reg.team_id},
              {"config", e->reg.config},
              {"collection_interval_minutes", e->reg.collection_interval_minutes},
              {"auto_collect", e->reg.auto_collect},
              {"key_sha256", e->key_sha256},
              {"created_unix", unix_seconds(e->created)},
              {"stats", e->stats},
              {"next_command_id", e->next_command_id},
              {"commands", commands}};
    if (e->last_heartbeat) c["last_heartbeat_unix"] = unix_seconds(*e->last_heartbeat);
    list.push_back(std::move(c));
  }
  json root = {{"version", 1}, {"next_id", next_id_}, {"collectors", list}};
  return audit::write_file_atomically(options_.state_dir + "/collectors.json", root.dump(2) + "\n");
}

json Registry::view_locked(const Entry& e, Clock::time_point now) const {
  bool online = is_online(e.last_heartbeat, now, options_.offline_after);
  json v = {{"id", e.id},
            {"name", e.reg.name},
            {"type", e.reg.type},
            {"team_id", e.reg.team_id},
            {"config", e.reg.config},
            {"collection_interval_minutes", e.reg.collection_interval_minutes},
            {"auto_collect", e.reg.auto_collect},
            {"status", online ? "ONLINE" : "OFFLINE"},
            {"online", online},
            {"created_at", utc_text(e.created)},
            {"last_heartbeat", e.last_heartbeat ? json(utc_text(*e.last_heartbeat)) : json()},
            {"stats", e.stats},
            {"pending_commands", e.commands.size()},
            {"batches_received", e.batch_ids.size()},
            {"queries_received", e.queries_received},
            {"fingerprints", e.digests->size()}};
  return v;
}

Result<json> Registry::register_collector(const Registration& r, Clock::time_point now) {
  std::lock_guard lock(mu_);
  std::uint64_t id = next_id_;
  auto key = generate_api_key(id);
  if (!key) return std::move(key).error();
  auto e = std::make_unique<Entry>();
  e->id = id;
  e->reg = r;
  e->key_sha256 = hash_api_key(*key);
  e->created = now;
  e->digests = std::make_unique<audit::DigestTable>(options_.max_digests);
  Entry& added = *e;
  entries_[id] = std::move(e);
  ++next_id_;
  if (auto saved = save_locked(); !saved) {
    entries_.erase(id);
    --next_id_;
    return std::move(saved).error();
  }
  json out = view_locked(added, now);
  out["api_key"] = *key;
  return out;
}

bool Registry::authenticate(std::uint64_t id, std::string_view api_key) const {
  std::string stored;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(id);
    // An unknown id is still hashed and compared, so it answers in the
    // same time as a wrong key.
    stored = it == entries_.end() ? std::string(64, '0') : it->second->key_sha256;
  }
  return api_key_matches(api_key, stored) && stored != std::string(64, '0');
}

Result<std::vector<Command>> Registry::heartbeat(std::uint64_t id, const json& stats,
                                                 std::uint64_t ack, Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  Entry& e = *it->second;
  e.last_heartbeat = now;
  e.stats = known_stats(stats);
  std::erase_if(e.commands, [ack](const Command& c) { return c.id <= ack; });
  if (auto saved = save_locked(); !saved) return std::move(saved).error();
  return e.commands;
}

Result<Command> Registry::queue_command(std::uint64_t id, CommandKind kind, json payload,
                                        Clock::time_point now) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  Entry& e = *it->second;
  if (e.commands.size() >= options_.max_pending_commands)
    return make_error(Errc::unsupported,
                      fmt::format("{} commands are already waiting for this collector's next "
                                  "heartbeat",
                                  e.commands.size()));
  Command c{e.next_command_id++, kind, std::move(payload), now};
  e.commands.push_back(c);
  if (auto saved = save_locked(); !saved) {
    e.commands.pop_back();
    --e.next_command_id;
    return std::move(saved).error();
  }
  return c;
}

Result<BatchOutcome> Registry::add_batch(std::uint64_t id, Batch batch) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  Entry& e = *it->second;
  if (e.batch_ids.count(batch.batch_id)) return BatchOutcome{true, 0};
  // Durable before it counts: the collector deletes its copy on our 200.
  if (auto appended =
          audit::append_durably(queries_path(id), stored_batch_json(batch).dump() + "\n");
      !appended)
    return std::move(appended).error();
  e.batch_ids.insert(batch.batch_id);
  aggregate(e, batch);
  return BatchOutcome{false, batch.queries.size()};
}

Result<std::vector<audit::DigestRow>> Registry::queries(std::uint64_t id,
                                                        audit::DigestSort sort) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  return it->second->digests->top(sort, 0);
}

Result<parsers::Dialect> Registry::dialect(std::uint64_t id) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  return it->second->reg.type == "postgres" ? parsers::Dialect::postgres : parsers::Dialect::mysql;
}

json Registry::list(Clock::time_point now) const {
  std::lock_guard lock(mu_);
  json out = json::array();
  for (const auto& [id, e] : entries_) out.push_back(view_locked(*e, now));
  return out;
}

Result<json> Registry::describe(std::uint64_t id, Clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = entries_.find(id);
  if (it == entries_.end()) return make_error(Errc::not_found, "no such collector");
  return view_locked(*it->second, now);
}

}  // namespace sw::collector
