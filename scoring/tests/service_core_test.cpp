// The scoring service's pure core: the preview reply.
#include <gtest/gtest.h>

#include "scoring_service.hpp"
#include "sdp/build_info.hpp"

using namespace sdp;
using namespace sdp::scoring;
using nlohmann::json;

namespace {
const Scorer& scorer() {
  static auto s = Scorer::load(build_info::kSchemasDir, "2026.1", "2026.1");
  return s;
}
cmd::PreviewScore command(Kind kind, json payload, std::optional<json> verified = std::nullopt) {
  return {kind, std::move(payload), std::move(verified)};
}
}  // namespace

TEST(Preview, AnswersWithTheScore) {
  auto ok = preview(scorer(), command(Kind::morning_star, {{"claimed_level", 2}}));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->body["self_assessed_level"], 0);
  EXPECT_EQ(ok->body["claimed_level_reached"], false);
  auto with_verdict =
      preview(scorer(), command(Kind::morning_star, {{"claimed_level", 1}}, json{{"criteria", {{"MS01", true}}}}));
  ASSERT_TRUE(with_verdict.has_value());
  EXPECT_EQ(with_verdict->body["verified_level"], 0);
}

TEST(Preview, RefusesWithThePointers) {
  auto bad = preview(scorer(), command(Kind::morning_star, {{"claimed_level", 9}}));
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, ProblemKind::invalid);
  EXPECT_EQ(bad.error().errors.at(0).pointer, "/payload/claimed_level");
  auto bad_verdict =
      preview(scorer(), command(Kind::morning_star, json::object(), json{{"criteria", {{"MS99", true}}}}));
  ASSERT_FALSE(bad_verdict.has_value());
  EXPECT_EQ(bad_verdict.error().errors.at(0).pointer.rfind("/verified", 0), 0u)
      << bad_verdict.error().errors[0].pointer;
}
