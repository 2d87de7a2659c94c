// Group commit (workflow/src/group_commit.hpp) on the real MariaDB: the commands that queue while a
// lane is busy run in one transaction; a failure among them undoes the batch and each runs again
// alone, so nothing is written twice or lost; deferred queue counts are written once, last; and
// creations and changes through the workflow from many threads at once keep every count, history
// chain and event.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <latch>
#include <map>
#include <set>
#include <thread>

#include "actors.hpp"
#include "declarations.hpp"
#include "group_commit.hpp"
#include "history.hpp"
#include "rounds.hpp"
#include "sdp/build_info.hpp"
#include "sdp/metrics.hpp"
#include "store.hpp"
#include "test_env.hpp"

using namespace sdp;
using nlohmann::json;
using workflow::GroupCommit;

namespace {

int64_t scalar(db::Pool& pool, const std::string& sql) {
  auto c = pool.acquire();
  auto r = c->query(sql);
  r.next();
  return r.i64("n");
}

// Batches of two or more so far in this process (the counter workflow's /metrics shows).
double batches() {
  const auto text = "\n" + metrics::global().render();
  const std::string name = "\nsdp_workflow_group_commits_total ";
  const auto at = text.find(name);
  return at == std::string::npos ? 0 : std::stod(text.substr(at + name.size()));
}

// A lane held by a first command until `release`, while `n` more queue behind it; then all of
// them finish. Each command writes (id, its transaction's connection) and returns its id, or runs
// `body` instead when given one for its id.
struct Held {
  db::Pool& pool;
  GroupCommit commits{pool, 1, 32};
  std::latch entered{1}, release{1};

  std::vector<std::future<int>> start(int n, std::function<int(db::Connection&, int)> body = nullptr) {
    std::vector<std::future<int>> out;
    out.push_back(std::async(std::launch::async, [this] {
      return commits.transaction([&](db::Connection& c) {
        c.execute("INSERT INTO t (id, conn) VALUES (0, CONNECTION_ID())");
        entered.count_down();
        release.wait();
        return 0;
      });
    }));
    entered.wait();
    for (int i = 1; i <= n; ++i)
      out.push_back(std::async(std::launch::async, [this, i, body] {
        return commits.transaction([&](db::Connection& c) {
          if (body) return body(c, i);
          c.execute("INSERT INTO t (id, conn) VALUES (?, CONNECTION_ID())", {i});
          return i;
        });
      }));
    // All queued behind the held lane before it is let go (a deadline, not a guess at a pause).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (commits.waiting() < static_cast<size_t>(n) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    EXPECT_EQ(commits.waiting(), static_cast<size_t>(n));
    release.count_down();
    return out;
  }
};

void make_table(db::Pool& pool) {
  pool.acquire()->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY, conn BIGINT NOT NULL)");
  pool.acquire()->execute_ddl(
      "CREATE TABLE queue_counts (state VARCHAR(16) NOT NULL, region CHAR(6) NOT NULL, slot TINYINT UNSIGNED "
      "NOT NULL, city CHAR(6) NOT NULL, n INT NOT NULL, PRIMARY KEY (state, region, slot))");
}

}  // namespace

TEST(GroupCommit, CommandsQueuedBehindALaneShareOneTransaction) {
  test::TestDatabase tdb("gc_share");
  db::Pool pool(tdb.options(4));
  make_table(pool);
  Held held{pool};
  auto done = held.start(6);
  for (int i = 0; i < 7; ++i) EXPECT_EQ(done[i].get(), i);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM t"), 7);
  // The six behind the first ran together: one connection, one transaction, after the first's.
  EXPECT_EQ(scalar(pool, "SELECT COUNT(DISTINCT conn) AS n FROM t WHERE id > 0"), 1);
}

TEST(GroupCommit, AFailureUndoesTheBatchAndEachRunsAgainAlone) {
  test::TestDatabase tdb("gc_fail");
  db::Pool pool(tdb.options(4));
  make_table(pool);
  std::atomic<int> runs_of_3{0};
  Held held{pool};
  auto done = held.start(5, [&](db::Connection& c, int i) {
    c.execute("INSERT INTO t (id, conn) VALUES (?, CONNECTION_ID())", {i});
    if (i == 3) {
      ++runs_of_3;
      throw std::runtime_error("the third fails after writing");
    }
    return i;
  });
  for (int i : {0, 1, 2, 4, 5}) EXPECT_EQ(done[i].get(), i);
  EXPECT_THROW(done[3].get(), std::runtime_error);
  EXPECT_EQ(runs_of_3.load(), 2);  // in the batch, then alone
  // Every other command's row once (a second write would have failed on the key); the third's none.
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM t"), 5);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM t WHERE id = 3"), 0);
}

