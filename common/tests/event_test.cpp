#include <gtest/gtest.h>

#include "sdp/build_info.hpp"

#include "sdp/event.hpp"

namespace {
const sdp::JsonSchema& envelope() {
  static auto s =
      sdp::JsonSchema::from_file(std::string(sdp::build_info::kSchemasDir) + "/events/envelope.schema.json");
  return s;
}
}  // namespace

TEST(Event, RoundTripsThroughTheEnvelopeSchema) {
  auto e = sdp::make_event("declaration.submitted", "d-1", 3, {{"role", "applicant"}, {"sub", "u1"}},
                           {{"state", "county_review"}});
  EXPECT_EQ(e.subject(), "sdp.events.declaration.submitted");
  auto parsed = sdp::parse_event(e.to_json().dump(), envelope());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->id, e.id);
  EXPECT_EQ(parsed->version, 3);
  EXPECT_EQ(parsed->data["state"], "county_review");
}

TEST(Event, ProblemsCarryPointers) {
  nlohmann::json j = {{"id", "x"},
                      {"type", "declaration.submitted"},
                      {"declaration_id", "d"},
                      {"version", -1},
                      {"occurred_at", "yesterday"},
                      {"actor", {{"role", "king"}}},
                      {"data", {}},
                      {"extra", 1}};
  auto parsed = sdp::parse_event(j.dump(), envelope());
  ASSERT_FALSE(parsed.has_value());
  std::set<std::string> pointers;
  for (const auto& p : parsed.error()) pointers.insert(p.pointer);
  EXPECT_TRUE(pointers.contains("/version"));
  EXPECT_TRUE(pointers.contains("/occurred_at"));
  EXPECT_TRUE(pointers.contains("/actor/role"));
  EXPECT_TRUE(pointers.contains("/extra"));
}

TEST(Event, AKeyGivenTwiceIsRefusedWithItsPointer) {
  auto text =
      sdp::make_event("declaration.submitted", "d-1", 3, {{"role", "applicant"}, {"sub", "u1"}}, {}).to_json().dump();
  auto parsed = sdp::parse_event(text.substr(0, text.size() - 1) + R"(,"type":"declaration.approved"})", envelope());
  ASSERT_FALSE(parsed.has_value()) << "read as " << parsed->type;
  EXPECT_EQ(parsed.error().front().pointer, "/type");
}

TEST(Event, NotJsonIsRefused) {
  auto parsed = sdp::parse_event("{not json", envelope());
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error().front().message, "not valid JSON");
}
