#pragma once
// Working days in mainland China (CONTRACT §6: deadlines and 公示 are counted in them): weekdays,
// less the State Council's holidays, plus its make-up working days (调休上班), from the versioned
// table schemas/calendar/working_days.json. A date in a year the table does not hold is an error,
// never a guess.

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace sdp {

using Date = std::chrono::year_month_day;

class WorkingDays {
 public:
  // Throws sdp::Error (config) naming the year and entry at fault.
  static WorkingDays from_json(const nlohmann::json& table);
  static WorkingDays from_file(const std::filesystem::path& path);

  bool covers(int year) const { return years_.contains(year); }
  // Throws sdp::Error (config) naming the first year of [first, last] the table lacks: a service
  // calls it at start for the years it will count in.
  void require(int first, int last) const;

  // Throws sdp::Error (config) when the date's year is not in the table.
  bool is_working_day(Date d) const;
  // The `n`th working day after `from` (n >= 1; `from` itself does not count).
  Date after(Date from, int n) const;
  // Working days after `from` up to and including `to` (0 when `to` is not after `from`).
  int between(Date from, Date to) const;

  // A deadline of `n` working days from `arrival` (办理时限): the end of the `n`th working day after
  // the arrival's date, both in China Standard Time (UTC+8, no daylight saving), as a UTC instant.
  std::chrono::system_clock::time_point due_at(std::chrono::system_clock::time_point arrival, int n) const;
  // Like due_at, but nothing when the count runs into a year the table lacks: the caller keeps the
  // deadline open until that year's notice is added, rather than guessing or refusing the work.
  std::optional<std::chrono::system_clock::time_point> due_at_if_known(std::chrono::system_clock::time_point arrival,
                                                                       int n) const;

 private:
  std::set<int> years_;
  std::set<std::chrono::sys_days> holidays_, workdays_;
};

// "2026-02-15" -> the date; nothing when the text is not a valid date in that form.
std::optional<Date> parse_date(std::string_view text);

}  // namespace sdp
