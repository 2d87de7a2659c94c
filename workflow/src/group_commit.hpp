#pragma once
// Group commit (issue 21): the changes that reach workflow at the same time share one transaction
// and one commit. Each is still its own plan, its own writes and its own reply; what they share is
// the START and the COMMIT (a commit is the dearest statement: the binary log's and InnoDB's
// writes and syncs) and the rows every change adds — its history entry, its event and the
// queues' counts — written at the end of the batch, a statement for each table (Deferred).
//
// The first command to find a lane free leads: it takes every command queued (at most `most`),
// runs them one after another on one connection, commits, and hands the lane on. If any of them
// throws (a deadlock, a duplicate key, a lost connection), the batch is rolled back and each of
// its commands runs again alone, exactly as without group commit; a refusal is a reply, not a
// failure, and commits with the others as it would alone.

#include <condition_variable>
#include <exception>
#include <functional>
#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "queue.hpp"
#include "sdp/db.hpp"

namespace sdp::workflow {

// Rows of one table gathered for a single multi-row INSERT.
class Rows {
 public:
  // `table`: "t (a, b, c)", the table and the columns each row gives, in order.
  Rows(std::string table, size_t width) : table_(std::move(table)), width_(width) {}
  void add(std::initializer_list<db::Param> row);
  size_t size() const { return params_.size() / width_; }
  // One INSERT of every row added (none when there is none), and empty again; its statement kept
  // on the connection for the next INSERT of as many rows, or prepared for this one (db::Prepare).
  void write(db::Connection& c, db::Prepare prepare = db::Prepare::keep);

 private:
  std::string table_;
  size_t width_;
  std::vector<db::Param> params_;
};

// What the changes of a batch add to tables every change writes to, written together at its end:
// the history entries, then the events, in the order the changes made them, then the queues'
// counts (last: they are the rows most shared). Nothing in a batch reads these rows back: a
// declaration's next history entry links to the head kept on its row.
struct Deferred {
  Rows history{"declaration_history (declaration_id, seq, entry, hash)", 4};
  Rows events{"outbox (event_id, declaration_id, subject, body)", 4};
  std::vector<CountDelta> counts;
  void write(db::Connection& c);
};

class GroupCommit {
 public:
  // `lanes`: batches that may run at once, each on a connection of its own; 0, every change in
  // its own transaction (db::transaction). `most`: commands a batch takes at most.
  GroupCommit(db::Pool& pool, int lanes, int most) : pool_(pool), lanes_(lanes), most_(most) {}

  // As db::transaction(pool, work), in a batch with the changes queued meanwhile: the caller waits
  // for the batch's commit (or leads it) and gets its own work's result or exception.
  template <class F>
  auto transaction(F&& work) -> decltype(work(std::declval<db::Connection&>()));

  // The deferred writes of the batch this thread is running, if it is: apply() adds its rows here
  // instead of writing them, and the batch writes them together before it commits.
  static Deferred* deferred();

  // Changes waiting for a lane now (not yet taken into a batch).
  size_t waiting();

 private:
  struct Job {
    std::function<void(db::Connection&)> together;  // the work, in the batch's transaction
    std::function<void()> alone;                    // the work in a transaction of its own
    std::exception_ptr error;
    enum class Stage { queued, leads, taken, done } stage = Stage::queued;
    std::condition_variable changed;
  };
  // Queues `job` and returns once it is done, having led a batch (its own, or the next) if it had to.
  void run(Job& job);
  // Runs `batch` (taken off the queue) and records each job's outcome; no lock held.
  void lead(const std::vector<Job*>& batch);

  db::Pool& pool_;
  const int lanes_, most_;
  std::mutex mutex_;
  std::vector<Job*> queue_;  // in arrival order
  int leading_ = 0;          // lanes in use, counting a job told to lead that has not woken yet
};

template <class F>
auto GroupCommit::transaction(F&& work) -> decltype(work(std::declval<db::Connection&>())) {
  using R = decltype(work(std::declval<db::Connection&>()));
  static_assert(!std::is_void_v<R>, "a change answers something");
  if (lanes_ == 0) return db::transaction(pool_, work);
  std::optional<R> result;
  Job job;
  job.together = [&](db::Connection& c) { result.emplace(work(c)); };
  job.alone = [&] { result.emplace(db::transaction(pool_, work)); };
  run(job);
  if (job.error) std::rethrow_exception(job.error);
  return std::move(*result);
}

}  // namespace sdp::workflow
