// Expert review at the province and objections during 公示 (CONTRACT §8): the pool, panels,
// reviews, the public notices and real-name objections. The rules are panel.hpp's and the state
// machine's; this file reads and writes their rows, each change of a declaration under its row
// lock with its history entry (and event) in the same transaction.
#include <algorithm>
#include <functional>

#include "declarations.hpp"
#include "panel.hpp"
#include "replies.hpp"
#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"
#include "sdp/error.hpp"
#include "sdp/time.hpp"
#include "store.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};
const Text kNoSuchObjection{"No such objection", "异议不存在"};
const Text kProvinceOnly{"Only province reviewers may do this", "只有省级审核人员可以进行此操作"};
// The pool is small (a province's experts); lists are bounded all the same.
constexpr int kMaxExperts = 1000;
constexpr int kMaxNotices = 1000;

bool province_reviewer(const Actor& a) {
  return a.role == Role::reviewer && a.tier == Tier::province && a.region == kProvinceRegion;
}

std::string now_text(Clock::time_point t) { return db_time(t); }

Expert read_expert(const db::Result& r) {
  Expert e{r.str("sub"), r.str("name"), r.opt_str("employer"), r.str("home_region"), {}};
  for (const auto& k : json::parse(r.str("kinds")))
    if (auto kind = k.is_string() ? parse_kind(k.get<std::string>()) : std::nullopt) e.kinds.push_back(*kind);
  return e;
}

const char* kExpertColumns = "sub, name, employer, home_region, kinds";

// The experts of the pool among `subs`.
std::map<std::string, Expert> load_experts(db::Connection& c, const std::vector<std::string>& subs) {
  std::map<std::string, Expert> out;
  if (subs.empty()) return out;
  std::string marks;
  std::vector<db::Param> params;
  for (const auto& s : subs) {
    marks += marks.empty() ? "?" : ", ?";
    params.emplace_back(s);
  }
  for (auto r = c.query(std::string("SELECT ") + kExpertColumns + " FROM experts WHERE sub IN (" + marks + ")", params);
       r.next();) {
    auto e = read_expert(r);
    out.emplace(e.sub, std::move(e));
  }
  return out;
}

struct Review {
  std::string expert;
  double score = 0;
  std::string opinion;
  json items;
  std::string at;
};

struct Panel {
  std::optional<std::string> due_at;                         // DATETIME(6) text
  std::vector<std::pair<std::string, std::string>> members;  // (sub, assigned_at), in order of assignment
  std::vector<Review> reviews;
  bool has(const std::string& sub) const {
    return std::ranges::any_of(members, [&](const auto& m) { return m.first == sub; });
  }
  bool reviewed(const std::string& sub) const {
    return std::ranges::any_of(reviews, [&](const auto& r) { return r.expert == sub; });
  }
};

Panel load_panel(db::Connection& c, const std::string& id) {
  Panel p;
  if (auto r = c.query("SELECT due_at FROM panels WHERE declaration_id = ?", {id}); r.next())
    p.due_at = r.str("due_at");
  for (auto r = c.query("SELECT expert_sub, assigned_at FROM panel_members WHERE declaration_id = ? ORDER BY "
                        "assigned_at, expert_sub",
                        {id});
       r.next();)
    p.members.emplace_back(r.str("expert_sub"), r.str("assigned_at"));
  for (auto r = c.query(
           "SELECT expert_sub, score, opinion, items, submitted_at FROM expert_reviews WHERE declaration_id = ? "
           "ORDER BY submitted_at, expert_sub",
           {id});
       r.next();)
    p.reviews.push_back({r.str("expert_sub"), r.f64("score"), r.str("opinion"),
                         r.is_null("items") ? json(nullptr) : json::parse(r.str("items")), r.str("submitted_at")});
  return p;
}