TEST(GroupCommit, ARefusalIsAReplyAndCommitsWithTheOthers) {
  test::TestDatabase tdb("gc_refusal");
  db::Pool pool(tdb.options(4));
  make_table(pool);
  GroupCommit commits{pool, 1, 32};
  auto refused = commits.transaction([&](db::Connection& c) -> Result<int> {
    c.execute("INSERT INTO t (id, conn) VALUES (9, CONNECTION_ID())");
    return refuse(Problem::not_found({"no", "无"}));
  });
  EXPECT_FALSE(refused.has_value());
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM t WHERE id = 9"), 1);  // as db::transaction does
}

TEST(GroupCommit, CountsDeferredInABatchAreWrittenOnceSummedAndNoneAlone) {
  test::TestDatabase tdb("gc_counts");
  db::Pool pool(tdb.options(4));
  make_table(pool);
  std::atomic<int> deferred{0}, immediate{0};
  Held held{pool};
  auto done = held.start(4, [&](db::Connection& c, int i) {
    auto* later = GroupCommit::deferred();
    auto* counts = later ? &later->counts : nullptr;
    ++(counts ? deferred : immediate);
    std::vector<workflow::CountDelta> mine{{"county_review", i % 2 ? "370102" : "370103", "370100", i, 1},
                                           {"city_review", "370102", "370100", 0, 0}};
    if (counts)
      counts->insert(counts->end(), mine.begin(), mine.end());
    else if (auto s = workflow::count_statement(mine))
      c.execute(s->sql, s->params);
    return i;
  });
  for (auto& f : done) f.get();
  EXPECT_EQ(deferred.load(), 4);  // the four behind the first ran as a batch
  EXPECT_EQ(immediate.load(), 0);
  EXPECT_EQ(GroupCommit::deferred(), nullptr);  // not on a thread outside a batch
  // Summed per state and county into the first slot named: 2 and 2, two rows, no zero row.
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM queue_counts"), 2);
  EXPECT_EQ(scalar(pool, "SELECT n FROM queue_counts WHERE region = '370102'"), 2);
  EXPECT_EQ(scalar(pool, "SELECT n FROM queue_counts WHERE region = '370103'"), 2);
}

TEST(GroupCommit, CountStatementSortsSumsAndDropsWhatCancelsOut) {
  using workflow::CountDelta;
  EXPECT_FALSE(workflow::count_statement({}).has_value());
  EXPECT_FALSE(
      workflow::count_statement({{"city_review", "370102", "370100", 3, 1}, {"city_review", "370102", "370100", 5, -1}})
          .has_value());
  auto s = workflow::count_statement({{"province_review", "370202", "370200", 4, 1},
                                      {"city_review", "370102", "370100", 7, -1},
                                      {"city_review", "370102", "370100", 2, -1},
                                      {"county_review", "370102", "370100", 1, 1}});
  ASSERT_TRUE(s.has_value());
  ASSERT_EQ(s->params.size(), 15u);
  auto text = [&](size_t i) { return std::get<std::string>(s->params[i].value); };
  auto number = [&](size_t i) { return std::get<int64_t>(s->params[i].value); };
  EXPECT_EQ(text(0), "city_review");  // the key's order: state, then county
  EXPECT_EQ(number(2), 7);            // the first slot named for it
  EXPECT_EQ(number(4), -2);
  EXPECT_EQ(text(5), "county_review");
  EXPECT_EQ(text(10), "province_review");
}

