#include <gtest/gtest.h>

#include "api.hpp"

using nlohmann::json;
using sdp::Language;

namespace {
sdp::http::Response problem_of(const json& body) {
  sdp::http::Response r;
  r.status = body.value("status", 400);
  r.headers["Content-Type"] = "application/problem+json";
  r.body = body.dump();
  return r;
}

json localized(const json& body, Language language) {
  auto r = problem_of(body);
  sdp::gateway::localize(r, language);
  return json::parse(r.body);
}

const json kBilingual = {{"type", "/problems/conflict"},
                         {"status", 412},
                         {"title", "The declaration has changed"},
                         {"title_zh", "申报已被修改"},
                         {"detail", "it is now at version 3"},
                         {"detail_zh", "申报现已是第 3 版"},
                         {"errors", {{{"pointer", "/a"}, {"message", "must be text"}, {"message_zh", "必须是文本"}}}}};
}  // namespace

TEST(Localize, KeepsTheAskedLanguageInTheContractShape) {
  EXPECT_EQ(localized(kBilingual, Language::zh), (json{{"type", "/problems/conflict"},
                                                       {"status", 412},
                                                       {"title", "申报已被修改"},
                                                       {"detail", "申报现已是第 3 版"},
                                                       {"errors", {{{"pointer", "/a"}, {"message", "必须是文本"}}}}}));
  EXPECT_EQ(localized(kBilingual, Language::en),
            (json{{"type", "/problems/conflict"},
                  {"status", 412},
                  {"title", "The declaration has changed"},
                  {"detail", "it is now at version 3"},
                  {"errors", {{{"pointer", "/a"}, {"message", "must be text"}}}}}));
}

TEST(Localize, AChineseAnswerHasNoEnglishDetail) {
  // Every problem the gateway builds has both languages; one that lacks Chinese keeps its English
  // title, but a Chinese answer carries no English sentence beside it.
  auto j = localized({{"type", "/problems/internal"},
                      {"status", 500},
                      {"title", "internal error"},
                      {"detail", "boom"},
                      {"errors", "not a list"}},
                     Language::zh);
  EXPECT_EQ(j, (json{{"type", "/problems/internal"}, {"status", 500}, {"title", "internal error"}}));
}

TEST(Localize, LeavesOtherResponsesAlone) {
  auto r = sdp::http::Response::json(200, R"({"title":"x","title_zh":"y"})");
  sdp::gateway::localize(r, Language::zh);
  EXPECT_EQ(r.body, R"({"title":"x","title_zh":"y"})");
}
