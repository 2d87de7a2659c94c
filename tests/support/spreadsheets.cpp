#include "spreadsheets.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>

#include "sdp/build_info.hpp"
#include "test_env.hpp"

namespace sdp::test {

nlohmann::json read_xlsx(const std::string& bytes) {
  const auto dir = temp_dir("xlsx");
  const auto file = dir / "read.xlsx";
  std::ofstream(file, std::ios::binary) << bytes;
  // Debian's interpreter: the one on PATH may be another without openpyxl.
  const std::string command = "/usr/bin/python3 " + std::string(build_info::kSourceDir) +
                              "/tests/support/xlsx_dump.py " + file.string() + " 2>&1";
  std::string out;
  if (FILE* p = popen(command.c_str(), "r")) {
    std::array<char, 65536> buf;
    for (size_t n; (n = fread(buf.data(), 1, buf.size(), p)) > 0;) out.append(buf.data(), n);
    const int status = pclose(p);
    EXPECT_EQ(status, 0) << out;
  } else {
    ADD_FAILURE() << "cannot run " << command;
  }
  std::filesystem::remove_all(dir);
  auto j = nlohmann::json::parse(out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << out;
  return j;
}

std::vector<std::vector<std::string>> parse_csv(std::string_view s) {
  if (s.starts_with("\xEF\xBB\xBF")) s.remove_prefix(3);
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"')
        field += '"', ++i;
      else if (c == '"')
        quoted = false;
      else
        field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
    } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      ++i;
    } else {
      field += c;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace sdp::test