// A batch's multi-row INSERTs are one text per batch size: a connection keeps a lone change's
// statements (the texts of every quiet moment) and runs a batch's once, or it would keep every size.
TEST(GroupCommit, ABatchsStatementsAreRunOnceALoneChangesAreKept) {
  test::TestDatabase tdb("gc_kept");
  db::Pool pool(tdb.options(1));
  db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow");
  auto fill = [](workflow::Deferred& d, int changes, int first) {
    for (int i = first; i < first + changes; ++i) {
      const auto id = "d" + std::to_string(i);
      d.history.add({id, 1, R"({"seq":1})", std::string(64, 'a')});
      d.events.add({"e" + std::to_string(i), id, "sdp.evt.declaration.created", "{}"});
      d.counts.push_back({"county_review", "370102", "370100", 0, 1});
    }
  };
  {
    auto c = pool.acquire();
    const size_t before = c->statements_cached();
    for (int size : {3, 4, 5}) {
      workflow::Deferred batch;
      fill(batch, size, size * 10);
      batch.write(*c);
    }
    EXPECT_EQ(c->statements_cached(), before) << "a batch's statements were kept";
    workflow::Deferred lone;
    fill(lone, 1, 1);
    lone.write(*c);
    EXPECT_EQ(c->statements_cached(), before + 3) << "a lone change's three statements are kept";
  }
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM declaration_history"), 13);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM outbox"), 13);
  EXPECT_EQ(scalar(pool, "SELECT n FROM queue_counts WHERE region = '370102'"), 13);
}

// A declaration changed twice in one batch: its entries are written at the batch's end, so the
// second links to the head the first left on the row, not to the table's last entry.
TEST(GroupCommit, TwoEntriesOfOneDeclarationInABatchLinkThroughTheRowsHead) {
  using namespace test::actors;
  test::TestDatabase tdb("gc_history");
  db::Pool pool(tdb.options(4));
  db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow");
  pool.acquire()->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY, conn BIGINT NOT NULL)");
  auto scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  auto regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  auto calendar =
      WorkingDays::from_file(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json");
  workflow::Workflow wf{pool, scorer, regions, calendar, workflow::Settings{}, nullptr};
  auto round = wf.create_round(
      *cmd::from_json(json{{"actor", admin().to_json()}, {"body", test::open_round_body("morning_star")}},
                      cmd::Tag<cmd::CreateRound>{}));
  ASSERT_TRUE(round.has_value()) << why(round);
  json body = {{"round", round->id},
               {"region", "370102"},
               {"title", "同批"},
               {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}}},
               {"payload", {{"claimed_level", 3}, {"criteria", json::object()}}}};
  auto made = wf.create(
      *cmd::from_json(json{{"actor", applicant(kOrg).to_json()}, {"body", body}}, cmd::Tag<cmd::CreateDeclaration>{}));
  ASSERT_TRUE(made.has_value()) << why(made);

  std::atomic<int> batched{0};
  Held held{pool};
  auto done = held.start(3, [&](db::Connection& c, int i) {
    batched += GroupCommit::deferred() != nullptr;
    auto row = workflow::lock_row(c, made->id);
    workflow::append_history(c, *row, applicant(kOrg), "note", row->state, row->state, "第" + std::to_string(i) + "条",
                             "2026-12-07T12:00:00Z");
    return i;
  });
  for (auto& f : done) f.get();
  EXPECT_EQ(batched.load(), 3);

  std::vector<json> entries;
  {
    auto c = pool.acquire();
    for (auto r =
             c->query("SELECT entry, hash FROM declaration_history WHERE declaration_id = ? ORDER BY seq", {made->id});
         r.next();) {
      entries.push_back(json::parse(r.str("entry")));
      entries.back()["hash"] = r.str("hash");
    }
  }
  ASSERT_EQ(entries.size(), 4u);  // the creation's, then the batch's three, in the order they ran
  EXPECT_EQ(workflow::first_broken_link(entries), -1);
  std::set<std::string> comments;
  for (size_t i = 1; i < entries.size(); ++i) comments.insert(entries[i]["comment"].get<std::string>());
  EXPECT_EQ(comments, (std::set<std::string>{"第1条", "第2条", "第3条"}));
  EXPECT_EQ(scalar(pool, "SELECT history_seq AS n FROM declarations"), 4);
  auto c = pool.acquire();
  auto head = c->query("SELECT history_head FROM declarations");
  head.next();
  EXPECT_EQ(head.str("history_head"), entries[3]["hash"]);
}

