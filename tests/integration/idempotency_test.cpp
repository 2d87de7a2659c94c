// The gateway's Idempotency-Key store (CONTRACT §3) against the real MariaDB tests/run.sh started:
// a claim whose request never finished (its gateway died) is taken over by one retry once abandoned.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "idempotency.hpp"
#include "sdp/build_info.hpp"
#include "sdp/db.hpp"
#include "test_env.hpp"

using namespace sdp;
using gateway::IdempotencyStore;
using Claim = IdempotencyStore::Claim;
using namespace std::chrono_literals;

namespace {

const std::string kScope(64, 'a');
const std::string kHash(64, 'b');

struct Store {
  test::TestDatabase tdb{"idempotency"};
  db::Pool pool{tdb.options()};
  IdempotencyStore store{pool, 30s};
  Store() { db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "gateway"); }
  // The claim as if it had been made `seconds` ago.
  void age(const std::string& key, int seconds) {
    auto c = pool.acquire();
    ASSERT_EQ(
        c->execute("UPDATE idempotency_keys SET created_at = UTC_TIMESTAMP(6) - INTERVAL ? SECOND WHERE scope = ? "
                   "AND idem_key = ?",
                   {seconds, kScope, key}),
        1u);
  }
  int64_t status(const std::string& key) {
    auto c = pool.acquire();
    auto r = c->query("SELECT status FROM idempotency_keys WHERE scope = ? AND idem_key = ?", {kScope, key});
    return r.next() ? r.i64("status") : -1;
  }
};

}  // namespace

TEST(Idempotency, AYoungClaimIsInProgressWithTheSecondsUntilItMayBeTakenOver) {
  Store s;
  EXPECT_EQ(s.store.begin(kScope, "k", kHash).claim, Claim::fresh);
  auto again = s.store.begin(kScope, "k", kHash);
  EXPECT_EQ(again.claim, Claim::in_progress);
  EXPECT_GE(again.retry_after, 29s);
  EXPECT_LE(again.retry_after, 30s);
  s.age("k", 25);
  auto later = s.store.begin(kScope, "k", kHash);
  EXPECT_EQ(later.claim, Claim::in_progress);
  EXPECT_GE(later.retry_after, 4s);
  EXPECT_LE(later.retry_after, 5s);
  s.age("k", 29);  // less than a second left: still at least 1
  EXPECT_EQ(s.store.begin(kScope, "k", kHash).retry_after, 1s);
}

TEST(Idempotency, AnAbandonedClaimIsTakenOverByExactlyOneOfTwoRetries) {
  Store s;
  for (int round = 0; round < 5; ++round) {
    const auto key = "k-" + std::to_string(round);
    ASSERT_EQ(s.store.begin(kScope, key, kHash).claim, Claim::fresh);
    s.age(key, 31);
    std::vector<Claim> claims(2);
    std::atomic<int> ready{0};
    std::vector<std::thread> retries;
    for (int i = 0; i < 2; ++i)
      retries.emplace_back([&, i] {
        ++ready;
        while (ready < 2) std::this_thread::yield();
        claims[i] = s.store.begin(kScope, key, kHash).claim;
      });
    for (auto& t : retries) t.join();
    EXPECT_EQ(std::count(claims.begin(), claims.end(), Claim::taken_over), 1) << "round " << round;
    EXPECT_EQ(std::count(claims.begin(), claims.end(), Claim::in_progress), 1) << "round " << round;
    // The winner's claim is young again: a third retry waits for it.
    EXPECT_EQ(s.store.begin(kScope, key, kHash).claim, Claim::in_progress);
  }
  // The winner's response is what every later retry gets.
  http::Response created;
  created.status = 201;
  created.body = R"({"id":"x"})";
  s.store.finish(kScope, "k-0", created);
  auto replay = s.store.begin(kScope, "k-0", kHash);
  ASSERT_EQ(replay.claim, Claim::replay);
  EXPECT_EQ(replay.stored->body, created.body);
}

TEST(Idempotency, AnAbandonedClaimOfAnotherBodyIsNeverTakenOver) {
  Store s;
  ASSERT_EQ(s.store.begin(kScope, "k", kHash).claim, Claim::fresh);
  s.age("k", 120);
  EXPECT_EQ(s.store.begin(kScope, "k", std::string(64, 'c')).claim, Claim::other_body);
  EXPECT_EQ(s.status("k"), 0);
  // Its own body still may.
  EXPECT_EQ(s.store.begin(kScope, "k", kHash).claim, Claim::taken_over);
}

TEST(Idempotency, TheFirstOfTwoRunsToFinishKeepsItsResponse) {
  Store s;
  ASSERT_EQ(s.store.begin(kScope, "k", kHash).claim, Claim::fresh);
  http::Response first, second;
  first.status = 201;
  first.body = "first";
  second.status = 201;
  second.body = "second";
  s.store.finish(kScope, "k", first);
  s.store.finish(kScope, "k", second);  // a run that had taken over the claim, finishing late
  auto replay = s.store.begin(kScope, "k", kHash);
  ASSERT_EQ(replay.claim, Claim::replay);
  EXPECT_EQ(replay.stored->body, "first");
}
