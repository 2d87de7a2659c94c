#include "declarations.hpp"

#include <chrono>
#include <ctime>

#include "history.hpp"
#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"
#include "sdp/error.hpp"
#include "sdp/event.hpp"
#include "sdp/messages.hpp"
#include "sdp/time.hpp"
#include "sdp/uscc.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

constexpr const char* kColumns =
    "id, number, kind, org, region, city, title, contact, payload, state, version, returned_by, decided, "
    "publicity_ends_at, score, score_version, created_at, updated_at, submitted_version";

// A declaration as a caller is shown it (CONTRACT §2): its applicant, the row as it is; reviewers and
// admins, the content and score last submitted, and nothing of one never submitted (the join finds
// no version for it). Queries after these name the declarations' columns as d.<column>.
constexpr const char* kOwnView =
    "SELECT d.id, d.number, d.kind, d.org, d.region, d.city, d.title, d.contact, d.payload, d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.score, d.score_version, d.created_at, d.updated_at, "
    "d.submitted_version FROM declarations d";
constexpr const char* kSubmittedView =
    "SELECT d.id, d.number, d.kind, d.org, d.region, d.city, v.title, v.contact, v.payload, d.state, d.version, "
    "d.returned_by, d.decided, d.publicity_ends_at, d.submitted_score AS score, d.submitted_score_version AS "
    "score_version, d.created_at, d.updated_at, d.submitted_version FROM declarations d "
    "JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.submitted_version";

// ---- replies ----
json ok(int status, json body) { return {{"status", status}, {"body", std::move(body)}}; }

// Words people read go in both languages ("title_zh", "detail_zh", "message_zh"); the gateway picks.
json problem(int status, const Text& title, const Text& detail = {}, json errors = json::array()) {
  json j = {{"status", status}, {"title", title.en}, {"title_zh", title.zh}};
  if (!detail.en.empty()) j["detail"] = detail.en, j["detail_zh"] = detail.zh;
  if (!errors.empty()) j["errors"] = std::move(errors);
  return j;
}

json invalid(const std::vector<SchemaProblem>& problems) {
  json errors = json::array();
  for (const auto& p : problems)
    errors.push_back({{"pointer", p.pointer}, {"message", p.message}, {"message_zh", p.message_zh}});
  return problem(400, {"The request is not valid", "提交的内容有误"}, {}, errors);
}

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kOnlyReviewersQueue{"Only reviewers have a pending queue", "只有审核人员有待审队列"};
constexpr const char* kKindZh = "必须是 morning_star（晨星工厂）或 industry_brain（产业大脑）";

// Schema problems of a body are reported under its own pointers (the gateway's body is the same object).
std::vector<SchemaProblem> validate(const JsonSchema& schema, const json& body) { return schema.validate(body); }

json rfc3339(const std::optional<std::string>& db_time) {
  auto t = db_time ? rfc3339_of_db_time(*db_time) : std::nullopt;
  return t ? json(*t) : json(nullptr);
}

