// The 申报书 (CONTRACT §9, issue 19) over HTTP against the real gateway, workflow, scoring and
// notify: the PDF of a submitted version read back by poppler and zbar, the same bytes for the
// same version whoever asks and whenever, the printed code verified without a token (and a forged
// one refused), and who may print which version.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"
#include "stack.hpp"
#include "test_env.hpp"

using namespace sdp;
using nlohmann::json;
using test::if_match;

namespace {

const std::string kZh = "Accept-Language: zh-CN,zh;q=0.9";

// A catalogue's items (criteria or indicators), kept: a range-for over a temporary's member dangles.
const json& items(const std::string& file, const char* member) {
  static std::map<std::string, json> loaded;
  auto& j = loaded[file];
  if (j.is_null()) j = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/" + file));
  return j[member];
}

std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
  char buf[4096];
  for (size_t n; pipe && (n = fread(buf, 1, sizeof buf, pipe.get())) > 0;) out.append(buf, n);
  return out;
}

std::string flat(std::string s) {
  std::erase_if(s, [](unsigned char c) { return std::isspace(c); });
  return s;
}

struct Printed {
  std::filesystem::path dir = test::temp_dir("documents");
  std::filesystem::path save(const std::string& bytes, const std::string& name = "doc.pdf") const {
    auto file = dir / name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file;
  }
};

