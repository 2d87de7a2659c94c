// The 申报书 PDF read back by Debian's tools: poppler's pdftotext, pdffonts, pdfinfo and pdftoppm,
// and zbar's QR decoder. No server: the renderer is a function of workflow's document reply.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "document_pdf.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"

using namespace sdp;
using nlohmann::json;

namespace {

const scoring::Scorer& scorer() {
  static auto s = scoring::Scorer::load(build_info::kSchemasDir);
  return s;
}

std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe.get())) > 0;) out.append(buf, n);
  return out;
}

std::string without_spaces(std::string s) {
  std::erase_if(s, [](unsigned char c) { return std::isspace(c); });
  return s;
}

std::filesystem::path temp_dir() {
  auto dir = std::filesystem::temp_directory_path() / ("sdp-pdf-" + crypto::uuid_v7());
  std::filesystem::create_directories(dir);
  return dir;
}

// A full 晨星工厂 declaration: all 72 items claimed, evidence on each, one evidence text of 4 000
// characters (longer than a page), and a file on every third item.
json morning_star_document() {
  json criteria = json::object(), files = json::array();
  int i = 0;
  for (const auto& c : scorer().morning_star_catalog().criteria) {
    std::string evidence = "已建成" + c.name + "相关系统，运行记录见附件。";
    if (c.id == "MS10")
      for (int k = 0; k < 400; ++k) evidence += "生产数据实时采集，";
    criteria[c.id] = {{"met", i % 5 != 0}, {"evidence", evidence}};
    if (i % 3 == 0)
      files.push_back({{"id", crypto::uuid_v7()},
                       {"item", c.id},
                       {"name", c.id + "-运行记录（2026 年）.pdf"},
                       {"media_type", "application/pdf"},
                       {"size", 123456 + i},
                       {"sha256", crypto::sha256_hex(c.id)}});
    ++i;
  }
  json payload = {{"claimed_level", 3}, {"criteria", criteria}};
  auto score = scorer().compute(Kind::morning_star, payload, {});
  return {{"code", "7K2QM9XAP3D4W8ZT"},
          {"content_sha256", crypto::sha256_hex("content")},
          {"declaration",
           {{"id", "0192f0c4-1111-7000-8000-000000000001"},
            {"number", "MSF-2026-370102-000042"},
            {"kind", "morning_star"},
            {"org", "91370100MA3C0000X1"},
            {"region", "370102"},
            {"region_name", "历下区"},
            {"city", "370100"},
            {"city_name", "济南市"},
            {"created_at", "2026-11-02T01:00:00.000Z"}}},
          {"round", {{"id", "r"}, {"title", "2026 年度晨星工厂申报（第一批）"}, {"year", 2026}}},
          {"version", 3},
          {"submitted", true},
          {"saved_at", "2026-11-20T08:30:00.000Z"},
          {"submitted_at", "2026-11-21T02:15:00.000Z"},
          {"title", "智能工厂建设项目"},
          {"org_name", "山东晨星精密制造有限公司"},
          {"contact", {{"name", "王芳"}, {"phone", "0531-88880000"}, {"email", "wf@example.com"}}},
          {"payload", payload},
          {"files", files},
          {"score", score->score}};
}

json industry_brain_document() {
  json indicators = json::object();
  for (const auto& ind : scorer().industry_brain_catalog().indicators)
    indicators[ind.id] = ind.input == scoring::Indicator::Input::grade ? json{{"grade", "B"}, {"evidence", "见附件"}}
                                                                       : json{{"value", 3}, {"evidence", "统计年鉴"}};
  json payload = {{"cluster_name", "济南市集成电路产业集群"}, {"indicators", indicators}};
  auto doc = morning_star_document();
  doc["declaration"]["kind"] = "industry_brain";
  doc["declaration"]["number"] = "IBR-2026-370102-000007";
  doc["payload"] = payload;
  doc["files"] = json::array({{{"id", "f"},
                               {"item", "L1P1"},
                               {"name", "统计年鉴.xlsx"},
                               {"media_type", "application/vnd.ms-excel"},
                               {"size", 5000},
                               {"sha256", crypto::sha256_hex("L1P1")}}});
  doc["score"] = scorer().compute(Kind::industry_brain, payload, {})->score;
  return doc;
}

const std::string kUrl = "https://sdp.example.gov.cn/v1/public/verify/7K2QM9XAP3D4W8ZT";

struct Printed {
  gateway::Pdf pdf;
  std::filesystem::path file;
};

Printed print(const json& doc) {
  auto pdf = gateway::render_declaration_pdf(doc, scorer(), kUrl);
  auto file = temp_dir() / "doc.pdf";
  std::ofstream(file, std::ios::binary) << pdf.bytes;
  return {std::move(pdf), file};
}

}  // namespace