// The year of "now" in China Standard Time, for declaration numbers.
int year_in_china() {
  auto now = std::chrono::system_clock::now() + std::chrono::hours(8);
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

// ---- the declaration row ----
struct Row {
  std::string id, number, kind, org, region, city, title, state;
  json contact, payload, score;
  int64_t version = 0;
  std::optional<int64_t> score_version;
  std::optional<int64_t> submitted_version;  // the content version last submitted; none: a draft never submitted
  std::optional<std::string> returned_by, publicity_ends_at;
  bool decided = false;
  std::string created_at, updated_at;

  static Row read(const db::Result& r) {
    Row d;
    d.id = r.str("id");
    d.number = r.str("number");
    d.kind = r.str("kind");
    d.org = r.str("org");
    d.region = r.str("region");
    d.city = r.str("city");
    d.title = r.str("title");
    d.contact = json::parse(r.str("contact"));
    d.payload = json::parse(r.str("payload"));
    d.state = r.str("state");
    d.version = r.i64("version");
    d.returned_by = r.opt_str("returned_by");
    d.decided = r.i64("decided") != 0;
    d.publicity_ends_at = r.opt_str("publicity_ends_at");
    d.score = r.is_null("score") ? json(nullptr) : json::parse(r.str("score"));
    if (!r.is_null("score_version")) d.score_version = r.i64("score_version");
    if (!r.is_null("submitted_version")) d.submitted_version = r.i64("submitted_version");
    d.created_at = r.str("created_at");
    d.updated_at = r.str("updated_at");
    return d;
  }

  json to_json(const RegionCatalog& regions) const {
    return {{"id", id},
            {"number", number},
            {"kind", kind},
            {"org", org},
            {"region", region},
            {"region_name", regions.name_of(region)},
            {"city", city},
            {"city_name", regions.name_of(city)},
            {"title", title},
            {"contact", contact},
            {"state", state},
            {"returned_by", returned_by ? json(*returned_by) : json(nullptr)},
            {"version", version},
            {"payload", payload},
            {"score", score},
            {"score_version", score_version ? json(*score_version) : json(nullptr)},
            {"publicity_ends_at", rfc3339(publicity_ends_at)},
            {"created_at", rfc3339(created_at)},
            {"updated_at", rfc3339(updated_at)}};
  }
};

std::optional<Row> load(db::Connection& c, const std::string& id, bool for_update) {
  auto r = c.query(
      std::string("SELECT ") + kColumns + " FROM declarations WHERE id = ?" + (for_update ? " FOR UPDATE" : ""), {id});
  if (!r.next()) return std::nullopt;
  return Row::read(r);
}

const char* view_for(const Caller& caller) { return caller.role == Role::applicant ? kOwnView : kSubmittedView; }

// The declaration as `caller` is shown it, if it may be shown at all (its org or jurisdiction is checked after).
std::optional<Row> load_shown(db::Connection& c, const Caller& caller, const std::string& id) {
  auto r = c.query(std::string(view_for(caller)) + " WHERE d.id = ?", {id});
  if (!r.next()) return std::nullopt;
  return Row::read(r);
}

// 晨星工厂: the verified level, else the self-assessed one; none for 产业大脑.
std::optional<int> level_of(const json& score) {
  if (!score.is_object() || !score.contains("self_assessed_level")) return std::nullopt;
  return score["verified_level"].is_null() ? score["self_assessed_level"].get<int>()
                                           : score["verified_level"].get<int>();
}

std::vector<scoring::Verdict> load_verdicts(db::Connection& c, const std::string& id) {
  std::vector<scoring::Verdict> out;
  for (auto r = c.query("SELECT tier, verified FROM verdicts WHERE declaration_id = ? ORDER BY seq", {id}); r.next();)
    out.push_back({r.str("tier"), json::parse(r.str("verified"))});
  return out;
}

json verdicts_json(const std::vector<scoring::Verdict>& verdicts) {
  json out = json::array();
  for (const auto& v : verdicts) out.push_back({{"tier", v.tier}, {"verified", v.verified}});
  return out;
}

// How the caller relates to a declaration, for the state machine.
Actor relation(const Caller& caller, const RegionCatalog& regions, const std::string& org, const std::string& region) {
  Actor a;
  a.role = caller.role;
  a.tier = caller.tier;
  a.owner = caller.role == Role::applicant && caller.org == org;
  a.in_jurisdiction = caller.role == Role::reviewer && caller.tier &&
                      regions.in_jurisdiction(name(*caller.tier), caller.region, region);
  return a;
}

// ---- writing the record ----
void append_history(db::Connection& c, const std::string& id, const Caller& caller, const std::string& action,
                    const std::string& from, const std::string& to, const std::string& comment) {
  int seq = 1;
  std::string prev = kGenesisHash;
  if (auto r =
          c.query("SELECT seq, hash FROM declaration_history WHERE declaration_id = ? ORDER BY seq DESC LIMIT 1", {id});
      r.next()) {
    seq = static_cast<int>(r.i64("seq")) + 1;
    prev = r.str("hash");
  }
  auto entry = make_entry(seq, now_rfc3339(), caller.to_json(), action, from, to, comment, prev);
  auto hash = entry["hash"].get<std::string>();
  entry.erase("hash");
  c.execute("INSERT INTO declaration_history (declaration_id, seq, entry, hash) VALUES (?, ?, ?, ?)",
            {id, seq, entry.dump(), hash});
}

void save_version(db::Connection& c, const Row& d) {
  c.execute(
      "INSERT INTO declaration_versions (declaration_id, version, title, contact, payload, created_at) "
      "VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))",
      {d.id, d.version, d.title, d.contact.dump(), d.payload.dump()});
}

void enqueue(db::Connection& c, const Event& e) {
  c.execute("INSERT INTO outbox (event_id, declaration_id, subject, body) VALUES (?, ?, ?, ?)",
            {e.id, e.declaration_id, e.subject(), e.to_json().dump()});
}

// The facts every declaration event carries, for notify and for anyone reading the stream.
json event_data(const Row& d, const std::string& from, const std::string& to) {
  return {{"number", d.number},   {"kind", d.kind}, {"org", d.org},
          {"region", d.region},   {"city", d.city}, {"title", d.title},
          {"contact", d.contact}, {"from", from},   {"to", to}};
}

json scoring_request(const Row& d, const std::vector<scoring::Verdict>& verdicts) {
  return {{"kind", d.kind}, {"payload", d.payload}, {"verdicts", verdicts_json(verdicts)}};
}

// Narrows a query to a reviewer's jurisdiction (CONTRACT §2): its county, the counties of its
// city, or the whole province.
void restrict_to_jurisdiction(const Caller& reviewer, std::string& where, std::vector<db::Param>& params) {
  if (*reviewer.tier == Tier::county) {
    where += " AND d.region = ?";
    params.emplace_back(reviewer.region);
  } else if (*reviewer.tier == Tier::city) {
    where += " AND d.city = ?";
    params.emplace_back(reviewer.region);
  }
}

// The submission gaps CONTRACT §3 lists: a 产业大脑 declaration needs all 32 indicators, a 晨星工厂 one its claimed
// level.
std::vector<SchemaProblem> submission_gaps(const Row& d, const scoring::Scorer& scorer) {
  std::vector<SchemaProblem> gaps;
  if (d.kind == "industry_brain") {
    const auto& given = d.payload.value("indicators", json::object());
    for (const auto& ind : scorer.industry_brain_catalog().indicators)
      if (!given.contains(ind.id))
        gaps.push_back({"/payload/indicators/" + ind.id, ind.id + " " + ind.name + " is required at submission",
                        "提交前须填写 " + ind.id + " " + ind.name});
    if (!d.payload.contains("cluster_name"))
      gaps.push_back({"/payload/cluster_name", "the cluster's name is required", "提交前须填写产业集群名称"});
  } else if (!d.payload.contains("claimed_level")) {
    gaps.push_back({"/payload/claimed_level", "the claimed level is required at submission", "提交前须选择申报等级"});
  }
  return gaps;
}

}  // namespace

