#include <gtest/gtest.h>

#include "sdp/build_info.hpp"

#include <fstream>

#include "sdp/db.hpp"
#include "sdp/error.hpp"

using sdp::db::split_statements;

TEST(SplitStatements, SplitsOnSemicolonsOutsideQuotesAndComments) {
  auto parts = split_statements(
      "-- a comment; with a semicolon\n"
      "CREATE TABLE t (a VARCHAR(10) DEFAULT 'x;y');\n"
      "/* block; comment */ INSERT INTO t VALUES (\"q;\"), ('it''s;');\n"
      "# hash comment;\n"
      "SELECT `we;ird` FROM t;   \n\n");
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0], "CREATE TABLE t (a VARCHAR(10) DEFAULT 'x;y')");
  EXPECT_EQ(parts[1], "INSERT INTO t VALUES (\"q;\"), ('it''s;')");
  EXPECT_EQ(parts[2], "SELECT `we;ird` FROM t");
}

TEST(SplitStatements, LastStatementWithoutSemicolonAndEscapes) {
  auto parts = split_statements("INSERT INTO t VALUES ('a\\';b');\nSELECT 1");
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0], "INSERT INTO t VALUES ('a\\';b')");
  EXPECT_EQ(parts[1], "SELECT 1");
}

TEST(SplitStatements, OnlyCommentsIsNothing) { EXPECT_TRUE(split_statements("-- nothing\n/* here */\n").empty()); }

TEST(ListMigrations, EveryServiceFolderIsWellFormed) {
  for (auto svc : {"gateway", "workflow", "scoring", "notify"}) {
    auto files = sdp::db::list_migrations(std::filesystem::path(sdp::build_info::kSchemasDir) / "sql" / svc);
    ASSERT_FALSE(files.empty()) << svc;
    EXPECT_EQ(files.front().version, 1) << svc;
    for (size_t i = 1; i < files.size(); ++i) EXPECT_GT(files[i].version, files[i - 1].version);
  }
}

TEST(ListMigrations, RejectsBadNamesAndRepeatedVersions) {
  auto dir = std::filesystem::path(testing::TempDir()) / "migrations_bad";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "0001_a.sql") << "SELECT 1;";
  std::ofstream(dir / "0001_b.sql") << "SELECT 1;";
  EXPECT_THROW(sdp::db::list_migrations(dir), sdp::Error);
  std::filesystem::remove(dir / "0001_b.sql");
  std::ofstream(dir / "2_Bad-Name.sql") << "SELECT 1;";
  EXPECT_THROW(sdp::db::list_migrations(dir), sdp::Error);
}
