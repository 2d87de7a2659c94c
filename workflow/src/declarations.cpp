#include "declarations.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <tuple>
#include <type_traits>

#include "files.hpp"
#include "history.hpp"
#include "queue.hpp"
#include "replies.hpp"
#include "rounds.hpp"
#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"
#include "sdp/error.hpp"
#include "sdp/event.hpp"
#include "sdp/time.hpp"
#include "store.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, number, kind, round_id, org, org_name, region, city, title, contact, payload, state, version, returned_by, "
    "decided, "
    "publicity_ends_at, arrived_at, due_at, score, score_version, created_at, updated_at, submitted_version, "
    "recommendation_rank, valid_until, reminders_sent, next_reminder_at, submitted_files_version, history_seq, "
    "history_head";

// A declaration as a caller is shown it (CONTRACT §2): its applicant, the row as it is; reviewers and
// admins, the content and score last submitted, and nothing of one never submitted (the join finds
// no version for it). Queries after these name the declarations' columns as d.<column>.
const std::string kOwnView =
    "SELECT d.id, d.number, d.kind, d.round_id, d.org, d.org_name, d.region, d.city, d.title, d.contact, d.payload, "
    "d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.arrived_at, d.due_at, d.score, d.score_version, d.created_at, "
    "d.updated_at, d.submitted_version, NULL AS recommendation_rank, d.valid_until "  // the rank is the city's
    "FROM declarations d";
// The submitted view's select and join, apart, so that a query can name the index of d between them.
const std::string kSubmittedSelect =
    "SELECT d.id, d.number, d.kind, d.round_id, d.org, COALESCE(v.org_name, d.org_name) AS org_name, d.region, d.city, "
    "v.title, v.contact, v.payload, "
    "d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.arrived_at, d.due_at, d.submitted_score AS score, "
    "d.submitted_score_version AS score_version, d.created_at, d.updated_at, d.submitted_version, "
    "d.recommendation_rank, d.valid_until FROM declarations d";
const std::string kSubmittedJoin =
    " JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.submitted_version";
const std::string kSubmittedView = kSubmittedSelect + kSubmittedJoin;
// A queue item is a list row, not the content to review (GET /v1/declarations/{id} has that): it
// carries no payload (the claimed level is in the submitted score), so a page of 20 is neither
// 150 KB to parse and send nor 20 payloads for MariaDB to parse.
// The score's claimed level and total are read by MariaDB (JSON_VALUE), so that workflow passes
// the score's text into the item without parsing it.
const std::string kQueueSelect = [] {
  std::string select = kSubmittedSelect;
  select.replace(select.find("v.payload"), 9, "'{}' AS payload");
  const std::string from = " FROM declarations d";
  select.insert(select.rfind(from),
                ", JSON_VALUE(d.submitted_score, '$.claimed_level') AS score_claimed_level, "
                "JSON_VALUE(d.submitted_score, '$.total') AS score_total");
  return select;
}();

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kOnlyReviewersQueue{"Only reviewers have a pending queue", "只有审核人员有待审队列"};

// The year of `now` in China Standard Time, for declaration numbers.
int year_in_china(Clock::time_point now) {
  std::time_t t = std::chrono::system_clock::to_time_t(now + std::chrono::hours(8));
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

// The row's columns are the workflow's own: an enum name that does not parse is a broken database.
template <class E>
E parsed(std::optional<E> e, const char* column) {
  if (!e) throw Error(ErrorSource::database, std::string("declarations.") + column + " holds an unknown name");
  return *e;
}

}  // namespace

Row read_row(const db::Result& r, Texts* texts) {
  Row d;
  d.id = r.str("id");
  d.number = r.str("number");
  d.kind = parsed(parse_kind(r.str("kind")), "kind");
  d.round = r.str("round_id");
  d.org = r.str("org");
  d.org_name = r.opt_str("org_name");
  d.region = r.str("region");
  d.city = r.str("city");
  d.title = r.str("title");
  d.contact = cmd::Contact::from_json(json::parse(r.str("contact")));
  if (texts)
    texts->payload = r.str("payload");
  else
    d.payload = json::parse(r.str("payload"));
  d.state = parsed(parse_state(r.str("state")), "state");
  d.version = r.i64("version");
  if (auto t = r.opt_str("returned_by")) d.returned_by = parsed(parse_tier(*t), "returned_by");
  d.decided = r.i64("decided") != 0;
  d.publicity_ends_at = r.opt_str("publicity_ends_at");
  d.arrived_at = r.opt_str("arrived_at");
  d.due_at = r.opt_str("due_at");
  if (texts)
    texts->score = r.is_null("score") ? "null" : r.str("score");
  else
    d.score = r.is_null("score") ? json(nullptr) : json::parse(r.str("score"));
  if (!r.is_null("score_version")) d.score_version = r.i64("score_version");
  if (!r.is_null("submitted_version")) d.submitted_version = r.i64("submitted_version");
  d.created_at = r.str("created_at");
  d.updated_at = r.str("updated_at");
  if (!r.is_null("recommendation_rank")) d.recommendation_rank = static_cast<int>(r.i64("recommendation_rank"));
  d.valid_until = r.opt_str("valid_until");
  return d;
}

// The row under its lock, with what only the timers read (the views do not carry it).
std::optional<Row> load(db::Connection& c, const std::string& id) {
  auto r = c.query(std::string("SELECT ") + kColumns + " FROM declarations WHERE id = ? FOR UPDATE", {id});
  if (!r.next()) return std::nullopt;
  auto row = read_row(r);
  row.reminders_sent = static_cast<int>(r.i64("reminders_sent"));
  row.next_reminder_at = r.opt_str("next_reminder_at");
  if (!r.is_null("submitted_files_version")) row.submitted_files_version = r.i64("submitted_files_version");
  row.history_seq = static_cast<int>(r.i64("history_seq"));
  row.history_head = r.opt_str("history_head").value_or("");
  return row;
}

const std::string& view_for(const Actor& actor) { return actor.role == Role::applicant ? kOwnView : kSubmittedView; }

