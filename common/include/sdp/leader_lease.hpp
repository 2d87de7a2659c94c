#pragma once
// Leadership that holds across Galera nodes: a named row of the service database's `leases`
// table, taken or renewed by one conditional UPDATE. GET_LOCK is node-local under Galera; a row's
// update is certified cluster-wide, so of two instances taking an expired lease on two nodes at
// once exactly one commits (the other sees a certification conflict, or after wsrep's own retry
// the new holder). Expiry is the database's clock, never the service's.

#include <chrono>
#include <cstdint>
#include <string>

#include "sdp/db.hpp"

namespace sdp::db {

// Creates the leases table when it is missing; every service database has it, like
// schema_migrations (migrations themselves run under a lease, so it cannot be a migration).
void ensure_leases_table(Connection& conn);

// This process's name among holders: host, pid and a random part (a restart is a new holder).
const std::string& holder_id();

class LeaderLease {
 public:
  // `holder` defaults to holder_id() and a number of its own: two leases of one process (two
  // instances in one test) are two holders.
  LeaderLease(std::string name, std::chrono::milliseconds ttl, std::string holder = {});

  // Takes the lease if it is free or expired, or renews it if this holder has it, for `ttl` from
  // now on the database's clock. True while held. A certification conflict counts as not held;
  // other database errors are thrown.
  bool acquire(Connection& conn);
  // acquire() when a third of the TTL has passed since the last renewal, else only held().
  bool keep(Connection& conn);
  // Gives the lease up at once, if this holder has it; another instance may take it immediately.
  void release(Connection& conn);
  // Held, and less than three quarters of the TTL since the last renewal started: the margin
  // covers the statement's round trip and the skew between database nodes' clocks.
  bool held() const;
  // The lease's term: it grows by one at every change of holder.
  int64_t term() const { return term_; }
  const std::string& name() const { return name_; }
  const std::string& holder() const { return holder_; }

 private:
  std::string name_, holder_;
  std::chrono::milliseconds ttl_;
  bool held_ = false;
  bool row_ensured_ = false;
  int64_t term_ = 0;
  std::chrono::steady_clock::time_point renewed_at_{};
};

}  // namespace sdp::db
