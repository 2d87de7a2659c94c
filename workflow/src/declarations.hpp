#pragma once
// The workflow's commands and queries on declarations (CONTRACT §3): each change is planned by
// the pure core (plan.hpp) and written by apply() in one transaction with its version row, score,
// verdict, history entry and outbox event, guarded by the version it was planned on.

#include <chrono>
#include <functional>

#include "plan.hpp"
#include "sdp/commands.hpp"
#include "sdp/db.hpp"
#include "sdp/regions.hpp"
#include "sdp/scoring/scorer.hpp"

namespace sdp::workflow {

struct Settings {
  std::chrono::seconds publicity{5 * 24 * 3600};
};

// Writes a planned change: the row (guarded by `change.planned_on`), its version row, verdict,
// history entry and outbox event.
void apply(db::Connection& c, const Change& change);

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
  Result<cmd::Declaration> get(const cmd::GetDeclaration& command);
  Result<cmd::Document> list(const cmd::ListDeclarations& command);
  Result<cmd::Document> pending(const cmd::PendingReviews& command);
  // The two statements pending() runs for `command` at `now` (the total, then the page), for
  // EXPLAIN in tests and docs/performance.md; a refusal as pending() would answer it.
  struct Statement {
    std::string sql;
    std::vector<db::Param> params;
  };
  struct QueueStatements {
    Statement count, page;
  };
  Result<QueueStatements> pending_statements(const cmd::PendingReviews& command,
                                             std::chrono::system_clock::time_point now) const;
  Result<cmd::Document> history(const cmd::DeclarationHistory& command);
  Result<cmd::Document> stats(const cmd::Statistics& command);
  // Rounds (rounds.cpp).
  Result<cmd::Round> create_round(const cmd::CreateRound& command);
  Result<cmd::Document> list_rounds(const cmd::ListRounds& command);
  Result<cmd::Round> get_round(const cmd::GetRound& command);
  Result<cmd::Round> update_round(const cmd::UpdateRound& command);

  // Moves every declaration whose publicity has ended to approved; returns how many.
  int end_due_publicity();

 private:
  // Loads the row under its lock, plans the command on it and applies the plan.
  template <class C>
  Result<cmd::Declaration> perform(const C& command);
  Circumstances circumstances(db::Connection& c, const Row& row) const;
  Result<cmd::Document> page(const Actor& actor, std::string where, std::vector<db::Param> params, int limit,
                             const std::optional<PageCursor>& cursor);

  db::Pool& pool_;
  const scoring::Scorer& scorer_;
  const RegionCatalog& regions_;
  const WorkingDays& calendar_;
  Settings settings_;
  std::function<void()> outbox_written_;
};

}  // namespace sdp::workflow
