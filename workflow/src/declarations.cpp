#include "declarations.hpp"

#include <chrono>
#include <ctime>

#include "history.hpp"
#include "queue.hpp"
#include "rounds.hpp"
#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"
#include "sdp/error.hpp"
#include "sdp/event.hpp"
#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, number, kind, round_id, org, org_name, region, city, title, contact, payload, state, version, returned_by, "
    "decided, "
    "publicity_ends_at, arrived_at, due_at, score, score_version, created_at, updated_at, submitted_version";

// A declaration as a caller is shown it (CONTRACT §2): its applicant, the row as it is; reviewers and
// admins, the content and score last submitted, and nothing of one never submitted (the join finds
// no version for it). Queries after these name the declarations' columns as d.<column>.
const std::string kOwnView =
    "SELECT d.id, d.number, d.kind, d.round_id, d.org, d.org_name, d.region, d.city, d.title, d.contact, d.payload, "
    "d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.arrived_at, d.due_at, d.score, d.score_version, d.created_at, "
    "d.updated_at, "
    "d.submitted_version FROM declarations d";
// The submitted view's select and join, apart, so that a query can name the index of d between them.
const std::string kSubmittedSelect =
    "SELECT d.id, d.number, d.kind, d.round_id, d.org, d.org_name, d.region, d.city, v.title, v.contact, v.payload, "
    "d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.arrived_at, d.due_at, d.submitted_score AS score, "
    "d.submitted_score_version AS "
    "score_version, d.created_at, d.updated_at, d.submitted_version FROM declarations d";
const std::string kSubmittedJoin =
    " JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.submitted_version";
const std::string kSubmittedView = kSubmittedSelect + kSubmittedJoin;
// A queue item is a list row, not the content to review (GET /v1/declarations/{id} has that): of
// the payload it carries only the claimed level, so a page of 20 is not 150 KB to parse and send.
const std::string kQueueSelect = [] {
  std::string select = kSubmittedSelect;
  select.replace(select.find("v.payload"), 9,
                 "JSON_OBJECT('claimed_level', JSON_EXTRACT(v.payload, '$.claimed_level')) AS payload");
  return select;
}();

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kOnlyReviewersQueue{"Only reviewers have a pending queue", "只有审核人员有待审队列"};

// The year of "now" in China Standard Time, for declaration numbers.
int year_in_china() {
  auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
  std::time_t t = std::chrono::system_clock::to_time_t(now);
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

Row read_row(const db::Result& r) {
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
  d.payload = json::parse(r.str("payload"));
  d.state = parsed(parse_state(r.str("state")), "state");
  d.version = r.i64("version");
  if (auto t = r.opt_str("returned_by")) d.returned_by = parsed(parse_tier(*t), "returned_by");
  d.decided = r.i64("decided") != 0;
  d.publicity_ends_at = r.opt_str("publicity_ends_at");
  d.arrived_at = r.opt_str("arrived_at");
  d.due_at = r.opt_str("due_at");
  d.score = r.is_null("score") ? json(nullptr) : json::parse(r.str("score"));
  if (!r.is_null("score_version")) d.score_version = r.i64("score_version");
  if (!r.is_null("submitted_version")) d.submitted_version = r.i64("submitted_version");
  d.created_at = r.str("created_at");
  d.updated_at = r.str("updated_at");
  return d;
}

std::optional<Row> load(db::Connection& c, const std::string& id) {
  auto r = c.query(std::string("SELECT ") + kColumns + " FROM declarations WHERE id = ? FOR UPDATE", {id});
  if (!r.next()) return std::nullopt;
  return read_row(r);
}

const std::string& view_for(const Actor& actor) { return actor.role == Role::applicant ? kOwnView : kSubmittedView; }

// The declaration as `actor` is shown it, if it may be shown at all.
std::optional<Row> load_shown(db::Connection& c, const Actor& actor, const RegionCatalog& regions,
                              const std::string& id) {
  auto r = c.query(std::string(view_for(actor)) + " WHERE d.id = ?", {id});
  if (!r.next()) return std::nullopt;
  auto row = read_row(r);
  if (!shown(standing(actor, regions, row), row)) return std::nullopt;
  return row;
}

cmd::Declaration reply(const Row& row, const RegionCatalog& regions) {
  return {row.id, row.version, row.to_json(regions)};
}

db::Param tier_param(const std::optional<Tier>& t) { return t ? db::Param(name(*t)) : db::Param(nullptr); }
db::Param score_param(const json& score) { return score.is_null() ? db::Param(nullptr) : db::Param(score.dump()); }

void append_history(db::Connection& c, const std::string& id, const Actor& actor, std::string_view action,
                    std::optional<State> from, State to, const std::string& comment) {
  int seq = 1;
  std::string prev = kGenesisHash;
  if (auto r =
          c.query("SELECT seq, hash FROM declaration_history WHERE declaration_id = ? ORDER BY seq DESC LIMIT 1", {id});
      r.next()) {
    seq = static_cast<int>(r.i64("seq")) + 1;
    prev = r.str("hash");
  }
  auto entry = make_entry(seq, now_rfc3339(), actor.to_json(), std::string(action),
                          from ? std::string(name(*from)) : "", std::string(name(to)), comment, prev);
  auto hash = entry["hash"].get<std::string>();
  entry.erase("hash");
  c.execute("INSERT INTO declaration_history (declaration_id, seq, entry, hash) VALUES (?, ?, ?, ?)",
            {id, seq, entry.dump(), hash});
}

void save_version(db::Connection& c, const Row& d) {
  c.execute(
      "INSERT INTO declaration_versions (declaration_id, version, title, contact, payload, created_at) "
      "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
      {d.id, d.version, d.title, d.contact.to_json().dump(), d.payload.dump()});
}

void enqueue(db::Connection& c, const Actor& actor, const std::string& type, const Row& d, const json& data) {
  auto e = make_event(type, d.id, d.version, actor.to_json(), data);
  c.execute("INSERT INTO outbox (event_id, declaration_id, subject, body) VALUES (?, ?, ?, ?)",
            {e.id, e.declaration_id, e.subject(), e.to_json().dump()});
}

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

}  // namespace

