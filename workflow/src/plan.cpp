#include "plan.hpp"

#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

const Text kNoSuchDeclaration{"No such declaration", "申报不存在"};

using Scored = scoring::Scorer::Scored;

// The score of `payload` with `verdicts`; both were checked against the model when they came in.
Result<Scored> score_of(const scoring::Scorer& scorer, Kind kind, const json& payload,
                        const std::vector<scoring::Verdict>& verdicts) {
  auto s = scorer.compute(kind, payload, verdicts);
  if (!s) return refuse(Problem::invalid(std::move(s.error())));
  return std::move(*s);
}

Snapshot snapshot(const Row& row) { return {row.state, row.returned_by, row.decided, row.kind == Kind::morning_star}; }

// The due date of `days` working days from `arrival`, with the tier's first reminder: at the start
// of its last working day (24 h before the end of it), or at the due date itself when it has only one.
void start_deadline(Row& row, Clock::time_point arrival, int days, const WorkingDays& calendar) {
  row.reminders_sent = 0;
  row.next_reminder_at.reset();
  auto due = calendar.due_at_if_known(arrival, days);
  if (!due) return;
  row.due_at = db_time(*due);
  row.next_reminder_at = db_time(days >= 2 ? *due - std::chrono::hours(24) : *due);
}

// Arriving at a tier starts its 办理时限 (CONTRACT §6): due at the end of the round's working days
// for that tier. Leaving the tiers ends it, but a return keeps the returning tier's due date.
void set_deadline(Row& row, State from, const Circumstances& given) {
  const auto tier = review_tier(row.state);
  if (!tier) {
    row.reminders_sent = 0;
    row.next_reminder_at.reset();  // a returned declaration is the applicant's: no reviewer is reminded
    if (row.state != State::returned) row.arrived_at.reset(), row.due_at.reset();
    return;
  }
  if (row.state == from) return;
  row.arrived_at = db_time(given.now);
  row.due_at.reset();
  row.reminders_sent = 0;
  row.next_reminder_at.reset();
  if (given.round && given.calendar)
    start_deadline(row, given.now, given.round->review_working_days.of(*tier), *given.calendar);
}

// The time a DATETIME(6) text of the row names, if it names one.
std::optional<Clock::time_point> time_of_row(const std::optional<std::string>& db_text) {
  return db_text ? time_of_db(*db_text) : std::nullopt;
}

// The change `outcome` makes, before what is particular to the verb.
Change change_of(const Row& row, const Actor& actor, Action action, const Outcome& outcome,
                 const Circumstances& given) {
  const auto now = given.now;
  Change c;
  c.row = row;
  c.planned_on = row.version;
  c.actor = actor;
  c.action = action;
  c.from = row.state;
  c.row.state = outcome.to;
  c.row.version = row.version + 1;
  c.row.returned_by = outcome.to == State::returned ? outcome.returned_by : std::nullopt;
  c.row.updated_at = db_time(now);  // the workflow's clock, so that the reply needs no second read
  if (outcome.to != State::publicity && outcome.to != State::approved) c.row.publicity_ends_at.reset();
  set_deadline(c.row, c.from, given);
  return c;
}

void rescore(Change& c, const Scored& s) {
  c.row.score = s.score;
  c.row.score_version = c.row.version;
  c.level = s.level;
  c.rescored = true;
}

// Scores the change's content with the verdicts so far; a problem when it cannot be scored.
std::optional<Problem> score_content(Change& c, const Circumstances& given) {
  auto scored = score_of(given.scorer, c.row.kind, c.row.payload, given.verdicts);
  if (!scored) return std::move(scored.error());
  rescore(c, *scored);
  return std::nullopt;
}

// The event of a change, with the tier it arrives at when it arrives at one.
void announce(Change& c, std::string type) {
  c.event_type = std::move(type);
  c.event_data = event_data(c.row, c.from);
  if (auto tier = review_tier(c.row.state); tier && c.from != c.row.state) {
    c.event_data["arrives_at"] = name(*tier);
    if (c.row.due_at) c.event_data["due_at"] = api_time(c.row.due_at);
  }
}

