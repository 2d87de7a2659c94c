#include "sdp/leader_lease.hpp"

#include <unistd.h>

#include <atomic>
#include <random>

#include "sdp/log.hpp"

namespace sdp::db {

void ensure_leases_table(Connection& conn) {
  conn.execute_ddl(
      "CREATE TABLE IF NOT EXISTS leases ("
      " name VARCHAR(100) NOT NULL PRIMARY KEY,"
      " holder VARCHAR(200) NOT NULL,"
      " term BIGINT NOT NULL,"
      " expires_at DATETIME(6) NOT NULL,"
      " updated_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"
      ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
}

const std::string& holder_id() {
  static const std::string id = [] {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device rd;
    char suffix[9];
    snprintf(suffix, sizeof suffix, "%08x", rd());
    return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
  }();
  return id;
}

LeaderLease::LeaderLease(std::string name, std::chrono::milliseconds ttl, std::string holder)
    : name_(std::move(name)), holder_(std::move(holder)), ttl_(ttl) {
  static std::atomic<int> leases{0};
  if (holder_.empty()) holder_ = holder_id() + "#" + std::to_string(++leases);
}

bool LeaderLease::acquire(Connection& conn) {
  auto started = std::chrono::steady_clock::now();
  try {
    if (!row_ensured_) {
      conn.execute("INSERT IGNORE INTO leases (name, holder, term, expires_at) VALUES (?, '', 0, '1970-01-01')",
                   {name_});
      row_ensured_ = true;
    }
    // The term is assigned first, so that it compares the previous holder with this one.
    auto changed = conn.execute(
        "UPDATE leases SET term = term + (holder <> ?), holder = ?,"
        " expires_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND"
        " WHERE name = ? AND (holder = ? OR expires_at <= UTC_TIMESTAMP(6))",
        {holder_, holder_, static_cast<int64_t>(ttl_.count()) * 1000, name_, holder_});
    if (changed != 1) {
      if (held_) log::warn("lease lost to another holder", {{"lease", name_}, {"term", term_}});
      held_ = false;
      return false;
    }
    if (!held_) {
      auto r = conn.query("SELECT term FROM leases WHERE name = ?", {name_});
      if (r.next()) term_ = r.i64("term");
      log::info("lease taken", {{"lease", name_}, {"holder", holder_}, {"term", term_}});
    }
    held_ = true;
    renewed_at_ = started;
    return true;
  } catch (const std::exception& e) {
    // Another node's taker was certified first: not ours this time.
    if (!is_retryable_conflict(e)) throw;
    held_ = false;
    return false;
  }
}

bool LeaderLease::keep(Connection& conn) {
  if (held_ && std::chrono::steady_clock::now() - renewed_at_ < ttl_ / 3) return true;
  return acquire(conn);
}

void LeaderLease::release(Connection& conn) {
  if (!held_) return;
  held_ = false;
  conn.execute("UPDATE leases SET expires_at = UTC_TIMESTAMP(6) WHERE name = ? AND holder = ?", {name_, holder_});
  log::info("lease released", {{"lease", name_}, {"term", term_}});
}

bool LeaderLease::held() const { return held_ && std::chrono::steady_clock::now() - renewed_at_ < ttl_ * 3 / 4; }

}  // namespace sdp::db
