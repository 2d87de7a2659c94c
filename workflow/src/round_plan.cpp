#include "round_plan.hpp"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "quota.hpp"
#include "sdp/time.hpp"

namespace sdp::workflow {
namespace {

using nlohmann::json;

const Text kAdminsOnly{"Only an admin may open or change a round", "只有管理员可以创建或修改申报批次"};

// A time in China Standard Time, to the minute, for people: "2026-03-01 00:00".
std::string china_time(Clock::time_point t) {
  std::time_t s = Clock::to_time_t(t + std::chrono::hours(8));
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%d %H:%M", &tm);
  return out;
}

// The checks a round's terms must pass after any change, every problem under its pointer.
std::vector<SchemaProblem> term_problems(const RoundRow& r, const RegionCatalog& regions) {
  std::vector<SchemaProblem> out;
  if (r.opens_at >= r.closes_at)
    out.push_back({"/closes_at", "closes_at must be after opens_at (" + rfc3339(r.opens_at) + ")",
                   "截止时间须晚于开始时间（" + china_time(r.opens_at) + "）"});
  for (const auto& [city, n] : r.quotas)
    if (!regions.is_city(city))
      out.push_back({"/quotas/" + city, "'" + city + "' is not a city of Shandong", city + " 不是山东省的地级市代码"});
  return out;
}

Result<Clock::time_point> time_at(const std::string& text, const char* pointer) {
  auto t = parse_rfc3339(text);
  if (!t) return refuse(Problem::invalid(pointer, {"must be an RFC 3339 date-time", "必须是 RFC 3339 格式的日期时间"}));
  return *t;
}

}  // namespace

std::optional<Clock::time_point> parse_rfc3339(std::string_view text) {
  std::string s(text);
  int y, mo, d, h, mi, sec;
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &consumed) != 6 || consumed != 19)
    return std::nullopt;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
  }
  int offset_minutes = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
    int oh = std::atoi(s.substr(i + 1, 2).c_str()), om = std::atoi(s.substr(i + 4, 2).c_str());
    offset_minutes = (s[i] == '-' ? -1 : 1) * (oh * 60 + om);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size() || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return std::nullopt;
  return sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - minutes{offset_minutes};
}

std::optional<Clock::time_point> time_of_db(std::string_view db_text) {
  auto rfc = rfc3339_of_db_time(db_text);
  return rfc ? parse_rfc3339(*rfc) : std::nullopt;
}

std::string rfc3339(Clock::time_point t) {
  using namespace std::chrono;
  auto ms = duration_cast<milliseconds>(t.time_since_epoch()).count() % 1000;
  std::time_t s = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&s, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms < 0 ? 0 : ms));
  return out;
}

cmd::RoundState round_state(const RoundRow& round, Clock::time_point now) {
  if (now < round.opens_at) return cmd::RoundState::scheduled;
  if (now < round.closes_at) return cmd::RoundState::open;
  return cmd::RoundState::closed;
}

json RoundRow::to_json(Clock::time_point now) const {
  json q = json::object();
  for (const auto& [city, n] : quotas) q[city] = n;
  return {{"id", id},
          {"kind", name(kind)},
          {"year", year},
          {"title", title},
          {"opens_at", rfc3339(opens_at)},
          {"closes_at", rfc3339(closes_at)},
          {"review_working_days",
           {{"county", review_working_days.county},
            {"city", review_working_days.city},
            {"province", review_working_days.province}}},
          {"quotas", q},
          {"publicity_working_days", publicity_working_days},
          {"validity_years", validity_years},
          {"state", name(round_state(*this, now))},
          {"version", version},
          {"created_at", api_time(created_at)},
          {"updated_at", api_time(updated_at)}};
}

std::optional<Problem> outside_window(const RoundRow& round, Clock::time_point now) {
  if (round_state(round, now) == cmd::RoundState::open) return std::nullopt;
  const bool early = now < round.opens_at;
  const std::string en = early ? "it opens on " : "it closed on ";
  const std::string zh = early ? "尚未开始" : "已截止";
  return Problem{ProblemKind::conflict,
                 {"The round is not open", "申报批次不在申报期内"},
                 {"\"" + round.title + "\" takes declarations from " + rfc3339(round.opens_at) + " until " +
                      rfc3339(round.closes_at) + "; " + en + rfc3339(early ? round.opens_at : round.closes_at),
                  "“" + round.title + "”的申报时间为 " + china_time(round.opens_at) + " 至 " +
                      china_time(round.closes_at) + "（北京时间），" + zh},
                 {}};
}