// ---- Caller ----
std::expected<Caller, std::string> Caller::from_json(const json& j) {
  if (!j.is_object()) return std::unexpected("actor missing");
  Caller c;
  c.sub = j.value("sub", "");
  auto role = parse_role(j.value("role", ""));
  if (!role || *role == Role::system || c.sub.empty()) return std::unexpected("actor needs sub and a role");
  c.role = *role;
  if (c.role == Role::applicant) {
    c.org = j.value("org", "");
    if (!valid_uscc(c.org)) return std::unexpected("applicant org is not a valid 统一社会信用代码");
  }
  if (c.role == Role::reviewer) {
    c.tier = parse_tier(j.value("tier", ""));
    c.region = j.value("region", "");
    if (!c.tier) return std::unexpected("reviewer tier missing");
  }
  return c;
}

json Caller::to_json() const {
  json j = {{"sub", sub}, {"role", name(role)}};
  if (role == Role::applicant) j["org"] = org;
  if (tier) j["tier"] = name(*tier);
  if (!region.empty()) j["region"] = region;
  return j;
}

Schemas Schemas::load(const std::filesystem::path& dir) {
  return {JsonSchema::from_file(dir / "api" / "declaration.create.schema.json"),
          JsonSchema::from_file(dir / "api" / "declaration.update.schema.json"),
          JsonSchema::from_file(dir / "api" / "decision.schema.json")};
}

