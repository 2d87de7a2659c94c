// The strict parser used for everything from outside: bounded depth, no duplicate keys.
#include <gtest/gtest.h>

#include <chrono>

#include "sdp/json_parse.hpp"

using nlohmann::json;
using sdp::JsonParseError;
using sdp::parse_json;

namespace {
std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}
}  // namespace

TEST(JsonParse, ParsesWhatNlohmannParses) {
  const std::string text =
      R"({"a":[1,-2,3.5,1e3,18446744073709551615,true,false,null,"x\u00e9",{"b":{}}],"c":{"d":[[]]},"e":"中文"})";
  auto j = parse_json(text);
  ASSERT_TRUE(j.has_value()) << j.error().message;
  EXPECT_EQ(*j, json::parse(text));
  EXPECT_EQ(parse_json("7").value(), json(7));
  EXPECT_EQ(parse_json(" \"s\" ").value(), json("s"));
  EXPECT_EQ(parse_json("[]").value(), json::array());
}

TEST(JsonParse, SyntaxErrorsAndInvalidUtf8AreRefused) {
  for (const std::string text : {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"\xff\"", "1e400", "{'a':1}"}) {
    auto j = parse_json(text);
    ASSERT_FALSE(j.has_value()) << text;
    EXPECT_EQ(j.error().kind, JsonParseError::Kind::syntax) << text;
    EXPECT_EQ(j.error().pointer, "") << text;
  }
}

TEST(JsonParse, DepthIsBoundedAndTheLimitItselfIsAccepted) {
  EXPECT_TRUE(parse_json(repeat("[", 32) + repeat("]", 32), 32).has_value());
  auto j = parse_json(repeat("[", 33) + repeat("]", 33), 32);
  ASSERT_FALSE(j.has_value());
  EXPECT_EQ(j.error().kind, JsonParseError::Kind::too_deep);
  EXPECT_EQ(j.error().pointer, repeat("/0", 32));  // the 33rd array
  EXPECT_NE(j.error().message.find("32"), std::string::npos) << j.error().message;
  // Objects, and the pointer through keys and array positions.
  auto k = parse_json(R"({"x":[0,{"y/~":)" + repeat(R"({"a":)", 10) + "1" + repeat("}", 10) + "}]}", 5);
  ASSERT_FALSE(k.has_value());
  EXPECT_EQ(k.error().pointer, "/x/1/y~1~0/a/a");
  EXPECT_EQ(parse_json(repeat("[", 64) + repeat("]", 64)).has_value(), true) << "messages may nest 64 deep";
}

TEST(JsonParse, SeventyThousandLevelsAreRefusedQuicklyWithoutRecursion) {
  for (const auto& text : {repeat("[", 70000) + repeat("]", 70000),
                           repeat(R"({"a":)", 70000) + "1" + repeat("}", 70000), repeat("[", 1'000'000)}) {
    auto t0 = std::chrono::steady_clock::now();
    auto j = parse_json(text, sdp::kMaxInputDepth);
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "[ figures  ] " << text.size() << " bytes nested: refused in " << us << " us\n";
    ASSERT_FALSE(j.has_value());
    EXPECT_EQ(j.error().kind, JsonParseError::Kind::too_deep);
  }
}

TEST(JsonParse, DuplicateKeysAreRefusedAtAnyDepthWithTheirPointer) {
  struct Case {
    std::string text, pointer;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"role":"applicant","role":"admin"})", "/role"},
           {R"({"a":{"b":[1,{"c":1,"d":2,"c":3}]}})", "/a/b/1/c"},
           {R"({"criteria":{"MS01":{"met":true},"MS02":{"met":true},"MS01":{"met":false}}})", "/criteria/MS01"},
           {R"([{"k/1":1,"k/1":1}])", "/0/k~11"},
           {R"({"":1,"":2})", "/"},
       }) {
    auto j = parse_json(c.text);
    ASSERT_FALSE(j.has_value()) << c.text;
    EXPECT_EQ(j.error().kind, JsonParseError::Kind::duplicate_key) << c.text;
    EXPECT_EQ(j.error().pointer, c.pointer) << c.text;
  }
  // The same key in different objects is no duplicate; nor is a key equal to a value.
  EXPECT_TRUE(parse_json(R"({"a":{"a":"a"},"b":[{"a":1},{"a":2}]})").has_value());
}

TEST(JsonParse, ManyKeysStayLinear) {
  std::string text = "{";
  for (int i = 0; i < 100000; ++i) text += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":" + std::to_string(i);
  text += "}";
  auto t0 = std::chrono::steady_clock::now();
  auto j = parse_json(text);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ figures  ] 100,000 keys (" << text.size() << " bytes) parsed in " << ms << " ms\n";
  ASSERT_TRUE(j.has_value());
  EXPECT_EQ(j->size(), 100000u);
  auto dup = parse_json(text.substr(0, text.size() - 1) + R"(,"k99999":0})");
  ASSERT_FALSE(dup.has_value());
  EXPECT_EQ(dup.error().pointer, "/k99999");
}