// The panel as `actor` may see it (CONTRACT §8): the province everything; an assigned expert its own
// place and review until it has submitted, then everyone's and the result.
json panel_view(db::Connection& c, const std::string& id, const Actor& actor) {
  const auto p = load_panel(c, id);
  const bool blind = actor.role == Role::expert && !p.reviewed(actor.sub);
  std::vector<std::string> subs;
  for (const auto& [sub, at] : p.members) subs.push_back(sub);
  const auto names = load_experts(c, subs);
  json experts = json::array(), reviews = json::array();
  std::vector<double> scores;
  for (const auto& [sub, at] : p.members) {
    if (blind && sub != actor.sub) continue;
    auto it = names.find(sub);
    experts.push_back({{"sub", sub},
                       {"name", it == names.end() ? json(nullptr) : json(it->second.name)},
                       {"assigned_at", api_time(at)},
                       {"reviewed", p.reviewed(sub)}});
  }
  for (const auto& r : p.reviews) {
    scores.push_back(r.score);
    if (blind) continue;
    reviews.push_back(
        {{"expert", r.expert}, {"score", r.score}, {"opinion", r.opinion}, {"items", r.items}, {"at", api_time(r.at)}});
  }
  return {{"declaration_id", id},
          {"experts", experts},
          {"due_at", api_time(p.due_at)},
          {"reviews", reviews},
          {"blind", blind},
          {"complete", !p.members.empty() && p.reviews.size() >= p.members.size()},
          {"result", blind ? json(nullptr) : panel_result(scores)}};
}

Snapshot snapshot_of(const Row& row) {
  return {row.state, row.returned_by, row.decided, row.kind == Kind::morning_star};
}

// The declaration under its lock when `actor` may see it and the machine lets it take `action` (which
// leaves the state as it is), else why not.
Result<Row> load_for(db::Connection& c, const Actor& actor, const RegionCatalog& regions, const std::string& id,
                     Action action) {
  auto row = load(c, id);
  if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
  const auto standing = standing_in(c, actor, regions, *row);
  if (!shown(standing, *row)) return refuse(Problem::not_found(kNoSuchDeclaration));
  if (auto outcome = transition(snapshot_of(*row), action, standing); !outcome)
    return refuse(std::move(outcome.error()));
  return std::move(*row);
}

// The ids an expert's notes may be keyed by: the kind's criteria, or its dimensions and indicators.
std::set<std::string> item_ids(const scoring::Scorer& scorer, Kind kind) {
  std::set<std::string> ids;
  if (kind == Kind::morning_star) {
    for (const auto& c : scorer.morning_star_catalog().criteria) ids.insert(c.id);
  } else {
    const auto& ib = scorer.industry_brain_catalog();
    for (const auto& d : ib.dimensions) ids.insert(d.id);
    for (const auto& i : ib.indicators) ids.insert(i.id);
  }
  return ids;
}

json objection_json(const db::Result& r) {
  return {{"id", r.str("id")},
          {"declaration_id", r.str("declaration_id")},
          {"number", r.str("number")},
          {"title", r.str("title")},
          {"org_name", r.opt_str("org_name") ? json(*r.opt_str("org_name")) : json(nullptr)},
          {"declaration_state", r.str("declaration_state")},
          {"name", r.str("name")},
          {"id_number", r.opt_str("id_number") ? json(*r.opt_str("id_number")) : json(nullptr)},
          {"org", r.opt_str("org") ? json(*r.opt_str("org")) : json(nullptr)},
          {"phone", r.str("phone")},
          {"content", r.str("content")},
          {"state", r.str("state")},
          {"outcome", r.opt_str("outcome") ? json(*r.opt_str("outcome")) : json(nullptr)},
          {"comment", r.opt_str("comment") ? json(*r.opt_str("comment")) : json(nullptr)},
          {"filed_at", api_time(r.str("filed_at"))},
          {"resolved_at", api_time(r.opt_str("resolved_at"))}};
}

const std::string kObjectionSelect =
    "SELECT o.id, o.declaration_id, d.number, v.title, COALESCE(v.org_name, d.org_name) AS org_name, d.state AS "
    "declaration_state, o.name, o.id_number, o.org, o.phone, o.content, o.state, o.outcome, o.comment, o.filed_at, "
    "o.resolved_at FROM objections o JOIN declarations d ON d.id = o.declaration_id JOIN declaration_versions v ON "
    "v.declaration_id = d.id AND v.version = d.submitted_version";

