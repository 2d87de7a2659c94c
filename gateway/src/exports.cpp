#include "exports.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>

#include "sdp/declaration.hpp"
#include "sdp/error.hpp"

namespace sdp::gateway::exports {
namespace {

using nlohmann::json;
using namespace std::chrono;

constexpr hours kChinaOffset{8};  // China Standard Time, UTC+8 all year

// One column of an export: its Chinese header and the cell of an item.
struct Column {
  std::string_view header;
  Cell (*value)(const json& item);
};

const json& member(const json& j, std::string_view key) {
  static const json none;
  if (!j.is_object()) return none;
  auto it = j.find(key);
  return it == j.end() ? none : *it;
}

Cell text(const json& v) { return v.is_string() ? Cell(v.get<std::string>()) : Cell(); }
Cell number(const json& v) { return v.is_number() ? Cell(v.get<double>()) : Cell(); }
Cell time_of(const json& v) {
  auto at = v.is_string() ? instant_of(v.get<std::string>()) : std::nullopt;
  return at ? Cell(*at) : Cell();
}
Cell day_of(const json& v) {
  if (!v.is_string()) return {};
  const auto s = v.get<std::string>();
  int y = 0;
  unsigned m = 0, d = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return {};
  std::from_chars(s.data(), s.data() + 4, y);
  std::from_chars(s.data() + 5, s.data() + 7, m);
  std::from_chars(s.data() + 8, s.data() + 10, d);
  const year_month_day day{year(y), month(m), std::chrono::day(d)};
  return day.ok() ? Cell(Day{day}) : Cell();
}
Cell yes_no(const json& v) { return v.is_boolean() ? Cell(std::string(v.get<bool>() ? "是" : "否")) : Cell(); }

Cell kind_label(const json& v) {
  auto kind = v.is_string() ? parse_kind(v.get<std::string>()) : std::nullopt;
  if (!kind) return text(v);
  return std::string(*kind == Kind::morning_star ? "晨星工厂" : "产业大脑");
}
Cell state_label(const json& v) {
  auto state = v.is_string() ? parse_state(v.get<std::string>()) : std::nullopt;
  return state ? Cell(std::string(zh_name(*state))) : text(v);
}

// The columns both lists start with, in the order a reviewer reads a declaration.
const Column kIdentityColumns[] = {
    {"申报编号", [](const json& i) { return text(member(i, "number")); }},
    {"申报类型", [](const json& i) { return kind_label(member(i, "kind")); }},
    {"申报单位", [](const json& i) { return text(member(i, "org_name")); }},
    {"统一社会信用代码", [](const json& i) { return text(member(i, "org")); }},
    {"标题", [](const json& i) { return text(member(i, "title")); }},
    {"所属市", [](const json& i) { return text(member(i, "city_name")); }},
    {"县（市、区）", [](const json& i) { return text(member(i, "region_name")); }},
    {"状态", [](const json& i) { return state_label(member(i, "state")); }},
};

std::vector<Column> identity_and(std::initializer_list<Column> more) {
  std::vector<Column> out(std::begin(kIdentityColumns), std::end(kIdentityColumns));
  out.insert(out.end(), more);
  return out;
}

const std::vector<Column> kPendingColumns = identity_and({
    {"申报等级", [](const json& i) { return number(member(i, "claimed_level")); }},
    {"得分", [](const json& i) { return number(member(i, "score_total")); }},
    {"到达时间", [](const json& i) { return time_of(member(i, "arrived_at")); }},
    {"办理期限", [](const json& i) { return time_of(member(i, "due_at")); }},
    {"剩余工作日", [](const json& i) { return number(member(i, "working_days_left")); }},
    {"是否逾期", [](const json& i) { return yes_no(member(i, "overdue")); }},
    {"下级逾期提级", [](const json& i) { return yes_no(member(i, "escalated")); }},
    {"联系人", [](const json& i) { return text(member(member(i, "contact"), "name")); }},
    {"联系电话", [](const json& i) { return text(member(member(i, "contact"), "phone")); }},
});

const std::vector<Column> kDeclarationColumns = identity_and({
    {"申报等级", [](const json& i) { return number(member(member(i, "payload"), "claimed_level")); }},
    {"自评等级", [](const json& i) { return number(member(member(i, "score"), "self_assessed_level")); }},
    {"核定等级", [](const json& i) { return number(member(member(i, "score"), "verified_level")); }},
    {"得分", [](const json& i) { return number(member(member(i, "score"), "total")); }},
    {"推荐排名", [](const json& i) { return number(member(i, "recommendation_rank")); }},
    {"到达时间", [](const json& i) { return time_of(member(i, "arrived_at")); }},
    {"办理期限", [](const json& i) { return time_of(member(i, "due_at")); }},
    {"公示截止", [](const json& i) { return time_of(member(i, "publicity_ends_at")); }},
    {"有效期至", [](const json& i) { return day_of(member(i, "valid_until")); }},
    {"联系人", [](const json& i) { return text(member(member(i, "contact"), "name")); }},
    {"联系电话", [](const json& i) { return text(member(member(i, "contact"), "phone")); }},
    {"创建时间", [](const json& i) { return time_of(member(i, "created_at")); }},
    {"更新时间", [](const json& i) { return time_of(member(i, "updated_at")); }},
});

const auto kRecommendationColumns = std::to_array<Column>({
    {"推荐排名", [](const json& i) { return number(member(i, "recommendation_rank")); }},
    {"申报编号", [](const json& i) { return text(member(i, "number")); }},
    {"申报类型", [](const json& i) { return kind_label(member(i, "kind")); }},
    {"申报单位", [](const json& i) { return text(member(i, "org_name")); }},
    {"标题", [](const json& i) { return text(member(i, "title")); }},
    {"状态", [](const json& i) { return state_label(member(i, "state")); }},
    {"申报等级", [](const json& i) { return number(member(i, "claimed_level")); }},
    {"核定等级", [](const json& i) { return number(member(i, "verified_level")); }},
    {"得分", [](const json& i) { return number(member(i, "total")); }},
});

Table table_of(std::string sheet, std::span<const Column> columns, const json& items) {
  Table t{std::move(sheet), {}, {}};
  for (const auto& c : columns) t.headers.emplace_back(c.header);
  if (!items.is_array()) return t;
  t.rows.reserve(items.size());
  for (const auto& item : items) {
    std::vector<Cell> row;
    row.reserve(columns.size());
    for (const auto& c : columns) row.push_back(c.value(item));
    t.rows.push_back(std::move(row));
  }
  return t;
}

// ---- statistics: one row per count ----
std::string level_label(const std::string& key) {
  static const std::array<const char*, 6> names{"未达一级", "一级", "二级", "三级", "四级", "五级"};
  if (key.size() == 1 && key[0] >= '0' && key[0] <= '5') return names[static_cast<size_t>(key[0] - '0')];
  return key == "none" ? "未评定" : key;
}

void add_count(Table& t, const char* group, std::string item, std::string code, const json& n,
               const json& quota = json()) {
  t.rows.push_back({std::string(group), std::move(item), std::move(code), number(n), number(quota)});
}

void add_levels(Table& t, const char* group, const json& levels) {
  if (!levels.is_object()) return;
  for (const auto& [key, n] : levels.items()) add_count(t, group, level_label(key), key, n);
}

void add_states(Table& t, const char* group, const json& by_state) {
  if (!by_state.is_object()) return;
  for (auto state : {State::draft, State::county_review, State::city_review, State::province_review, State::publicity,
                     State::approved, State::returned, State::rejected, State::withdrawn})
    if (auto it = by_state.find(name(state)); it != by_state.end())
      add_count(t, group, std::string(zh_name(state)), std::string(name(state)), *it);
}

// ---- text ----
void append_utf8(std::string& out, char32_t c);

// The code points of UTF-8 text; an invalid byte counts as one narrow character.
template <class F>
void each_code_point(std::string_view s, F&& f) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 1;
    char32_t c = n == 1 ? b : b & (0x7f >> n);
    for (size_t k = 1; k < n && i + k < s.size(); ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    f(c);
    i += n;
  }
}

// East Asian wide and fullwidth characters (CJK, Hangul, fullwidth forms and punctuation).
bool wide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) ||
         (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
         (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
}

std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : std::string();
}