// Visibility, then the version guard (CONTRACT §3: an If-Match names the version it was made on).
std::optional<Problem> guard(const Row& row, const Standing& standing, std::optional<int64_t> expected) {
  if (!shown(standing, row)) return Problem::not_found(kNoSuchDeclaration);
  if (expected && *expected != row.version)
    return Problem{
        ProblemKind::precondition_failed,
        {"The declaration has changed", "申报已被修改"},
        {"you sent version " + std::to_string(*expected) + "; it is now at version " + std::to_string(row.version),
         "您提交的是第 " + std::to_string(*expected) + " 版，申报现已是第 " + std::to_string(row.version) +
             " 版，请刷新后重试"},
        {}};
  return std::nullopt;
}

// Visibility, the version guard and the machine: the change, before what is particular to the verb.
template <class C>
Result<Change> begin(const Row& row, const Standing& standing, const C& command, Action action,
                     const Circumstances& given) {
  if (auto p = guard(row, standing, command.expected_version)) return refuse(std::move(*p));
  auto outcome = transition(snapshot(row), action, standing);
  if (!outcome) return refuse(std::move(outcome.error()));
  return change_of(row, command.actor, action, *outcome, given);
}

// A change that takes one of the city's places needs a free one (CONTRACT §6).
std::optional<Problem> quota_check(const Change& c, const Circumstances& given) {
  if (place_change(c.from, c.row.state) != Place::take || !given.round || given.round->quotas.empty())
    return std::nullopt;
  // The caller counts under the round's lock whenever a place may be taken; without a count, refuse rather than
  // overfill.
  if (!given.recommended)
    return Problem{ProblemKind::unavailable, {"The city's places were not counted", "未能统计本市推荐名额"}, {}, {}};
  return quota_refusal(given.round->quotas, c.row.city, *given.recommended);
}

}  // namespace

Content content_of(const Row& row) { return {row.title, row.org_name, row.contact, row.payload}; }

json Row::to_json(const RegionCatalog& regions) const {
  return {{"id", id},
          {"number", number},
          {"kind", name(kind)},
          {"round", round},
          {"org", org},
          {"org_name", org_name ? json(*org_name) : json(nullptr)},
          {"region", region},
          {"region_name", regions.name_of(region)},
          {"city", city},
          {"city_name", regions.name_of(city)},
          {"title", title},
          {"contact", contact.to_json()},
          {"state", name(state)},
          {"returned_by", returned_by ? json(name(*returned_by)) : json(nullptr)},
          {"version", version},
          {"payload", payload},
          {"score", score},
          {"score_version", score_version ? json(*score_version) : json(nullptr)},
          {"publicity_ends_at", api_time(publicity_ends_at)},
          {"arrived_at", api_time(arrived_at)},
          {"due_at", api_time(due_at)},
          {"recommendation_rank", recommendation_rank ? json(*recommendation_rank) : json(nullptr)},
          {"valid_until", valid_until ? json(*valid_until) : json(nullptr)},
          {"created_at", api_time(created_at)},
          {"updated_at", api_time(updated_at)}};
}

Standing standing(const Actor& actor, const RegionCatalog& regions, const Row& row) {
  Standing s{actor.role, actor.tier};
  s.owner = actor.role == Role::applicant && actor.org == row.org;
  s.in_jurisdiction = actor.role == Role::reviewer && actor.tier &&
                      regions.in_jurisdiction(name(*actor.tier), actor.region, row.region);
  return s;
}

bool shown(const Standing& standing, const Row& row) {
  return visible(standing) &&
         (standing.role == Role::applicant || standing.role == Role::system || row.submitted_version.has_value());
}

