#pragma once
// The workflow's pure core of each change (CONTRACT §2, §3): plan(row, standing, command, …) says
// what the change is — new state, version and content, the score, the history entry, the verdict
// and the event — or the Problem that refuses it. No database, no clock: apply() writes it.

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "diff.hpp"
#include "quota.hpp"
#include "round_plan.hpp"
#include "sdp/actor.hpp"
#include "sdp/commands.hpp"
#include "sdp/declaration.hpp"
#include "sdp/problem.hpp"
#include "sdp/regions.hpp"
#include "sdp/scoring/scorer.hpp"
#include "sdp/working_days.hpp"
#include "state_machine.hpp"

namespace sdp::workflow {

// A declaration as its row holds it; times are DATETIME(6) text.
struct Row {
  std::string id, number;
  Kind kind = Kind::morning_star;
  std::string round;  // the round's id
  std::string org, region, city, title;
  std::optional<std::string> org_name;  // 企业名称; required at submit
  cmd::Contact contact;
  nlohmann::json payload = nlohmann::json::object();
  nlohmann::json score;  // null: none yet
  State state = State::draft;
  int64_t version = 0;
  std::optional<int64_t> score_version;      // the version at which the score was computed
  std::optional<int64_t> submitted_version;  // the content version last submitted; none: never submitted
  std::optional<Tier> returned_by;
  std::optional<std::string> publicity_ends_at;
  // 办理时限 (DATETIME(6) text, UTC): when it reached the tier it awaits and when that tier's working
  // days end; due_at empty while the calendar lacks the year it falls in. A return keeps the
  // returning tier's due_at (the resubmission's limit once the round has closed).
  std::optional<std::string> arrived_at, due_at;
  // The reminders of that tier (CONTRACT §6): how many were sent (0 none, 1 due soon, 2 overdue)
  // and when the next one is due (DATETIME(6) text, UTC; none: nothing more to send).
  int reminders_sent = 0;
  std::optional<std::string> next_reminder_at;
  // The declaration version whose file list was frozen at the last submission; none before one.
  // Like the reminders, read only with the row under its lock.
  std::optional<int64_t> submitted_files_version;
  // The head of its hash-chained history (store.hpp: next_history): the last entry's seq and hash;
  // 0 and empty before the first. Like the reminders, read only with the row under its lock.
  int history_seq = 0;
  std::string history_head;
  bool decided = false;                    // a reviewer has decided since it was last submitted from draft
  std::optional<int> recommendation_rank;  // the city's rank of its recommendation; none for applicants
  std::optional<std::string> valid_until;  // YYYY-MM-DD, once approved
  std::string created_at, updated_at;