// The declaration as `actor` is shown it, if it may be shown at all.
std::optional<Row> load_shown(db::Connection& c, const Actor& actor, const RegionCatalog& regions,
                              const std::string& id, Texts* texts) {
  auto r = c.query(std::string(view_for(actor)) + " WHERE d.id = ?", {id});
  if (!r.next()) return std::nullopt;
  auto row = read_row(r, texts);
  if (!shown(standing_in(c, actor, regions, row), row)) return std::nullopt;
  return row;
}

Standing standing_in(db::Connection& c, const Actor& actor, const RegionCatalog& regions, const Row& row) {
  auto s = standing(actor, regions, row);
  if (actor.role == Role::expert)
    s.assigned =
        c.query("SELECT 1 FROM panel_members WHERE declaration_id = ? AND expert_sub = ?", {row.id, actor.sub}).next();
  return s;
}

namespace {

cmd::Declaration reply(const Row& row, const RegionCatalog& regions) {
  return {row.id, row.version, row.to_json(regions)};
}

// One more member of the object in `object_text` whose value is JSON text already (a column as
// MariaDB keeps it, a list already serialised): appended, never parsed.
void append_member(std::string& object_text, std::string_view key, std::string_view value_text) {
  object_text.pop_back();  // the closing brace
  if (object_text.size() > 1) object_text += ',';
  object_text += json(key).dump();
  object_text += ':';
  object_text += value_text;
  object_text += '}';
}

std::string with_member(const json& j, std::string_view key, std::string_view value_text) {
  std::string out = j.dump(-1, ' ', false, json::error_handler_t::replace);
  append_member(out, key, value_text);
  return out;
}

db::Param tier_param(const std::optional<Tier>& t) { return t ? db::Param(name(*t)) : db::Param(nullptr); }
db::Param score_param(const json& score) { return score.is_null() ? db::Param(nullptr) : db::Param(score.dump()); }

}  // namespace

std::optional<std::string> created_under(db::Connection& c, std::string_view table, std::string_view id_column,
                                         const std::string& key, Clock::time_point now) {
  const std::string t(table), id(id_column);  // the callers' constants, never input
  const auto expired = db_time(now - std::chrono::hours(24));
  c.execute("UPDATE " + t + " SET request_key = NULL WHERE request_key = ? AND created_at < ?", {key, expired});
  auto r = c.query("SELECT " + id + " AS id FROM " + t + " WHERE request_key = ?", {key});
  if (!r.next()) return std::nullopt;
  return r.str("id");
}

HistoryEntry next_history(const Row& row, const Actor& actor, std::string_view action, std::optional<State> from,
                          State to, const std::string& comment, const std::string& at, const json& extra) {
  HistoryEntry e{row.id, row.history_seq + 1, {}, {}};
  auto entry =
      make_entry(e.seq, at, actor.to_json(), std::string(action), from ? std::string(name(*from)) : "",
                 std::string(name(to)), comment, row.history_seq == 0 ? kGenesisHash : row.history_head, extra);
  e.hash = entry["hash"].get<std::string>();
  entry.erase("hash");
  e.entry = entry.dump();
  return e;
}

void write_history(db::Connection& c, const HistoryEntry& e) {
  Deferred now;
  auto* later = GroupCommit::deferred();
  (later ? *later : now).history.add({e.declaration_id, e.seq, e.entry, e.hash});
  if (!later) now.write(c);
}

void append_history(db::Connection& c, const Row& row, const Actor& actor, std::string_view action,
                    std::optional<State> from, State to, const std::string& comment, const std::string& at,
                    const json& extra) {
  auto e = next_history(row, actor, action, from, to, comment, at, extra);
  c.execute("UPDATE declarations SET history_seq = ?, history_head = ? WHERE id = ?", {e.seq, e.hash, row.id});
  write_history(c, e);
}

namespace {

void save_version(db::Connection& c, const Row& d) {
  c.execute(
      "INSERT INTO declaration_versions (declaration_id, version, title, org_name, contact, payload, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
      {d.id, d.version, d.title, d.org_name ? db::Param(*d.org_name) : db::Param(nullptr), d.contact.to_json().dump(),
       d.payload.dump()});
}

// One content version as it was saved; none when there is no such version.
std::optional<Content> load_content(db::Connection& c, const std::string& id, int64_t version) {
  auto r = c.query(
      "SELECT title, org_name, contact, payload FROM declaration_versions WHERE declaration_id = ? AND version = ?",
      {id, version});
  if (!r.next()) return std::nullopt;
  return Content{r.str("title"), r.opt_str("org_name"), cmd::Contact::from_json(json::parse(r.str("contact"))),
                 json::parse(r.str("payload"))};
}

}  // namespace

void enqueue(db::Connection& c, const Actor& actor, const std::string& type, const Row& d, const json& data) {
  auto e = make_event(type, d.id, d.version, actor.to_json(), data);
  Deferred now;
  auto* later = GroupCommit::deferred();
  (later ? *later : now).events.add({e.id, e.declaration_id, e.subject(), e.to_json().dump()});
  if (!later) now.write(c);
}

