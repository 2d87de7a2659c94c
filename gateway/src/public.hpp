#pragma once
// The public side of 公示 (CONTRACT §8), reached without a token: what a real-name objection must
// hold, and the per-client-address limit on filing them.

#include <chrono>
#include <cstddef>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sdp/problem.hpp"

namespace sdp::gateway {

// What an objection body (valid against objection.create.schema.json) breaks: a real name (not
// blank, not 匿名 or the like), a resident identity number with its check character or an org's
// 统一社会信用代码 (at least one), content that is not blank. Each problem with its pointer, in both languages.
std::vector<SchemaProblem> objection_problems(const nlohmann::json& body);

// At most `limit` requests per `window` from one client address (a sliding window); beyond, how
// long until the next is admitted. Bounded: past `max_clients` addresses, the oldest are forgotten.
class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  RateLimiter(int limit, std::chrono::seconds window, size_t max_clients = 100000)
      : limit_(limit), window_(window), max_clients_(max_clients) {}
  // Nothing when admitted (and counted); else the seconds to wait, at least 1.
  std::optional<std::chrono::seconds> admit(const std::string& client, Clock::time_point now);

 private:
  int limit_;
  std::chrono::seconds window_;
  size_t max_clients_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> seen_;
};

}  // namespace sdp::gateway
