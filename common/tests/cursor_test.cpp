#include <gtest/gtest.h>

#include <vector>

#include "sdp/crypto.hpp"
#include "sdp/cursor.hpp"

using sdp::PageCursor;

TEST(Cursor, ReadsBackWhatItWrote) {
  PageCursor c{"2026-11-26 09:30:00.123456", "01a233fa-673a-7f1f-a6ad-83516a9adfe1"};
  auto text = sdp::encode_cursor(c);
  EXPECT_EQ(text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_EQ(sdp::decode_cursor(text), c);
  EXPECT_EQ(sdp::decode_cursor(sdp::encode_cursor({"2026-11-26 09:30:00", c.id})),
            (PageCursor{"2026-11-26 09:30:00", c.id}));
}

TEST(Cursor, RefusesWhatThePlatformDidNotIssue) {
  const std::string id = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  for (const std::string& raw :
       std::vector<std::string>{"no separator", "2026-11-26 09:30:00|short-id", "|" + id, "yesterday|" + id,
                                "2026-11-26 09:30:00.1234567|" + id, "2026-11-26 09:30:00"})
    EXPECT_FALSE(sdp::decode_cursor(sdp::crypto::base64url_encode(raw))) << raw;
  EXPECT_FALSE(sdp::decode_cursor("not*base64url"));
  EXPECT_FALSE(sdp::decode_cursor(""));
}

TEST(Cursor, NamesTheSortItWasTakenIn) {
  const std::string id = "01a233fa-673a-7f1f-a6ad-83516a9adfe1";
  PageCursor c{"9999-12-31 23:59:59.999999", id, "due_at"};
  EXPECT_EQ(sdp::decode_cursor(sdp::encode_cursor(c)), c);
  EXPECT_EQ(sdp::decode_cursor(sdp::encode_cursor({"2026-11-26 09:30:00", id, ""}))->sort, "");
  for (const std::string& raw :
       std::vector<std::string>{"2026-11-26 09:30:00|" + id + "|", "2026-11-26 09:30:00|" + id + "|Due",
                                "2026-11-26 09:30:00|" + id + "|due|at"})
    EXPECT_FALSE(sdp::decode_cursor(sdp::crypto::base64url_encode(raw))) << raw;
}