  // The declaration of CONTRACT §3, with the names of its region and city.
  nlohmann::json to_json(const RegionCatalog& regions) const;
};

// A change planned on a row, ready to be written in one transaction.
struct Change {
  Row row;                 // the declaration after the change
  int64_t planned_on = 0;  // the version it was planned on: the write's guard
  Actor actor;             // who acts, for the history entry and the event
  Action action = Action::update;
  State from = State::draft;  // the history entry's; `row.state` is its `to`
  std::string comment;
  bool content_changed = false;           // an edit: the content gets a version row
  bool submits = false;                   // reviewers see this content and score from now on
  bool rescored = false;                  // row.score is new, computed at row.version
  std::optional<int> level;               // 晨星工厂: the level of row.score, for the statistics
  std::optional<nlohmann::json> verdict;  // the deciding tier's verdict, to be kept
  std::string event_type;
  nlohmann::json event_data;  // schemas/events/declaration.schema.json
  // Members the history entry adds: {"changes": […]} of a save or a resubmission (diff.hpp).
  nlohmann::json history_extra = nlohmann::json::object();
};

// What a plan needs besides the row and the command.
struct Circumstances {
  const scoring::Scorer& scorer;
  std::vector<scoring::Verdict> verdicts;  // the declaration's, in the order given
  std::chrono::system_clock::time_point now;
  std::optional<RoundRow> round;          // the declaration's: its window bounds the first submission
  const WorkingDays* calendar = nullptr;  // deadlines and 公示 are counted on it; none: left open
  // The places the declaration's city holds in its round, counted under the round's lock; set
  // whenever the change may take one (a city approve, a resubmission after the province's return).
  std::optional<int> recommended;
  // The content last submitted, for a resubmission's account of what changed since the return.
  std::optional<Content> last_submitted;
  // CONTRACT §8: the panel holds the province's approve (reviews missing, before its due date); the
  // objections still open hold the end of 公示.
  bool panel_pending = false;
  int open_objections = 0;
};

// The content a row holds now.
Content content_of(const Row& row);

// How `actor` relates to `row`, and whether it may see it (a draft never submitted is the applicant's alone).
Standing standing(const Actor& actor, const RegionCatalog& regions, const Row& row);
bool shown(const Standing& standing, const Row& row);

// A new draft (id, number and times still to be given by the writer), or why not.
// `round` is the one the command names; creating outside its window is a conflict.
Result<Row> plan_create(const Actor& actor, const cmd::CreateDeclaration& command, const RoundRow& round,
                        const scoring::Scorer& scorer, const RegionCatalog& regions, Clock::time_point now);
// A change of `row` by the command's actor, who stands to it as `standing` says.
Result<Change> plan(const Row& row, const Standing& standing, const cmd::UpdateDeclaration& command,
                    const Circumstances& given);
Result<Change> plan(const Row& row, const Standing& standing, const cmd::SubmitDeclaration& command,
                    const Circumstances& given);
Result<Change> plan(const Row& row, const Standing& standing, const cmd::WithdrawDeclaration& command,
                    const Circumstances& given);
Result<Change> plan(const Row& row, const Standing& standing, const cmd::DecideDeclaration& command,
                    const Circumstances& given);
// The publicity timer's: ends a publicity whose time is up.
Result<Change> plan_end_publicity(const Row& row, const Circumstances& given);

// A reminder of a tier's deadline (CONTRACT §6) falling due: the row with its reminder stage and
// next reminder advanced, and the event to send, if any (none when only the timer moves).
struct Reminder {
  Row row;
  std::optional<std::string> event_type;
  nlohmann::json event_data;
};
// What the reminder timer does with `row` at `now`: nothing when no reminder is due yet. Due soon at
// the start of the tier's last working day; overdue at due_at (both, if both have passed: overdue alone).
std::optional<Reminder> plan_reminder(const Row& row, Clock::time_point now);

// A deadline left open (due_at at a tier, publicity_ends_at in 公示) computed once `calendar` covers
// it: the row with it (and its first reminder) set, or nothing when it is not open or still unknown.
// A tier's count starts at arrived_at, 公示's at the province's approval (the row's last change).
std::optional<Row> plan_open_deadline(const Row& row, const std::optional<RoundRow>& round,
                                      const WorkingDays& calendar);

// The facts every declaration event carries (schemas/events/declaration.schema.json); `from` empty on creation.
nlohmann::json event_data(const Row& row, std::optional<State> from);

// A draft never submitted, to be deleted by its applicant (If-Match required): the row as it is,
// or why not (not_found, precondition_failed, forbidden for another role, conflict once submitted).
Result<Row> plan_delete(const Row& row, const Standing& standing, const cmd::DeleteDeclaration& command);
// The declaration.deleted event's data: the draft's facts, `from` draft, `to` deleted.
nlohmann::json deleted_event_data(const Row& row);

// Everything submit requires and the draft lacks or holds wrongly, in one list (CONTRACT §3: every
// gap listed with its pointer): org_name, contact name and phone, the payload's gaps, and what the
// rules in force refuse in it.
std::vector<SchemaProblem> submission_gaps(const Row& row, const scoring::Scorer& scorer);

}  // namespace sdp::workflow