Result<Row> plan_create(const Actor& actor, const cmd::CreateDeclaration& command, const RoundRow& round,
                        const scoring::Scorer& scorer, const RegionCatalog& regions, Clock::time_point now) {
  if (actor.role != Role::applicant)
    return refuse(Problem::forbidden({"Only an applicant may create a declaration", "只有申报单位可以创建申报"}));
  if (command.kind && *command.kind != round.kind)
    return refuse(Problem::invalid(
        "/kind",
        {"the round takes " + std::string(name(round.kind)) + " declarations",
         std::string("该申报批次只受理") + (round.kind == Kind::morning_star ? "晨星工厂" : "产业大脑") + "申报"}));
  if (auto p = outside_window(round, now)) return refuse(std::move(*p));
  const Kind kind = round.kind;
  if (!regions.is_county(command.region))
    return refuse(
        Problem::invalid("/region", {"'" + command.region + "' is not a county-level division of Shandong (GB/T 2260)",
                                     command.region + " 不是山东省的县级行政区划代码（GB/T 2260）"}));
  if (auto problems = scorer.validate_payload(kind, command.payload); !problems.empty())
    return refuse(Problem::invalid(std::move(problems)));
  auto scored = score_of(scorer, kind, command.payload, {});
  if (!scored) return refuse(std::move(scored.error()));
  Row row;
  row.kind = kind;
  row.round = round.id;
  row.org = actor.org;
  row.org_name = command.org_name;
  row.region = command.region;
  row.city = *regions.city_of(command.region);
  row.title = command.title;
  row.contact = command.contact;
  row.payload = command.payload;
  row.score = std::move(scored->score);
  row.score_version = 1;
  row.version = 1;
  return row;
}

Result<Change> plan(const Row& row, const Standing& standing, const cmd::UpdateDeclaration& command,
                    const Circumstances& given) {
  auto c = begin(row, standing, command, Action::update, given);
  if (!c) return c;
  if (command.payload)
    if (auto problems = given.scorer.validate_payload(row.kind, *command.payload); !problems.empty())
      return refuse(Problem::invalid(std::move(problems)));
  // What the command leaves out stays as it is.
  c->row.title = command.title;
  if (command.org_name) c->row.org_name = command.org_name;
  if (command.contact) c->row.contact = *command.contact;
  if (command.payload) c->row.payload = *command.payload;
  c->content_changed = true;
  c->history_extra = history_changes(content_changes(row.kind, content_of(row), content_of(c->row)));
  if (auto p = score_content(*c, given)) return refuse(std::move(*p));
  announce(*c, "declaration.updated");
  return c;
}

Result<Change> plan(const Row& row, const Standing& standing, const cmd::SubmitDeclaration& command,
                    const Circumstances& given) {
  auto c = begin(row, standing, command, Action::submit, given);
  if (!c) return c;
  // The window bounds the first submission; a resubmission after a return, the returning tier's due date.
  if (row.state == State::draft && given.round)
    if (auto p = outside_window(*given.round, given.now)) return refuse(std::move(*p));
  if (row.state == State::returned && given.round && row.returned_by)
    if (auto p = resubmission_closed(*given.round, *row.returned_by, time_of_row(row.due_at), given.now))
      return refuse(std::move(*p));
  if (auto gaps = submission_gaps(row, given.scorer); !gaps.empty()) return refuse(Problem::invalid(std::move(gaps)));
  // Back to the province after its return: the return freed the place, so this needs one again.
  if (auto p = quota_check(*c, given)) return refuse(std::move(*p));
  // Scored again with the model in force at submission: what reviewers see is never stale.
  if (auto p = score_content(*c, given)) return refuse(std::move(*p));
  c->submits = true;
  // A resubmission says what changed since the version that was returned.
  if (row.state == State::returned && given.last_submitted)
    c->history_extra = history_changes(content_changes(row.kind, *given.last_submitted, content_of(row)));
  announce(*c, "declaration.submitted");
  return c;
}

Result<Change> plan(const Row& row, const Standing& standing, const cmd::WithdrawDeclaration& command,
                    const Circumstances& given) {
  auto c = begin(row, standing, command, Action::withdraw, given);
  if (c) announce(*c, "declaration.withdrawn");
  return c;
}