namespace {

std::vector<scoring::Verdict> load_verdicts(db::Connection& c, const std::string& id) {
  std::vector<scoring::Verdict> out;
  for (auto r = c.query("SELECT tier, verified FROM verdicts WHERE declaration_id = ? ORDER BY seq", {id}); r.next();)
    out.push_back({r.str("tier"), json::parse(r.str("verified"))});
  return out;
}

// Narrows a query to a reviewer's jurisdiction (CONTRACT §2): its county, the counties of its
// city, or the whole province.
void restrict_to_jurisdiction(const Actor& reviewer, std::string& where, std::vector<db::Param>& params) {
  if (*reviewer.tier == Tier::county) {
    where += " AND d.region = ?";
    params.emplace_back(reviewer.region);
  } else if (*reviewer.tier == Tier::city) {
    where += " AND d.city = ?";
    params.emplace_back(reviewer.region);
  }
}

bool valid_jurisdiction(const Actor& reviewer, const RegionCatalog& regions) {
  return reviewer.tier && regions.valid_for_tier(name(*reviewer.tier), reviewer.region);
}

// The commands that can take or free a place in a round (quota.hpp: may_move_a_place).
template <class C>
constexpr bool kMayMoveAPlace = std::is_same_v<C, cmd::SubmitDeclaration> || std::is_same_v<C, cmd::DecideDeclaration>;

// The declaration's round under its lock when the command may move a place there. Places change
// only under the round row's lock, taken before the declaration's (the order the ranking takes
// too), so two city approvals of the last place cannot both find it free. A plain read: the
// declaration's lock comes after.
std::optional<Decision> decision_of(const cmd::SubmitDeclaration&) { return std::nullopt; }
std::optional<Decision> decision_of(const cmd::DecideDeclaration& command) { return command.decision; }

std::optional<RoundRow> lock_round_if_places_may_move(db::Connection& c, const std::string& id,
                                                      std::optional<Decision> decision) {
  auto r = c.query("SELECT round_id, state, returned_by FROM declarations WHERE id = ?", {id});
  if (!r.next()) return std::nullopt;
  const auto state = parse_state(r.str("state"));
  const auto returned_by = r.is_null("returned_by") ? std::nullopt : parse_tier(r.str("returned_by"));
  if (!state || !may_move_a_place(*state, returned_by, decision)) return std::nullopt;
  return load_round(c, r.str("round_id"), true);
}

// A new recommendation is ranked last; a freed place takes its rank away and closes the gap. Runs
// under the round's lock (perform takes it for every change that moves a place).
void move_place(db::Connection& c, const Change& change) {
  const Row& d = change.row;
  switch (place_change(change.from, d.state)) {
    case Place::keep: return;
    case Place::take: {
      // Only recommendations carry a rank: the newest rank of the city is the index's last entry.
      auto r = c.query(
          "SELECT COALESCE(MAX(recommendation_rank), 0) + 1 AS n FROM declarations FORCE INDEX (idx_declarations_rank) "
          "WHERE round_id = ? AND city = ?",
          {d.round, d.city});
      r.next();
      c.execute("UPDATE declarations SET recommendation_rank = ? WHERE id = ?", {r.i64("n"), d.id});
      return;
    }
    case Place::free:
      c.execute("UPDATE declarations SET recommendation_rank = NULL WHERE id = ?", {d.id});
      if (d.recommendation_rank)
        c.execute(
            "UPDATE declarations SET recommendation_rank = recommendation_rank - 1 "
            "WHERE round_id = ? AND city = ? AND recommendation_rank > ?",
            {d.round, d.city, *d.recommendation_rank});
      return;
  }
}

}  // namespace

std::optional<Row> lock_row(db::Connection& c, const std::string& id) { return load(c, id); }

std::optional<Row> shown_row(db::Connection& c, const Actor& actor, const RegionCatalog& regions,
                             const std::string& id) {
  return load_shown(c, actor, regions, id);
}

int recommended_in(db::Connection& c, const std::string& round, const std::string& city) {
  auto r = c.query(std::string("SELECT COUNT(*) AS n FROM declarations WHERE round_id = ? AND city = ? AND state IN ") +
                       kRecommendedStatesSql,
                   {round, city});
  r.next();
  return static_cast<int>(r.i64("n"));
}

void apply(db::Connection& c, const Change& change) {
  const Row& d = change.row;
  // A new content version first: a submit's row names the newest one (the write is guarded below
  // either way, and the transaction undone if it fails).
  if (change.content_changed) save_version(c, d);
  auto history_extra = change.history_extra;
  if (change.submits)  // the files listed now are the submitted version's (CONTRACT §7)
    if (auto files = freeze_files(c, d.id, d.version, d.submitted_files_version))
      history_extra["files"] = std::move(*files);
  // The entry is at the change's time (the workflow's clock), as the row's updated_at is; the row
  // keeps the chain's new head.
  const auto entry = next_history(d, change.actor, name(change.action), change.from, d.state, change.comment,
                                  *rfc3339_of_db_time(d.updated_at), history_extra);
  // Only what changed is written, in one statement: a decision does not send the 10 KB payload back.
  std::string sql =
      "UPDATE declarations SET state = ?, version = ?, returned_by = ?, decided = ?, publicity_ends_at = ?, "
      "arrived_at = ?, due_at = ?, reminders_sent = ?, next_reminder_at = ?, valid_until = ?, updated_at = ?, "
      "history_seq = ?, history_head = ?";
  std::vector<db::Param> params{
      name(d.state), d.version,        tier_param(d.returned_by), d.decided,     d.publicity_ends_at, d.arrived_at,
      d.due_at,      d.reminders_sent, d.next_reminder_at,        d.valid_until, d.updated_at,        entry.seq,
      entry.hash};
  if (change.content_changed) {
    sql += ", title = ?, org_name = ?, contact = ?, payload = ?";
    params.insert(params.end(), {d.title, d.org_name ? db::Param(*d.org_name) : db::Param(nullptr),
                                 d.contact.to_json().dump(), d.payload.dump()});
  }
  if (change.rescored) {
    sql += ", score = ?, score_version = ?";
    params.insert(params.end(), {score_param(d.score), d.score_version});
  }
  if (change.submits) {
    // Reviewers see the newest content from now on, and the files frozen now (freeze_files above
    // keyed them by this version of the declaration).
    sql +=
        ", submitted_version = (SELECT MAX(version) FROM declaration_versions WHERE declaration_id = ?), "
        "submitted_files_version = ?";
    params.insert(params.end(), {d.id, d.version});
  }
  if (change.submits || (change.verdict && change.rescored)) {  // the content reviewers see is the row's
    sql += ", submitted_score = ?, submitted_score_version = ?, level_reached = ?";
    params.insert(params.end(), {score_param(d.score), d.score_version, change.level});
  }
  params.insert(params.end(), {d.id, change.planned_on});
  const auto changed = c.execute(sql + " WHERE id = ? AND version = ?", params);
  // The row is locked while planned, so this holds; if it ever did not, nothing is written.
  if (changed != 1) throw Error(ErrorSource::database, "declaration " + d.id + " changed while planned");
  if (change.submits)  // the same newest version, marked where the diff reads it, with when and its files
    c.execute(
        "UPDATE declaration_versions SET submitted = TRUE, submitted_at = ?, files_version = ? "
        "WHERE declaration_id = ? ORDER BY version DESC LIMIT 1",
        {d.updated_at, d.version, d.id});
  if (change.verdict)
    c.execute(
        "INSERT INTO verdicts (declaration_id, seq, tier, verified, decided_at) SELECT ?, COALESCE(MAX(seq), 0) + 1, "
        "?, ?, UTC_TIMESTAMP(6) FROM verdicts WHERE declaration_id = ?",
        {d.id, tier_param(change.actor.tier), change.verdict->dump(), d.id});
  move_place(c, change);
  // The entry, the event and the counts are written last (in a batch, at its end: group_commit.hpp),
  // so that the count's row (shared by a county's changes) is locked for the least time.
  write_history(c, entry);
  enqueue(c, change.actor, change.event_type, d, change.event_data);
  Deferred now;
  auto* later = GroupCommit::deferred();
  auto counted = count_deltas(d, change.from);
  auto& counts = (later ? *later : now).counts;
  counts.insert(counts.end(), counted.begin(), counted.end());
  if (!later) now.write(c);
}

