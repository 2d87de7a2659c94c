#include "rounds.hpp"

#include <cstdio>
#include <ctime>

namespace sdp::test {

std::string rfc3339_from_now(std::chrono::seconds offset, std::optional<std::chrono::system_clock::time_point> around) {
  std::time_t t = std::chrono::system_clock::to_time_t(around.value_or(std::chrono::system_clock::now()) + offset);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

nlohmann::json open_round_body(const std::string& kind, std::chrono::seconds opened_ago, std::chrono::seconds closes_in,
                               std::optional<std::chrono::system_clock::time_point> around) {
  const bool ms = kind == "morning_star";
  // Every city of Shandong has places enough for any test that is not about quotas.
  nlohmann::json quotas = nlohmann::json::object();
  for (const char* city : {"370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800", "370900",
                           "371000", "371100", "371300", "371400", "371500", "371600", "371700"})
    quotas[city] = 100;
  return {{"kind", kind},
          {"year", 2026},
          {"title", ms ? "2026年度晨星工厂申报（测试）" : "2026年度产业大脑申报（测试）"},
          {"opens_at", rfc3339_from_now(-opened_ago, around)},
          {"closes_at", rfc3339_from_now(closes_in, around)},
          {"review_working_days", {{"county", 5}, {"city", 10}, {"province", 15}}},
          {"quotas", quotas},
          {"publicity_working_days", 5},
          {"validity_years", 3}};
}

std::chrono::system_clock::time_point beijing_2026(int month, int day, int hour, int minute) {
  using namespace std::chrono;
  return sys_days{year{2026} / month / day} + hours(hour) + minutes(minute) - hours(8);
}

std::string clock_offset_to(std::chrono::system_clock::time_point target) {
  using namespace std::chrono;
  return std::to_string(duration_cast<seconds>(target - system_clock::now()).count());
}

std::chrono::system_clock::time_point utc_time(const std::string& rfc3339) {
  using namespace std::chrono;
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::sscanf(rfc3339.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &s);
  return sys_days{year{y} / mo / d} + hours(h) + minutes(mi) + seconds(s);
}

}  // namespace sdp::test
