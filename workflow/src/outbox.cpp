#include "outbox.hpp"

#include "sdp/error.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp::workflow {

OutboxRelay::OutboxRelay(db::Pool& pool, nats::Connection& nats, int batch) : pool_(pool), nats_(nats), batch_(batch) {}

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
      // The lock lives as long as this connection: if this instance dies, another takes over.
      auto got = conn->query("SELECT GET_LOCK(CONCAT(DATABASE(), '.outbox_relay'), 0) AS got");
      if (!got.next() || got.is_null("got") || got.i64("got") != 1) {
        leader_ = false;
        conn.discard();  // do not keep an idle connection; try again shortly
        wait(stop, std::chrono::seconds(1));
        continue;
      }
      if (!leader_) log::info("outbox relay active");
      leader_ = true;
      while (!stop.stop_requested()) {
        int n = relay_once(*conn);
        if (n == batch_) continue;  // more may be waiting
        wait(stop, n == 0 ? std::chrono::milliseconds(250) : std::chrono::milliseconds(20));
      }
      conn->query("SELECT RELEASE_LOCK(CONCAT(DATABASE(), '.outbox_relay')) AS released");
    } catch (const std::exception& e) {
      leader_ = false;
      log::warn("outbox relay interrupted; retrying", {{"error", e.what()}});
      wait(stop, std::chrono::seconds(1));
    }
  }
  leader_ = false;
}

}  // namespace sdp::workflow