TEST(DocumentPdf, HoldsEveryItemWithItsNameTheNumberTheOrgAndTheCodeOnEveryPage) {
  auto doc = morning_star_document();
  auto printed = print(doc);
  const auto text = run("pdftotext -enc UTF-8 " + printed.file.string() + " -");
  const auto flat = without_spaces(text);
  for (const auto& c : scorer().morning_star_catalog().criteria) {
    EXPECT_NE(flat.find(c.id), std::string::npos) << c.id;
    EXPECT_NE(flat.find(without_spaces(c.name)), std::string::npos) << c.id << " " << c.name;
  }
  for (const auto& f : doc["files"]) EXPECT_NE(flat.find(f["sha256"].get<std::string>()), std::string::npos);
  EXPECT_NE(flat.find("MSF-2026-370102-000042"), std::string::npos);
  EXPECT_NE(flat.find("山东晨星精密制造有限公司"), std::string::npos);
  EXPECT_NE(flat.find("91370100MA3C0000X1"), std::string::npos);
  EXPECT_NE(flat.find("法定代表人（签字）"), std::string::npos);
  EXPECT_NE(flat.find("单位（盖章）"), std::string::npos);
  // Every page: the code and 第 X 页 共 Y 页 (pdftotext ends each page with a form feed).
  const auto pages = std::count(text.begin(), text.end(), '\f');
  EXPECT_EQ(pages, printed.pdf.pages);
  EXPECT_GE(printed.pdf.pages, 6);  // a cover, 72 items with a page-long evidence, the score and the boxes
  size_t from = 0;
  for (int p = 1; p <= printed.pdf.pages; ++p) {
    auto end = text.find('\f', from);
    auto page = without_spaces(text.substr(from, end - from));
    EXPECT_NE(page.find("7K2Q-M9XA-P3D4-W8ZT"), std::string::npos) << "page " << p;
    EXPECT_NE(page.find("第" + std::to_string(p) + "页共" + std::to_string(printed.pdf.pages) + "页"),
              std::string::npos)
        << "page " << p;
    from = end + 1;
  }
  // The table's header repeats on the pages it continues on.
  EXPECT_GE(std::count(text.begin(), text.end(), '\f'), 3);
  std::regex header("条目（分类");
  auto repeats = std::distance(std::sregex_iterator(text.begin(), text.end(), header), std::sregex_iterator());
  EXPECT_GE(repeats, 3);
  if (const char* keep = std::getenv("SDP_KEEP_PDF"))
    std::filesystem::copy_file(printed.file, keep, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove_all(printed.file.parent_path());
}

TEST(DocumentPdf, EmbedsTheNotoCjkFont) {
  auto printed = print(morning_star_document());
  const auto fonts = run("pdffonts " + printed.file.string());
  EXPECT_NE(fonts.find("NotoSansCJK"), std::string::npos) << fonts;
  // Every font line says emb yes: nothing is left to the reader's machine.
  std::istringstream lines(fonts);
  int listed = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.find("Noto") == std::string::npos) continue;
    ++listed;
    EXPECT_NE(line.find(" yes "), std::string::npos) << line;
  }
  EXPECT_GE(listed, 1);
  std::filesystem::remove_all(printed.file.parent_path());
}

TEST(DocumentPdf, TheSameDocumentGivesTheSameBytes) {
  auto doc = morning_star_document();
  auto a = gateway::render_declaration_pdf(doc, scorer(), kUrl);
  auto b = gateway::render_declaration_pdf(doc, scorer(), kUrl);
  EXPECT_EQ(crypto::sha256_hex(a.bytes), crypto::sha256_hex(b.bytes));
  doc["title"] = "智能工厂建设项目（修订）";
  auto c = gateway::render_declaration_pdf(doc, scorer(), kUrl);
  EXPECT_NE(crypto::sha256_hex(a.bytes), crypto::sha256_hex(c.bytes));
}

TEST(DocumentPdf, TheQrCodeOfTheFirstAndLastPagesDecodesToTheVerifyUrl) {
  auto printed = print(morning_star_document());
  const auto dir = printed.file.parent_path();
  const auto last = std::to_string(printed.pdf.pages);
  for (const auto& page : {std::string("1"), last}) {
    run("pdftoppm -r 150 -png -f " + page + " -l " + page + " " + printed.file.string() + " " + (dir / "p").string());
    std::string png;
    for (const auto& e : std::filesystem::directory_iterator(dir))
      if (e.path().extension() == ".png") png = e.path().string();
    ASSERT_FALSE(png.empty()) << "page " << page;
    EXPECT_EQ(run("zbarimg --raw -q " + png + " 2>/dev/null"), kUrl + "\n") << "page " << page;
    std::filesystem::remove(png);
  }
  const auto info = run("pdfinfo " + printed.file.string());
  EXPECT_TRUE(std::regex_search(info, std::regex("Pages:\\s+" + last + "\n"))) << info;
  std::filesystem::remove_all(dir);
}

TEST(DocumentPdf, AnIndustryBrainDeclarationListsAll32IndicatorsWithTheirScore) {
  auto doc = industry_brain_document();
  auto printed = print(doc);
  const auto flat = without_spaces(run("pdftotext -enc UTF-8 " + printed.file.string() + " -"));
  for (const auto& ind : scorer().industry_brain_catalog().indicators) {
    EXPECT_NE(flat.find(ind.id), std::string::npos) << ind.id;
    EXPECT_NE(flat.find(without_spaces(ind.name)), std::string::npos) << ind.id;
  }
  for (const auto& dim : scorer().industry_brain_catalog().dimensions)
    EXPECT_NE(flat.find(without_spaces(dim.name)), std::string::npos) << dim.id;
  EXPECT_NE(flat.find("济南市集成电路产业集群"), std::string::npos);
  EXPECT_NE(flat.find("自评总分"), std::string::npos);
  std::filesystem::remove_all(printed.file.parent_path());
}

TEST(DocumentPdf, CodesAreGroupedByFourAsPrinted) {
  EXPECT_EQ(gateway::grouped_code("7K2QM9XAP3D4W8ZT"), "7K2Q-M9XA-P3D4-W8ZT");
}