void recount_queues(db::Pool& pool) {
  db::transaction(pool, [](db::Connection& c) {
    c.execute("DELETE FROM queue_counts");
    c.execute(
        "INSERT INTO queue_counts (state, region, slot, city, n) SELECT state, region, 0, city, COUNT(*) "
        "FROM declarations WHERE state IN ('county_review', 'city_review', 'province_review') "
        "GROUP BY state, region, city");
  });
}

Workflow::Workflow(db::Pool& pool, const scoring::Scorer& scorer, const RegionCatalog& regions,
                   const WorkingDays& calendar, Settings settings, std::function<void()> outbox_written)
    : pool_(pool),
      scorer_(scorer),
      regions_(regions),
      calendar_(calendar),
      settings_(settings),
      commits_(pool, settings.commit_lanes, settings.commit_batch),
      outbox_written_(std::move(outbox_written)) {}

Circumstances Workflow::circumstances(db::Connection& c, const Row& row, std::optional<RoundRow> locked) const {
  const bool counted = locked.has_value();
  Circumstances given{scorer_, load_verdicts(c, row.id), now(), counted ? std::move(locked) : load_round(c, row.round),
                      &calendar_};
  // Counted when the round sets quotas (exact: every taker holds the lock); without, nothing to check.
  if (counted && !given.round->quotas.empty()) given.recommended = recommended_in(c, row.round, row.city);
  if (row.state == State::province_review) given.panel_pending = panel_holds(c, row.id, given.now);
  if (row.state == State::publicity) given.open_objections = open_objections(c, row.id);
  return given;
}

Result<cmd::Declaration> Workflow::create(const cmd::CreateDeclaration& command) {
  const auto at = now();
  // The declaration this request created already (a re-run after its gateway died), as it is now.
  auto created_before = [&]() -> std::optional<Result<cmd::Declaration>> {
    if (!command.request_key) return std::nullopt;
    auto c = pool_.acquire();
    auto id = created_under(*c, "declarations", "id", *command.request_key, at);
    if (!id) return std::nullopt;
    auto row = load_shown(*c, command.actor, regions_, *id);
    if (!row) return Result<cmd::Declaration>(refuse(Problem::not_found(kNoSuchDeclaration)));  // not the caller's
    return Result<cmd::Declaration>(reply(*row, regions_));
  };
  if (auto before = created_before()) return std::move(*before);

  std::optional<RoundRow> round;
  {
    auto c = pool_.acquire();
    round = load_round(*c, command.round);
  }
  if (!round) return refuse(Problem::invalid("/round", {"no such round", "申报批次不存在"}));
  auto planned = plan_create(command.actor, command, *round, scorer_, regions_, at);
  if (!planned) return refuse(std::move(planned.error()));
  Row d = std::move(*planned);
  d.id = crypto::uuid_v7();

  // The number is taken in a short transaction of its own, so that the sequence row of a busy
  // county is not locked for the whole creation (a failed creation leaves a gap, not a duplicate;
  // so does a twin under the same request key that loses the race below).
  {
    auto c = pool_.acquire();
    int year = year_in_china(at);
    c->execute(
        "INSERT INTO number_sequences (kind, year, region, last_value) VALUES (?, ?, ?, LAST_INSERT_ID(1)) "
        "ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1)",
        {name(d.kind), year, d.region});
    auto seq = c->query("SELECT LAST_INSERT_ID() AS n");
    seq.next();
    char number[40];
    std::snprintf(number, sizeof number, "%s-%d-%s-%06lld", d.kind == Kind::morning_star ? "MSF" : "IBR", year,
                  d.region.c_str(), static_cast<long long>(seq.i64("n")));
    d.number = number;
  }
  d.created_at = d.updated_at = db_time(at);

  // The first entry of its history, whose hash the row keeps as the chain's head.
  const auto first =
      next_history(d, command.actor, "create", std::nullopt, State::draft, "", *rfc3339_of_db_time(d.created_at));

  std::optional<Result<cmd::Declaration>> created;
  try {
    created = Result<cmd::Declaration>(commits_.transaction([&](db::Connection& c) {
      c.execute(
          "INSERT INTO declarations (id, number, kind, round_id, org, org_name, region, city, title, contact, payload, "
          "state, version, score, score_version, created_by, created_at, updated_at, request_key, history_seq, "
          "history_head) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 1, ?, ?, ?, ?, ?, ?, ?, ?)",
          {d.id, d.number, name(d.kind), d.round, d.org, d.org_name ? db::Param(*d.org_name) : db::Param(nullptr),
           d.region, d.city, d.title, d.contact.to_json().dump(), d.payload.dump(), score_param(d.score),
           d.score_version, command.actor.sub, d.created_at, d.updated_at, command.request_key, first.seq, first.hash});
      save_version(c, d);
      write_history(c, first);
      enqueue(c, command.actor, "declaration.created", d, event_data(d, std::nullopt));
      return reply(d, regions_);
    }));
  } catch (const std::exception& e) {
    // A twin under the same request key committed first (the only other unique key is the number's):
    // its declaration is this request's too.
    if (!command.request_key || !db::is_duplicate_key(e)) throw;
    if (auto before = created_before()) return std::move(*before);
    throw;
  }
  if (outbox_written_) outbox_written_();
  return std::move(*created);
}