// ---- Workflow ----
Workflow::Workflow(db::Pool& pool, const scoring::Scorer& scorer, const RegionCatalog& regions, const Schemas& schemas,
                   Settings settings, std::function<void()> outbox_written)
    : pool_(pool),
      scorer_(scorer),
      regions_(regions),
      schemas_(schemas),
      settings_(settings),
      outbox_written_(std::move(outbox_written)) {}

json Workflow::handle(const std::string& verb, const json& request) {
  if (verb == "ping") return {{"status", 200}};
  auto caller = Caller::from_json(request.is_object() ? request.value("actor", json()) : json());
  if (!caller) return problem(401, {"Unknown caller", "无法识别调用者"}, {caller.error(), "调用者信息不完整或无效"});
  json reply;
  if (verb == "create")
    reply = create(*caller, request);
  else if (verb == "update")
    reply = change(*caller, request, Action::update);
  else if (verb == "submit")
    reply = change(*caller, request, Action::submit);
  else if (verb == "withdraw")
    reply = change(*caller, request, Action::withdraw);
  else if (verb == "decide")
    reply = change(*caller, request, Action::approve);  // the body names the decision
  else if (verb == "get")
    reply = get(*caller, request);
  else if (verb == "list")
    reply = list(*caller, request, false);
  else if (verb == "pending")
    reply = list(*caller, request, true);
  else if (verb == "history")
    reply = history(*caller, request);
  else if (verb == "stats")
    reply = stats(*caller);
  else
    return problem(404, {"Unknown command", "未知的命令"}, {verb, "未知的命令 " + verb});
  if (reply.value("status", 500) < 300 && outbox_written_ && verb != "get" && verb != "list" && verb != "pending" &&
      verb != "history" && verb != "stats")
    outbox_written_();
  return reply;
}

json Workflow::create(const Caller& caller, const json& request) {
  if (caller.role != Role::applicant)
    return problem(403, {"Only an applicant may create a declaration", "只有申报单位可以创建申报"});
  const auto& body = request.value("declaration", json::object());
  if (auto problems = validate(schemas_.create, body); !problems.empty()) return invalid(problems);
  auto region = body["region"].get<std::string>();
  if (!regions_.is_county(region))
    return invalid({{"/region", "'" + region + "' is not a county-level division of Shandong (GB/T 2260)",
                     region + " 不是山东省的县级行政区划代码（GB/T 2260）"}});
  auto payload = body.value("payload", json::object());
  auto kind = *scoring::parse_kind(body["kind"].get<std::string>());
  if (auto problems = scorer_.validate_payload(kind, payload); !problems.empty()) return invalid(problems);

  Row d;
  d.id = crypto::uuid_v7();
  d.kind = body["kind"];
  d.org = caller.org;
  d.region = region;
  d.city = *regions_.city_of(region);
  d.title = body["title"];
  d.contact = body["contact"];
  d.payload = payload;
  d.state = "draft";
  d.version = 1;

  // The number is taken in a short transaction of its own, so that the sequence row of a busy
  // county is not locked for the whole creation (a failed creation leaves a gap, not a duplicate).
  {
    auto c = pool_.acquire();
    int year = year_in_china();
    c->execute(
        "INSERT INTO number_sequences (kind, year, region, last_value) VALUES (?, ?, ?, LAST_INSERT_ID(1)) "
        "ON DUPLICATE KEY UPDATE last_value = LAST_INSERT_ID(last_value + 1)",
        {d.kind, year, d.region});
    auto seq = c->query("SELECT LAST_INSERT_ID() AS n");
    seq.next();
    char number[40];
    std::snprintf(number, sizeof number, "%s-%d-%s-%06lld", d.kind == "morning_star" ? "MSF" : "IBR", year,
                  d.region.c_str(), static_cast<long long>(seq.i64("n")));
    d.number = number;
  }

  return db::transaction(pool_, [&](db::Connection& c) {
    c.execute(
        "INSERT INTO declarations (id, number, kind, org, region, city, title, contact, payload, state, version, "
        "created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', 1, ?, UTC_TIMESTAMP(6), "
        "UTC_TIMESTAMP(6))",
        {d.id, d.number, d.kind, d.org, d.region, d.city, d.title, d.contact.dump(), d.payload.dump(), caller.sub});
    save_version(c, d);
    append_history(c, d.id, caller, "create", "", "draft", "");
    auto data = event_data(d, "", "draft");
    data["scoring"] = scoring_request(d, {});
    enqueue(c, make_event("declaration.created", d.id, d.version, caller.to_json(), data));
    return ok(201, load(c, d.id, false)->to_json(regions_));
  });
}