// Narrows a newest-first list to the rows after `cursor` on (time_column, id_column), and asks for one
// more row than a page, to know whether there is a next.
void keyset(std::string& where, std::vector<db::Param>& params, const std::optional<PageCursor>& cursor,
            const std::string& time_column, const std::string& id_column, int limit) {
  if (cursor) {
    where += " AND (" + time_column + " < ? OR (" + time_column + " = ? AND " + id_column + " < ?))";
    params.insert(params.end(), {cursor->time, cursor->time, cursor->id});
  }
  params.emplace_back(limit + 1);
}

// A page of `rows` (keyset() asked for one more): each row's item, and the cursor of the next page.
cmd::Document page_of(db::Result& rows, int limit, const char* time_column,
                      const std::function<json(const db::Result&)>& item, json extra = json::object()) {
  json items = json::array();
  json next = nullptr;
  PageCursor last;
  for (int n = 0; rows.next();) {
    if (++n > limit) {
      next = encode_cursor(last);
      break;
    }
    last = {rows.str(time_column), rows.str("id"), ""};
    items.push_back(item(rows));
  }
  extra["items"] = std::move(items);
  extra["next_cursor"] = std::move(next);
  return cmd::Document{std::move(extra)};
}

}  // namespace

bool panel_holds(db::Connection& c, const std::string& id, Clock::time_point now) {
  auto r = c.query(
      "SELECT p.due_at, (SELECT COUNT(*) FROM panel_members m WHERE m.declaration_id = p.declaration_id) AS members, "
      "(SELECT COUNT(*) FROM expert_reviews e JOIN panel_members m ON m.declaration_id = e.declaration_id AND "
      "m.expert_sub = e.expert_sub WHERE e.declaration_id = p.declaration_id) AS reviewed FROM panels p WHERE "
      "p.declaration_id = ?",
      {id});
  if (!r.next()) return false;  // no panel: the province decides as before
  return panel_pending(static_cast<size_t>(r.i64("members")), static_cast<size_t>(r.i64("reviewed")),
                       time_of_db(r.str("due_at")), now);
}

int open_objections(db::Connection& c, const std::string& id) {
  auto r = c.query("SELECT COUNT(*) AS n FROM objections WHERE declaration_id = ? AND state = 'open'", {id});
  r.next();
  return static_cast<int>(r.i64("n"));
}

json publicity_hold(int open) {
  if (open == 0) return nullptr;
  return {{"open_objections", open},
          {"reason", "objection_open"},
          {"message", "有 " + std::to_string(open) + " 件实名异议尚未处理，处理完毕前公示不结束"}};
}

Result<cmd::Document> Workflow::create_expert(const cmd::CreateExpert& command) {
  if (command.actor.role != Role::admin)
    return refuse(Problem::forbidden({"Only the admin manages the expert pool", "只有管理员可以管理专家库"}));
  Expert e{command.sub, command.name, command.employer, command.home_region, command.kinds};
  if (auto problems = expert_problems(e, regions_); !problems.empty())
    return refuse(Problem::invalid(std::move(problems)));
  const auto at = now();
  auto c = pool_.acquire();
  // The expert this request added already (a re-run after its gateway died), as it is now.
  auto created_before = [&]() -> std::optional<cmd::Document> {
    if (!command.request_key) return std::nullopt;
    auto sub = created_under(*c, "experts", "sub", *command.request_key, at);
    if (!sub) return std::nullopt;
    auto found = load_experts(*c, {*sub});
    if (found.empty()) return std::nullopt;
    return cmd::Document{found.begin()->second.to_json(regions_)};
  };
  if (auto before = created_before()) return std::move(*before);
  json kinds = json::array();
  for (auto k : e.kinds) kinds.push_back(name(k));
  try {
    c->execute(
        "INSERT INTO experts (sub, name, employer, home_region, kinds, created_by, created_at, request_key) VALUES (?, "
        "?, ?, ?, ?, ?, ?, ?)",
        {e.sub, e.name, e.employer, e.home_region, kinds.dump(), command.actor.sub, now_text(at), command.request_key});
  } catch (const std::exception& x) {
    if (!db::is_duplicate_key(x)) throw;
    // A twin under the same request key committed first: its expert is this request's too.
    if (auto before = created_before()) return std::move(*before);
    return refuse({ProblemKind::conflict,
                   {"The expert is already in the pool", "该专家已在专家库中"},
                   {"expert " + e.sub + " exists", "专家 " + e.sub + " 已存在"},
                   {}});
  }
  return cmd::Document{e.to_json(regions_)};
}

