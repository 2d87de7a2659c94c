#pragma once
// The workflow's commands and queries on declarations (CONTRACT §3): each change is planned by
// the pure core (plan.hpp) and written by apply() in one transaction with its version row, score,
// verdict, history entry and outbox event, guarded by the version it was planned on.

#include <chrono>
#include <functional>

#include "group_commit.hpp"
#include "plan.hpp"
#include "queue.hpp"
#include "sdp/commands.hpp"
#include "sdp/db.hpp"
#include "sdp/regions.hpp"
#include "sdp/scoring/scorer.hpp"

namespace sdp::workflow {

struct Settings {
  // Workflow's clock is the system's moved by this much (SDP_CLOCK_OFFSET_SECONDS): rehearsals and
  // tests move time to see deadlines, reminders and 公示 pass; 0 in production.
  std::chrono::seconds clock_offset{0};
  // Group commit of creations and changes (group_commit.hpp): batches at once, 0 for none; and
  // the changes a batch takes at most.
  int commit_lanes = 0;
  int commit_batch = 32;
};

// The places `city` holds in `round` (quota.hpp: recommended); exact only under the round's lock.
int recommended_in(db::Connection& c, const std::string& round, const std::string& city);

// The row under its lock (files.cpp shares it).
std::optional<Row> lock_row(db::Connection& c, const std::string& id);
// The declaration as `actor` is shown it, if it may be shown at all.
std::optional<Row> shown_row(db::Connection& c, const Actor& actor, const RegionCatalog& regions,
                             const std::string& id);

// Writes a planned change: the row (guarded by `change.planned_on`), its version row, verdict,
// history entry, outbox event and the queues' counts.
void apply(db::Connection& c, const Change& change);

// The queues' counts (queue_counts, migration 0021) counted again from the declarations, in one
// transaction: for after rows were loaded or moved by SQL, bypassing apply (tests, benchmarks).
void recount_queues(db::Pool& pool);

class Workflow {
 public:
  Workflow(db::Pool& pool, const scoring::Scorer& scorer, const RegionCatalog& regions, const WorkingDays& calendar,
           Settings settings, std::function<void()> outbox_written);

