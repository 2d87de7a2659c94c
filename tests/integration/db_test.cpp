// MariaDB through the common kit, against the real server tests/run.sh started.
#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "sdp/build_info.hpp"
#include "sdp/db.hpp"
#include "sdp/error.hpp"
#include "test_env.hpp"

using namespace sdp;

namespace {
std::filesystem::path copy_migrations(const std::string& service) {
  auto dir = test::temp_dir("migrations");
  for (const auto& f :
       std::filesystem::directory_iterator(std::filesystem::path(build_info::kSchemasDir) / "sql" / service))
    std::filesystem::copy_file(f.path(), dir / f.path().filename());
  return dir;
}

int64_t count(db::Pool& pool, const std::string& sql) {
  auto c = pool.acquire();
  auto r = c->query(sql);
  r.next();
  return r.i64("n");
}
}  // namespace

TEST(Database, ParameterisedStatementsKeepInputLiteral) {
  test::TestDatabase tdb("params");
  db::Pool pool(tdb.options());
  auto c = pool.acquire();
  c->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY, name VARCHAR(200), note TEXT NULL)");
  const std::string hostile = "x'); DROP TABLE t; -- 山东";
  EXPECT_EQ(c->execute("INSERT INTO t (id, name, note) VALUES (?, ?, ?)", {1, hostile, nullptr}), 1u);
  auto r = c->query("SELECT name, note FROM t WHERE id = ?", {1});
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.str("name"), hostile);
  EXPECT_FALSE(r.opt_str("note").has_value());
}

TEST(Database, MigrationsAppliedTwiceAreANoOp) {
  test::TestDatabase tdb("migrate");
  db::Pool pool(tdb.options());
  auto dir = std::filesystem::path(build_info::kSchemasDir) / "sql" / "notify";
  auto expected = static_cast<int>(db::list_migrations(dir).size());
  EXPECT_EQ(db::migrate(pool, dir), expected);
  EXPECT_EQ(db::migrate(pool, dir), 0);
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM schema_migrations"), expected);
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM processed_events"), 0);
}

TEST(Database, EveryServiceMigratesOnAFreshDatabase) {
  for (auto svc : {"gateway", "workflow", "scoring", "notify"}) {
    test::TestDatabase tdb(svc);
    db::Pool pool(tdb.options());
    auto dir = std::filesystem::path(build_info::kSchemasDir) / "sql" / svc;
    EXPECT_EQ(db::migrate(pool, dir), static_cast<int>(db::list_migrations(dir).size())) << svc;
  }
}

TEST(Database, ANewMigrationIsAppliedAlone) {
  test::TestDatabase tdb("newer");
  db::Pool pool(tdb.options());
  auto dir = copy_migrations("workflow");
  db::migrate(pool, dir);
  std::ofstream(dir / "0999_extra.sql") << "-- a later change\nCREATE TABLE extra (id INT PRIMARY KEY);\n"
                                           "INSERT INTO extra VALUES (1), (2);\n";
  EXPECT_EQ(db::migrate(pool, dir), 1);
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM extra"), 2);
}

TEST(Database, AnEditedMigrationRefusesToStart) {
  test::TestDatabase tdb("edited");
  db::Pool pool(tdb.options());
  auto dir = copy_migrations("workflow");
  db::migrate(pool, dir);
  std::ofstream(dir / "0001_processed_events.sql", std::ios::app) << "\n-- edited afterwards\n";
  try {
    db::migrate(pool, dir);
    FAIL() << "an edited migration was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("was changed after it was applied"), std::string::npos) << e.what();
  }
}

TEST(Database, AFailedMigrationReleasesTheMigrationLease) {
  test::TestDatabase tdb("failed");
  db::Pool pool(tdb.options());
  auto dir = test::temp_dir("migrations");
  std::ofstream(dir / "0001_broken.sql") << "CREATE TABLE broken (id INT PRIMARY KEY;\n";
  EXPECT_THROW(db::migrate(pool, dir), Error);
  // Another instance starting can take the lease at once.
  db::Pool other(tdb.options(1));
  EXPECT_EQ(count(other, "SELECT COUNT(*) AS n FROM leases WHERE name = 'migrate' AND expires_at <= UTC_TIMESTAMP(6)"),
            1);
}

TEST(Database, ConcurrentStartsMigrateOnce) {
  test::TestDatabase tdb("concurrent");
  auto dir = std::filesystem::path(build_info::kSchemasDir) / "sql" / "gateway";
  std::atomic<int> applied{0};
  std::vector<std::thread> starts;
  for (int i = 0; i < 4; ++i)
    starts.emplace_back([&] {
      db::Pool pool(tdb.options(1));
      applied += db::migrate(pool, dir);
    });
  for (auto& t : starts) t.join();
  EXPECT_EQ(applied.load(), static_cast<int>(db::list_migrations(dir).size()));
  db::Pool pool(tdb.options(1));
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM schema_migrations"),
            static_cast<int>(db::list_migrations(dir).size()));
}

