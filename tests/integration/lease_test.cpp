// The leases that give leadership across database nodes (outbox relay, files sweeper,
// migrations), against the real MariaDB tests/run.sh started.
#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "sdp/db.hpp"
#include "sdp/leader_lease.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace std::chrono_literals;

namespace {
struct Leases {
  test::TestDatabase tdb{"leases"};
  db::Pool pool{tdb.options()};
  Leases() {
    auto c = pool.acquire();
    db::ensure_leases_table(*c);
  }
  std::string holder_in_table(const std::string& name) {
    auto c = pool.acquire();
    auto r = c->query("SELECT holder FROM leases WHERE name = ?", {name});
    return r.next() ? r.str("holder") : "";
  }
};
}  // namespace

TEST(Lease, OneOfTwoHoldersHasIt) {
  Leases db;
  db::LeaderLease a("relay", 10s, "a"), b("relay", 10s, "b");
  auto conn_a = db.pool.acquire();
  auto conn_b = db.pool.acquire();
  EXPECT_TRUE(a.acquire(*conn_a));
  EXPECT_FALSE(b.acquire(*conn_b)) << "a live lease was taken by another holder";
  EXPECT_TRUE(a.held());
  EXPECT_FALSE(b.held());
  EXPECT_TRUE(a.acquire(*conn_a)) << "the holder renews its own lease";
  EXPECT_EQ(db.holder_in_table("relay"), "a");
  EXPECT_EQ(a.term(), 1);
}

TEST(Lease, AnExpiredLeaseIsTakenOverWithANewTerm) {
  Leases db;
  db::LeaderLease a("relay", 400ms, "a"), b("relay", 400ms, "b");
  auto conn = db.pool.acquire();
  ASSERT_TRUE(a.acquire(*conn));
  EXPECT_FALSE(b.acquire(*conn));
  // a stops renewing (a process killed, a stalled node): it stops thinking it leads before the
  // database lets another take over.
  std::this_thread::sleep_for(320ms);
  EXPECT_FALSE(a.held()) << "a holder past three quarters of its TTL must stand down";
  EXPECT_FALSE(b.acquire(*conn)) << "taken before it expired";
  std::this_thread::sleep_for(150ms);
  EXPECT_TRUE(b.acquire(*conn));
  EXPECT_EQ(b.term(), 2);
  EXPECT_FALSE(a.acquire(*conn)) << "the old holder got it back from the new one";
  EXPECT_FALSE(a.keep(*conn));
  EXPECT_EQ(db.holder_in_table("relay"), "b");
}

TEST(Lease, AReleasedLeaseIsFreeAtOnce) {
  Leases db;
  db::LeaderLease a("sweeper", 1h, "a"), b("sweeper", 1h, "b");
  auto conn = db.pool.acquire();
  ASSERT_TRUE(a.acquire(*conn));
  b.release(*conn);  // not b's: changes nothing
  EXPECT_FALSE(b.acquire(*conn));
  a.release(*conn);
  EXPECT_FALSE(a.held());
  EXPECT_TRUE(b.acquire(*conn));
}

TEST(Lease, KeepRenewsOnlyAfterAThirdOfTheTtl) {
  Leases db;
  db::LeaderLease a("relay", 600ms, "a"), b("relay", 600ms, "b");
  auto conn = db.pool.acquire();
  ASSERT_TRUE(a.acquire(*conn));
  // Kept alive by keep() well past its TTL: each renewal moves the expiry on.
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(a.keep(*conn)) << "pass " << i;
    EXPECT_FALSE(b.acquire(*conn)) << "pass " << i;
    std::this_thread::sleep_for(100ms);
  }
}

TEST(Lease, ManyContendersOneHolderAtATime) {
  Leases db;
  // Eight instances, each on its own connection, race for one lease for a second and a half;
  // whoever holds it checks that nobody else thinks they do.
  std::atomic<int> holding{0}, most{0}, turns{0};
  std::vector<std::jthread> instances;
  for (int i = 0; i < 8; ++i)
    instances.emplace_back([&, i] {
      db::Pool pool(db.tdb.options(1));
      db::LeaderLease lease("relay", 300ms, "instance-" + std::to_string(i));
      auto until = std::chrono::steady_clock::now() + 1500ms;
      while (std::chrono::steady_clock::now() < until) {
        auto conn = pool.acquire();
        if (lease.acquire(*conn)) {
          int now = ++holding;
          most = std::max(most.load(), now);
          ++turns;
          std::this_thread::sleep_for(20ms);
          --holding;
          lease.release(*conn);
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  instances.clear();
  EXPECT_EQ(most.load(), 1);
  EXPECT_GT(turns.load(), 8) << "released leases were not taken by others";
}

TEST(Lease, MigrationsWaitForALiveMigrationLease) {
  test::TestDatabase tdb("migrate_lease");
  db::Pool pool(tdb.options(2));
  // Another instance (on another node, where GET_LOCK would not see it) is migrating.
  db::LeaderLease other("migrate", 1500ms, "other-instance");
  {
    auto c = pool.acquire();
    db::ensure_leases_table(*c);
    ASSERT_TRUE(other.acquire(*c));
  }
  auto dir = test::temp_dir("migrations");
  std::ofstream(dir / "0001_once.sql") << "CREATE TABLE once_only (id INT PRIMARY KEY);\n";
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(db::migrate(pool, dir), 1);
  EXPECT_GE(std::chrono::steady_clock::now() - started, 1400ms) << "migrated while another held the lease";
  auto c = pool.acquire();
  auto r = c->query("SELECT holder, expires_at <= UTC_TIMESTAMP(6) AS free FROM leases WHERE name = 'migrate'");
  ASSERT_TRUE(r.next());
  EXPECT_NE(r.str("holder"), "other-instance");
  EXPECT_EQ(r.i64("free"), 1) << "the migration lease was not given up";
}