Result<cmd::Document> Workflow::list_experts(const cmd::ListExperts& command) {
  if (command.actor.role != Role::admin && !province_reviewer(command.actor))
    return refuse(Problem::forbidden(
        {"The expert pool is for the admin and province reviewers", "专家库仅供管理员和省级审核人员查看"}));
  auto c = pool_.acquire();
  json items = json::array();
  for (auto r = c->query(std::string("SELECT ") + kExpertColumns + " FROM experts ORDER BY sub LIMIT ?", {kMaxExperts});
       r.next();) {
    auto e = read_expert(r);
    if (!command.kind || e.reviews(*command.kind)) items.push_back(e.to_json(regions_));
  }
  return cmd::Document{{{"items", std::move(items)}}};
}

Result<cmd::Document> Workflow::assign_panel(const cmd::AssignPanel& command) {
  const auto at = now();
  auto done = db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Document> {
    auto row = load_for(c, command.actor, regions_, command.id, Action::assign_panel);
    if (!row) return refuse(std::move(row.error()));
    const auto panel = load_panel(c, row->id);
    std::set<std::string> current, reviewed;
    for (const auto& [sub, _] : panel.members) current.insert(sub);
    for (const auto& r : panel.reviews) reviewed.insert(r.expert);
    auto change = plan_panel(command.experts, command.due_at, load_experts(c, command.experts), current, reviewed,
                             row->kind, row->org, row->city, at);
    if (!change) return refuse(std::move(change.error()));
    for (const auto& sub : change->remove)
      c.execute("DELETE FROM panel_members WHERE declaration_id = ? AND expert_sub = ?", {row->id, sub});
    for (const auto& sub : change->add)
      c.execute("INSERT INTO panel_members (declaration_id, expert_sub, assigned_at) VALUES (?, ?, ?)",
                {row->id, sub, now_text(at)});
    // The members yet to review are reminded one day before the due date (none when that has passed).
    const auto remind = change->due_at - std::chrono::hours(24);
    const db::Param reminder_at = remind > at ? db::Param(now_text(remind)) : db::Param(nullptr);
    c.execute(
        "INSERT INTO panels (declaration_id, due_at, reminder_at, assigned_by, updated_at) VALUES (?, ?, ?, ?, ?) "
        "ON DUPLICATE KEY UPDATE due_at = VALUES(due_at), reminder_at = VALUES(reminder_at), assigned_by = "
        "VALUES(assigned_by), updated_at = VALUES(updated_at)",
        {row->id, now_text(change->due_at), reminder_at, command.actor.sub, now_text(at)});
    json members = json::array();
    for (const auto& [sub, _] : load_panel(c, row->id).members) members.push_back(sub);
    const auto due = rfc3339(change->due_at);
    append_history(
        c, *row, command.actor, "assign_panel", row->state, row->state, "", rfc3339(at),
        {{"panel", {{"experts", members}, {"added", change->add}, {"removed", change->remove}, {"due_at", due}}}});
    if (!change->add.empty()) {
      auto data = event_data(*row, row->state);
      data["experts"] = change->add;
      data["due_at"] = due;
      enqueue(c, command.actor, "declaration.panel_assigned", *row, data);
    }
    return cmd::Document{panel_view(c, row->id, command.actor)};
  });
  if (done && outbox_written_) outbox_written_();
  return done;
}

Result<cmd::Document> Workflow::get_panel(const cmd::GetPanel& command) {
  auto c = pool_.acquire();
  auto row = load_shown(*c, command.actor, regions_, command.id);
  // The panel is the province's and its experts': to anyone else it is not there.
  const bool may = row && (province_reviewer(command.actor) || command.actor.role == Role::admin ||
                           command.actor.role == Role::expert);
  if (!may) return refuse(Problem::not_found(kNoSuchDeclaration));
  return cmd::Document{panel_view(*c, row->id, command.actor)};
}

