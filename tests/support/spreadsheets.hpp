#pragma once
// Reading exports back as a person's spreadsheet program would: an .xlsx through Debian's openpyxl
// (tests/support/xlsx_dump.py under /usr/bin/python3), a CSV by RFC 4180.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sdp::test {

// xlsx_dump.py's JSON of the workbook `bytes`; fails the running test when openpyxl cannot read it.
nlohmann::json read_xlsx(const std::string& bytes);

// The records of RFC 4180 text (quotes, doubled quotes, CRLF); a leading UTF-8 BOM is dropped.
std::vector<std::vector<std::string>> parse_csv(std::string_view text);

}  // namespace sdp::test