struct Documents : test::Stack {
  // A complete 晨星工厂 draft: every item claimed with its evidence.
  json draft(const std::string& title = "晨星工厂申报（申报书）") {
    json criteria = json::object();
    for (const auto& c : items("morning_star.json", "criteria"))
      criteria[c["id"].get<std::string>()] = {{"met", true},
                                              {"evidence", "已建成" + c["name"].get<std::string>() + "，见附件。"}};
    auto r = send("POST", "/v1/declarations", applicant(),
                  json{{"round", rounds["morning_star"]},
                       {"org_name", "历下区某智能装备有限公司"},
                       {"region", "370102"},
                       {"title", title},
                       {"contact", {{"name", "李工"}, {"phone", "13800000000"}}},
                       {"payload", {{"claimed_level", 2}, {"criteria", criteria}}}},
                  {kZh});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json upload(const json& d, const std::string& item, const std::string& name, const std::string& bytes) {
    auto r = test::http("POST", url("/v1/declarations/" + d["id"].get<std::string>() + "/files?item=" + item),
                        {kZh, "Authorization: Bearer " + applicant(), "Content-Type: application/octet-stream",
                         "Content-Disposition: attachment; filename=\"" + name + "\""},
                        bytes);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json submit(const json& d) {
    auto r =
        send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant(), std::nullopt, {kZh});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json();
  }
  test::HttpReply document(const json& d, const std::string& token, const std::string& query = "") {
    return send("GET", "/v1/declarations/" + d["id"].get<std::string>() + "/document.pdf" + query, token, std::nullopt,
                {kZh});
  }
  test::HttpReply verify(const std::string& code) {
    return send("GET", "/v1/public/verify/" + code, "", std::nullopt, {kZh});
  }
};

std::string pdf_file(const std::string& tag) {
  return "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + tag + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

}  // namespace

TEST(DocumentsE2E, TheSubmittedVersionPrintsWithEveryItemItsFilesAndACodeThatVerifies) {
  Documents s;
  Printed out;
  auto d = s.draft();
  auto licence = s.upload(d, "MS01", "licence.pdf", pdf_file("licence"));
  auto plan = s.upload(d, "MS04", "plan.pdf", pdf_file("plan"));
  d = s.submit(d);

  auto r = s.document(d, s.applicant());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/pdf");
  EXPECT_EQ(r.body.substr(0, 5), "%PDF-");
  const auto code = r.header("x-verification-code");
  ASSERT_EQ(code.size(), 16u);
  const auto file = out.save(r.body);

  // Read back: the number, the org, every item id and name, the files with their SHA-256, the code.
  const auto text = flat(run("pdftotext -enc UTF-8 " + file.string() + " -"));
  EXPECT_NE(text.find(d["number"].get<std::string>()), std::string::npos);
  EXPECT_NE(text.find("历下区某智能装备有限公司"), std::string::npos);
  for (const auto& c : items("morning_star.json", "criteria")) {
    EXPECT_NE(text.find(c["id"].get<std::string>()), std::string::npos) << c["id"];
    EXPECT_NE(text.find(flat(c["name"].get<std::string>())), std::string::npos) << c["id"];
  }
  for (const auto& f : {licence, plan}) {
    EXPECT_NE(text.find(f["name"].get<std::string>()), std::string::npos);
    EXPECT_NE(text.find(f["sha256"].get<std::string>()), std::string::npos);
  }
  EXPECT_NE(text.find(code.substr(0, 4) + "-" + code.substr(4, 4)), std::string::npos);
  EXPECT_NE(run("pdffonts " + file.string()).find("NotoSansCJK"), std::string::npos);

  // The QR code of the first page carries this gateway's verify URL, which answers without a token.
  run("pdftoppm -r 150 -png -f 1 -l 1 " + file.string() + " " + (out.dir / "page").string());
  std::string png;
  for (const auto& e : std::filesystem::directory_iterator(out.dir))
    if (e.path().extension() == ".png") png = e.path().string();
  ASSERT_FALSE(png.empty());
  const auto url = s.url("/v1/public/verify/" + code);
  EXPECT_EQ(run("zbarimg --raw -q " + png + " 2>/dev/null"), url + "\n");
  auto verified = test::http("GET", url);
  ASSERT_EQ(verified.status, 200) << verified.body;
  EXPECT_EQ(verified.header("cache-control"), "public, max-age=60");
  auto v = verified.json();
  EXPECT_EQ(v["number"], d["number"]);
  EXPECT_EQ(v["org_name"], "历下区某智能装备有限公司");
  EXPECT_EQ(v["version"], 1);  // the content version submitted: the first, never edited
  EXPECT_EQ(v["content_sha256"], r.header("x-content-sha256"));
  EXPECT_TRUE(v["submitted"].get<bool>());
  EXPECT_TRUE(v["latest"].get<bool>());
  // As typed by someone reading the paper: lower case, with dashes.
  std::string typed = code.substr(0, 4) + "-" + code.substr(4, 4) + "-" + code.substr(8, 4) + "-" + code.substr(12);
  std::transform(typed.begin(), typed.end(), typed.begin(), ::tolower);
  EXPECT_EQ(s.verify(typed).json()["number"], d["number"]);

  // A forged code: one character changed, or not a code at all.
  std::string forged = code;
  forged[5] = forged[5] == 'A' ? 'B' : 'A';
  auto refused = s.verify(forged);
  EXPECT_EQ(refused.status, 404);
  EXPECT_NE(refused.json().value("title", "").find("验证码"), std::string::npos) << refused.body;
  EXPECT_EQ(s.verify("not-a-code").status, 404);
  EXPECT_EQ(s.verify("UUUUUUUUUUUUUUUU").status, 404);

  // The same version gives the same bytes: to the county's reviewer, and after the gateway restarts
  // (nothing cached).
  auto county = s.document(d, s.reviewer("county", "370102"));
  ASSERT_EQ(county.status, 200) << county.body;
  EXPECT_EQ(crypto::sha256_hex(county.body), crypto::sha256_hex(r.body));
  s.gateway->restart();
  ASSERT_TRUE(s.gateway->wait_ready());
  auto again = s.document(d, s.applicant());
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(crypto::sha256_hex(again.body), crypto::sha256_hex(r.body));
}

TEST(DocumentsE2E, OnlyThoseWhoSeeTheDeclarationPrintItAndReviewersOnlySubmittedVersions) {
  Documents s;
  auto d = s.draft();
  // A draft: its applicant may print it (marked as not submitted); reviewers see nothing of it.
  auto own = s.document(d, s.applicant());
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_FALSE(s.verify(own.header("x-verification-code")).json()["submitted"].get<bool>());
  EXPECT_EQ(s.document(d, s.reviewer("county", "370102")).status, 404);
  d = s.submit(d);
  const auto first = s.document(d, s.applicant());
  ASSERT_EQ(first.status, 200);

  EXPECT_EQ(s.document(d, "").status, 401);
  EXPECT_EQ(s.document(d, s.applicant("91350100M000100Y43")).status, 404);
  EXPECT_EQ(s.document(d, s.reviewer("county", "370103")).status, 404);
  EXPECT_EQ(s.document(d, s.reviewer("city", "370100")).status, 200);
  EXPECT_EQ(s.document(d, s.applicant(), "?version=0").status, 400);
  EXPECT_EQ(s.document(d, s.applicant(), "?version=999").status, 404);

  // Returned, edited and submitted again: the default is the new version with a new code; the old
  // code now says a later version superseded it, and the old version still prints the same bytes.
  auto returned =
      s.send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/decisions", s.reviewer("county", "370102"),
             json{{"decision", "return"}, {"comment", "请补充材料"}}, {if_match(d), kZh});
  ASSERT_EQ(returned.status, 200) << returned.body;
  d = returned.json();
  auto edited = s.send("PUT", "/v1/declarations/" + d["id"].get<std::string>(), s.applicant(),
                       json{{"title", "晨星工厂申报（补充后）"}}, {if_match(d), kZh});
  ASSERT_EQ(edited.status, 200) << edited.body;
  d = s.submit(edited.json());
  auto second = s.document(d, s.reviewer("county", "370102"));
  ASSERT_EQ(second.status, 200);
  EXPECT_NE(second.header("x-verification-code"), first.header("x-verification-code"));
  EXPECT_TRUE(s.verify(second.header("x-verification-code")).json()["latest"].get<bool>());
  auto old = s.verify(first.header("x-verification-code")).json();
  EXPECT_FALSE(old["latest"].get<bool>());
  auto reprint = s.document(d, s.reviewer("county", "370102"), "?version=" + std::to_string(old["version"].get<int>()));
  ASSERT_EQ(reprint.status, 200);
  EXPECT_EQ(crypto::sha256_hex(reprint.body), crypto::sha256_hex(first.body));
}