Result<cmd::Document> Workflow::panel_candidates(const cmd::PanelCandidates& command) {
  if (!province_reviewer(command.actor)) return refuse(Problem::forbidden(kProvinceOnly));
  auto c = pool_.acquire();
  auto row = load_shown(*c, command.actor, regions_, command.id);
  if (!row) return refuse(Problem::not_found(kNoSuchDeclaration));
  const auto panel = load_panel(*c, row->id);
  json items = json::array();
  for (auto r = c->query(std::string("SELECT ") + kExpertColumns + " FROM experts ORDER BY sub LIMIT ?", {kMaxExperts});
       r.next();) {
    auto e = read_expert(r);
    if (!e.reviews(row->kind)) continue;
    auto item = e.to_json(regions_);
    item["assigned"] = panel.has(e.sub);
    item["reviewed"] = panel.reviewed(e.sub);
    auto conflict = conflict_of(e, row->org, row->city);
    item["conflict"] = conflict ? json{{"reason", conflict->reason}, {"message", conflict->words.zh}} : json(nullptr);
    items.push_back(std::move(item));
  }
  return cmd::Document{{{"items", std::move(items)}}};
}

Result<cmd::Document> Workflow::review(const cmd::SubmitExpertReview& command) {
  const auto at = now();
  auto done = once_per_key(pool_, command, command.id, at, [&](db::Connection& c) -> Result<cmd::Document> {
    auto row = load_for(c, command.actor, regions_, command.id, Action::expert_review);
    if (!row) return refuse(std::move(row.error()));
    if (c.query("SELECT 1 FROM expert_reviews WHERE declaration_id = ? AND expert_sub = ?",
                {row->id, command.actor.sub})
            .next())
      return refuse({ProblemKind::conflict,
                     {"You have already reviewed this declaration", "您已提交过该申报的评审意见"},
                     {"a review is submitted once", "评审意见只能提交一次"},
                     {}});
    const json* items = command.items ? &*command.items : nullptr;
    if (auto problems = review_problems(command.score, command.opinion, items, item_ids(scorer_, row->kind));
        !problems.empty())
      return refuse(Problem::invalid(std::move(problems)));
    c.execute(
        "INSERT INTO expert_reviews (declaration_id, expert_sub, score, opinion, items, submitted_at) VALUES (?, ?, ?, "
        "?, ?, ?)",
        {row->id, command.actor.sub, command.score, command.opinion,
         items ? db::Param(items->dump()) : db::Param(nullptr), now_text(at)});
    // The chain holds the review's digest, not its words: history is read by the other experts,
    // who must not see a score before they have given theirs.
    const json review = {{"score", command.score}, {"opinion", command.opinion}, {"items", items ? *items : json()}};
    append_history(c, *row, command.actor, "expert_review", row->state, row->state, "", rfc3339(at),
                   {{"review_sha256", crypto::sha256_hex(review.dump())}});
    return cmd::Document{panel_view(c, row->id, command.actor)};
  });
  return done;
}

Result<cmd::Document> Workflow::assigned(const cmd::AssignedReviews& command) {
  if (command.actor.role != Role::expert)
    return refuse(Problem::forbidden({"Only experts have assigned reviews", "只有评审专家有评审任务"}));
  std::string where = " WHERE m.expert_sub = ?";
  std::vector<db::Param> params{command.actor.sub};
  keyset(where, params, command.cursor, "m.assigned_at", "m.declaration_id", command.limit);
  auto c = pool_.acquire();
  auto rows = c->query(
      "SELECT d.id, d.number, d.kind, COALESCE(v.org_name, d.org_name) AS org_name, v.title, d.state, d.region, "
      "d.city, m.assigned_at, p.due_at, r.submitted_at FROM panel_members m JOIN declarations d ON d.id = "
      "m.declaration_id JOIN declaration_versions v ON v.declaration_id = d.id AND v.version = d.submitted_version "
      "LEFT JOIN panels p ON p.declaration_id = d.id LEFT JOIN expert_reviews r ON r.declaration_id = d.id AND "
      "r.expert_sub = m.expert_sub" +
          where + " ORDER BY m.assigned_at DESC, m.declaration_id DESC LIMIT ?",
      params);
  auto total = [&] {
    auto r = c->query("SELECT COUNT(*) AS n FROM panel_members WHERE expert_sub = ?", {command.actor.sub});
    r.next();
    return r.i64("n");
  };
  auto item = [&](const db::Result& r) -> json {
    return {{"id", r.str("id")},
            {"number", r.str("number")},
            {"kind", r.str("kind")},
            {"title", r.str("title")},
            {"org_name", r.opt_str("org_name") ? json(*r.opt_str("org_name")) : json(nullptr)},
            {"state", r.str("state")},
            {"region", r.str("region")},
            {"region_name", regions_.name_of(r.str("region"))},
            {"city", r.str("city")},
            {"city_name", regions_.name_of(r.str("city"))},
            {"assigned_at", api_time(r.str("assigned_at"))},
            {"due_at", api_time(r.opt_str("due_at"))},
            {"reviewed", !r.is_null("submitted_at")},
            {"reviewed_at", api_time(r.opt_str("submitted_at"))}};
  };
  auto page = page_of(rows, command.limit, "assigned_at", item);
  page.body["total"] = total();
  return page;
}