std::string two(unsigned v) {
  return std::string{static_cast<char>('0' + v / 10 % 10), static_cast<char>('0' + v % 10)};
}

std::string day_text(const year_month_day& d) {
  return std::to_string(static_cast<int>(d.year())) + "-" + two(static_cast<unsigned>(d.month())) + "-" +
         two(static_cast<unsigned>(d.day()));
}

struct Local {
  year_month_day day;
  hh_mm_ss<milliseconds> time;
};
Local china(const Instant& t) {
  const auto local = t.at + kChinaOffset;
  const auto midnight = floor<days>(local);
  return {year_month_day{midnight}, hh_mm_ss<milliseconds>{local - midnight}};
}

std::string csv_text(const Cell& cell) {
  struct Visit {
    std::string operator()(std::monostate) const { return {}; }
    std::string operator()(const std::string& s) const {
      // A spreadsheet would run these as a formula; the apostrophe makes them text.
      if (!s.empty() && std::string_view("=+-@\t\r").find(s.front()) != std::string_view::npos) return "'" + s;
      return s;
    }
    std::string operator()(double v) const { return number_text(v); }
    std::string operator()(const Instant& t) const {
      const auto l = china(t);
      return day_text(l.day) + " " + two(static_cast<unsigned>(l.time.hours().count())) + ":" +
             two(static_cast<unsigned>(l.time.minutes().count())) + ":" +
             two(static_cast<unsigned>(l.time.seconds().count()));
    }
    std::string operator()(const Day& d) const { return day_text(d.day); }
  };
  return std::visit(Visit{}, cell);
}

// RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled.
void append_field(std::string& out, const std::string& field) {
  if (field.find_first_of(",\"\r\n") == std::string::npos) {
    out += field;
    return;
  }
  out += '"';
  for (char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

// ---- xlsx ----
// A temporary folder of this process's own, removed with everything in it when it goes.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    auto pattern = (std::filesystem::temp_directory_path() / "sdp-export-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw Error(ErrorSource::io, "cannot create a temporary folder for an export");
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

struct WorkbookClose {
  void operator()(lxw_workbook* w) const { workbook_close(w); }
};

lxw_datetime excel_time(const Instant& t) {
  const auto l = china(t);
  return {static_cast<int>(l.day.year()),
          static_cast<int>(static_cast<unsigned>(l.day.month())),
          static_cast<int>(static_cast<unsigned>(l.day.day())),
          static_cast<int>(l.time.hours().count()),
          static_cast<int>(l.time.minutes().count()),
          static_cast<double>(l.time.seconds().count())};  // whole seconds, as the CSV: no float noise of milliseconds
}

// How wide a cell shows, in characters of the default font.
std::size_t shown_width(const Cell& cell) {
  if (std::holds_alternative<Instant>(cell)) return 16;  // yyyy-mm-dd hh:mm
  if (std::holds_alternative<Day>(cell)) return 10;
  if (const auto* s = std::get_if<std::string>(&cell)) return display_width(*s);
  return csv_text(cell).size();
}

void check(lxw_error e, const char* what) {
  if (e != LXW_NO_ERROR) throw Error(ErrorSource::io, std::string(what) + ": " + lxw_strerror(e));
}

}  // namespace

std::optional<Instant> instant_of(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
      s[16] != ':')
    return std::nullopt;
  auto num = [&](size_t at, size_t n, int& out) {
    auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + n, out);
    return ec == std::errc{} && p == s.data() + at + n;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!num(0, 4, y) || !num(5, 2, mo) || !num(8, 2, d) || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec))
    return std::nullopt;
  const year_month_day day{year(y), month(static_cast<unsigned>(mo)), std::chrono::day(static_cast<unsigned>(d))};
  if (!day.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t i = 19;
  int ms = 0, scale = 100;
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10) ms += (s[i] - '0') * scale;
    if (s[i - 1] == '.') return std::nullopt;
  }
  minutes offset{0};
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = 0, om = 0;
    if (!num(i + 1, 2, oh) || !num(i + 4, 2, om)) return std::nullopt;
    offset = minutes((s[i] == '-' ? -1 : 1) * (oh * 60 + om));
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return Instant{sys_days{day} + hours(h) + minutes(mi) + seconds(sec) + milliseconds(ms) - offset};
}