TEST(Database, AStatementKeepsNoManyRowResultAfterItIsRead) {
  // The driver keeps a statement's buffered rows until the statement runs again or closes: a
  // cached statement that returned a page of declarations would hold that page for good, on every
  // connection of the pool (workflow idled at 130-156 MB so). Many-row statements are not kept.
  test::TestDatabase tdb("stmt_cache");
  db::Pool pool(tdb.options(1));
  auto c = pool.acquire();
  c->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY, note MEDIUMTEXT NOT NULL)");
  const std::string big(20000, 'x');
  for (int i = 1; i <= 50; ++i) c->execute("INSERT INTO t (id, note) VALUES (?, ?)", {i, big});
  const size_t before = c->statements_cached();  // the INSERT's
  for (int round = 0; round < 3; ++round) {
    size_t bytes = 0;
    for (auto r = c->query("SELECT id, note FROM t WHERE id > ? ORDER BY id", {0}); r.next();)
      bytes += r.str("note").size();
    EXPECT_EQ(bytes, 50u * big.size());
    EXPECT_EQ(c->statements_cached(), before) << "a statement kept 50 rows of 20 kB after they were read";
  }
  // A one-row statement is kept: reusing it saves a prepare and a close.
  for (int round = 0; round < 3; ++round) {
    auto r = c->query("SELECT note FROM t WHERE id = ?", {round + 1});
    ASSERT_TRUE(r.next());
    EXPECT_EQ(r.str("note"), big);
  }
  EXPECT_EQ(c->statements_cached(), before + 1);
}

// A text built for its data (a batch's multi-row INSERT) is run with Prepare::once, never kept:
// kept, each size would stay on every connection of the pool.
TEST(Database, AStatementRunOnceIsNotKept) {
  test::TestDatabase tdb("statements_kept");
  db::Pool pool(tdb.options(1));
  auto c = pool.acquire();
  c->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY)");
  const size_t before = c->statements_cached();
  for (int id = 1; id <= 3; ++id)
    EXPECT_EQ(c->execute("INSERT INTO t (id) VALUES (?), (?)", {id, -id}, db::Prepare::once), 2u);
  EXPECT_EQ(c->statements_cached(), before) << "Prepare::once kept its statement";
  EXPECT_EQ(c->execute("INSERT INTO t (id) VALUES (?)", {100}), 1u);
  EXPECT_EQ(c->statements_cached(), before + 1) << "execute keeps its statement";
  auto r = c->query("SELECT COUNT(*) AS n FROM t");
  ASSERT_TRUE(r.next());
  EXPECT_EQ(r.i64("n"), 7);
}

TEST(Database, ARolledBackTransactionLeavesNothing) {
  test::TestDatabase tdb("rollback");
  db::Pool pool(tdb.options());
  pool.acquire()->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB");
  EXPECT_THROW(db::transaction(pool,
                               [](db::Connection& c) {
                                 c.execute("INSERT INTO t VALUES (?)", {1});
                                 c.execute("INSERT INTO t VALUES (?)", {2});
                                 throw std::runtime_error("the domain refused");
                               }),
               std::runtime_error);
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM t"), 0);
  // A failing statement half-way rolls back the statements before it too.
  EXPECT_THROW(db::transaction(pool,
                               [](db::Connection& c) {
                                 c.execute("INSERT INTO t VALUES (?)", {3});
                                 c.execute("INSERT INTO t VALUES (?)", {3});  // duplicate key
                               }),
               Error);
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM t"), 0);
  db::transaction(pool, [](db::Connection& c) { c.execute("INSERT INTO t VALUES (?)", {4}); });
  EXPECT_EQ(count(pool, "SELECT COUNT(*) AS n FROM t"), 1);
}

TEST(Database, DuplicateKeyIsRecognised) {
  test::TestDatabase tdb("dup");
  db::Pool pool(tdb.options());
  auto c = pool.acquire();
  c->execute_ddl("CREATE TABLE t (id INT PRIMARY KEY)");
  c->execute("INSERT INTO t VALUES (?)", {1});
  try {
    c->execute("INSERT INTO t VALUES (?)", {1});
    FAIL();
  } catch (const Error& e) {
    EXPECT_TRUE(db::is_duplicate_key(e));
    EXPECT_FALSE(e.transient());
  }
}

TEST(Database, MarkProcessedActsOnce) {
  test::TestDatabase tdb("processed");
  db::Pool pool(tdb.options());
  db::migrate(pool, std::filesystem::path(build_info::kSchemasDir) / "sql" / "notify");
  auto first = db::transaction(pool, [](db::Connection& c) { return db::mark_processed(c, "notify", "e-1"); });
  auto again = db::transaction(pool, [](db::Connection& c) { return db::mark_processed(c, "notify", "e-1"); });
  auto other = db::transaction(pool, [](db::Connection& c) { return db::mark_processed(c, "scoring", "e-1"); });
  EXPECT_TRUE(first);
  EXPECT_FALSE(again);
  EXPECT_TRUE(other);
}

TEST(Database, AServiceUserSeesOnlyItsOwnDatabase) {
  test::TestDatabase mine("mine"), theirs("theirs");
  db::Pool pool(mine.options());
  auto c = pool.acquire();
  EXPECT_THROW(c->execute_ddl("CREATE TABLE `" + theirs.name() + "`.spy (id INT)"), Error);
  auto r = c->query("SELECT COUNT(*) AS n FROM information_schema.schemata WHERE schema_name = ?", {theirs.name()});
  r.next();
  EXPECT_EQ(r.i64("n"), 0);
}

TEST(Database, PoolWaitsThenTimesOut) {
  test::TestDatabase tdb("pool");
  db::Pool pool(tdb.options(1));
  auto held = pool.acquire();
  auto start = std::chrono::steady_clock::now();
  try {
    pool.acquire(std::chrono::milliseconds(200));
    FAIL() << "a second connection was handed out from a pool of one";
  } catch (const Error& e) {
    EXPECT_TRUE(e.transient());
  }
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(190));
}

TEST(Database, UnreachableServerIsATransientError) {
  auto o = test::MariaDb::get().admin_options();
  o.port = test::free_port();
  o.connect_timeout = std::chrono::seconds(1);
  db::Pool pool(o);
  try {
    pool.acquire();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.source(), ErrorSource::database);
    EXPECT_TRUE(e.transient()) << e.what();
  }
  EXPECT_FALSE(pool.ping());
}
