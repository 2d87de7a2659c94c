// Evidence files (CONTRACT §7, issue 17) over HTTP against the real gateway, workflow, scoring and
// notify: uploads streamed, typed from their content and limited; every bad input of the issue;
// downloads with ETag, Range and the UTF-8 name; the list frozen at submit, history naming what
// each submission added and removed; what reviewers and other orgs may see.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"
#include "stack.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace std::chrono_literals;
using nlohmann::json;
using test::if_match;

namespace {

const std::string& kOrg = test::kApplicantOrg;
const std::string kOtherOrg = "91350100M000100Y43";
const std::string kZh = "Accept-Language: zh-CN,zh;q=0.9";

// A small PDF, different for each `tag` (its bytes, and so its sha256).
std::string pdf(const std::string& tag = "1") {
  return "%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\n% " + tag + "\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

std::string png() {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  s += std::string("\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89", 25);
  s += std::string("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  return s;
}

// The start of a Windows executable: an MZ header pointing at a PE header.
std::string exe() {
  std::string s(512, '\0');
  s[0] = 'M', s[1] = 'Z';
  s[0x3c] = static_cast<char>(0x80);
  s.replace(0x80, 4, std::string("PE\0\0", 4));
  return s;
}

uint32_t crc32(const std::string& data) {
  uint32_t c = 0xffffffff;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xedb88320 & (0 - (c & 1)));
  }
  return ~c;
}

// A zip archive of stored (uncompressed) entries, as DOCX, XLSX and OFD files are.
std::string zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  auto le = [](uint32_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  };
  std::string out, directory;
  for (const auto& [name, data] : entries) {
    const uint32_t offset = static_cast<uint32_t>(out.size()), crc = crc32(data);
    const auto sizes =
        le(crc, 4) + le(static_cast<uint32_t>(data.size()), 4) + le(static_cast<uint32_t>(data.size()), 4);
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + sizes +
           le(static_cast<uint32_t>(name.size()), 2) + le(0, 2) + name + data;
    directory += le(0x02014b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + sizes +
                 le(static_cast<uint32_t>(name.size()), 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) +
                 le(offset, 4) + name;
  }
  const uint32_t at = static_cast<uint32_t>(out.size());
  out += directory + le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(static_cast<uint32_t>(entries.size()), 2) +
         le(static_cast<uint32_t>(entries.size()), 2) + le(static_cast<uint32_t>(directory.size()), 4) + le(at, 4) +
         le(0, 2);
  return out;
}

std::string docx() {
  return zip({{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>"}, {"word/document.xml", "<w:document/>"}});
}

std::string percent(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

json all_met(int claimed = 1) {
  auto catalogue = json::parse(std::ifstream(std::string(build_info::kSchemasDir) + "/catalogs/morning_star.json"));
  json criteria = json::object();
  for (const auto& c : catalogue["criteria"]) criteria[c["id"].get<std::string>()] = {{"met", true}};
  return {{"claimed_level", claimed}, {"criteria", criteria}};
}

struct Files : test::Stack {
  explicit Files(std::map<std::string, std::string> gateway = {})
      : test::Stack({.gateway = with_dir(std::move(gateway))}) {}

  static inline std::filesystem::path last_dir;
  static std::map<std::string, std::string> with_dir(std::map<std::string, std::string> settings) {
    last_dir = test::temp_dir("files");
    settings.try_emplace("SDP_FILES_DIR", last_dir.string());
    return settings;
  }
  std::filesystem::path dir = last_dir;

  // A complete 晨星工厂 draft of `org` in Jinan's Lixia district.
  json draft(const std::string& org = kOrg, const std::string& region = "370102") {
    auto r = send("POST", "/v1/declarations", applicant(org),
                  json{{"round", rounds["morning_star"]},
                       {"org_name", "历下区某智能装备有限公司"},
                       {"region", region},
                       {"title", "晨星工厂申报（佐证材料）"},
                       {"contact", {{"name", "李工"}, {"phone", "13800000000"}}},
                       {"payload", all_met()}},
                  {kZh});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }

  test::HttpReply upload(const json& d, const std::string& item, const std::string& name, const std::string& bytes,
                         const std::string& token = "", std::vector<std::string> headers = {}) {
    headers.push_back(kZh);
    headers.push_back("Authorization: Bearer " + (token.empty() ? applicant() : token));
    headers.push_back("Content-Type: application/octet-stream");
    headers.push_back("Content-Disposition: attachment; filename*=UTF-8''" + percent(name));
    return test::http("POST", url("/v1/declarations/" + d["id"].get<std::string>() + "/files?item=" + item), headers,
                      bytes);
  }
  json uploaded(const json& d, const std::string& item, const std::string& name, const std::string& bytes) {
    auto r = upload(d, item, name, bytes);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json();
  }
  json listed(const json& d, const std::string& token) {
    auto r = send("GET", "/v1/declarations/" + d["id"].get<std::string>() + "/files", token, std::nullopt, {kZh});
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json()["items"];
  }
  test::HttpReply download(const std::string& file_id, const std::string& token,
                           std::vector<std::string> headers = {}) {
    return send("GET", "/v1/files/" + file_id, token, std::nullopt, std::move(headers));
  }
  test::HttpReply submit(const json& d) {
    return send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/submit", applicant(), std::nullopt, {kZh});
  }
  test::HttpReply decide(const json& d, const std::string& token, const json& body) {
    return send("POST", "/v1/declarations/" + d["id"].get<std::string>() + "/decisions", token, body,
                {if_match(d), kZh});
  }
  json history(const json& d) {
    return send("GET", "/v1/declarations/" + d["id"].get<std::string>() + "/history", applicant()).json()["items"];
  }
  // Files staged but not stored: none once an upload has ended, whatever its end.
  size_t staged() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir / "tmp")) n += e.is_regular_file() ? 1 : 0;
    return n;
  }
  size_t stored() const {
    size_t n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir / "blobs")) n += e.is_regular_file() ? 1 : 0;
    return n;
  }
};

