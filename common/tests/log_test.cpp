#include <gtest/gtest.h>

#include "sdp/log.hpp"

using sdp::log::Level;

TEST(Log, LineIsOneJsonObjectWithTheId) {
  auto line = sdp::log::format(Level::warn, "workflow", "decision refused", {{"declaration", "d-1"}, {"status", 409}},
                               "request_id", "r-42", "2026-11-26T00:00:00.000Z");
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["level"], "warn");
  EXPECT_EQ(j["service"], "workflow");
  EXPECT_EQ(j["msg"], "decision refused");
  EXPECT_EQ(j["request_id"], "r-42");
  EXPECT_EQ(j["status"], 409);
  EXPECT_EQ(j["ts"], "2026-11-26T00:00:00.000Z");
}

TEST(Log, FieldsCannotOverwriteTheEnvelope) {
  auto j = nlohmann::json::parse(sdp::log::format(Level::info, "s", "m", {{"level", "fake"}}, "", "", "t"));
  EXPECT_EQ(j["level"], "info");
}

TEST(Log, InvalidUtf8DoesNotThrow) {
  std::string bad = "bad \xff byte";
  EXPECT_NO_THROW(sdp::log::format(Level::info, "s", bad, {{"v", bad}}, "", "", "t"));
}

TEST(Log, ParsesLevels) {
  EXPECT_EQ(sdp::log::parse_level("debug"), Level::debug);
  EXPECT_EQ(sdp::log::parse_level("error"), Level::error);
  EXPECT_EQ(sdp::log::parse_level("warn"), Level::warn);
}