std::size_t display_width(std::string_view text) {
  std::size_t n = 0;
  each_code_point(text, [&](char32_t c) { n += wide(c) ? 2 : 1; });
  return n;
}

Table pending_table(const json& items) { return table_of("待审核申报", kPendingColumns, items); }

Table declarations_table(const json& items) { return table_of("申报列表", kDeclarationColumns, items); }

Table recommendations_table(const json& doc) {
  auto name = member(doc, "city_name");
  return table_of((name.is_string() ? name.get<std::string>() : std::string()) + "推荐汇总表", kRecommendationColumns,
                  member(doc, "items"));
}

Table stats_table(const json& doc) {
  Table t{"统计", {"分类", "项目", "代码", "数量", "名额"}, {}};
  add_states(t, "按状态", member(doc, "by_state"));
  if (const auto& kinds = member(doc, "by_kind"); kinds.is_object())
    for (const auto& [kind, n] : kinds.items())
      add_count(t, "按类型", std::get<std::string>(kind_label(json(kind))), kind, n);
  if (const auto& cities = member(doc, "by_city"); cities.is_object())
    for (const auto& [code, city] : cities.items())
      add_count(t, "按城市", member(city, "name").is_string() ? member(city, "name").get<std::string>() : code, code,
                member(city, "count"));
  add_levels(t, "晨星工厂等级", member(doc, "morning_star_levels"));
  if (const auto& round = member(doc, "round"); round.is_object()) {
    add_count(t, "本批次", "申报数", "declared", member(round, "declared"));
    add_count(t, "本批次", "已提交", "submitted", member(round, "submitted"));
    add_states(t, "本批次在审", member(round, "at_tier"));
    if (const auto& rec = member(round, "recommended"); rec.is_object())
      for (const auto& [code, city] : rec.items())
        add_count(t, "本批次推荐", member(city, "name").is_string() ? member(city, "name").get<std::string>() : code,
                  code, member(city, "recommended"), member(city, "quota"));
    add_levels(t, "本批次认定等级", member(round, "approved_by_level"));
  }
  return t;
}

std::string to_csv(const Table& table) {
  std::string out = "\xEF\xBB\xBF";  // the BOM: Excel reads the file as UTF-8 only with it
  auto line = [&](const auto& cells, auto&& as_text) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      append_field(out, as_text(cells[i]));
    }
    out += "\r\n";
  };
  line(table.headers, [](const std::string& h) { return h; });
  for (const auto& row : table.rows) line(row, csv_text);
  return out;
}