std::string message_of(const test::HttpReply& r) {
  auto j = r.json();
  std::string out = j.value("title", "") + " " + j.value("detail", "");
  for (const auto& e : j.value("errors", json::array())) out += " " + e.value("message", "");
  return out;
}

}  // namespace

TEST(FilesE2E, AnUploadIsStoredTypedFromItsContentListedAndDownloadedWithItsName) {
  Files f;
  auto d = f.draft();
  const std::string name = "营业执照（副本）.pdf";
  auto r = f.upload(d, "MS01", name, pdf());
  ASSERT_EQ(r.status, 201) << r.body;
  auto file = r.json();
  EXPECT_EQ(file["item"], "MS01");
  EXPECT_EQ(file["name"], name);
  EXPECT_EQ(file["media_type"], "application/pdf");
  EXPECT_EQ(file["size"], pdf().size());
  EXPECT_EQ(file["sha256"], crypto::sha256_hex(pdf()));
  EXPECT_EQ(r.header("location"), "/v1/files/" + file["id"].get<std::string>());
  EXPECT_EQ(f.staged(), 0u);
  EXPECT_EQ(f.stored(), 1u);

  auto items = f.listed(d, f.applicant());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0], file);

  auto got = f.download(file["id"], f.applicant());
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.body, pdf());
  EXPECT_EQ(got.header("content-type"), "application/pdf");
  EXPECT_EQ(got.header("etag"), "\"" + crypto::sha256_hex(pdf()) + "\"");
  EXPECT_EQ(got.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(got.header("content-disposition"), "attachment; filename=\"" + std::string(name.size() - 4, '_') +
                                                   ".pdf\"; filename*=UTF-8''" + percent(name));
  EXPECT_EQ(got.header("accept-ranges"), "bytes");

  auto part = f.download(file["id"], f.applicant(), {"Range: bytes=0-7"});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.body, "%PDF-1.4");
  EXPECT_EQ(part.header("content-range"), "bytes 0-7/" + std::to_string(pdf().size()));
  auto tail = f.download(file["id"], f.applicant(), {"Range: bytes=-6"});
  EXPECT_EQ(tail.status, 206);
  EXPECT_EQ(tail.body, "%%EOF\n");
  auto same = f.download(file["id"], f.applicant(), {"If-None-Match: " + got.header("etag")});
  EXPECT_EQ(same.status, 304);
  EXPECT_TRUE(same.body.empty());

  // DOCX (a zip with word/) and PNG are accepted too, each with its type.
  auto word = f.upload(d, "declaration", "申报书.docx", docx());
  ASSERT_EQ(word.status, 201) << word.body;
  EXPECT_EQ(word.json()["media_type"], "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
  auto picture = f.upload(d, "MS02", "系统截图.png", png());
  ASSERT_EQ(picture.status, 201) << picture.body;
  EXPECT_EQ(picture.json()["media_type"], "image/png");
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 3u);

  // Removed from the draft: gone from the list, and no longer downloadable.
  auto removed = f.send(
      "DELETE", "/v1/declarations/" + d["id"].get<std::string>() + "/files/" + picture.json()["id"].get<std::string>(),
      f.applicant());
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 2u);
  EXPECT_EQ(f.download(picture.json()["id"], f.applicant()).status, 404);
}

