#pragma once
// Spreadsheet and CSV exports of CONTRACT §9, pure: the JSON the API answers becomes a table (one
// column list per export, headers in Chinese), and a table becomes xlsx bytes or CSV text. No
// command is sent here; api.cpp walks the pages with the caller's own actor and hands the rows in.

#include <chrono>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace sdp::gateway::exports {

// A point in time (the API's RFC 3339 UTC), shown in China Standard Time.
struct Instant {
  std::chrono::sys_time<std::chrono::milliseconds> at;
  bool operator==(const Instant&) const = default;
};
// A calendar day (valid_until).
struct Day {
  std::chrono::year_month_day day;
  bool operator==(const Day&) const = default;
};
// Empty, text, a number, a time or a day.
using Cell = std::variant<std::monostate, std::string, double, Instant, Day>;

struct Table {
  std::string sheet;                 // the worksheet's name
  std::vector<std::string> headers;  // in Chinese
  std::vector<std::vector<Cell>> rows;
};

enum class Format { xlsx, csv };

// The rows of each export, from the JSON routes' own answers:
// GET /v1/reviews/pending's items (all pages).
Table pending_table(const nlohmann::json& items);
// GET /v1/declarations' items (all pages).
Table declarations_table(const nlohmann::json& items);
// GET /v1/rounds/{id}/recommendations/{city}'s document, in its rank order.
Table recommendations_table(const nlohmann::json& document);
// GET /v1/stats's document: one row per count (分类, 项目, 代码, 数量, 名额).
Table stats_table(const nlohmann::json& document);

// RFC 3339 text ("2026-12-03T06:05:00.123Z", or with an offset) as an instant; nothing otherwise.
std::optional<Instant> instant_of(std::string_view text);

// UTF-8 with a BOM, RFC 4180 quoting, CRLF line ends; a text cell that a spreadsheet would read as
// a formula (= + - @, tab, CR first) gets a leading apostrophe (OWASP's CSV injection advice).
std::string to_csv(const Table& table);
// An .xlsx workbook of one sheet: the header row bold and frozen, an autofilter over it, columns
// as wide as their text (a CJK character counts two), numbers as numbers, times and days as Excel
// dates in China Standard Time. `created` is the workbook's creation time in its properties.
// Written through a private temporary folder, removed before it returns; throws sdp::Error(io).
std::string to_xlsx(const Table& table, std::chrono::system_clock::time_point created);

// The width of `text` in a fixed-width font: a CJK (wide) character two, anything else one.
std::size_t display_width(std::string_view text);

// A file's name: "<name>-YYYY-MM-DD.<xlsx|csv>", the day in China Standard Time.
std::string file_name(std::string_view name, std::chrono::system_clock::time_point now, Format format);

std::string_view content_type(Format format);

}  // namespace sdp::gateway::exports