json Workflow::change(const Caller& caller, const json& request, Action action) {
  auto id = request.value("id", "");
  std::optional<int64_t> expected;
  if (request.contains("expected_version") && request["expected_version"].is_number_integer())
    expected = request["expected_version"].get<int64_t>();
  const auto& body = request.value("body", json::object());

  // Input checks that need no database.
  std::string comment;
  json verified;
  if (action == Action::update) {
    if (auto problems = validate(schemas_.update, body); !problems.empty()) return invalid(problems);
  }
  if (action == Action::approve) {  // a decision; which one the body says
    if (auto problems = validate(schemas_.decision, body); !problems.empty()) return invalid(problems);
    action = *parse_decision(body["decision"].get<std::string>());
    comment = body.value("comment", "");
    if (action == Action::return_ && comment.find_first_not_of(" \t\r\n") == std::string::npos)
      return invalid({{"/comment", "a return needs a comment telling the applicant what to fix",
                       "退回时须填写意见，告诉申报单位需要修改什么"}});
    if (body.contains("verified")) verified = body["verified"];
  }
  // CONTRACT §3: an edit and a decision name the version they were made on (If-Match).
  if ((action == Action::update || action == Action::approve || action == Action::return_ ||
       action == Action::reject) &&
      !expected)
    return problem(428, {"If-Match required", "缺少版本信息（If-Match）"},
                   {"send the version you last read as If-Match", "请在 If-Match 中带上最后读取的版本"});

  return db::transaction(pool_, [&](db::Connection& c) -> json {
    auto found = load(c, id, true);
    if (!found) return problem(404, kNoSuchDeclaration);
    Row d = std::move(*found);
    auto actor = relation(caller, regions_, d.org, d.region);
    // A draft never submitted is the applicant's alone (CONTRACT §2).
    if (!visible(actor) || (caller.role != Role::applicant && !d.submitted_version))
      return problem(404, kNoSuchDeclaration);
    if (expected && *expected != d.version)
      return problem(
          412, {"The declaration has changed", "申报已被修改"},
          {"you sent version " + std::to_string(*expected) + "; it is now at version " + std::to_string(d.version),
           "您提交的是第 " + std::to_string(*expected) + " 版，申报现已是第 " + std::to_string(d.version) +
               " 版，请刷新后重试"});

    auto kind = *scoring::parse_kind(d.kind);
    auto verdicts = load_verdicts(c, d.id);
    Snapshot snap;
    snap.state = *parse_state(d.state);
    if (d.returned_by) snap.returned_by = parse_tier(*d.returned_by);
    snap.decided_since_submit = d.decided;
    snap.morning_star = kind == scoring::Kind::morning_star;

    bool is_decision = action == Action::approve || action == Action::return_ || action == Action::reject;
    if (is_decision && !verified.is_null()) {
      if (auto problems = scorer_.validate_verified(kind, verified); !problems.empty()) return invalid(problems);
    }
    if (is_decision && !verified.is_null() && actor.tier)
      verdicts.push_back({std::string(name(*actor.tier)), verified});
    if (action == Action::approve && snap.morning_star && review_tier(snap.state) == Tier::province) {
      // The level with every verdict so far, this one's included; with none, the applicant's claims.
      auto score = scorer_.score(kind, d.payload, verdicts);
      if (score) {
        const auto& s = *score;
        snap.verified_level =
            s["verified_level"].is_null() ? s["self_assessed_level"].get<int>() : s["verified_level"].get<int>();
      }
    }

    auto outcome = transition(snap, action, actor);
    if (!outcome) return problem(outcome.error().status, {outcome.error().reason, outcome.error().reason_zh});

    if (action == Action::update) {
      if (auto problems = scorer_.validate_payload(kind, body["payload"]); !problems.empty()) return invalid(problems);
      d.title = body["title"];
      d.contact = body["contact"];
      d.payload = body["payload"];
    }
    if (action == Action::submit) {
      if (auto gaps = submission_gaps(d, scorer_); !gaps.empty()) return invalid(gaps);
    }

    const std::string from = d.state, to = std::string(name(outcome->to));
    const int64_t version = d.version + 1;
    const bool opens_publicity = outcome->to == State::publicity;  // only the province's approval leads there
    std::optional<std::string> returned_by;
    if (outcome->returned_by && outcome->to == State::returned) returned_by = std::string(name(*outcome->returned_by));
    // The times are the workflow's clock, so that the reply needs no second read of the row.
    auto now = std::chrono::system_clock::now();
    d.updated_at = db_time(now);
    if (opens_publicity)
      d.publicity_ends_at = db_time(now + settings_.publicity);
    else if (to != "publicity")
      d.publicity_ends_at.reset();
    d.returned_by = returned_by;
    d.decided = d.decided || is_decision;
    const std::string set_state =
        "UPDATE declarations SET state = ?, version = ?, returned_by = ?, decided = ?, publicity_ends_at = ?, "
        "updated_at = ?";
    if (action == Action::update)  // only an edit sends the content back
      c.execute(set_state + ", title = ?, contact = ?, payload = ? WHERE id = ? AND version = ?",
                {to, version, returned_by, d.decided, d.publicity_ends_at, d.updated_at, d.title, d.contact.dump(),
                 d.payload.dump(), d.id, d.version});
    else
      c.execute(set_state + " WHERE id = ? AND version = ?",
                {to, version, returned_by, d.decided, d.publicity_ends_at, d.updated_at, d.id, d.version});
    d.version = version;
    d.state = to;
    if (action == Action::update) save_version(c, d);
    if (action == Action::submit) {
      // Reviewers see this content from now on, with its score if it has one already (a score
      // for a version at or after the newest content version is this content's).
      auto newest = c.query("SELECT MAX(version) AS v FROM declaration_versions WHERE declaration_id = ?", {d.id});
      newest.next();
      const int64_t content = newest.i64("v");
      const bool scored = d.score_version && *d.score_version >= content;
      c.execute(
          "UPDATE declarations SET submitted_version = ?, submitted_score = ?, submitted_score_version = ?, "
          "level_reached = ? WHERE id = ?",
          {content, scored ? db::Param(d.score.dump()) : db::Param(nullptr),
           scored ? db::Param(*d.score_version) : db::Param(nullptr), scored ? level_of(d.score) : std::nullopt, d.id});
      d.submitted_version = content;
    }
    if (is_decision && !verified.is_null())
      c.execute(
          "INSERT INTO verdicts (declaration_id, seq, tier, verified, decided_at) SELECT ?, COALESCE(MAX(seq), 0) + 1, "
          "?, ?, UTC_TIMESTAMP(6) FROM verdicts WHERE declaration_id = ?",
          {d.id, std::string(name(*actor.tier)), verified.dump(), d.id});
    append_history(c, d.id, caller, std::string(name(action)), from, to, comment);

    auto data = event_data(d, from, to);
    if (is_decision) {
      data["tier"] = name(*actor.tier);
      data["comment"] = comment;
    }
    if (outcome->to == State::county_review || outcome->to == State::city_review ||
        outcome->to == State::province_review)
      data["arrives_at"] = name(*review_tier(outcome->to));
    bool rescore = action == Action::update || action == Action::submit || (is_decision && !verified.is_null());
    if (rescore) data["scoring"] = scoring_request(d, verdicts);
    std::string type = action == Action::update     ? "declaration.updated"
                       : action == Action::submit   ? "declaration.submitted"
                       : action == Action::withdraw ? "declaration.withdrawn"
                       : action == Action::approve  ? "declaration.approved"
                       : action == Action::return_  ? "declaration.returned"
                                                    : "declaration.rejected";
    if (opens_publicity) data["publicity_ends_at"] = rfc3339(d.publicity_ends_at);
    enqueue(c, make_event(type, d.id, d.version, caller.to_json(), data));
    if (caller.role != Role::applicant) return ok(200, load_shown(c, caller, d.id)->to_json(regions_));
    return ok(200, d.to_json(regions_));
  });
}