// ---- the "Bad input" rows, one test each ----

TEST(FilesE2E, ZeroBytesIsRefused) {
  Files f;
  auto d = f.draft();
  auto r = f.upload(d, "MS01", "空文件.pdf", "");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(message_of(r).find("文件为空"), std::string::npos) << r.body;
  EXPECT_TRUE(f.listed(d, f.applicant()).empty());
}

TEST(FilesE2E, OneByteOverTheLimitIsTooLargeAndNothingIsKept) {
  Files f;
  auto d = f.draft();
  std::string big = pdf() + std::string((20u << 20) + 1 - pdf().size(), ' ');
  auto r = f.upload(d, "MS01", "大文件.pdf", big);
  EXPECT_EQ(r.status, 413) << r.body;
  EXPECT_NE(message_of(r).find("20 MiB"), std::string::npos) << r.body;
  // Without Content-Length (chunked) the running count refuses it the same way.
  auto chunked = f.upload(d, "MS01", "大文件.pdf", big, "", {"Transfer-Encoding: chunked"});
  EXPECT_EQ(chunked.status, 413) << chunked.body;
  // Exactly the limit is accepted.
  big.pop_back();
  EXPECT_EQ(f.upload(d, "MS01", "刚好20M.pdf", big).status, 201);
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 1u);
  EXPECT_TRUE(test::eventually([&] { return f.staged() == 0; }));
}

TEST(FilesE2E, ARenamedExeIsRefused) {
  Files f;
  auto d = f.draft();
  auto r = f.upload(d, "MS01", "合同.pdf", exe());
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(message_of(r).find("只接受 PDF、OFD、JPEG、PNG、DOCX、XLSX"), std::string::npos) << r.body;
  EXPECT_TRUE(f.listed(d, f.applicant()).empty());
  EXPECT_EQ(f.stored(), 0u);
}

TEST(FilesE2E, APdfNamedPngIsRefused) {
  Files f;
  auto d = f.draft();
  auto r = f.upload(d, "MS01", "截图.png", pdf());
  EXPECT_EQ(r.status, 415) << r.body;
  EXPECT_NE(message_of(r).find("扩展名为 .png，但文件内容是 PDF"), std::string::npos) << r.body;
  EXPECT_TRUE(f.listed(d, f.applicant()).empty());
}

TEST(FilesE2E, NamesWithPathsNulControlsOrTooLongAreRefusedEmojiAccepted) {
  Files f;
  auto d = f.draft();
  for (const std::string& name :
       std::vector<std::string>{"../../etc/passwd.pdf", "..", "证明/材料.pdf", "a\\b.pdf", std::string("a\0b.pdf", 7),
                                "tab\tname.pdf", std::string(300, 'a') + ".pdf", std::string(197, 'x') + "..pdf"}) {
    SCOPED_TRACE(name.substr(0, 40));
    auto r = f.upload(d, "MS01", name, pdf());
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_EQ(r.json()["errors"][0]["pointer"], "/headers/Content-Disposition") << r.body;
  }
  // 200 characters (Chinese ones, 600 bytes) is the limit, not over it.
  std::string chinese;
  for (int i = 0; i < 196; ++i) chinese += "证";
  EXPECT_EQ(f.upload(d, "MS01", chinese + ".pdf", pdf("a")).status, 201);
  // A name of emoji alone is a name (no extension: the content says PDF).
  auto emoji = f.upload(d, "MS01", "📄📎", pdf("b"));
  ASSERT_EQ(emoji.status, 201) << emoji.body;
  EXPECT_EQ(emoji.json()["name"], "📄📎");
  auto got = f.download(emoji.json()["id"], f.applicant());
  EXPECT_EQ(got.header("content-disposition"), "attachment; filename=\"________\"; filename*=UTF-8''" + percent("📄📎"));
  // No name at all.
  auto unnamed = test::http("POST", f.url("/v1/declarations/" + d["id"].get<std::string>() + "/files?item=MS01"),
                            {"Authorization: Bearer " + f.applicant(), kZh}, pdf());
  EXPECT_EQ(unnamed.status, 400) << unnamed.body;
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 2u);
}

