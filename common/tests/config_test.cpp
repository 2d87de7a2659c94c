#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "sdp/config.hpp"
#include "sdp/error.hpp"

using sdp::Config;
using sdp::Setting;
namespace check = sdp::check;

namespace {
std::vector<Setting> spec() {
  return {
      {"SDP_PORT", "a port", "8080", check::integer(1, 65535)},
      {"SDP_MODE", "a mode", "fast", check::one_of({"fast", "slow"})},
      {"SDP_URL", "a url", "nats://127.0.0.1:4222", check::url({"nats"})},
      {"SDP_SECRET", "a secret", std::nullopt, nullptr, true},
  };
}

std::string load_error(const std::map<std::string, std::string>& env) {
  try {
    Config::load(spec(), env);
  } catch (const sdp::Error& e) {
    return e.what();
  }
  return {};
}
}  // namespace

TEST(Config, DefaultsAndOverrides) {
  auto cfg = Config::load(spec(), {{"SDP_SECRET", "s3"}, {"SDP_PORT", "9000"}});
  EXPECT_EQ(cfg.integer("SDP_PORT"), 9000);
  EXPECT_EQ(cfg.str("SDP_MODE"), "fast");
  EXPECT_EQ(cfg.str("SDP_SECRET"), "s3");
}

TEST(Config, EveryBadSettingIsNamed) {
  auto msg = load_error({{"SDP_PORT", "80x"}, {"SDP_MODE", "medium"}, {"SDP_URL", "http://x"}});
  EXPECT_NE(msg.find("SDP_PORT must be a whole number"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SDP_MODE must be one of fast, slow"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SDP_URL must be a URL"), std::string::npos) << msg;
  EXPECT_NE(msg.find("SDP_SECRET is required"), std::string::npos) << msg;
}

TEST(Config, RangeIsChecked) {
  EXPECT_NE(load_error({{"SDP_SECRET", "x"}, {"SDP_PORT", "70000"}}).find("between 1 and 65535"), std::string::npos);
}

TEST(Config, SecretFromFileAndNeverDescribed) {
  auto path = testing::TempDir() + "/secret.txt";
  std::ofstream(path) << "from-file\n";
  auto cfg = Config::load(spec(), {{"SDP_SECRET_FILE", path}});
  EXPECT_EQ(cfg.str("SDP_SECRET"), "from-file");
  EXPECT_EQ(cfg.describe().at("SDP_SECRET"), "***");
  EXPECT_EQ(cfg.describe().at("SDP_MODE"), "fast");
}

TEST(Config, FileIsReadAndEnvironmentWins) {
  auto path = testing::TempDir() + "/sdp.conf";
  std::ofstream(path) << "# comment\nSDP_MODE=slow\nSDP_PORT = \"7000\"\nSDP_SECRET=f\n";
  auto cfg = Config::load(spec(), {{"SDP_CONFIG_FILE", path}, {"SDP_PORT", "7001"}});
  EXPECT_EQ(cfg.str("SDP_MODE"), "slow");
  EXPECT_EQ(cfg.integer("SDP_PORT"), 7001);
}

TEST(Config, MalformedFileLineIsReported) {
  auto path = testing::TempDir() + "/bad.conf";
  std::ofstream(path) << "SDP_MODE=slow\nthis is not a setting\n";
  EXPECT_NE(load_error({{"SDP_CONFIG_FILE", path}}).find("line 2"), std::string::npos);
}

TEST(Config, UrlListChecksEveryServer) {
  auto check = sdp::check::url_list({"nats", "tls"});
  EXPECT_EQ(check("nats://127.0.0.1:4222"), "");
  EXPECT_EQ(check("nats://127.0.0.1:4231,nats://127.0.0.1:4232,tls://nats-3:4222"), "");
  EXPECT_NE(check("nats://127.0.0.1:4231,http://127.0.0.1:4232"), "");
  EXPECT_NE(check("nats://127.0.0.1:4231,"), "") << "an empty entry";
}