void apply(db::Connection& c, const Change& change) {
  const Row& d = change.row;
  // Only what changed is written: a decision does not send the 10 KB payload back.
  std::string sql =
      "UPDATE declarations SET state = ?, version = ?, returned_by = ?, decided = ?, publicity_ends_at = ?, "
      "arrived_at = ?, due_at = ?, updated_at = ?";
  std::vector<db::Param> params{name(d.state), d.version,           tier_param(d.returned_by),
                                d.decided,     d.publicity_ends_at, d.arrived_at,
                                d.due_at,      d.updated_at};
  if (change.content_changed) {
    sql += ", title = ?, org_name = ?, contact = ?, payload = ?";
    params.insert(params.end(), {d.title, d.org_name ? db::Param(*d.org_name) : db::Param(nullptr),
                                 d.contact.to_json().dump(), d.payload.dump()});
  }
  if (change.rescored) {
    sql += ", score = ?, score_version = ?";
    params.insert(params.end(), {score_param(d.score), d.score_version});
  }
  params.insert(params.end(), {d.id, change.planned_on});
  const auto changed = c.execute(sql + " WHERE id = ? AND version = ?", params);
  // The row is locked while planned, so this holds; if it ever did not, nothing is written.
  if (changed != 1) throw Error(ErrorSource::database, "declaration " + d.id + " changed while planned");
  if (change.content_changed) save_version(c, d);
  if (change.submits)  // reviewers see the newest content from now on
    c.execute(
        "UPDATE declarations SET submitted_version = (SELECT MAX(version) FROM declaration_versions WHERE "
        "declaration_id = ?) WHERE id = ?",
        {d.id, d.id});
  if (change.submits || (change.verdict && change.rescored))  // the content reviewers see is the row's
    c.execute(
        "UPDATE declarations SET submitted_score = ?, submitted_score_version = ?, level_reached = ? WHERE id = ?",
        {score_param(d.score), d.score_version, change.level, d.id});
  if (change.verdict)
    c.execute(
        "INSERT INTO verdicts (declaration_id, seq, tier, verified, decided_at) SELECT ?, COALESCE(MAX(seq), 0) + 1, "
        "?, ?, UTC_TIMESTAMP(6) FROM verdicts WHERE declaration_id = ?",
        {d.id, tier_param(change.actor.tier), change.verdict->dump(), d.id});
  append_history(c, d.id, change.actor, name(change.action), change.from, d.state, change.comment);
  enqueue(c, change.actor, change.event_type, d, change.event_data);
}

