#include "public.hpp"

#include <algorithm>

#include "sdp/uscc.hpp"

namespace sdp::gateway {
namespace {

bool blank(const std::string& s) {
  // ASCII white space and the ideographic space U+3000 (E3 80 80).
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') continue;
    if (s.compare(i, 3, "\xE3\x80\x80") == 0) {
      i += 2;
      continue;
    }
    return false;
  }
  return true;
}

std::string trimmed_lower(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t first = s.find_first_not_of(" \t");
  s = first == std::string::npos ? "" : s.substr(first);
  std::ranges::transform(s, s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Names that are no name: an objection under one of them is anonymous, and void.
bool anonymous(const std::string& name) {
  static const std::vector<std::string> kNoNames = {"匿名",   "匿名者",    "无名氏", "佚名", "某某", "群众",
                                                    "知情人", "anonymous", "anon",   "n/a",  "none", "-"};
  const auto n = trimmed_lower(name);
  return std::ranges::find(kNoNames, n) != kNoNames.end();
}

std::string text(const nlohmann::json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

std::vector<SchemaProblem> objection_problems(const nlohmann::json& body) {
  std::vector<SchemaProblem> out;
  const auto name = text(body, "name");
  if (blank(name) || anonymous(name))
    out.push_back({"/name", "an objection needs the objector's real name; anonymous objections are void",
                   "异议须署真实姓名（或单位名称），匿名异议无效"});
  const bool has_id = body.contains("id_number"), has_org = body.contains("org");
  if (!has_id && !has_org)
    out.push_back({"/id_number", "give a resident identity number, or the org's 统一社会信用代码",
                   "请填写公民身份号码，或单位的统一社会信用代码"});
  if (has_id && !valid_resident_id(text(body, "id_number")))
    out.push_back({"/id_number", "not a valid resident identity number (check character or birth date)",
                   "公民身份号码无效（校验码或出生日期不符）"});
  if (has_org && !valid_uscc(text(body, "org")))
    out.push_back({"/org", "not a valid 统一社会信用代码 (GB 32100-2015 check character)",
                   "统一社会信用代码无效（GB 32100-2015 校验位不符）"});
  if (blank(text(body, "content")))
    out.push_back({"/content", "an objection needs its content", "异议内容不能为空，请写明异议事实和理由"});
  return out;
}

std::optional<std::chrono::seconds> RateLimiter::admit(const std::string& client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  if (seen_.size() >= max_clients_ && !seen_.contains(client)) {
    // Forget the addresses whose window has passed; if none has, forget all (crude, and rare).
    std::erase_if(seen_, [&](const auto& e) { return e.second.empty() || e.second.back() <= now - window_; });
    if (seen_.size() >= max_clients_) seen_.clear();
  }
  auto& times = seen_[client];
  while (!times.empty() && times.front() <= now - window_) times.pop_front();
  if (static_cast<int>(times.size()) < limit_) {
    times.push_back(now);
    return std::nullopt;
  }
  auto wait = std::chrono::ceil<std::chrono::seconds>(times.front() + window_ - now);
  return std::max(wait, std::chrono::seconds(1));
}

}  // namespace sdp::gateway