TEST(FilesE2E, TheSameFileTwiceIsStoredOnceListedOncePerItem) {
  Files f;
  auto d = f.draft();
  auto first = f.uploaded(d, "MS01", "检测报告.pdf", pdf());
  // Again for the same item: the file already listed (200), not a second listing.
  auto again = f.upload(d, "MS01", "检测报告(1).pdf", pdf());
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["id"], first["id"]);
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 1u);
  // For another item: listed there too (201), the bytes stored once.
  auto other = f.upload(d, "MS07", "检测报告.pdf", pdf());
  EXPECT_EQ(other.status, 201) << other.body;
  EXPECT_NE(other.json()["id"], first["id"]);
  EXPECT_EQ(other.json()["sha256"], first["sha256"]);
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 2u);
  EXPECT_EQ(f.stored(), 1u);
}

TEST(FilesE2E, AnUploadCutOffHalfwayListsNothingAndKeepsNothing) {
  Files f;
  auto d = f.draft();
  const std::string body = pdf() + std::string(200000, ' ');
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(f.gateway->port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string head = "POST /v1/declarations/" + d["id"].get<std::string>() +
                           "/files?item=MS01 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + f.applicant() +
                           "\r\nContent-Disposition: attachment; filename*=UTF-8''half.pdf\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  const std::string half = head + body.substr(0, body.size() / 2);
  ASSERT_EQ(::send(fd, half.data(), half.size(), MSG_NOSIGNAL), static_cast<ssize_t>(half.size()));
  // The first half is being staged…
  EXPECT_TRUE(test::eventually([&] { return f.staged() == 1; }));
  ::close(fd);  // …and the client goes away.
  EXPECT_TRUE(test::eventually([&] { return f.staged() == 0; }));
  EXPECT_TRUE(f.listed(d, f.applicant()).empty());
  EXPECT_EQ(f.stored(), 0u);
}

TEST(FilesE2E, The201stUploadIsRefused) {
  Files f;
  auto d = f.draft();
  for (int i = 0; i < 200; ++i)
    ASSERT_EQ(f.upload(d, "MS01", "第" + std::to_string(i) + "页.pdf", pdf(std::to_string(i))).status, 201) << i;
  auto r = f.upload(d, "MS01", "第201页.pdf", pdf("201"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(message_of(r).find("最多上传 200 个文件"), std::string::npos) << r.body;
  EXPECT_EQ(f.listed(d, f.applicant()).size(), 200u);
}

TEST(FilesE2E, OverTheTotalOfADeclarationIsRefused) {
  Files f({{"SDP_FILES_MAX_TOTAL", std::to_string(3u << 20)}});
  auto d = f.draft();
  const std::string two_mib = pdf("x") + std::string(2u << 20, ' ');
  EXPECT_EQ(f.upload(d, "MS01", "一.pdf", two_mib).status, 201);
  auto r = f.upload(d, "MS02", "二.pdf", pdf("y") + std::string(2u << 20, ' '));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(message_of(r).find("合计不能超过 3 MiB"), std::string::npos) << r.body;
}

TEST(FilesE2E, AnUploadToAnotherOrgsDeclarationIsNotFound) {
  Files f;
  auto theirs = f.draft(kOtherOrg);
  auto r = f.upload(theirs, "MS01", "材料.pdf", pdf());
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_TRUE(f.listed(theirs, f.applicant(kOtherOrg)).empty());
  EXPECT_EQ(f.send("GET", "/v1/declarations/" + theirs["id"].get<std::string>() + "/files", f.applicant()).status, 404);
  // An item the programme does not have, and a reviewer trying to upload.
  auto mine = f.draft();
  EXPECT_EQ(f.upload(mine, "MS99", "材料.pdf", pdf()).status, 400);
  EXPECT_EQ(f.upload(mine, "MS01", "材料.pdf", pdf(), f.reviewer("county", "370102")).status, 403);
}

TEST(FilesE2E, AnUploadToASubmittedDeclarationIsAConflict) {
  Files f;
  auto d = f.draft();
  auto file = f.uploaded(d, "MS01", "材料.pdf", pdf());
  ASSERT_EQ(f.submit(d).status, 200);
  auto r = f.upload(d, "MS02", "补充.pdf", pdf("2"));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_NE(message_of(r).find("已提交的材料不能再改"), std::string::npos) << r.body;
  EXPECT_EQ(
      f.send("DELETE", "/v1/declarations/" + d["id"].get<std::string>() + "/files/" + file["id"].get<std::string>(),
             f.applicant())
          .status,
      409);
}

TEST(FilesE2E, ADownloadByAnotherOrgOrAReviewerOfAnotherCountyIsNotFound) {
  Files f;
  auto d = f.draft();
  auto file = f.uploaded(d, "MS01", "材料.pdf", pdf());
  const std::string id = file["id"];
  // A draft is the applicant's alone: no reviewer sees its files yet.
  EXPECT_EQ(f.download(id, f.reviewer("county", "370102")).status, 404);
  ASSERT_EQ(f.submit(d).status, 200);
  EXPECT_EQ(f.download(id, f.applicant(kOtherOrg)).status, 404);
  EXPECT_EQ(f.download(id, f.reviewer("county", "370103")).status, 404);  // 市中区, not 历下区
  EXPECT_EQ(f.download(id, f.reviewer("city", "370200")).status, 404);    // 青岛
  EXPECT_EQ(
      f.send("GET", "/v1/declarations/" + d["id"].get<std::string>() + "/files", f.reviewer("county", "370103")).status,
      404);
  // The county's own reviewer, the city's and the province's read it.
  for (const auto& token :
       {f.reviewer("county", "370102"), f.reviewer("city", "370100"), f.reviewer("province", "370000")}) {
    auto got = f.download(id, token);
    EXPECT_EQ(got.status, 200);
    EXPECT_EQ(got.body, pdf());
  }
  EXPECT_EQ(f.download(crypto::uuid_v7(), f.applicant()).status, 404);
  EXPECT_EQ(f.send("GET", "/v1/files/not-a-uuid", f.applicant()).status, 404);
}

TEST(FilesE2E, ARangeBeyondTheEndIsNotSatisfiable) {
  Files f;
  auto d = f.draft();
  auto file = f.uploaded(d, "MS01", "材料.pdf", pdf());
  const auto size = std::to_string(pdf().size());
  auto r = f.download(file["id"], f.applicant(), {"Range: bytes=" + size + "-", kZh});
  EXPECT_EQ(r.status, 416) << r.body;
  EXPECT_EQ(r.header("content-range"), "bytes */" + size);
  EXPECT_NE(message_of(r).find("超出文件大小"), std::string::npos) << r.body;
  // A range reaching past the end is cut at the end.
  auto cut = f.download(file["id"], f.applicant(), {"Range: bytes=9-100000"});
  EXPECT_EQ(cut.status, 206);
  EXPECT_EQ(cut.body, pdf().substr(9));
}

// ---- frozen at submit ----

TEST(FilesE2E, SubmittingFreezesTheListAReturnLetsItChangeAndHistorySaysWhat) {
  Files f;
  auto d = f.draft();
  auto a = f.uploaded(d, "MS01", "旧证书.pdf", pdf("a"));
  auto b = f.uploaded(d, "declaration", "申报书.pdf", pdf("b"));
  auto submitted = f.submit(d);
  ASSERT_EQ(submitted.status, 200) << submitted.body;
  const auto county = f.reviewer("county", "370102");
  EXPECT_EQ(f.listed(d, county).size(), 2u);

  // Returned with a comment on the item: the applicant sees it next to MS01.
  auto returned =
      f.decide(submitted.json(), county,
               {{"decision", "return"},
                {"comment", "MS01 的证书已过期"},
                {"verified", {{"criteria", {{"MS01", {{"ok", false}, {"comment", "证书已过期，请补充新证书"}}}}}}}});
  ASSERT_EQ(returned.status, 200) << returned.body;
  auto seen = f.send("GET", "/v1/declarations/" + d["id"].get<std::string>(), f.applicant()).json();
  ASSERT_EQ(seen["verdicts"].size(), 1u);
  EXPECT_EQ(seen["verdicts"][0]["tier"], "county");
  const auto decided_at = seen["verdicts"][0]["decided_at"].get<std::string>();  // RFC 3339, milliseconds, UTC
  EXPECT_TRUE(decided_at.size() == 24 && decided_at[10] == 'T' && decided_at[19] == '.' && decided_at.back() == 'Z')
      << decided_at;
  EXPECT_EQ(seen["verdicts"][0]["verified"]["criteria"]["MS01"]["comment"], "证书已过期，请补充新证书");
  EXPECT_EQ(seen["verdicts"][0]["verified"]["criteria"]["MS01"]["ok"], false);

  // The applicant replaces A with C; reviewers still see what was submitted, A included.
  ASSERT_EQ(f.send("DELETE", "/v1/declarations/" + d["id"].get<std::string>() + "/files/" + a["id"].get<std::string>(),
                   f.applicant())
                .status,
            204);
  auto c = f.uploaded(d, "MS01", "新证书.pdf", pdf("c"));
  auto mine = f.listed(d, f.applicant());
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[0]["id"], b["id"]);
  EXPECT_EQ(mine[1]["id"], c["id"]);
  auto theirs = f.listed(d, county);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[0]["id"], a["id"]);
  EXPECT_EQ(f.download(a["id"], county).body, pdf("a"));
  EXPECT_EQ(f.download(c["id"], county).status, 404);         // not submitted yet
  EXPECT_EQ(f.download(a["id"], f.applicant()).status, 200);  // its own, frozen in the first submission

  auto again = f.submit(d);
  ASSERT_EQ(again.status, 200) << again.body;
  theirs = f.listed(d, county);
  ASSERT_EQ(theirs.size(), 2u);
  EXPECT_EQ(theirs[1]["id"], c["id"]);
  EXPECT_EQ(f.download(a["id"], county).status, 404);  // the version they review now lists C instead
  EXPECT_EQ(f.download(a["id"], f.applicant()).status, 200);

  // History: the first submission added A and B, the second added C and removed A.
  std::vector<json> submits;
  for (const auto& e : f.history(d))
    if (e["action"] == "submit") submits.push_back(e);
  ASSERT_EQ(submits.size(), 2u);
  ASSERT_EQ(submits[0]["files"]["added"].size(), 2u);
  EXPECT_TRUE(submits[0]["files"]["removed"].empty());
  ASSERT_EQ(submits[1]["files"]["added"].size(), 1u);
  EXPECT_EQ(submits[1]["files"]["added"][0]["id"], c["id"]);
  EXPECT_EQ(submits[1]["files"]["added"][0]["name"], "新证书.pdf");
  ASSERT_EQ(submits[1]["files"]["removed"].size(), 1u);
  EXPECT_EQ(submits[1]["files"]["removed"][0]["id"], a["id"]);
  auto chain = f.send("GET", "/v1/declarations/" + d["id"].get<std::string>() + "/history", f.applicant()).json();
  EXPECT_TRUE(chain["chain_valid"].get<bool>());
}

TEST(FilesE2E, DeletingADraftDeletesItsFiles) {
  Files f;
  auto d = f.draft();
  auto file = f.uploaded(d, "MS01", "材料.pdf", pdf());
  auto r =
      f.send("DELETE", "/v1/declarations/" + d["id"].get<std::string>(), f.applicant(), std::nullopt, {if_match(d)});
  ASSERT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(f.download(file["id"], f.applicant()).status, 404);
}

// Bytes no file names (a refused listing, as a crash between bytes and listing leaves; a file
// removed from a draft) are swept once past the grace; bytes a file names stay.
TEST(FilesE2E, TheSweeperRemovesBytesNoFileNames) {
  Files f({{"SDP_FILES_SWEEP_GRACE_SECONDS", "0"}, {"SDP_FILES_SWEEP_INTERVAL_SECONDS", "1"}});
  auto d = f.draft();
  auto kept = f.uploaded(d, "MS01", "保留.pdf", pdf("kept"));
  auto gone = f.uploaded(d, "MS02", "删除.pdf", pdf("gone"));
  ASSERT_EQ(
      f.send("DELETE", "/v1/declarations/" + d["id"].get<std::string>() + "/files/" + gone["id"].get<std::string>(),
             f.applicant())
          .status,
      204);
  // Stored, then refused by workflow (another org's declaration): bytes without a listing.
  auto theirs = f.draft(kOtherOrg);
  EXPECT_EQ(f.upload(theirs, "MS01", "孤儿.pdf", pdf("orphan")).status, 404);
  EXPECT_TRUE(test::eventually([&] { return f.stored() == 1; }, 15s)) << f.stored();
  EXPECT_EQ(f.download(kept["id"], f.applicant()).body, pdf("kept"));
}