template <class C>
Result<cmd::Declaration> Workflow::perform(const C& command) {
  auto transition = [&](db::Connection& c) -> Result<cmd::Declaration> {
    std::optional<RoundRow> locked;
    // A decision reads ahead whether to lock the round first. A submit almost never moves a place
    // (only a resubmission after the province's return does): it locks the round after the row
    // when it must, and a deadlock that order might meet is retried.
    if constexpr (std::is_same_v<C, cmd::DecideDeclaration>)
      locked = lock_round_if_places_may_move(c, command.id, decision_of(command));
    auto row = load(c, command.id);
    if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
    if constexpr (kMayMoveAPlace<C>)  // it moved on between the two reads: lock now (a deadlock is retried)
      if (!locked && may_move_a_place(row->state, row->returned_by, decision_of(command)))
        locked = load_round(c, row->round, true);
    auto given = circumstances(c, *row, locked);
    if constexpr (std::is_same_v<C, cmd::SubmitDeclaration>)
      if (row->state == State::returned && row->submitted_version)
        given.last_submitted = load_content(c, row->id, *row->submitted_version);
    auto change = plan(*row, standing_in(c, command.actor, regions_, *row), command, given);
    if (!change) return refuse(std::move(change.error()));
    apply(c, *change);
    if (command.actor.role == Role::applicant) {
      change->row.recommendation_rank.reset();  // the city's ranking is for reviewers
      return reply(change->row, regions_);
    }
    return reply(*load_shown(c, command.actor, regions_, row->id), regions_);  // the submitted content
  };
  auto done = [&] {
    if constexpr (requires { command.request_key; })  // a change a retry may repeat (replies.hpp)
      return once_per_key(pool_, commits_, command, command.id, now(), transition);
    else
      return commits_.transaction(transition);
  }();
  if (done && outbox_written_) outbox_written_();
  return done;
}

int Workflow::purge_expired_replies() { return purge_replies(pool_, now()); }