// Through the workflow with lanes: 16 threads create and submit, and a county reviewer approves
// half of them, all at once. Every command answers, the counts are the rows', each declaration's
// history is a chain without a gap and each change has its one event.
TEST(GroupCommit, ManyCreationsAndChangesAtOnceKeepCountsHistoriesAndEvents) {
  using namespace test::actors;
  test::TestDatabase tdb("gc_workflow");
  db::Pool pool(tdb.options(12));
  db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "workflow");
  auto scorer = scoring::Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  auto regions = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  auto calendar =
      WorkingDays::from_file(std::filesystem::path(build_info::kSchemasDir) / "calendar" / "working_days.json");
  workflow::Settings settings;
  settings.commit_lanes = 2;
  workflow::Workflow wf{pool, scorer, regions, calendar, settings, nullptr};
  auto round = wf.create_round(
      *cmd::from_json(json{{"actor", admin().to_json()}, {"body", test::open_round_body("morning_star")}},
                      cmd::Tag<cmd::CreateRound>{}));
  ASSERT_TRUE(round.has_value()) << why(round);

  const double batches_before = batches();
  constexpr int kThreads = 16, kEach = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        json body = {{"round", round->id},
                     {"region", t % 2 ? "370102" : "370103"},
                     {"title", "并发"},
                     {"org_name", "并发企业"},
                     {"contact", {{"name", "王经理"}, {"phone", "0531-88880000"}}},
                     {"payload", {{"claimed_level", 3}, {"criteria", json::object()}}}};
        auto made = wf.create(*cmd::from_json(json{{"actor", applicant(kOrg).to_json()}, {"body", body}},
                                              cmd::Tag<cmd::CreateDeclaration>{}));
        if (!made) {
          ++failures;
          continue;
        }
        auto sent = wf.submit(cmd::SubmitDeclaration{applicant(kOrg), made->id, made->version});
        if (!sent) {
          ++failures;
          continue;
        }
        if (i % 2 == 0) continue;
        auto county = reviewer("county", t % 2 ? "370102" : "370103");
        if (!wf.decide(
                cmd::DecideDeclaration{county, sent->id, sent->version, Decision::approve, "同意", std::nullopt}))
          ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);

  const int n = kThreads * kEach;
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM declarations"), n);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM declarations WHERE state = 'county_review'"), n / 2);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM declarations WHERE state = 'city_review'"), n / 2);
  EXPECT_EQ(scalar(pool, "SELECT COALESCE(SUM(n), 0) AS n FROM queue_counts WHERE state = 'county_review'"), n / 2);
  EXPECT_EQ(scalar(pool, "SELECT COALESCE(SUM(n), 0) AS n FROM queue_counts WHERE state = 'city_review'"), n / 2);
  // create, submit, and for half an approval: that many history entries and events, numbered 1..k.
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM declaration_history"), 2 * n + n / 2);
  EXPECT_EQ(scalar(pool, "SELECT COUNT(*) AS n FROM outbox"), 2 * n + n / 2);
  EXPECT_EQ(scalar(pool,
                   "SELECT COUNT(*) AS n FROM (SELECT declaration_id FROM declaration_history GROUP BY "
                   "declaration_id HAVING MAX(seq) <> COUNT(*)) gaps"),
            0);
  std::set<std::string> numbers;
  std::map<std::string, std::vector<json>> chains;
  {
    auto c = pool.acquire();
    for (auto r = c->query("SELECT number FROM declarations"); r.next();) numbers.insert(r.str("number"));
    for (auto r = c->query("SELECT declaration_id, entry, hash FROM declaration_history ORDER BY declaration_id, seq");
         r.next();) {
      auto entry = json::parse(r.str("entry"));
      entry["hash"] = r.str("hash");
      chains[r.str("declaration_id")].push_back(std::move(entry));
    }
  }
  EXPECT_EQ(numbers.size(), static_cast<size_t>(n));
  ASSERT_EQ(chains.size(), static_cast<size_t>(n));
  for (const auto& [id, entries] : chains) EXPECT_EQ(workflow::first_broken_link(entries), -1) << id;
  // Each row's head (migration 0022) is its chain's last entry.
  EXPECT_EQ(scalar(pool,
                   "SELECT COUNT(*) AS n FROM declarations d JOIN declaration_history h ON h.declaration_id = d.id "
                   "AND h.seq = d.history_seq AND h.hash = d.history_head "
                   "WHERE d.history_seq = (SELECT MAX(seq) FROM declaration_history WHERE declaration_id = d.id)"),
            n);
  // And it did batch: some commands shared a transaction.
  EXPECT_GT(batches(), batches_before);
}