json Workflow::get(const Caller& caller, const json& request) {
  auto lease = pool_.acquire();
  auto d = load_shown(*lease, caller, request.value("id", ""));
  if (!d || !visible(relation(caller, regions_, d->org, d->region))) return problem(404, kNoSuchDeclaration);
  auto body = d->to_json(regions_);
  body["verdicts"] = json::array();
  for (auto r = lease->query("SELECT tier, verified, decided_at FROM verdicts WHERE declaration_id = ? ORDER BY seq",
                             {d->id});
       r.next();)
    body["verdicts"].push_back({{"tier", r.str("tier")},
                                {"verified", json::parse(r.str("verified"))},
                                {"decided_at", rfc3339(r.str("decided_at"))}});
  return ok(200, body);
}

json Workflow::list(const Caller& caller, const json& request, bool pending) {
  std::string where = " WHERE 1 = 1";
  std::vector<db::Param> params;
  // Visibility first: the caller never sees a row outside its org or jurisdiction.
  switch (caller.role) {
    case Role::applicant:
      if (pending) return problem(403, kOnlyReviewersQueue);
      where += " AND d.org = ?";
      params.emplace_back(caller.org);
      break;
    case Role::reviewer:
      if (!regions_.valid_for_tier(name(*caller.tier), caller.region))
        return ok(200, {{"items", json::array()}, {"next_cursor", nullptr}});
      restrict_to_jurisdiction(caller, where, params);
      break;
    case Role::admin:
      if (pending) return problem(403, kOnlyReviewersQueue);
      break;
    case Role::system: return problem(403, {"Not for the system", "不供系统调用"});
  }
  if (pending) {
    where += " AND d.state = ?";
    params.emplace_back(std::string(name(review_state(*caller.tier))));
  } else {
    if (auto state = request.value("state", ""); !state.empty()) {
      if (!parse_state(state))
        return invalid({{"/query/state", "unknown state '" + state + "'", "未知的状态 " + state}});
      where += " AND d.state = ?";
      params.emplace_back(state);
    }
    if (auto kind = request.value("kind", ""); !kind.empty()) {
      if (!scoring::parse_kind(kind))
        return invalid({{"/query/kind", "must be morning_star or industry_brain", kKindZh}});
      where += " AND d.kind = ?";
      params.emplace_back(kind);
    }
  }
  if (pending) {
    if (auto kind = request.value("kind", ""); !kind.empty()) {
      if (!scoring::parse_kind(kind))
        return invalid({{"/query/kind", "must be morning_star or industry_brain", kKindZh}});
      where += " AND d.kind = ?";
      params.emplace_back(kind);
    }
    if (auto region = request.value("region", ""); !region.empty()) {
      where += " AND d.region = ?";
      params.emplace_back(region);
    }
  }
  int limit = request.value("limit", 20);
  if (limit < 1 || limit > settings_.max_page)
    return invalid({{"/query/limit", "must be between 1 and " + std::to_string(settings_.max_page),
                     "必须是 1 到 " + std::to_string(settings_.max_page) + " 之间的整数"}});
  // Lists are newest first; a reviewer's queue oldest first (first come, first reviewed).
  const std::string time_col = pending ? "d.updated_at" : "d.created_at";
  const std::string cmp = pending ? ">" : "<";
  if (auto cursor = request.value("cursor", ""); !cursor.empty()) {
    auto c = decode_cursor(cursor);
    if (!c) return invalid({{"/query/cursor", "not a cursor this service issued", "无效的翻页标记"}});
    where += " AND (" + time_col + " " + cmp + " ? OR (" + time_col + " = ? AND d.id " + cmp + " ?))";
    params.emplace_back(c->time);
    params.emplace_back(c->time);
    params.emplace_back(c->id);
  }
  const std::string order = pending ? " ORDER BY d.updated_at ASC, d.id ASC" : " ORDER BY d.created_at DESC, d.id DESC";
  params.emplace_back(limit + 1);
  auto lease = pool_.acquire();
  auto rows = lease->query(view_for(caller) + where + order + " LIMIT ?", params);
  json items = json::array();
  std::optional<std::string> next;
  int n = 0;
  std::string last_time, last_id;
  while (rows.next()) {
    if (++n > limit) {
      next = encode_cursor({last_time, last_id});
      break;
    }
    auto d = Row::read(rows);
    last_time = pending ? d.updated_at : d.created_at;
    last_id = d.id;
    items.push_back(d.to_json(regions_));
  }
  return ok(200, {{"items", items}, {"next_cursor", next ? json(*next) : json(nullptr)}});
}

