#include <gtest/gtest.h>

#include "sdp/error.hpp"
#include "sdp/json_schema.hpp"

using nlohmann::json;

namespace {
sdp::JsonSchema payload_schema() {
  return sdp::JsonSchema(json::parse(R"({
    "type": "object",
    "required": ["claimed_level", "criteria"],
    "additionalProperties": false,
    "properties": {
      "claimed_level": {"type": "integer", "minimum": 1, "maximum": 5},
      "criteria": {"type": "object", "additionalProperties": {
        "type": "object", "required": ["met"], "properties": {"met": {"type": "boolean"}}}}
    }})"));
}

std::vector<std::string> pointers(const std::vector<sdp::SchemaProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.pointer);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(JsonSchema, ValidDocumentHasNoProblems) {
  EXPECT_TRUE(payload_schema().validate(json::parse(R"({"claimed_level": 3, "criteria": {"MS01": {"met": true}}})")).empty());
}

TEST(JsonSchema, PointsAtTheOffendingValue) {
  auto problems = payload_schema().validate(json::parse(R"({"claimed_level": 9, "criteria": {"MS/01": {"met": "yes"}}})"));
  EXPECT_EQ(pointers(problems), (std::vector<std::string>{"/claimed_level", "/criteria/MS~101/met"}));
}

TEST(JsonSchema, MissingAndUnknownPropertiesPointAtTheProperty) {
  auto problems = payload_schema().validate(json::parse(R"({"criteria": {}, "colour": "red"})"));
  EXPECT_EQ(pointers(problems), (std::vector<std::string>{"/claimed_level", "/colour"}));
}

TEST(JsonSchema, WrongTypeAtTheRoot) {
  auto problems = payload_schema().validate(json::parse("[1,2]"));
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0].pointer, "");
}

TEST(JsonSchema, MalformedSchemaIsRefused) {
  EXPECT_THROW(sdp::JsonSchema(json::parse(R"({"type": 12})")), sdp::Error);
}

TEST(JsonSchema, PointerTokensAreEscaped) { EXPECT_EQ(sdp::pointer_token("a/b~c"), "a~1b~0c"); }
