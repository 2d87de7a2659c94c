#include <gtest/gtest.h>

#include <chrono>

#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "sdp/json_schema.hpp"

using nlohmann::json;

namespace sdp {
void PrintTo(const SchemaProblem& p, std::ostream* os) { *os << "{" << p.pointer << ": " << p.message << "}"; }
}  // namespace sdp

namespace {
json payload_schema_json() {
  return json::parse(R"({
    "type": "object",
    "required": ["claimed_level", "criteria"],
    "additionalProperties": false,
    "properties": {
      "claimed_level": {"type": "integer", "minimum": 1, "maximum": 5},
      "criteria": {"type": "object", "additionalProperties": {
        "type": "object", "required": ["met"], "properties": {"met": {"type": "boolean"}}}}
    }})");
}
sdp::JsonSchema payload_schema() { return sdp::JsonSchema(payload_schema_json()); }

std::vector<std::string> pointers(const std::vector<sdp::SchemaProblem>& problems) {
  std::vector<std::string> out;
  for (const auto& p : problems) out.push_back(p.pointer);
  std::sort(out.begin(), out.end());
  return out;
}
}  // namespace

TEST(JsonSchema, ValidDocumentHasNoProblems) {
  EXPECT_TRUE(
      payload_schema().validate(json::parse(R"({"claimed_level": 3, "criteria": {"MS01": {"met": true}}})")).empty());
}

TEST(JsonSchema, PointsAtTheOffendingValue) {
  auto problems =
      payload_schema().validate(json::parse(R"({"claimed_level": 9, "criteria": {"MS/01": {"met": "yes"}}})"));
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

// Issue 13: the work of validation grows with the document, never with its square, and the
// answer stays short.
namespace {
json wrong_typed_members(size_t n) {
  json j = json::object();
  for (size_t i = 0; i < n; ++i) j["x" + std::to_string(i)] = static_cast<int>(i);
  return j;
}
long long ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

TEST(JsonSchema, ManyProblemsAreCappedWithTheCountOfTheRest) {
  sdp::JsonSchema open_map(json::parse(R"({"type": "object", "additionalProperties": {"type": "boolean"}})"));
  auto doc = wrong_typed_members(3000);
  auto t0 = std::chrono::steady_clock::now();
  auto problems = open_map.validate(doc);
  std::cout << "[ figures  ] 3,000 wrong-typed members, no bound: " << ms_since(t0) << " ms\n";
  ASSERT_EQ(problems.size(), sdp::kMaxProblems + 1);
  EXPECT_EQ(problems.back(), (sdp::SchemaProblem{"", "and 2950 more problems", "另有 2950 处问题未列出"}));
  for (size_t i = 0; i < sdp::kMaxProblems; ++i)
    EXPECT_TRUE(problems[i].pointer.starts_with("/x")) << problems[i].pointer;
}

TEST(JsonSchema, AnObjectOverItsBoundIsRefusedBeforeItsMembersAreWalked) {
  auto bounded = payload_schema_json();
  bounded["properties"]["criteria"]["maxProperties"] = 72;
  auto doc = json{{"claimed_level", 3}, {"criteria", wrong_typed_members(5000)}};
  auto t0 = std::chrono::steady_clock::now();
  auto problems = sdp::JsonSchema(bounded).validate(doc);
  std::cout << "[ figures  ] 5,000 wrong-typed members over maxProperties 72: " << ms_since(t0) << " ms\n";
  EXPECT_EQ(problems, (std::vector<sdp::SchemaProblem>{{"/criteria", "may have at most 72 entries", "最多 72 项"}}));
  // additionalProperties: false: valijson names the first stranger and walks none of them; the
  // other problems are still reported.
  auto strangers = wrong_typed_members(5000);
  strangers["claimed_level"] = 9;
  EXPECT_EQ(pointers(payload_schema().validate(strangers)),
            (std::vector<std::string>{"/claimed_level", "/criteria", "/x0"}));
  // An array over maxItems, found through a $ref and items.
  sdp::JsonSchema list(json::parse(R"({"type": "object", "properties": {"l": {"$ref": "#/definitions/l"}},
    "definitions": {"l": {"type": "array", "items": {"type": "object", "properties": {"m": {"type": "array", "maxItems": 2}}}}}})"));
  auto deep = list.validate(json::parse(R"({"l": [{"m": [1]}, {"m": [1, 2, 3]}]})"));
  EXPECT_EQ(deep, (std::vector<sdp::SchemaProblem>{{"/l/1/m", "may have at most 2 entries", "最多 2 项"}}));
  // Within its bounds, the document is still walked and every problem reported.
  auto within = json{{"claimed_level", 3}, {"criteria", {{"A", 1}, {"B", {{"met", "yes"}}}}}};
  EXPECT_EQ(pointers(payload_schema().validate(within)), (std::vector<std::string>{"/criteria/A", "/criteria/B/met"}));
}

TEST(JsonSchema, TheRealPayloadSchemaAnswersAMebibyteQuickly) {
  auto schema =
      sdp::JsonSchema::from_file(std::string(sdp::build_info::kSchemasDir) + "/payloads/morning_star.schema.json");
  for (size_t n : {72u, 5000u, 71000u}) {
    auto doc = json{{"claimed_level", 3}, {"criteria", wrong_typed_members(n)}};
    auto t0 = std::chrono::steady_clock::now();
    auto problems = schema.validate(doc);
    std::cout << "[ figures  ] payloads/morning_star.schema.json, " << n << " wrong-typed criteria ("
              << doc.dump().size() << " bytes): " << problems.size() << " problems in " << ms_since(t0) << " ms\n";
    EXPECT_FALSE(problems.empty());
    EXPECT_LE(problems.size(), sdp::kMaxProblems + 1);
  }
}