Result<cmd::Declaration> Workflow::update(const cmd::UpdateDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::submit(const cmd::SubmitDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::withdraw(const cmd::WithdrawDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::decide(const cmd::DecideDeclaration& command) { return perform(command); }

Result<cmd::Serialized> Workflow::get(const cmd::GetDeclaration& command) {
  auto lease = pool_.acquire();
  Texts texts;  // the payload and score as MariaDB keeps them, passed into the reply unparsed
  auto d = load_shown(*lease, command.actor, regions_, command.id, &texts);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  auto body = d->to_json(regions_);
  body.erase("payload");
  body.erase("score");
  body["verdicts"] = json::array();
  for (auto r = lease->query("SELECT tier, verified, decided_at FROM verdicts WHERE declaration_id = ? ORDER BY seq",
                             {d->id});
       r.next();)
    body["verdicts"].push_back({{"tier", r.str("tier")},
                                {"verified", json::parse(r.str("verified"))},
                                {"decided_at", api_time(r.str("decided_at"))}});
  body["publicity_hold"] = d->state == State::publicity ? publicity_hold(open_objections(*lease, d->id)) : json();
  auto text = with_member(body, "payload", texts.payload);
  append_member(text, "score", texts.score);
  return cmd::Serialized{d->id, d->version, std::move(text)};
}

Result<cmd::Document> Workflow::list(const cmd::ListDeclarations& command) {
  const Actor& actor = command.actor;
  std::string where = " WHERE 1 = 1";
  std::vector<db::Param> params;
  // Visibility first: the caller never sees a row outside its org or jurisdiction.
  switch (actor.role) {
    case Role::applicant:
      where += " AND d.org = ?";
      params.emplace_back(actor.org);
      break;
    case Role::reviewer:
      if (!valid_jurisdiction(actor, regions_))
        return cmd::Document{{{"items", json::array()}, {"next_cursor", nullptr}}};
      restrict_to_jurisdiction(actor, where, params);
      break;
    case Role::expert:  // the declarations on its panels (CONTRACT §8)
      where += " AND d.id IN (SELECT declaration_id FROM panel_members WHERE expert_sub = ?)";
      params.emplace_back(actor.sub);
      break;
    case Role::admin: break;
    case Role::system: return refuse(Problem::forbidden({"Not for the system", "不供系统调用"}));
  }
  if (command.state) {
    where += " AND d.state = ?";
    params.emplace_back(name(*command.state));
  }
  if (command.kind) {
    where += " AND d.kind = ?";
    params.emplace_back(name(*command.kind));
  }
  if (command.valid_until_before) {  // ratings expiring (CONTRACT §6); only approved ones have a validity
    where += " AND d.state = 'approved' AND d.valid_until < ?";
    params.emplace_back(*command.valid_until_before);
  }

  return page(actor, std::move(where), std::move(params), command.limit, command.cursor);
}

Result<Workflow::QueueStatements> Workflow::pending_statements(const cmd::PendingReviews& command,
                                                               std::chrono::system_clock::time_point now) const {
  auto query = queue_query(command, regions_, now);
  if (!query) return refuse(std::move(query.error()));
  QueueStatements s;
  // The total of every page: without filters the queue's counts (queue_counts), else the rows
  // matching the filters, counted on the queue indexes alone (a row at a tier has been
  // submitted, so the view's join would not change the count).
  s.count = query->counted ? std::move(*query->counted)
                           : Statement{"SELECT COUNT(*) AS n FROM declarations d FORCE INDEX (" + query->count_index +
                                           ")" + query->where,
                                       query->params};
  if (command.cursor) after(*query, *command.cursor);
  query->params.emplace_back(command.limit + 1);
  // The page's ids from the index alone (it holds every column the filters read), then their rows:
  // an escalated page sorts its index entries, never thousands of whole rows.
  const std::string order = " ORDER BY " + query->key + ", d.id";
  s.page = {kQueueSelect.substr(0, kQueueSelect.rfind(" FROM ")) +
                " FROM (SELECT d.id FROM declarations d FORCE INDEX (" + query->page_index + ")" + query->where +
                order + " LIMIT ?) page JOIN declarations d ON d.id = page.id" + kSubmittedJoin,
            std::move(query->params)};
  return s;
}

Result<cmd::Serialized> Workflow::pending(const cmd::PendingReviews& command) {
  const Actor& actor = command.actor;
  if (actor.role != Role::reviewer) return refuse(Problem::forbidden(kOnlyReviewersQueue));
  if (!valid_jurisdiction(actor, regions_))
    return cmd::serialized(cmd::Document{{{"items", json::array()}, {"next_cursor", nullptr}, {"total", 0}}});
  const auto now = this->now();  // workflow's clock, as the deadlines were set on
  auto statements = pending_statements(command, now);
  if (!statements) return refuse(std::move(statements.error()));
  auto lease = pool_.acquire();
  auto rows = lease->query(statements->page.sql, statements->page.params);
  struct Entry {
    PageCursor key;
    Row row;
    Texts texts;  // the submitted score's text, passed into the item as it is (the payload is '{}')
  };
  // The page's rows in its order, sorted here: sorting them in SQL would put rows with JSON
  // columns in a temporary table on disk (MariaDB keeps no BLOB in a memory one) for every page.
  std::vector<Entry> page;
  while (rows.next()) {
    Entry e;
    e.row = read_row(rows, &e.texts);
    // What queue_item reads of the score: its claim (晨星工厂) or total (产业大脑), as MariaDB read them.
    e.row.score = json::object();
    if (!rows.is_null("score_claimed_level"))
      e.row.score["claimed_level"] = json::parse(rows.str("score_claimed_level"), nullptr, false);
    if (!rows.is_null("score_total")) e.row.score["total"] = json::parse(rows.str("score_total"), nullptr, false);
    e.key = cursor_of(e.row, command.sort);
    page.push_back(std::move(e));
  }
  std::sort(page.begin(), page.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key.time, a.key.id) < std::tie(b.key.time, b.key.id);
  });
  std::string items = "[";
  std::optional<std::string> next;
  int n = 0;
  for (const auto& e : page) {
    if (++n > command.limit) {
      next = encode_cursor(page[static_cast<size_t>(command.limit) - 1].key);
      break;
    }
    auto item = queue_item(e.row, regions_, calendar_, *actor.tier, now);
    item.erase("score");
    if (n > 1) items += ',';
    items += with_member(item, "score", e.texts.score);
  }
  items += ']';
  // A first page that is the whole queue is its total: a search that finds a few (or none) scans
  // the queue once, not twice. Otherwise the matches of every page are counted.
  int64_t total = static_cast<int64_t>(page.size());  // all of it, unless there is a next page
  if (command.cursor || next) {
    auto counted = lease->query(statements->count.sql, statements->count.params);
    counted.next();
    total = counted.i64("n");
  }
  return cmd::Serialized{
      "", 0, with_member(json{{"next_cursor", next ? json(*next) : json(nullptr)}, {"total", total}}, "items", items)};
}

// One page of the caller's view, newest first.
Result<cmd::Document> Workflow::page(const Actor& actor, std::string where, std::vector<db::Param> params, int limit,
                                     const std::optional<PageCursor>& cursor) {
  if (cursor) {
    where += " AND (d.created_at < ? OR (d.created_at = ? AND d.id < ?))";
    params.emplace_back(cursor->time);
    params.emplace_back(cursor->time);
    params.emplace_back(cursor->id);
  }
  params.emplace_back(limit + 1);
  auto lease = pool_.acquire();
  auto rows = lease->query(view_for(actor) + where + " ORDER BY d.created_at DESC, d.id DESC LIMIT ?", params);
  json items = json::array();
  std::optional<std::string> next;
  int n = 0;
  PageCursor last;
  while (rows.next()) {
    if (++n > limit) {
      next = encode_cursor(last);
      break;
    }
    auto d = read_row(rows);
    last = {d.created_at, d.id, ""};
    items.push_back(d.to_json(regions_));
  }
  return cmd::Document{{{"items", items}, {"next_cursor", next ? json(*next) : json(nullptr)}}};
}

Result<cmd::Document> Workflow::history(const cmd::DeclarationHistory& command) {
  auto lease = pool_.acquire();
  auto d = load_shown(*lease, command.actor, regions_, command.id);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  // Reviewers get the whole chain, edits after a return included: its entries are actions, not content.
  std::vector<json> entries;
  for (auto r =
           lease->query("SELECT entry, hash FROM declaration_history WHERE declaration_id = ? ORDER BY seq", {d->id});
       r.next();) {
    auto e = json::parse(r.str("entry"));
    e["hash"] = r.str("hash");
    entries.push_back(std::move(e));
  }
  int broken = first_broken_link(entries);
  return cmd::Document{{{"items", entries},
                        {"chain_valid", broken < 0},
                        {"first_broken_seq", broken < 0 ? json(nullptr) : json(broken)}}};
}

Result<cmd::Empty> Workflow::remove(const cmd::DeleteDeclaration& command) {
  auto done = db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Empty> {
    auto row = load(c, command.id);
    if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
    auto planned = plan_delete(*row, standing_in(c, command.actor, regions_, *row), command);
    if (!planned) return refuse(std::move(planned.error()));
    // The audit keeps the number, who deleted it and the head of its chain; the draft's content,
    // which no reviewer ever saw, goes with its versions and history.
    const int entries = row->history_seq;  // seq counts from 1 without gaps
    const std::string head = entries == 0 ? kGenesisHash : row->history_head;
    c.execute(
        "INSERT INTO deleted_declarations (id, number, kind, round_id, org, region, version, history_entries, "
        "history_head, created_by, created_at, deleted_by, deleted_at) "
        "SELECT id, number, kind, round_id, org, region, version, ?, ?, created_by, created_at, ?, ? "
        "FROM declarations WHERE id = ?",
        {entries, head, command.actor.sub, db_time(now()), row->id});
    for (const char* table : {"declaration_history", "declaration_versions", "verdicts", "declaration_files",
                              "declaration_submission_files"})
      c.execute(std::string("DELETE FROM ") + table + " WHERE declaration_id = ?", {row->id});
    c.execute("DELETE FROM declarations WHERE id = ? AND version = ?", {row->id, row->version});
    Row gone = *planned;
    gone.version = row->version + 1;  // the event describes the change after the last version
    enqueue(c, command.actor, "declaration.deleted", gone, deleted_event_data(gone));
    return cmd::Empty{};
  });
  if (done && outbox_written_) outbox_written_();
  return done;
}

