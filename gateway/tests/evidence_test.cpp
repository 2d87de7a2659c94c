// The pure parts of evidence files at the edge: names from Content-Disposition, the download's
// Content-Disposition, Range, and the type read from a file's content.
#include <gtest/gtest.h>

#include <fstream>

#include "evidence.hpp"
#include "sdp/crypto.hpp"

using namespace sdp::gateway;

namespace {

std::filesystem::path file_with(const std::string& bytes) {
  auto path = std::filesystem::temp_directory_path() / ("sdp-evidence-" + sdp::crypto::uuid_v7());
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string stored_zip(const std::vector<std::string>& names) {
  // Local headers are not read, only the central directory: enough to name the entries.
  auto le = [](uint32_t v, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    return s;
  };
  std::string out = "PK\x03\x04" + std::string(26, '\0'), directory;
  for (const auto& name : names)
    directory += le(0x02014b50, 4) + std::string(24, '\0') + le(static_cast<uint32_t>(name.size()), 2) +
                 std::string(16, '\0') + name;
  const auto at = static_cast<uint32_t>(out.size());
  return out + directory + le(0x06054b50, 4) + std::string(4, '\0') + le(static_cast<uint32_t>(names.size()), 2) +
         le(static_cast<uint32_t>(names.size()), 2) + le(static_cast<uint32_t>(directory.size()), 4) + le(at, 4) +
         std::string(2, '\0');
}

}  // namespace

TEST(Evidence, NamesComeFromFilenameStarDecodedAndChecked) {
  EXPECT_EQ(*file_name_of("attachment; filename*=UTF-8''%E7%94%B3%E6%8A%A5%E4%B9%A6.pdf"), "申报书.pdf");
  EXPECT_EQ(*file_name_of("attachment; filename=\"plain.pdf\"; filename*=utf-8''b%20c.pdf"), "b c.pdf");
  EXPECT_EQ(*file_name_of("attachment; filename=\"a \\\"q\\\".pdf\""), "a \"q\".pdf");
  for (const char* bad : {"", "attachment", "attachment; filename*=latin1''x.pdf", "attachment; filename*=UTF-8''%ZZ",
                          "attachment; filename*=UTF-8''a%2Fb", "attachment; filename*=UTF-8''a%5Cb",
                          "attachment; filename*=UTF-8''a%00b", "attachment; filename*=UTF-8''..%2Fx",
                          "attachment; filename*=UTF-8''%FF%FE", "attachment; filename*=UTF-8''a%0Ab",
                          "attachment; filename*=UTF-8''...", "attachment; filename*=UTF-8''%20"}) {
    auto name = file_name_of(bad);
    EXPECT_FALSE(name) << bad;
    if (!name) {
      EXPECT_EQ(name.error().errors.at(0).pointer, "/headers/Content-Disposition");
    }
  }
  EXPECT_TRUE(file_name_of("attachment; filename*=UTF-8''" + std::string(200, 'a')));
  EXPECT_FALSE(file_name_of("attachment; filename*=UTF-8''" + std::string(201, 'a')));
}

TEST(Evidence, TheDownloadNameIsUtf8WithAnAsciiFallback) {
  EXPECT_EQ(content_disposition("检测报告 v2.pdf"),
            "attachment; filename=\"____________ v2.pdf\"; "
            "filename*=UTF-8''%E6%A3%80%E6%B5%8B%E6%8A%A5%E5%91%8A%20v2.pdf");
  EXPECT_EQ(content_disposition("a\"b;c.pdf"), "attachment; filename=\"a_b;c.pdf\"; filename*=UTF-8''a%22b%3Bc.pdf");
}

TEST(Evidence, RangesAreOneSatisfiableRangeOrNot) {
  auto range = [](const char* h, uint64_t size) { return parse_range(h, size); };
  auto is = [](const auto& r, uint64_t a, uint64_t b) {
    auto* got = std::get_if<ByteRange>(&r);
    return got && got->first == a && got->last == b;
  };
  EXPECT_TRUE(is(range("bytes=0-9", 100), 0, 9));
  EXPECT_TRUE(is(range("bytes=90-", 100), 90, 99));
  EXPECT_TRUE(is(range("bytes=-10", 100), 90, 99));
  EXPECT_TRUE(is(range("bytes=-500", 100), 0, 99));
  EXPECT_TRUE(is(range("bytes=50-5000", 100), 50, 99));
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(range("bytes=100-", 100)));
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(range("bytes=100-200", 100)));
  EXPECT_TRUE(std::holds_alternative<Unsatisfiable>(range("bytes=-0", 100)));
  for (const char* whole : {"", "items=0-1", "bytes=0-1,5-6", "bytes=9-2", "bytes=x-", "bytes=-"})
    EXPECT_TRUE(std::holds_alternative<std::monostate>(range(whole, 100))) << whole;
}

TEST(Evidence, TheTypeIsReadFromTheContent) {
  auto type_of = [](const std::string& bytes) {
    auto path = file_with(bytes);
    auto t = detect_type(path);
    std::filesystem::remove(path);
    return t ? std::string(t->label) : std::string("none");
  };
  EXPECT_EQ(type_of("%PDF-1.7\n%%EOF\n"), "PDF");
  EXPECT_EQ(type_of(std::string("\xff\xd8\xff\xe0\0\x10JFIF\0\x01\x01", 14) + std::string(64, '\0')), "JPEG");
  EXPECT_EQ(type_of(stored_zip({"[Content_Types].xml", "word/document.xml"})), "DOCX");
  EXPECT_EQ(type_of(stored_zip({"[Content_Types].xml", "xl/workbook.xml"})), "XLSX");
  EXPECT_EQ(type_of(stored_zip({"OFD.xml", "Doc_0/Document.xml"})), "OFD");
  EXPECT_EQ(type_of(stored_zip({"readme.txt"})), "none");  // a zip of something else
  EXPECT_EQ(type_of("MZ" + std::string(200, '\0')), "none");
  EXPECT_EQ(type_of("just text"), "none");
}
