#include "outbox.hpp"

#include "sdp/error.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp::workflow {

OutboxRelay::OutboxRelay(db::Pool& pool, nats::Connection& nats, int batch, std::chrono::milliseconds lease_ttl)
    : pool_(pool), nats_(nats), batch_(batch), lease_("workflow.outbox_relay", lease_ttl) {}

void OutboxRelay::notify() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

void OutboxRelay::wait(std::stop_token& stop, std::chrono::milliseconds max) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, stop, max, [this] { return pending_; });
  pending_ = false;
}

int OutboxRelay::relay_once(db::Connection& conn) {
  struct Pending {
    int64_t id;
    std::string event_id, subject, body;
  };
  std::vector<Pending> rows;
  for (auto r = conn.query("SELECT id, event_id, subject, body FROM outbox WHERE sent_at IS NULL ORDER BY id LIMIT ?",
                           {batch_});
       r.next();)
    rows.push_back({r.i64("id"), r.str("event_id"), r.str("subject"), r.str("body")});
  std::vector<db::Param> sent;
  for (const auto& row : rows) {
    try {
      nats_.publish(row.subject, row.body, row.event_id);
    } catch (const Error& e) {
      // Keep the order: nothing after an unpublished event goes out before it.
      log::warn("outbox publish failed; will retry", {{"event_id", row.event_id}, {"error", e.what()}});
      break;
    }
    sent.emplace_back(row.id);
  }
  if (!sent.empty()) {
    // A crash before this line republishes the batch with the same ids: JetStream drops the duplicates.
    conn.execute("UPDATE outbox SET sent_at = UTC_TIMESTAMP(6) WHERE id IN (" + db::placeholders(sent.size()) + ")",
                 sent);
    metrics::global().inc("sdp_outbox_published_total", {}, static_cast<double>(sent.size()));
  }
  return static_cast<int>(sent.size());
}

void OutboxRelay::run(std::stop_token stop) {
  while (!stop.stop_requested()) {
    try {
      auto conn = pool_.acquire();
      if (!lease_.acquire(*conn)) {
        leader_ = false;
        wait(stop, std::chrono::seconds(1));
        continue;
      }
      if (!leader_) log::info("outbox relay active", {{"term", lease_.term()}});
      leader_ = true;
      // Renewed every third of its TTL; a pass is short (a publish times out), so an instance
      // that stalls past it finds the lease gone and stands by. Two relays overlapping for a
      // moment publish the same ids, which JetStream drops.
      while (!stop.stop_requested() && lease_.keep(*conn)) {
        int n = relay_once(*conn);
        if (n == batch_) continue;  // more may be waiting
        wait(stop, n == 0 ? std::chrono::milliseconds(250) : std::chrono::milliseconds(20));
      }
      if (stop.stop_requested())
        lease_.release(*conn);  // the next relay need not wait for it to expire
      else
        log::warn("outbox relay lost its lease; standing by", {{"term", lease_.term()}});
      leader_ = false;
    } catch (const std::exception& e) {
      leader_ = false;
      log::warn("outbox relay interrupted; retrying", {{"error", e.what()}});
      wait(stop, std::chrono::seconds(1));
    }
  }
  leader_ = false;
}

}  // namespace sdp::workflow