namespace {
// A declaration's content versions, oldest first: (version, submitted).
std::vector<std::pair<int64_t, bool>> content_versions(db::Connection& c, const std::string& id) {
  std::vector<std::pair<int64_t, bool>> out;
  for (auto r = c.query("SELECT version, submitted FROM declaration_versions WHERE declaration_id = ? ORDER BY version",
                        {id});
       r.next();)
    out.emplace_back(r.i64("version"), r.i64("submitted") != 0);
  return out;
}

// The content version in force at declaration version `v`: the newest saved at or before it.
std::optional<std::pair<int64_t, bool>> in_force_at(const std::vector<std::pair<int64_t, bool>>& versions, int64_t v) {
  std::optional<std::pair<int64_t, bool>> out;
  for (const auto& cv : versions)
    if (cv.first <= v) out = cv;
  return out;
}

// The newest submitted content version before `v`, if any.
std::optional<int64_t> submitted_before(const std::vector<std::pair<int64_t, bool>>& versions, int64_t v) {
  std::optional<int64_t> out;
  for (const auto& [version, submitted] : versions)
    if (submitted && version < v) out = version;
  return out;
}

const Text kNoSuchVersion{"No such version", "该版本不存在或不可查看"};
}  // namespace

Result<cmd::Document> Workflow::diff(const cmd::DeclarationDiff& command) {
  auto lease = pool_.acquire();
  auto d = load_shown(*lease, command.actor, regions_, command.id);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  const bool owner = command.actor.role == Role::applicant;  // shown, so its own
  const auto versions = content_versions(*lease, d->id);
  // A version the caller may see: any of the applicant's; reviewers' and admins', those submitted (CONTRACT §2).
  auto visible = [&](int64_t v) -> std::optional<int64_t> {
    if (v > d->version) return std::nullopt;
    auto cv = in_force_at(versions, v);
    if (!cv || (!owner && !cv->second)) return std::nullopt;
    return cv->first;
  };
  std::optional<int64_t> to;
  if (command.to) {
    to = visible(*command.to);
  } else if (!versions.empty()) {
    to = owner ? versions.back().first : d->submitted_version;
  }
  if (!to) return refuse(Problem::not_found(kNoSuchVersion));
  std::optional<int64_t> from;
  if (command.from) {
    if (*command.from > command.to.value_or(*to))
      return refuse(Problem::invalid("/query/from", {"must not be after to", "起始版本不能晚于结束版本"}));
    from = visible(*command.from);
    if (!from) return refuse(Problem::not_found(kNoSuchVersion));
  } else {
    from = submitted_before(versions, *to);  // the version returned, before the one compared
  }
  json changes = json::array();
  if (from) {
    auto before = load_content(*lease, d->id, *from);
    auto after = load_content(*lease, d->id, *to);
    if (!before || !after) return refuse(Problem::not_found(kNoSuchVersion));
    for (const auto& change : content_changes(d->kind, *before, *after)) changes.push_back(change.to_json());
  }
  return cmd::Document{{{"from", from ? json(*from) : json(nullptr)}, {"to", *to}, {"changes", std::move(changes)}}};
}

Result<cmd::Document> Workflow::stats(const cmd::Statistics& command) {
  const Actor& actor = command.actor;
  std::string where = " WHERE d.submitted_version IS NOT NULL";  // submitted declarations only (CONTRACT §2)
  std::vector<db::Param> params;
  if (actor.role == Role::reviewer) {
    if (!valid_jurisdiction(actor, regions_)) return refuse(Problem::forbidden({"No jurisdiction", "没有管辖区域"}));
    restrict_to_jurisdiction(actor, where, params);
  } else if (actor.role != Role::admin) {
    return refuse(Problem::forbidden({"Statistics are for reviewers and admins", "统计数据仅供审核人员和管理员查看"}));
  }
  auto lease = pool_.acquire();
  std::optional<RoundRow> round;
  if (command.round) {
    round = load_round(*lease, *command.round);
    if (!round) return refuse(Problem::not_found({"No such round", "申报批次不存在"}));
    where += " AND d.round_id = ?";
    params.emplace_back(round->id);
  }
  // One pass over the round index's entries (migration 0015), summed here four ways.
  json by_state = json::object(), by_kind = json::object(), by_city = json::object(), levels = json::object();
  auto add = [](json& to, const std::string& key, int64_t n) { to[key] = to.value(key, int64_t{0}) + n; };
  for (auto r = lease->query("SELECT d.state, d.kind, d.city, d.level_reached, COUNT(*) AS n FROM declarations d "
                             "FORCE INDEX (idx_declarations_round_city)" +
                                 where + " GROUP BY d.state, d.kind, d.city, d.level_reached",
                             params);
       r.next();) {
    const int64_t n = r.i64("n");
    add(by_state, r.str("state"), n);
    add(by_kind, r.str("kind"), n);
    auto& city = by_city[r.str("city")];
    if (city.is_null()) city = {{"name", regions_.name_of(r.str("city"))}};
    add(city, "count", n);
    if (r.str("kind") == "morning_star") add(levels, r.is_null("level_reached") ? "none" : r.str("level_reached"), n);
  }
  json out{{"by_state", std::move(by_state)},
           {"by_kind", std::move(by_kind)},
           {"by_city", std::move(by_city)},
           {"morning_star_levels", std::move(levels)}};
  if (round) out["round"] = round_figures(*lease, actor, *round, out["by_state"]);
  return cmd::Document{std::move(out)};
}