Workflow::Workflow(db::Pool& pool, const scoring::Scorer& scorer, const RegionCatalog& regions,
                   const WorkingDays& calendar, Settings settings, std::function<void()> outbox_written)
    : pool_(pool),
      scorer_(scorer),
      regions_(regions),
      calendar_(calendar),
      settings_(settings),
      outbox_written_(std::move(outbox_written)) {}

Circumstances Workflow::circumstances(db::Connection& c, const Row& row) const {
  return {scorer_,
          load_verdicts(c, row.id),
          std::chrono::system_clock::now(),
          settings_.publicity,
          load_round(c, row.round),
          &calendar_};
}

Result<cmd::Declaration> Workflow::create(const cmd::CreateDeclaration& command) {
  std::optional<RoundRow> round;
  {
    auto c = pool_.acquire();
    round = load_round(*c, command.round);
  }
  if (!round) return refuse(Problem::invalid("/round", {"no such round", "申报批次不存在"}));
  auto planned = plan_create(command.actor, command, *round, scorer_, regions_, std::chrono::system_clock::now());
  if (!planned) return refuse(std::move(planned.error()));
  Row d = std::move(*planned);
  d.id = crypto::uuid_v7();

  // The number is taken in a short transaction of its own, so that the sequence row of a busy
  // county is not locked for the whole creation (a failed creation leaves a gap, not a duplicate).
  {
    auto c = pool_.acquire();
    int year = year_in_china();
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
  d.created_at = d.updated_at = db_time(std::chrono::system_clock::now());

  auto created = db::transaction(pool_, [&](db::Connection& c) {
    c.execute(
        "INSERT INTO declarations (id, number, kind, round_id, org, org_name, region, city, title, contact, payload, "
        "state, version, score, score_version, created_by, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 1, ?, ?, ?, ?, ?)",
        {d.id, d.number, name(d.kind), d.round, d.org, d.org_name ? db::Param(*d.org_name) : db::Param(nullptr),
         d.region, d.city, d.title, d.contact.to_json().dump(), d.payload.dump(), score_param(d.score), d.score_version,
         command.actor.sub, d.created_at, d.updated_at});
    save_version(c, d);
    append_history(c, d.id, command.actor, "create", std::nullopt, State::draft, "");
    enqueue(c, command.actor, "declaration.created", d, event_data(d, std::nullopt));
    return reply(d, regions_);
  });
  if (outbox_written_) outbox_written_();
  return created;
}

template <class C>
Result<cmd::Declaration> Workflow::perform(const C& command) {
  auto done = db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Declaration> {
    auto row = load(c, command.id);
    if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
    auto change = plan(*row, standing(command.actor, regions_, *row), command, circumstances(c, *row));
    if (!change) return refuse(std::move(change.error()));
    apply(c, *change);
    if (command.actor.role == Role::applicant) return reply(change->row, regions_);
    return reply(*load_shown(c, command.actor, regions_, row->id), regions_);  // the submitted content
  });
  if (done && outbox_written_) outbox_written_();
  return done;
}

