#include "rounds.hpp"

#include <cstdio>
#include <ctime>

namespace sdp::test {

std::string rfc3339_from_now(std::chrono::seconds offset) {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

nlohmann::json open_round_body(const std::string& kind, std::chrono::seconds opened_ago,
                               std::chrono::seconds closes_in) {
  const bool ms = kind == "morning_star";
  // Every city of Shandong has places enough for any test that is not about quotas.
  nlohmann::json quotas = nlohmann::json::object();
  for (const char* city : {"370100", "370200", "370300", "370400", "370500", "370600", "370700", "370800", "370900",
                           "371000", "371100", "371300", "371400", "371500", "371600", "371700"})
    quotas[city] = 100;
  return {{"kind", kind},
          {"year", 2026},
          {"title", ms ? "2026年度晨星工厂申报（测试）" : "2026年度产业大脑申报（测试）"},
          {"opens_at", rfc3339_from_now(-opened_ago)},
          {"closes_at", rfc3339_from_now(closes_in)},
          {"review_working_days", {{"county", 5}, {"city", 10}, {"province", 15}}},
          {"quotas", quotas},
          {"publicity_working_days", 5},
          {"validity_years", 3}};
}

}  // namespace sdp::test