// The figures of one round in the caller's jurisdiction (issue 16): declared (drafts included, a
// count only), submitted, at each tier, recommended per city against its quota, approved per level.
json Workflow::round_figures(db::Connection& c, const Actor& actor, const RoundRow& round, const json& by_state) const {
  std::string where = " WHERE d.round_id = ?";
  std::vector<db::Param> params{round.id};
  if (actor.role == Role::reviewer) restrict_to_jurisdiction(actor, where, params);
  auto r = c.query("SELECT COUNT(*) AS declared, COUNT(d.submitted_version) AS submitted FROM declarations d" + where,
                   params);
  r.next();
  json at_tier = json::object();
  for (const char* s : {"county_review", "city_review", "province_review"}) at_tier[s] = by_state.value(s, 0);
  json recommended = json::object();
  for (auto q = c.query("SELECT d.city, COUNT(*) AS n FROM declarations d" + where + " AND d.state IN " +
                            kRecommendedStatesSql + " GROUP BY d.city",
                        params);
       q.next();)
    recommended[q.str("city")] = {{"recommended", q.i64("n")}, {"quota", nullptr}};
  // The quotas of the cities the caller oversees, used or not.
  for (const auto& [city, n] : round.quotas)
    if (actor.role == Role::admin || *actor.tier == Tier::province ||
        (*actor.tier == Tier::city && actor.region == city) ||
        (*actor.tier == Tier::county && regions_.city_of(actor.region) == city)) {
      if (!recommended.contains(city)) recommended[city] = {{"recommended", 0}};
      recommended[city]["quota"] = n;
    }
  for (auto& [city, v] : recommended.items()) v["name"] = regions_.name_of(city);
  json approved = json::object();
  for (auto q = c.query("SELECT d.level_reached AS k, COUNT(*) AS n FROM declarations d" + where +
                            " AND d.state = 'approved' AND d.kind = 'morning_star' GROUP BY d.level_reached",
                        params);
       q.next();)
    approved[q.is_null("k") ? "none" : q.str("k")] = q.i64("n");
  return {{"id", round.id},     {"declared", r.i64("declared")}, {"submitted", r.i64("submitted")},
          {"at_tier", at_tier}, {"recommended", recommended},    {"approved_by_level", approved}};
}

namespace {
// The ids a timer has due: selected without a lock, each then planned again under its row lock, so
// that of several instances (or passes) exactly one acts on it.
std::vector<std::string> due_ids(db::Pool& pool, const std::string& sql, const std::vector<db::Param>& params) {
  std::vector<std::string> ids;
  auto lease = pool.acquire();
  for (auto r = lease->query(sql, params); r.next();) ids.push_back(r.str("id"));
  return ids;
}
}  // namespace

int Workflow::end_due_publicity() {
  int ended = 0;
  for (const auto& id : due_ids(pool_,
                                "SELECT id FROM declarations d WHERE state = 'publicity' AND publicity_ends_at <= ? "
                                "AND NOT EXISTS (SELECT 1 FROM objections o WHERE o.declaration_id = d.id AND "
                                "o.state = 'open') ORDER BY publicity_ends_at LIMIT 100",
                                {db_time(now())})) {
    // Planned again under the row lock: another instance may have ended it in between.
    bool done = db::transaction(pool_, [&](db::Connection& c) {
      auto row = load(c, id);
      if (!row) return false;
      Circumstances given{scorer_, {}, now(), load_round(c, row->round), &calendar_};
      given.open_objections = open_objections(c, row->id);  // one filed since the selection holds it
      auto change = plan_end_publicity(*row, given);
      if (!change) return false;
      apply(c, *change);
      return true;
    });
    ended += done ? 1 : 0;
  }
  if (ended > 0 && outbox_written_) outbox_written_();
  return ended;
}

int Workflow::send_due_reminders() {
  int sent = 0;
  for (const auto& id : due_ids(pool_,
                                "SELECT id FROM declarations WHERE next_reminder_at <= ? ORDER BY next_reminder_at "
                                "LIMIT 100",
                                {db_time(now())})) {
    // The stage advances in the transaction that writes the event: a reminder is sent once.
    bool done = db::transaction(pool_, [&](db::Connection& c) {
      auto row = load(c, id);
      auto reminder = row ? plan_reminder(*row, now()) : std::nullopt;
      if (!reminder) return false;
      const Row& d = reminder->row;
      c.execute("UPDATE declarations SET reminders_sent = ?, next_reminder_at = ? WHERE id = ?",
                {d.reminders_sent, d.next_reminder_at, d.id});
      // Not a step of the declaration: no history entry, no new version; the event log keeps it.
      if (reminder->event_type) enqueue(c, Actor::system("workflow"), *reminder->event_type, d, reminder->event_data);
      return reminder->event_type.has_value();
    });
    sent += done ? 1 : 0;
  }
  if (sent > 0 && outbox_written_) outbox_written_();
  return sent;
}

int Workflow::fix_open_deadlines() {
  int fixed = 0;
  std::string after;  // keyset over the open ones: those still unknown do not hide the rest
  for (;;) {
    auto ids = due_ids(pool_,
                       "SELECT id FROM declarations WHERE id > ? AND ((state IN ('county_review', 'city_review', "
                       "'province_review') AND due_at IS NULL) OR (state = 'publicity' AND publicity_ends_at IS "
                       "NULL)) ORDER BY id LIMIT 100",
                       {after});
    if (ids.empty()) break;
    after = ids.back();
    for (const auto& id : ids)
      fixed += db::transaction(pool_, [&](db::Connection& c) {
        auto row = load(c, id);
        auto open = row ? plan_open_deadline(*row, load_round(c, row->round), calendar_) : std::nullopt;
        if (!open) return 0;
        // A date now known, not a step: the version (and so the ETag) stays.
        c.execute(
            "UPDATE declarations SET arrived_at = ?, due_at = ?, reminders_sent = ?, next_reminder_at = ?, "
            "publicity_ends_at = ? WHERE id = ?",
            {open->arrived_at, open->due_at, open->reminders_sent, open->next_reminder_at, open->publicity_ends_at,
             open->id});
        return 1;
      });
  }
  return fixed;
}

}  // namespace sdp::workflow