Result<cmd::Declaration> Workflow::update(const cmd::UpdateDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::submit(const cmd::SubmitDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::withdraw(const cmd::WithdrawDeclaration& command) { return perform(command); }
Result<cmd::Declaration> Workflow::decide(const cmd::DecideDeclaration& command) { return perform(command); }

Result<cmd::Declaration> Workflow::get(const cmd::GetDeclaration& command) {
  auto lease = pool_.acquire();
  auto d = load_shown(*lease, command.actor, regions_, command.id);
  if (!d) return refuse(Problem::not_found(kNoSuchDeclaration));
  auto body = d->to_json(regions_);
  body["verdicts"] = json::array();
  for (auto r = lease->query("SELECT tier, verified, decided_at FROM verdicts WHERE declaration_id = ? ORDER BY seq",
                             {d->id});
       r.next();)
    body["verdicts"].push_back({{"tier", r.str("tier")},
                                {"verified", json::parse(r.str("verified"))},
                                {"decided_at", api_time(r.str("decided_at"))}});
  return cmd::Declaration{d->id, d->version, std::move(body)};
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
  return page(actor, std::move(where), std::move(params), command.limit, command.cursor);
}

Result<Workflow::QueueStatements> Workflow::pending_statements(const cmd::PendingReviews& command,
                                                               std::chrono::system_clock::time_point now) const {
  auto query = queue_query(command, regions_, now);
  if (!query) return refuse(std::move(query.error()));
  QueueStatements s;
  // The total of every page: the rows matching the filters, counted on the queue indexes alone
  // (a row at a tier has been submitted, so the view's join would not change the count).
  s.count = {"SELECT COUNT(*) AS n FROM declarations d FORCE INDEX (" + query->count_index + ")" + query->where,
             query->params};
  if (command.cursor) after(*query, *command.cursor);
  query->params.emplace_back(command.limit + 1);
  // The page's ids from the index alone (it holds every column the filters read), then their rows:
  // an escalated page sorts its index entries, never thousands of whole rows.
  const std::string order = " ORDER BY " + query->key + ", d.id";
  s.page = {kQueueSelect.substr(0, kQueueSelect.rfind(" FROM ")) +
                " FROM (SELECT d.id FROM declarations d FORCE INDEX (" + query->page_index + ")" + query->where +
                order + " LIMIT ?) page JOIN declarations d ON d.id = page.id" + kSubmittedJoin + order,
            std::move(query->params)};
  return s;
}

Result<cmd::Document> Workflow::pending(const cmd::PendingReviews& command) {
  const Actor& actor = command.actor;
  if (actor.role != Role::reviewer) return refuse(Problem::forbidden(kOnlyReviewersQueue));
  if (!valid_jurisdiction(actor, regions_))
    return cmd::Document{{{"items", json::array()}, {"next_cursor", nullptr}, {"total", 0}}};
  const auto now = std::chrono::system_clock::now();
  auto statements = pending_statements(command, now);
  if (!statements) return refuse(std::move(statements.error()));
  auto lease = pool_.acquire();
  auto counted = lease->query(statements->count.sql, statements->count.params);
  counted.next();
  const int64_t total = counted.i64("n");
  auto rows = lease->query(statements->page.sql, statements->page.params);
  json items = json::array();
  std::optional<std::string> next;
  int n = 0;
  PageCursor last;
  while (rows.next()) {
    if (++n > command.limit) {
      next = encode_cursor(last);
      break;
    }
    auto d = read_row(rows);
    last = cursor_of(d, command.sort);
    items.push_back(queue_item(d, regions_, calendar_, *actor.tier, now));
  }
  return cmd::Document{
      {{"items", std::move(items)}, {"next_cursor", next ? json(*next) : json(nullptr)}, {"total", total}}};
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
  auto group = [&](const std::string& column, const std::string& extra = "") {
    json out = json::object();
    auto r = lease->query(
        "SELECT " + column + " AS k, COUNT(*) AS n FROM declarations d" + where + extra + " GROUP BY " + column,
        params);
    while (r.next()) out[r.is_null("k") ? "none" : r.str("k")] = r.i64("n");
    return out;
  };
  json by_city = json::object();
  const auto cities = group("city");
  for (const auto& [code, n] : cities.items()) by_city[code] = {{"name", regions_.name_of(code)}, {"count", n}};
  return cmd::Document{{{"by_state", group("state")},
                        {"by_kind", group("kind")},
                        {"by_city", by_city},
                        {"morning_star_levels", group("level_reached", " AND kind = 'morning_star'")}}};
}

int Workflow::end_due_publicity() {
  std::vector<std::string> due;
  {
    auto lease = pool_.acquire();
    for (auto r = lease->query(
             "SELECT id FROM declarations WHERE state = 'publicity' AND publicity_ends_at <= UTC_TIMESTAMP(6) "
             "ORDER BY publicity_ends_at LIMIT 100");
         r.next();)
      due.push_back(r.str("id"));
  }
  int ended = 0;
  for (const auto& id : due) {
    // Planned again under the row lock: another instance may have ended it in between.
    bool done = db::transaction(pool_, [&](db::Connection& c) {
      auto row = load(c, id);
      if (!row) return false;
      auto change = plan_end_publicity(*row, {scorer_, {}, std::chrono::system_clock::now(), settings_.publicity});
      if (!change) return false;
      apply(c, *change);
      return true;
    });
    ended += done ? 1 : 0;
  }
  if (ended > 0 && outbox_written_) outbox_written_();
  return ended;
}

}  // namespace sdp::workflow
