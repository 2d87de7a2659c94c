// The 申报书's identity: the content digest and the verification code, pure.
#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "document.hpp"

using namespace sdp::workflow;
using nlohmann::json;

TEST(DocumentCode, IsSixteenCrockfordCharactersAndTheSameForTheSameVersion) {
  const auto a = document_code("0192f0c4-1111-7000-8000-000000000001", 3, std::string(64, 'a'));
  EXPECT_TRUE(std::regex_match(a, std::regex("[0-9A-HJKMNP-TV-Z]{16}"))) << a;
  EXPECT_EQ(a, document_code("0192f0c4-1111-7000-8000-000000000001", 3, std::string(64, 'a')));
}

TEST(DocumentCode, ChangesWithTheDeclarationTheVersionAndTheContent) {
  std::set<std::string> codes{document_code("d1", 3, "c"),  document_code("d2", 3, "c"), document_code("d1", 4, "c"),
                              document_code("d1", 3, "c2"), document_code("d1", 34, ""), document_code("d13", 4, "")};
  EXPECT_EQ(codes.size(), 6u);
}

TEST(DocumentCode, UsesTheWholeAlphabet) {
  std::set<char> seen;
  for (int v = 1; v <= 200; ++v)
    for (char c : document_code("d", v, "c")) seen.insert(c);
  EXPECT_EQ(seen.size(), 32u);
}

TEST(ContentDigest, DoesNotDependOnTheOrderMembersCameIn) {
  auto a = json::parse(R"({"title":"t","payload":{"criteria":{"MS01":{"met":true}}},"files":[]})");
  auto b = json::parse(R"({"files":[],"payload":{"criteria":{"MS01":{"met":true}}},"title":"t"})");
  EXPECT_EQ(content_sha256(a), content_sha256(b));
  b["title"] = "t2";
  EXPECT_NE(content_sha256(a), content_sha256(b));
  EXPECT_EQ(content_sha256(a).size(), 64u);
}