  // Never throw for a refusal, only for infrastructure failures (sdp::Error).
  Result<cmd::Declaration> create(const cmd::CreateDeclaration& command);
  Result<cmd::Declaration> update(const cmd::UpdateDeclaration& command);
  Result<cmd::Declaration> submit(const cmd::SubmitDeclaration& command);
  Result<cmd::Declaration> withdraw(const cmd::WithdrawDeclaration& command);
  Result<cmd::Declaration> decide(const cmd::DecideDeclaration& command);
  Result<cmd::Serialized> get(const cmd::GetDeclaration& command);  // passed through by the gateway
  Result<cmd::Document> list(const cmd::ListDeclarations& command);
  Result<cmd::Serialized> pending(const cmd::PendingReviews& command);  // passed through by the gateway
  // The two statements pending() runs for `command` at `now` (the total, then the page), for
  // EXPLAIN in tests and docs/performance.md; a refusal as pending() would answer it.
  struct QueueStatements {
    Statement count, page;
  };
  Result<QueueStatements> pending_statements(const cmd::PendingReviews& command,
                                             std::chrono::system_clock::time_point now) const;
  Result<cmd::Document> history(const cmd::DeclarationHistory& command);
  // Deletes a draft never submitted: a tombstone row, its rows gone, declaration.deleted enqueued.
  Result<cmd::Empty> remove(const cmd::DeleteDeclaration& command);
  // What changed between two content versions the caller may see (diff.hpp).
  Result<cmd::Document> diff(const cmd::DeclarationDiff& command);
  Result<cmd::Document> stats(const cmd::Statistics& command);
  // Rounds (rounds.cpp).
  Result<cmd::Round> create_round(const cmd::CreateRound& command);
  Result<cmd::Document> list_rounds(const cmd::ListRounds& command);
  Result<cmd::Round> get_round(const cmd::GetRound& command);
  Result<cmd::Round> update_round(const cmd::UpdateRound& command);
  Result<cmd::Document> get_recommendations(const cmd::GetRecommendations& command);
  Result<cmd::Document> rank_recommendations(const cmd::RankRecommendations& command);
  // Expert review and objections during 公示 (experts.cpp, CONTRACT §8).
  Result<cmd::Document> create_expert(const cmd::CreateExpert& command);
  Result<cmd::Document> list_experts(const cmd::ListExperts& command);
  Result<cmd::Document> assign_panel(const cmd::AssignPanel& command);
  Result<cmd::Document> get_panel(const cmd::GetPanel& command);
  Result<cmd::Document> panel_candidates(const cmd::PanelCandidates& command);
  Result<cmd::Document> review(const cmd::SubmitExpertReview& command);
  Result<cmd::Document> assigned(const cmd::AssignedReviews& command);
  Result<cmd::Document> public_notices(const cmd::PublicNotices& command);
  Result<cmd::Document> file_objection(const cmd::FileObjection& command);
  Result<cmd::Document> list_objections(const cmd::ListObjections& command);
  Result<cmd::Document> resolve_objection(const cmd::ResolveObjection& command);
  // Evidence files' metadata (files.cpp, CONTRACT §7).
  Result<cmd::Document> add_file(const cmd::AddFile& command);
  Result<cmd::Document> list_files(const cmd::ListFiles& command);
  Result<cmd::Empty> delete_file(const cmd::DeleteFile& command);
  Result<cmd::Document> file_access(const cmd::FileAccess& command);
  Result<cmd::Document> named_blobs(const cmd::NamedBlobs& command);
  // The 申报书 of a content version, and what a printed one's code stands for (documents.cpp, CONTRACT §9).
  Result<cmd::Document> document(const cmd::DeclarationDocument& command);
  Result<cmd::Document> verify_document(const cmd::VerifyDocument& command);

  // Moves every declaration whose publicity has ended to approved; returns how many.
  int end_due_publicity();
  // Sends every reminder that has fallen due (CONTRACT §6), each once even with several instances;
  // returns how many were sent.
  int send_due_reminders();
  // Computes the deadlines left open (due_at at a tier, publicity_ends_at in 公示) that the calendar
  // now covers; returns how many.
  int fix_open_deadlines();
  // Reminds the experts of every panel whose reminder has fallen due (one day before its due date)
  // who have not reviewed yet, once; returns how many panels were reminded.
  int send_panel_reminders();
  // Deletes the reply records of changes under a request key older than 24 hours (replies.hpp).
  int purge_expired_replies();

  // The time for every rule workflow applies: the system's, moved by the configured offset.
  Clock::time_point now() const { return Clock::now() + settings_.clock_offset; }

 private:
  // Loads the row under its lock, plans the command on it and applies the plan.
  template <class C>
  Result<cmd::Declaration> perform(const C& command);
  // What the plan needs; with the round `locked`, the city's places counted too.
  Circumstances circumstances(db::Connection& c, const Row& row, std::optional<RoundRow> locked) const;
  nlohmann::json round_figures(db::Connection& c, const Actor& actor, const RoundRow& round,
                               const nlohmann::json& by_state) const;
  // The round as its reply, with its counts (declared, submitted, recommended per city against quota).
  cmd::Round round_reply(db::Connection& c, const RoundRow& round) const;
  cmd::Document recommendations_reply(db::Connection& c, const RoundRow& round, const std::string& city) const;
  Result<cmd::Document> page(const Actor& actor, std::string where, std::vector<db::Param> params, int limit,
                             const std::optional<PageCursor>& cursor);

  db::Pool& pool_;
  const scoring::Scorer& scorer_;
  const RegionCatalog& regions_;
  const WorkingDays& calendar_;
  Settings settings_;
  GroupCommit commits_;  // creations' and changes' transactions
  std::function<void()> outbox_written_;
};

}  // namespace sdp::workflow