std::optional<Problem> resubmission_closed(const RoundRow& round, Tier returned_by,
                                           std::optional<Clock::time_point> due, Clock::time_point now) {
  if (now < round.closes_at || !due || now < *due) return std::nullopt;
  const std::string tier = std::string(name(returned_by));
  const std::string tier_zh = returned_by == Tier::county ? "县级" : returned_by == Tier::city ? "市级" : "省级";
  return Problem{ProblemKind::conflict,
                 {"The time for resubmitting has passed", "重新提交期限已过"},
                 {"\"" + round.title + "\" closed on " + rfc3339(round.closes_at) + ", and the " + tier +
                      " tier's due date for resubmitting after its return passed on " + rfc3339(*due),
                  "“" + round.title + "”已于 " + china_time(round.closes_at) + " 截止申报，" + tier_zh +
                      "退回后的重新提交期限 " + china_time(*due) + "（北京时间）已过"},
                 {}};
}

Result<RoundRow> plan_create_round(const cmd::CreateRound& command, const RegionCatalog& regions) {
  if (command.actor.role != Role::admin) return refuse(Problem::forbidden(kAdminsOnly));
  auto opens = time_at(command.opens_at, "/opens_at");
  if (!opens) return refuse(std::move(opens.error()));
  auto closes = time_at(command.closes_at, "/closes_at");
  if (!closes) return refuse(std::move(closes.error()));
  RoundRow r;
  r.kind = command.kind;
  r.year = command.year;
  r.title = command.title;
  r.opens_at = *opens;
  r.closes_at = *closes;
  r.review_working_days = command.review_working_days;
  r.quotas = command.quotas;
  r.publicity_working_days = command.publicity_working_days;
  r.validity_years = command.validity_years;
  r.version = 1;
  if (auto problems = term_problems(r, regions); !problems.empty())
    return refuse(Problem::invalid(std::move(problems)));
  return r;
}

Result<RoundRow> plan_update_round(const RoundRow& round, const cmd::UpdateRound& command, const RegionCatalog& regions,
                                   const std::map<std::string, int>& used) {
  if (command.actor.role != Role::admin) return refuse(Problem::forbidden(kAdminsOnly));
  if (command.expected_version != round.version)
    return refuse(Problem{ProblemKind::precondition_failed,
                          {"The round has changed", "申报批次已被修改"},
                          {"you sent version " + std::to_string(command.expected_version) + "; it is now at version " +
                               std::to_string(round.version),
                           "您提交的是第 " + std::to_string(command.expected_version) + " 版，申报批次现已是第 " +
                               std::to_string(round.version) + " 版，请刷新后重试"},
                          {}});
  RoundRow r = round;
  if (command.title) r.title = *command.title;
  if (command.opens_at) {
    auto t = time_at(*command.opens_at, "/opens_at");
    if (!t) return refuse(std::move(t.error()));
    r.opens_at = *t;
  }
  if (command.closes_at) {
    auto t = time_at(*command.closes_at, "/closes_at");
    if (!t) return refuse(std::move(t.error()));
    r.closes_at = *t;
  }
  if (command.review_working_days) r.review_working_days = *command.review_working_days;
  if (command.quotas) r.quotas = *command.quotas;
  if (command.publicity_working_days) r.publicity_working_days = *command.publicity_working_days;
  if (command.validity_years) r.validity_years = *command.validity_years;
  if (auto problems = term_problems(r, regions); !problems.empty())
    return refuse(Problem::invalid(std::move(problems)));
  if (command.quotas)
    if (auto below = quotas_below_use(r.quotas, used); !below.empty())
      return refuse(
          Problem{ProblemKind::rule,
                  {"A quota cannot go below the places its city has used", "推荐名额不能少于该市已推荐的数量"},
                  {below.front().message, below.front().message_zh},
                  std::move(below)});
  r.version = round.version + 1;
  return r;
}

}  // namespace sdp::workflow
