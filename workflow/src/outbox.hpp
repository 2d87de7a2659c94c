#pragma once
// The outbox relay: publishes the events each change wrote into the outbox table, in order, with
// the event id as JetStream message id, and marks them sent. One instance relays at a time (a
// lease in the database, which holds across Galera nodes); the others stand by and take over
// when it expires or is given up.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stop_token>

#include "sdp/db.hpp"
#include "sdp/leader_lease.hpp"
#include "sdp/nats.hpp"

namespace sdp::workflow {

class OutboxRelay {
 public:
  // `lease_ttl`: how long a relay that died unannounced holds up the others.
  OutboxRelay(db::Pool& pool, nats::Connection& nats, int batch,
              std::chrono::milliseconds lease_ttl = std::chrono::seconds(5));
  // Wakes the relay after a commit that wrote events.
  void notify();
  void run(std::stop_token stop);
  // One pass: publishes up to `batch` unsent events in order; stops at the first failure.
  // Returns how many were published and marked. Exposed for tests.
  int relay_once(db::Connection& conn);
  bool leader() const { return leader_; }

 private:
  void wait(std::stop_token& stop, std::chrono::milliseconds max);
  db::Pool& pool_;
  nats::Connection& nats_;
  int batch_;
  db::LeaderLease lease_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool pending_ = false;
  std::atomic<bool> leader_{false};
};

}  // namespace sdp::workflow
