// The public side of 公示 (CONTRACT §8): what makes an objection real-name, and the rate limit per address.
#include <gtest/gtest.h>

#include <set>

#include "public.hpp"

using namespace sdp::gateway;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
std::set<std::string> pointers(const json& body) {
  std::set<std::string> out;
  for (const auto& p : objection_problems(body)) {
    out.insert(p.pointer);
    EXPECT_FALSE(p.message_zh.empty());
  }
  return out;
}
const json kReal = {{"name", "张三"},
                    {"id_number", "11010519491231002X"},
                    {"phone", "13800000000"},
                    {"content", "该企业申报的产线并未投产。"}};
}  // namespace

TEST(Objections, ARealNameAValidIdentityAndContentAreRequired) {
  EXPECT_TRUE(pointers(kReal).empty());
  auto by_org = kReal;
  by_org.erase("id_number");
  by_org["org"] = "91370102MA3C00000B";
  EXPECT_TRUE(pointers(by_org).empty()) << "an org objects with its 统一社会信用代码";
  for (const char* name : {"", "  ", "匿名", "Anonymous", "　"}) {
    auto anonymous = kReal;
    anonymous["name"] = name;
    EXPECT_EQ(pointers(anonymous), std::set<std::string>{"/name"}) << name;
  }
  auto no_identity = kReal;
  no_identity.erase("id_number");
  EXPECT_EQ(pointers(no_identity), std::set<std::string>{"/id_number"});
  auto bad_check = kReal;
  bad_check["id_number"] = "110105194912310021";
  EXPECT_EQ(pointers(bad_check), std::set<std::string>{"/id_number"});
  auto bad_org = by_org;
  bad_org["org"] = "91370102MA3C00000A";
  EXPECT_EQ(pointers(bad_org), std::set<std::string>{"/org"});
  auto empty = kReal;
  empty["content"] = " \n";
  EXPECT_EQ(pointers(empty), std::set<std::string>{"/content"});
}

TEST(Objections, TheLimitIsPerAddressAndSaysWhenToComeBack) {
  RateLimiter limit(2, 60s);
  const auto t0 = RateLimiter::Clock::time_point{} + 1000s;
  EXPECT_FALSE(limit.admit("10.0.0.1", t0));
  EXPECT_FALSE(limit.admit("10.0.0.1", t0 + 10s));
  auto wait = limit.admit("10.0.0.1", t0 + 20s);
  ASSERT_TRUE(wait);
  EXPECT_EQ(*wait, 40s) << "the first of the window leaves it at t0 + 60 s";
  EXPECT_FALSE(limit.admit("10.0.0.2", t0 + 20s)) << "another address has its own";
  EXPECT_FALSE(limit.admit("10.0.0.1", t0 + 61s)) << "the window slides";
  RateLimiter small(1, 60s, 2);
  EXPECT_FALSE(small.admit("a", t0));
  EXPECT_FALSE(small.admit("b", t0));
  EXPECT_FALSE(small.admit("c", t0 + 1s)) << "bounded: a new address is admitted past max_clients";
}