Result<cmd::Document> Workflow::public_notices(const cmd::PublicNotices&) {
  auto c = pool_.acquire();
  json items = json::array();
  for (auto r = c->query(
           "SELECT d.number, d.kind, COALESCE(v.org_name, d.org_name) AS org_name, v.title, d.city, d.submitted_score, "
           "d.publicity_ends_at FROM declarations d JOIN declaration_versions v ON v.declaration_id = d.id AND "
           "v.version = d.submitted_version WHERE d.state = 'publicity' ORDER BY d.publicity_ends_at, d.number LIMIT ?",
           {kMaxNotices});
       r.next();) {
    const auto score = r.is_null("submitted_score") ? json::object() : json::parse(r.str("submitted_score"));
    json item = {{"number", r.str("number")},
                 {"kind", r.str("kind")},
                 {"org_name", r.opt_str("org_name") ? json(*r.opt_str("org_name")) : json(nullptr)},
                 {"title", r.str("title")},
                 {"city", r.str("city")},
                 {"city_name", regions_.name_of(r.str("city"))},
                 {"publicity_ends_at", api_time(r.opt_str("publicity_ends_at"))}};
    if (r.str("kind") == "morning_star") {
      auto level = score.value("verified_level", json());
      item["level"] = level.is_number_integer() ? level : score.value("self_assessed_level", json());
    } else {
      item["total"] = score.value("total", json());
    }
    items.push_back(std::move(item));
  }
  const auto total = items.size();
  return cmd::Document{{{"items", std::move(items)}, {"total", total}}};
}

Result<cmd::Document> Workflow::file_objection(const cmd::FileObjection& command) {
  const auto at = now();
  const Problem not_in_publicity =
      Problem::not_found({"No declaration of that number is in publicity", "没有该编号的公示项目"});
  auto done = db::transaction(pool_, [&](db::Connection& c) -> Result<cmd::Document> {
    auto found = c.query("SELECT id FROM declarations WHERE number = ?", {command.number});
    if (!found.next()) return refuse(not_in_publicity);
    auto row = load(c, found.str("id"));
    if (!row || row->state != State::publicity) return refuse(not_in_publicity);
    const auto id = crypto::uuid_v7();
    c.execute(
        "INSERT INTO objections (id, declaration_id, name, id_number, org, phone, content, state, filed_at) VALUES (?, "
        "?, ?, ?, ?, ?, ?, 'open', ?)",
        {id, row->id, command.name, command.id_number, command.org, command.phone, command.content, now_text(at)});
    // History and the event name the objection, never the objector (the applicant reads both).
    const auto public_actor = Actor::system("public");
    append_history(c, *row, public_actor, "objection", row->state, row->state, "收到一件实名异议", rfc3339(at),
                   {{"objection", id}});
    auto data = event_data(*row, row->state);
    data["objection"] = id;
    enqueue(c, public_actor, "declaration.objection_filed", *row, data);
    return cmd::Document{{{"id", id}, {"number", row->number}, {"state", "open"}, {"filed_at", rfc3339(at)}}};
  });
  if (done && outbox_written_) outbox_written_();
  return done;
}