std::string to_xlsx(const Table& table, std::chrono::system_clock::time_point created) {
  TempDir dir;
  const auto file = dir.path / "export.xlsx";
  std::string tmpdir = dir.path.string();
  lxw_workbook_options options{};
  options.constant_memory = LXW_FALSE;
  options.tmpdir = tmpdir.data();  // its working files in the same folder, removed with it
  std::unique_ptr<lxw_workbook, WorkbookClose> book(workbook_new_opt(file.c_str(), &options));
  if (!book) throw Error(ErrorSource::io, "cannot start a workbook");

  lxw_doc_properties properties{};
  std::string title = table.sheet;
  properties.title = title.data();
  properties.created = system_clock::to_time_t(created);  // the same table and time give the same file
  check(workbook_set_properties(book.get(), &properties), "workbook properties");

  // A sheet name is at most 31 characters and holds none of []:*?/\ .
  std::string sheet_name;
  size_t chars = 0;
  each_code_point(table.sheet, [&](char32_t c) {
    if (chars >= 31) return;
    if (std::u32string_view(U"[]:*?/\\").find(c) == std::u32string_view::npos) append_utf8(sheet_name, c), ++chars;
  });
  lxw_worksheet* sheet = workbook_add_worksheet(book.get(), sheet_name.empty() ? nullptr : sheet_name.c_str());
  if (!sheet) throw Error(ErrorSource::io, "cannot add a worksheet");

  lxw_format* header = workbook_add_format(book.get());
  format_set_bold(header);
  format_set_bg_color(header, 0xDDEBF7);
  format_set_border(header, LXW_BORDER_THIN);
  lxw_format* when = workbook_add_format(book.get());
  format_set_num_format(when, "yyyy-mm-dd hh:mm");
  lxw_format* day = workbook_add_format(book.get());
  format_set_num_format(day, "yyyy-mm-dd");

  std::vector<std::size_t> widths(table.headers.size());
  for (size_t c = 0; c < table.headers.size(); ++c) {
    check(worksheet_write_string(sheet, 0, static_cast<lxw_col_t>(c), table.headers[c].c_str(), header), "header");
    widths[c] = display_width(table.headers[c]);
  }
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const auto row = static_cast<lxw_row_t>(r + 1);
    const auto& cells = table.rows[r];
    for (size_t c = 0; c < cells.size() && c < widths.size(); ++c) {
      const auto col = static_cast<lxw_col_t>(c);
      const auto& cell = cells[c];
      if (const auto* s = std::get_if<std::string>(&cell)) {
        // A string cell is never a formula in xlsx, so nothing here needs neutralising.
        if (!s->empty()) check(worksheet_write_string(sheet, row, col, s->c_str(), nullptr), "a text cell");
      } else if (const auto* v = std::get_if<double>(&cell)) {
        check(worksheet_write_number(sheet, row, col, *v, nullptr), "a number cell");
      } else if (const auto* t = std::get_if<Instant>(&cell)) {
        auto dt = excel_time(*t);
        check(worksheet_write_datetime(sheet, row, col, &dt, when), "a time cell");
      } else if (const auto* d = std::get_if<Day>(&cell)) {
        lxw_datetime dt{static_cast<int>(d->day.year()),
                        static_cast<int>(static_cast<unsigned>(d->day.month())),
                        static_cast<int>(static_cast<unsigned>(d->day.day())),
                        0,
                        0,
                        0};
        check(worksheet_write_datetime(sheet, row, col, &dt, day), "a day cell");
      }
      widths[c] = std::max(widths[c], shown_width(cell));
    }
  }
  for (size_t c = 0; c < widths.size(); ++c)  // a little room for the filter's button; never a wall of text
    check(worksheet_set_column(sheet, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c),
                               static_cast<double>(std::clamp<std::size_t>(widths[c] + 3, 8, 60)), nullptr),
          "a column's width");
  worksheet_freeze_panes(sheet, 1, 0);
  if (!widths.empty())
    check(worksheet_autofilter(sheet, 0, 0, static_cast<lxw_row_t>(table.rows.size()),
                               static_cast<lxw_col_t>(widths.size() - 1)),
          "the autofilter");

  const lxw_error closed = workbook_close(book.release());
  check(closed, "writing the workbook");
  std::ifstream in(file, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (!in.good() && !in.eof()) throw Error(ErrorSource::io, "cannot read the written workbook");
  return bytes;
}

std::string file_name(std::string_view name, std::chrono::system_clock::time_point now, Format format) {
  const year_month_day today{floor<days>(now + kChinaOffset)};
  return std::string(name) + "-" + day_text(today) + (format == Format::xlsx ? ".xlsx" : ".csv");
}

std::string_view content_type(Format format) {
  return format == Format::xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                                : "text/csv; charset=utf-8";
}

namespace {
void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xc0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xe0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (c & 0x3f));
  }
}
}  // namespace

}  // namespace sdp::gateway::exports