TEST(DocumentsE2E, AnIndustryBrainDeclarationPrintsAll32Indicators) {
  Documents s;
  Printed out;
  json indicators = json::object();
  for (const auto& ind : items("industry_brain.json", "indicators"))
    indicators[ind["id"].get<std::string>()] =
        ind["input"] == "grade" ? json{{"grade", "A"}} : json{{"value", ind["id"] == "L5P5" ? 3 : 10}};
  auto r = s.send("POST", "/v1/declarations", s.applicant(),
                  json{{"round", s.rounds["industry_brain"]},
                       {"org_name", "济南市集成电路产业联盟"},
                       {"region", "370102"},
                       {"title", "产业大脑评价"},
                       {"contact", {{"name", "张工"}, {"phone", "13800000001"}}},
                       {"payload", {{"cluster_name", "济南集成电路集群"}, {"indicators", indicators}}}},
                  {kZh});
  ASSERT_EQ(r.status, 201) << r.body;
  auto d = s.submit(r.json());
  auto pdf = s.document(d, s.applicant());
  ASSERT_EQ(pdf.status, 200) << pdf.body;
  const auto text = flat(run("pdftotext -enc UTF-8 " + out.save(pdf.body).string() + " -"));
  for (const auto& ind : items("industry_brain.json", "indicators")) {
    EXPECT_NE(text.find(ind["id"].get<std::string>()), std::string::npos) << ind["id"];
    EXPECT_NE(text.find(flat(ind["name"].get<std::string>())), std::string::npos) << ind["id"];
  }
  EXPECT_NE(text.find("济南集成电路集群"), std::string::npos);
}