json Workflow::history(const Caller& caller, const json& request) {
  auto lease = pool_.acquire();
  auto d = load_shown(*lease, caller, request.value("id", ""));
  if (!d || !visible(relation(caller, regions_, d->org, d->region))) return problem(404, kNoSuchDeclaration);
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
  return ok(200, {{"items", entries},
                  {"chain_valid", broken < 0},
                  {"first_broken_seq", broken < 0 ? json(nullptr) : json(broken)}});
}

json Workflow::stats(const Caller& caller) {
  std::string where = " WHERE d.submitted_version IS NOT NULL";  // submitted declarations only (CONTRACT §2)
  std::vector<db::Param> params;
  if (caller.role == Role::reviewer) {
    if (!regions_.valid_for_tier(name(*caller.tier), caller.region))
      return problem(403, {"No jurisdiction", "没有管辖区域"});
    restrict_to_jurisdiction(caller, where, params);
  } else if (caller.role != Role::admin) {
    return problem(403, {"Statistics are for reviewers and admins", "统计数据仅供审核人员和管理员查看"});
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
  return ok(200, {{"by_state", group("state")},
                  {"by_kind", group("kind")},
                  {"by_city", by_city},
                  {"morning_star_levels", group("level_reached", " AND kind = 'morning_star'")}});
}

bool Workflow::attach_score(const std::string& event_id, const std::string& declaration_id, int64_t version,
                            const json& score) {
  return db::transaction(pool_, [&](db::Connection& c) {
    if (!db::mark_processed(c, "workflow-scores", event_id)) return false;
    // A score for an older version never replaces one for a newer version.
    c.execute(
        "UPDATE declarations SET score = ?, score_version = ? WHERE id = ? AND (score_version IS NULL OR score_version "
        "<= ?)",
        {score.dump(), version, declaration_id, version});
    // Reviewers' score, and the statistics' level, are the submitted content's: this one counts if
    // the content at `version` is the content last submitted (no edit since).
    c.execute(
        "UPDATE declarations d SET d.submitted_score = ?, d.submitted_score_version = ?, d.level_reached = ? "
        "WHERE d.id = ? AND (d.submitted_score_version IS NULL OR d.submitted_score_version <= ?) AND "
        "d.submitted_version = "
        "(SELECT MAX(v.version) FROM declaration_versions v WHERE v.declaration_id = d.id AND v.version <= ?)",
        {score.dump(), version, level_of(score), declaration_id, version, version});
    return true;
  });
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
  const Caller system{"workflow", Role::system, "", std::nullopt, ""};
  for (const auto& id : due) {
    // Re-checked under the row lock: another instance may have ended it in between.
    bool done = db::transaction(pool_, [&](db::Connection& c) {
      auto d = load(c, id, true);
      if (!d || d->state != "publicity") return false;
      auto still_due =
          c.query("SELECT publicity_ends_at <= UTC_TIMESTAMP(6) AS due FROM declarations WHERE id = ?", {id});
      if (!still_due.next() || still_due.i64("due") == 0) return false;
      Actor actor{Role::system};
      auto outcome = transition({State::publicity}, Action::end_publicity, actor);
      if (!outcome) return false;
      c.execute(
          "UPDATE declarations SET state = 'approved', version = version + 1, updated_at = UTC_TIMESTAMP(6) WHERE id = "
          "?",
          {id});
      append_history(c, id, system, "end_publicity", "publicity", "approved", "");
      d->version += 1;
      d->state = "approved";
      enqueue(c, make_event("declaration.publicity_ended", id, d->version, system.to_json(),
                            event_data(*d, "publicity", "approved")));
      return true;
    });
    ended += done ? 1 : 0;
  }
  if (ended > 0 && outbox_written_) outbox_written_();
  return ended;
}

}  // namespace sdp::workflow
