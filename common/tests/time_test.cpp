// The platform's two time texts: MariaDB's DATETIME(6) and RFC 3339 in replies.
#include <gtest/gtest.h>

#include "sdp/time.hpp"

using namespace sdp;

TEST(Time, DbTimeIsUtcWithMicroseconds) {
  auto t =
      std::chrono::system_clock::time_point(std::chrono::seconds(1'795'725'358)) + std::chrono::microseconds(123'456);
  EXPECT_EQ(db_time(t), "2026-11-26 20:35:58.123456");
  EXPECT_EQ(db_time(std::chrono::system_clock::time_point(std::chrono::seconds(1'795'725'358))),
            "2026-11-26 20:35:58.000000");
}

TEST(Time, Rfc3339OfADbTimeKeepsMilliseconds) {
  EXPECT_EQ(rfc3339_of_db_time("2026-11-26 20:35:58.123456"), "2026-11-26T20:35:58.123Z");
  EXPECT_EQ(rfc3339_of_db_time("2026-11-26 20:35:58"), "2026-11-26T20:35:58.000Z");
  EXPECT_EQ(rfc3339_of_db_time("2026-11-26"), std::nullopt);
}

// Issue 14: one codec for the API's times; text that is not DATETIME(6) is no time at all.
TEST(Time, TheApiTimeIsRfc3339OrNull) {
  EXPECT_EQ(api_time(std::string("2026-11-26 20:35:58.5")), "2026-11-26T20:35:58.500Z");
  EXPECT_EQ(api_time(std::nullopt), nullptr);
  for (const char* junk :
       {"2026-11-26T20:35:58", "2026/11/26 20:35:58", "2026-11-26 20:35:58.1234567", "garbage-text-of-19c"})
    EXPECT_EQ(api_time(std::string(junk)), nullptr) << junk;
}
