#include "group_commit.hpp"

#include <algorithm>
#include <stdexcept>

#include "sdp/metrics.hpp"

namespace sdp::workflow {
namespace {

thread_local Deferred* t_deferred = nullptr;

// Writes deferred on this thread while it lives.
struct Deferring {
  explicit Deferring(Deferred& later) { t_deferred = &later; }
  ~Deferring() { t_deferred = nullptr; }
  Deferring(const Deferring&) = delete;
  Deferring& operator=(const Deferring&) = delete;
};

}  // namespace

void Rows::add(std::initializer_list<db::Param> row) {
  if (row.size() != width_) throw std::logic_error("a row of " + table_ + " has " + std::to_string(width_) + " values");
  params_.insert(params_.end(), row);
}

void Rows::write(db::Connection& c, db::Prepare prepare) {
  if (params_.empty()) return;
  const auto one = "(" + db::placeholders(width_) + ")";
  std::string sql = "INSERT INTO " + table_ + " VALUES " + one;
  for (size_t i = 1; i < size(); ++i) sql += ", " + one;
  c.execute(sql, params_, prepare);
  params_.clear();
}

void Deferred::write(db::Connection& c) {
  // A lone change's texts are the ones every quiet moment writes, worth keeping on the
  // connection; a batch's are one of its sizes, prepared for this batch only (the prepare shared
  // by its changes), or every size would stay on every connection (db::Prepare).
  const auto prepare = history.size() <= 1 ? db::Prepare::keep : db::Prepare::once;
  history.write(c, prepare);
  events.write(c, prepare);
  if (auto s = count_statement(std::move(counts))) c.execute(s->sql, s->params, prepare);
  counts.clear();
}

Deferred* GroupCommit::deferred() { return t_deferred; }

size_t GroupCommit::waiting() {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void GroupCommit::run(Job& job) {
  std::unique_lock lock(mutex_);
  queue_.push_back(&job);
  for (;;) {
    if (job.stage == Job::Stage::done) return;
    const bool leads = job.stage == Job::Stage::leads;  // its lane counted by whoever told it
    if (!leads && !(job.stage == Job::Stage::queued && leading_ < lanes_)) {
      job.changed.wait(lock);
      continue;
    }
    if (!leads) ++leading_;
    // The queue in arrival order, but not a job another has told to lead (it takes its own batch).
    std::vector<Job*> batch, rest;
    for (Job* j : queue_)
      (batch.size() < static_cast<size_t>(most_) && (j == &job || j->stage == Job::Stage::queued) ? batch : rest)
          .push_back(j);
    queue_ = std::move(rest);
    for (Job* j : batch) j->stage = Job::Stage::taken;
    lock.unlock();
    lead(batch);
    lock.lock();
    for (Job* j : batch) {
      j->stage = Job::Stage::done;
      if (j != &job) j->changed.notify_one();
    }
    // The lane passes to the first command still waiting, if any; else it is free.
    auto next = std::find_if(queue_.begin(), queue_.end(), [](Job* j) { return j->stage == Job::Stage::queued; });
    if (next == queue_.end()) {
      --leading_;
    } else {
      (*next)->stage = Job::Stage::leads;
      (*next)->changed.notify_one();
    }
  }
}

void GroupCommit::lead(const std::vector<Job*>& batch) {
  auto alone = [](Job& j) {
    try {
      j.alone();
    } catch (...) {
      j.error = std::current_exception();
    }
  };
  if (batch.size() == 1) return alone(*batch.front());
  metrics::global().inc("sdp_workflow_group_commits_total");
  metrics::global().inc("sdp_workflow_group_committed_changes_total", {}, static_cast<double>(batch.size()));
  bool together = true;
  try {
    auto lease = pool_.acquire();
    Deferred later;
    bool committing = false;
    try {
      Deferring deferring(later);
      lease->begin();
      for (Job* j : batch) j->together(*lease);
      later.write(*lease);
      committing = true;
      lease->commit();
    } catch (const std::exception& e) {
      try {
        if (lease->in_transaction()) lease->rollback();
      } catch (...) {
        lease.discard();
      }
      // A COMMIT that failed may still have committed: only a conflict (a deadlock, a Galera
      // certification failure) says for certain that it did not. Anything else fails them all,
      // as a commit failing alone fails its one command.
      if (committing && !db::is_retryable_conflict(e)) throw;
      together = false;
    }
  } catch (...) {
    for (Job* j : batch) j->error = std::current_exception();
    return;
  }
  if (together) return;
  metrics::global().inc("sdp_workflow_group_commits_undone_total");
  for (Job* j : batch) alone(*j);
}

}  // namespace sdp::workflow
