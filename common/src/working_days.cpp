#include "sdp/working_days.hpp"

#include <charconv>

#include "sdp/error.hpp"
#include "sdp/files.hpp"

namespace sdp {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::weekday;

[[noreturn]] void fault(const std::string& what) {
  throw Error(ErrorSource::config, "schemas/calendar/working_days.json: " + what);
}

bool weekend(sys_days d) {
  const weekday w{d};
  return w == std::chrono::Saturday || w == std::chrono::Sunday;
}

std::string text_of(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return buf;
}

Date date_in(const nlohmann::json& j, int year, const std::string& where) {
  auto d = j.is_string() ? parse_date(j.get<std::string>()) : std::nullopt;
  if (!d) fault(where + ": not a date YYYY-MM-DD");
  if (static_cast<int>(d->year()) != year) fault(where + ": " + text_of(*d) + " is not in " + std::to_string(year));
  return *d;
}

}  // namespace

std::optional<Date> parse_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [&](std::string_view s, auto& out) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc{} && p == s.data() + s.size();
  };
  if (!num(t.substr(0, 4), y) || !num(t.substr(5, 2), m) || !num(t.substr(8, 2), d)) return std::nullopt;
  Date date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{d}};
  if (!date.ok()) return std::nullopt;
  return date;
}

WorkingDays WorkingDays::from_json(const nlohmann::json& table) {
  WorkingDays w;
  const auto years = table.find("years");
  if (years == table.end() || !years->is_object() || years->empty()) fault("'years' must list at least one year");
  for (const auto& [key, entry] : years->items()) {
    int year = 0;
    auto [p, ec] = std::from_chars(key.data(), key.data() + key.size(), year);
    if (ec != std::errc{} || p != key.data() + key.size() || key.size() != 4) fault("'" + key + "' is not a year");
    const std::string where = "years." + key;
    if (!entry.is_object() || !entry.contains("source") || !entry["source"].is_string())
      fault(where + ": needs the 'source' it was transcribed from");
    if (!entry.contains("holidays") || !entry["holidays"].is_array() || !entry.contains("workdays") ||
        !entry["workdays"].is_array())
      fault(where + ": needs 'holidays' and 'workdays' lists");
    for (size_t i = 0; i < entry["holidays"].size(); ++i) {
      const auto& h = entry["holidays"][i];
      const auto at = where + ".holidays[" + std::to_string(i) + "]";
      if (!h.is_object() || !h.contains("name") || !h.contains("from") || !h.contains("to"))
        fault(at + ": needs name, from and to");
      const sys_days from = date_in(h["from"], year, at + ".from"), to = date_in(h["to"], year, at + ".to");
      if (to < from) fault(at + ": ends before it begins");
      for (auto d = from; d <= to; d += days{1})
        if (!w.holidays_.insert(d).second) fault(at + ": " + text_of(Date{d}) + " is listed twice");
    }
    for (size_t i = 0; i < entry["workdays"].size(); ++i) {
      const auto at = where + ".workdays[" + std::to_string(i) + "]";
      const sys_days d = date_in(entry["workdays"][i], year, at);
      // A make-up working day is a weekend day worked; anything else is a transcription slip.
      if (!weekend(d)) fault(at + ": " + text_of(Date{d}) + " is a weekday, not a make-up working day");
      if (w.holidays_.contains(d)) fault(at + ": " + text_of(Date{d}) + " is also a holiday");
      w.workdays_.insert(d);
    }
    w.years_.insert(year);
  }
  return w;
}

WorkingDays WorkingDays::from_file(const std::filesystem::path& path) { return from_json(read_json_file(path)); }

void WorkingDays::require(int first, int last) const {
  for (int y = first; y <= last; ++y)
    if (!covers(y))
      fault("no holidays for " + std::to_string(y) + "; add that year's State Council notice (国务院办公厅关于" +
            std::to_string(y) + "年部分节假日安排的通知)");
}

bool WorkingDays::is_working_day(Date d) const {
  if (!covers(static_cast<int>(d.year()))) require(static_cast<int>(d.year()), static_cast<int>(d.year()));
  const sys_days day{d};
  if (holidays_.contains(day)) return false;
  return workdays_.contains(day) || !weekend(day);
}

Date WorkingDays::after(Date from, int n) const {
  sys_days d{from};
  for (int counted = 0; counted < n;) {
    d += days{1};
    if (is_working_day(Date{d})) ++counted;
  }
  return Date{d};
}

int WorkingDays::between(Date from, Date to) const {
  int n = 0;
  for (sys_days d = sys_days{from} + days{1}; d <= sys_days{to}; d += days{1}) n += is_working_day(Date{d}) ? 1 : 0;
  return n;
}

namespace {
constexpr auto kChinaStandardTime = std::chrono::hours(8);
Date china_date(std::chrono::system_clock::time_point t) {
  return Date{std::chrono::floor<days>(t + kChinaStandardTime)};
}
}  // namespace

std::chrono::system_clock::time_point WorkingDays::due_at(std::chrono::system_clock::time_point arrival, int n) const {
  return sys_days{after(china_date(arrival), n)} + days{1} - kChinaStandardTime;
}

std::optional<std::chrono::system_clock::time_point> WorkingDays::due_at_if_known(
    std::chrono::system_clock::time_point arrival, int n) const {
  sys_days d{china_date(arrival)};
  for (int counted = 0; counted < n;) {
    d += days{1};
    if (!covers(static_cast<int>(Date{d}.year()))) return std::nullopt;
    if (is_working_day(Date{d})) ++counted;
  }
  return d + days{1} - kChinaStandardTime;
}

}  // namespace sdp