Result<Change> plan(const Row& row, const Standing& standing, const cmd::DecideDeclaration& command,
                    const Circumstances& given) {
  if (command.decision == Decision::return_ && command.comment.find_first_not_of(" \t\r\n") == std::string::npos)
    return refuse(Problem::invalid("/comment", {"a return needs a comment telling the applicant what to fix",
                                                "退回时须填写意见，告诉申报单位需要修改什么"}));
  if (auto p = guard(row, standing, command.expected_version)) return refuse(std::move(*p));
  if (command.verified) {
    if (auto problems = given.scorer.validate_verified(row.kind, *command.verified); !problems.empty())
      return refuse(Problem::invalid(std::move(problems)));
  }
  const Action action = action_of(command.decision);
  auto verdicts = given.verdicts;
  if (command.verified && standing.tier) verdicts.push_back({std::string(name(*standing.tier)), *command.verified});
  auto snap = snapshot(row);
  snap.panel_pending = given.panel_pending;
  std::optional<Scored> scored;
  const bool province_approves_level =
      action == Action::approve && snap.morning_star && review_tier(row.state) == Tier::province;
  if (command.verified || province_approves_level) {
    // The level with every verdict so far, this one's included; with none, the applicant's claims.
    auto s = score_of(given.scorer, row.kind, row.payload, verdicts);
    if (!s) return refuse(std::move(s.error()));
    snap.verified_level = s->level;
    scored = std::move(*s);
  }
  auto outcome = transition(snap, action, standing);
  if (!outcome) return refuse(std::move(outcome.error()));

  auto c = change_of(row, command.actor, action, *outcome, given);
  if (auto p = quota_check(c, given)) return refuse(std::move(*p));  // the city's approve is its recommendation
  c.comment = command.comment;
  c.row.decided = true;
  if (outcome->to == State::publicity && row.state != State::publicity) {
    // 公示 lasts the round's working days; open (fixed later) while the calendar lacks the year.
    c.row.publicity_ends_at.reset();
    if (given.round && given.calendar)
      if (auto ends = given.calendar->due_at_if_known(given.now, given.round->publicity_working_days))
        c.row.publicity_ends_at = db_time(*ends);
  }
  if (command.verified) {
    c.verdict = *command.verified;
    rescore(c, *scored);
  }
  announce(c, action == Action::approve   ? "declaration.approved"
              : action == Action::return_ ? "declaration.returned"
                                          : "declaration.rejected");
  c.event_data["tier"] = name(*standing.tier);
  c.event_data["comment"] = command.comment;
  if (outcome->to == State::publicity && c.row.publicity_ends_at)
    c.event_data["publicity_ends_at"] = api_time(c.row.publicity_ends_at);
  return c;
}

Result<Change> plan_end_publicity(const Row& row, const Circumstances& given) {
  auto snap = snapshot(row);
  snap.objection_open = given.open_objections > 0;
  auto outcome = transition(snap, Action::end_publicity, Standing{Role::system});
  if (!outcome) return refuse(std::move(outcome.error()));
  if (!row.publicity_ends_at || *row.publicity_ends_at > db_time(given.now))
    return refuse({ProblemKind::conflict, {"publicity has not ended yet", "公示期尚未结束"}, {}, {}});
  auto c = change_of(row, Actor::system("workflow"), Action::end_publicity, *outcome, given);
  if (given.round) c.row.valid_until = valid_until(given.now, given.round->validity_years);
  c.event_type = "declaration.publicity_ended";
  c.event_data = event_data(c.row, c.from);
  return c;
}

Result<Row> plan_delete(const Row& row, const Standing& standing, const cmd::DeleteDeclaration& command) {
  if (auto p = guard(row, standing, command.expected_version)) return refuse(std::move(*p));
  if (standing.role != Role::applicant)
    return refuse(Problem::forbidden({"Only the applicant may delete its draft", "只有申报单位可以删除本单位的草稿"}));
  // A draft is never submitted (a return leaves it `returned`); submitted_version says so all the same.
  if (row.state != State::draft || row.submitted_version)
    return refuse({ProblemKind::conflict,
                   {"Only a draft never submitted can be deleted", "只有从未提交过的草稿可以删除"},
                   {"it is " + std::string(name(row.state)) + "; withdraw it instead",
                    "该申报当前状态为" + std::string(zh_name(row.state)) + "，不能删除，可以撤回"},
                   {}});
  return row;
}

json deleted_event_data(const Row& row) {
  auto data = event_data(row, State::draft);
  data["to"] = "deleted";
  return data;
}

std::optional<Reminder> plan_reminder(const Row& row, Clock::time_point now) {
  const std::string at = db_time(now);
  if (!row.next_reminder_at || *row.next_reminder_at > at) return std::nullopt;
  Reminder r{row, std::nullopt, nullptr};
  r.row.next_reminder_at.reset();
  const auto tier = review_tier(row.state);
  if (!tier || !row.due_at || row.reminders_sent >= 2) return r;  // nothing to remind of: the timer stops
  std::string stage;
  if (*row.due_at <= at) {
    stage = "overdue";
    r.row.reminders_sent = 2;
  } else if (row.reminders_sent == 0) {
    stage = "due_soon";
    r.row.reminders_sent = 1;
    r.row.next_reminder_at = row.due_at;
  } else {
    r.row.next_reminder_at = row.due_at;  // due soon was sent: the next is at the due date
    return r;
  }
  r.event_type = "declaration.reminder";
  r.event_data = event_data(row, row.state);
  r.event_data["reminder"] = stage;
  r.event_data["tier"] = name(*tier);
  r.event_data["due_at"] = api_time(row.due_at);
  return r;
}

