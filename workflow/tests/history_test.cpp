#include <gtest/gtest.h>

#include "history.hpp"

using namespace sdp::workflow;
using nlohmann::json;

namespace {
std::vector<json> chain() {
  std::vector<json> out;
  std::string prev = kGenesisHash;
  const char* actions[][3] = {{"create", "", "draft"},
                              {"submit", "draft", "county_review"},
                              {"approve", "county_review", "city_review"},
                              {"return", "city_review", "returned"}};
  int seq = 0;
  for (auto& a : actions) {
    ++seq;
    auto e = make_entry(seq, "2026-11-26T08:00:0" + std::to_string(seq) + ".000Z",
                        {{"role", "reviewer"}, {"tier", "county"}}, a[0], a[1], a[2],
                        seq == 4 ? "请补充设备联网证明" : "", prev);
    prev = e["hash"];
    out.push_back(e);
  }
  return out;
}
}  // namespace

TEST(History, AnIntactChainVerifies) {
  auto c = chain();
  EXPECT_EQ(first_broken_link(c), -1);
  EXPECT_EQ(c[0]["prev_hash"], kGenesisHash);
  EXPECT_EQ(c[1]["prev_hash"], c[0]["hash"]);
  EXPECT_EQ(c[0]["hash"].get<std::string>().size(), 64u);
}

TEST(History, EditingAnyFieldOfAnyEntryBreaksTheChainThere) {
  for (size_t i = 0; i < 4; ++i) {
    for (const char* field : {"at", "action", "from", "to", "comment"}) {
      auto c = chain();
      c[i][field] = c[i][field].is_null() ? std::string("x") : c[i][field].get<std::string>() + "x";
      EXPECT_EQ(first_broken_link(c), static_cast<int>(i) + 1) << i << " " << field;
    }
    auto c = chain();
    c[i]["actor"]["tier"] = "province";
    EXPECT_EQ(first_broken_link(c), static_cast<int>(i) + 1);
  }
}

TEST(History, RehashingAnEditedEntryStillBreaksTheNextLink) {
  auto c = chain();
  c[1]["comment"] = "tampered";
  auto body = c[1];
  body.erase("hash");
  c[1]["hash"] = entry_hash(c[1]["prev_hash"], body);
  EXPECT_EQ(first_broken_link(c), 3);
}

TEST(History, RemovingOrReorderingEntriesIsDetected) {
  auto c = chain();
  c.erase(c.begin() + 1);
  EXPECT_EQ(first_broken_link(c), 3);
  auto d = chain();
  std::swap(d[2], d[3]);
  EXPECT_NE(first_broken_link(d), -1);
}

TEST(History, TheFirstEntryComesFromNullAndAnOlderEmptyFromStillVerifies) {
  auto c = chain();
  EXPECT_TRUE(c[0]["from"].is_null());
  EXPECT_EQ(c[1]["from"], "draft");
  // Entries written before `from` became null carry "" under their hash: the chain still holds.
  json older = {{"seq", 1},
                {"at", "2026-11-26T08:00:01.000Z"},
                {"actor", {{"role", "applicant"}}},
                {"action", "create"},
                {"from", ""},
                {"to", "draft"},
                {"comment", ""},
                {"prev_hash", kGenesisHash}};
  older["hash"] = entry_hash(kGenesisHash, older);
  EXPECT_EQ(first_broken_link({older}), -1);
}

// Issue 15: a save's or resubmission's `changes` is part of the hashed entry, and hashes as the
// console recomputes it (web/src/components/History.jsx: keys sorted at every depth, arrays in
// order): the expected hash is the console's canonical() over the same entry, run in Node.
TEST(History, AnEntryWithItsChangesHashesAsTheConsoleRecomputesIt) {
  const json actor = {{"sub", "u-1"}, {"role", "applicant"}, {"org", "91370102MA3C00000B"}};
  const json extra = {{"changes", {"/title", "/payload/criteria/MS05", "/contact"}}, {"changes_truncated", true}};
  auto e = make_entry(2, "2026-11-26T08:00:02.000Z", actor, "update", "draft", "draft", "", kGenesisHash, extra);
  EXPECT_EQ(e["changes"], extra["changes"]);
  EXPECT_EQ(e["hash"], "f9c59cc347cd809e4e7ed72956ccbe08cff5ab9c6bfdac1ddc0c4c8f2219ca49");
  EXPECT_EQ(first_broken_link({e}), -1);
  auto tampered = e;
  tampered["changes"] = json::array({"/title"});
  EXPECT_EQ(first_broken_link({tampered}), 2) << "editing what a save changed breaks the chain";
  // Entries written before the field existed verify as they are, beside new ones.
  auto c = chain();
  auto next = make_entry(5, "2026-11-26T08:00:05.000Z", actor, "update", "returned", "returned", "", c.back()["hash"],
                         {{"changes", json::array()}});
  c.push_back(next);
  EXPECT_EQ(first_broken_link(c), -1);
}