Result<cmd::Document> Workflow::list_objections(const cmd::ListObjections& command) {
  if (!province_reviewer(command.actor)) return refuse(Problem::forbidden(kProvinceOnly));
  std::string where = " WHERE 1 = 1";
  std::vector<db::Param> params;
  if (command.state) {
    where += " AND o.state = ?";
    params.emplace_back(name(*command.state));
  }
  keyset(where, params, command.cursor, "o.filed_at", "o.id", command.limit);
  auto c = pool_.acquire();
  auto rows = c->query(kObjectionSelect + where + " ORDER BY o.filed_at DESC, o.id DESC LIMIT ?", params);
  return page_of(rows, command.limit, "filed_at", objection_json);
}

Result<cmd::Document> Workflow::resolve_objection(const cmd::ResolveObjection& command) {
  if (!province_reviewer(command.actor)) return refuse(Problem::forbidden(kProvinceOnly));
  if (command.comment.find_first_not_of(" \t\r\n") == std::string::npos)
    return refuse(Problem::invalid("/comment", {"a resolution needs a comment", "处理异议须填写处理意见"}));
  const auto at = now();
  // Its declaration is found in the transaction: the record names none.
  auto done = once_per_key(pool_, command, std::nullopt, at, [&](db::Connection& c) -> Result<cmd::Document> {
    auto found = c.query("SELECT declaration_id FROM objections WHERE id = ?", {command.id});
    if (!found.next()) return refuse(Problem::not_found(kNoSuchObjection));
    auto row = load(c, found.str("declaration_id"));  // the declaration's lock first, as every change takes it
    if (!row) return refuse(Problem::not_found(kNoSuchObjection));
    auto state = c.query("SELECT state FROM objections WHERE id = ? FOR UPDATE", {command.id});
    state.next();
    if (state.str("state") != "open")
      return refuse({ProblemKind::conflict, {"The objection is already resolved", "该异议已处理"}, {}, {}});
    c.execute(
        "UPDATE objections SET state = 'resolved', outcome = ?, comment = ?, resolved_at = ?, resolved_by = ? WHERE id "
        "= ?",
        {name(command.outcome), command.comment, now_text(at), command.actor.sub, command.id});
    append_history(c, *row, command.actor, "resolve_objection", row->state, row->state, command.comment, rfc3339(at),
                   {{"objection", command.id}, {"outcome", name(command.outcome)}});
    auto r = c.query(kObjectionSelect + " WHERE o.id = ?", {command.id});
    r.next();
    return cmd::Document{objection_json(r)};
  });
  return done;
}

int Workflow::send_panel_reminders() {
  int sent = 0;
  std::vector<std::string> ids;
  {
    auto lease = pool_.acquire();
    for (auto r =
             lease->query("SELECT declaration_id FROM panels WHERE reminder_at <= ? ORDER BY reminder_at LIMIT 100",
                          {now_text(now())});
         r.next();)
      ids.push_back(r.str("declaration_id"));
  }
  for (const auto& id : ids) {
    // Under the declaration's lock, the reminder cleared in the transaction that writes its event: sent once.
    bool done = db::transaction(pool_, [&](db::Connection& c) {
      auto row = load(c, id);
      if (!row) return false;
      auto due = c.query("SELECT due_at, reminder_at FROM panels WHERE declaration_id = ?", {id});
      if (!due.next() || due.is_null("reminder_at") || due.str("reminder_at") > now_text(now())) return false;
      const auto due_at = due.str("due_at");
      c.execute("UPDATE panels SET reminder_at = NULL WHERE declaration_id = ?", {id});
      if (row->state != State::province_review) return false;
      const auto panel = load_panel(c, id);
      json pending = json::array();
      for (const auto& [sub, _] : panel.members)
        if (!panel.reviewed(sub)) pending.push_back(sub);
      if (pending.empty()) return false;
      auto data = event_data(*row, row->state);
      data["experts"] = pending;
      data["due_at"] = api_time(due_at);
      enqueue(c, Actor::system("workflow"), "declaration.panel_reminder", *row, data);
      return true;
    });
    sent += done ? 1 : 0;
  }
  if (sent > 0 && outbox_written_) outbox_written_();
  return sent;
}

}  // namespace sdp::workflow