std::optional<Row> plan_open_deadline(const Row& row, const std::optional<RoundRow>& round,
                                      const WorkingDays& calendar) {
  if (!round) return std::nullopt;
  Row fixed = row;
  if (auto tier = review_tier(row.state); tier && !row.due_at) {
    auto arrival = time_of_row(row.arrived_at ? row.arrived_at : std::optional(row.updated_at));
    if (!arrival) return std::nullopt;
    fixed.arrived_at = db_time(*arrival);
    start_deadline(fixed, *arrival, round->review_working_days.of(*tier), calendar);
    if (!fixed.due_at) return std::nullopt;
    return fixed;
  }
  if (row.state == State::publicity && !row.publicity_ends_at) {
    auto approved = time_of_row(row.updated_at);
    auto ends = approved ? calendar.due_at_if_known(*approved, round->publicity_working_days) : std::nullopt;
    if (!ends) return std::nullopt;
    fixed.publicity_ends_at = db_time(*ends);
    return fixed;
  }
  return std::nullopt;
}

json event_data(const Row& row, std::optional<State> from) {
  return {{"number", row.number},
          {"kind", name(row.kind)},
          {"org", row.org},
          {"region", row.region},
          {"city", row.city},
          {"title", row.title},
          {"contact", row.contact.to_json()},
          {"from", from ? name(*from) : ""},
          {"to", name(row.state)}};
}

namespace {
bool blank(const std::string& s) { return s.find_first_not_of(" \t\r\n") == std::string::npos; }
}  // namespace

std::vector<SchemaProblem> submission_gaps(const Row& row, const scoring::Scorer& scorer) {
  std::vector<SchemaProblem> gaps;
  if (!row.org_name || blank(*row.org_name))
    gaps.push_back(
        {"/org_name", "the organisation's name is required at submission", "企业名称不能为空，提交前须填写"});
  if (blank(row.contact.name))
    gaps.push_back({"/contact/name", "the contact's name is required", "联系人姓名不能为空"});
  if (blank(row.contact.phone))
    gaps.push_back({"/contact/phone", "the contact's phone number is required", "联系电话不能为空"});
  if (row.kind == Kind::industry_brain) {
    if (!row.payload.contains("cluster_name") || !row.payload["cluster_name"].is_string() ||
        blank(row.payload["cluster_name"].get<std::string>()))
      gaps.push_back({"/payload/cluster_name", "the cluster's name is required", "产业集群名称不能为空，提交前须填写"});
    const auto& given = row.payload.value("indicators", json::object());
    for (const auto& ind : scorer.industry_brain_catalog().indicators) {
      auto it = given.find(ind.id);
      if (it == given.end() || !scoring::has_input(*it))
        gaps.push_back({"/payload/indicators/" + ind.id,
                        ind.id + " " + ind.name + " is required at submission" +
                            (ind.input == scoring::Indicator::Input::grade ? " (a grade A–D)" : " (a value)"),
                        "提交前须填写 " + ind.id + " " + ind.name +
                            (ind.input == scoring::Indicator::Input::grade ? "（选择 A–D 档）" : "（填写数值）")});
    }
  } else if (!row.payload.contains("claimed_level")) {
    gaps.push_back(
        {"/payload/claimed_level", "the claimed level is required at submission", "申报等级不能为空，提交前须选择"});
  }
  // What the draft holds that the rules in force refuse (a decimal count saved before 2026.2): in the same
  // reply, so that one round of corrections suffices.
  auto problems = scorer.validate_payload(row.kind, row.payload);
  gaps.insert(gaps.end(), std::make_move_iterator(problems.begin()), std::make_move_iterator(problems.end()));
  cap_problems(gaps);
  return gaps;
}

}  // namespace sdp::workflow
