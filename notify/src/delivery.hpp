#pragma once
// Outgoing deliveries: signed webhook POSTs (CONTRACT §4) and e-mail over SMTP (libcurl), each
// retried with exponential back-off and jitter, bounded per receiver, dead-lettered at the end.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>

#include "sdp/db.hpp"
#include "sdp/messages.hpp"

namespace sdp::notify {

struct DeliverySettings {
  std::chrono::milliseconds backoff_base{5000};
  std::chrono::milliseconds backoff_max{3600000};
  int max_attempts = 30;  // with the defaults, about a day of retries
  int per_receiver = 2;   // deliveries in flight to one host at most
  std::chrono::milliseconds timeout{10000};
  bool allow_private = false;  // webhooks to loopback and private addresses
  std::string seal_key;        // 32 bytes, opens webhook secrets
  std::string smtp_url;        // "" : no e-mail
  std::string smtp_from;
};

// "sha256=<hex HMAC-SHA256 of '<timestamp>.<body>'>" (CONTRACT §4).
std::string signature(const std::string& secret, const std::string& timestamp, const std::string& body);

// The delay before attempt `attempts` + 1: base × 2^(attempts-1), capped, ±20 % jitter.
std::chrono::milliseconds backoff(const DeliverySettings& s, int attempts, double jitter_unit /* 0..1 */);

// Why a webhook URL may not be used, or nothing when it may: http(s) only, and unless allowed,
// no host that resolves to a loopback, private, link-local or unspecified address.
std::optional<Text> refuse_url(const std::string& url, bool allow_private);

class Deliverer {
 public:
  Deliverer(db::Pool& pool, DeliverySettings settings) : pool_(pool), settings_(std::move(settings)) {}
  // Claims and sends due deliveries until stopped; several may run, in several instances.
  void run(std::stop_token stop);
  // One delivery, if one is due: true when one was attempted. `delivered`, a success of this
  // sender not yet recorded, is recorded in the same transaction as the claim and cleared; a new
  // success is left in it for the next call (or for the end of run()).
  bool deliver_one(std::optional<int64_t>& delivered);
  // `deliveries` new deliveries are waiting: as many idle senders (at most all) look now rather
  // than at their next poll.
  void wake(int deliveries);
  // Deliveries whose sender's lease ran out (it died mid-send) become pending again; how many.
  int release_expired_leases();

 private:
  // An org's webhook secret, unsealed; remembered for a moment, so a busy org's deliveries do not
  // each read it, while a new secret is in use within kSecretMemory of its registration.
  std::optional<std::string> secret_of(const std::string& org);
  bool sweep_due();
  static constexpr std::chrono::seconds kSecretMemory{2};
  struct Secret {
    std::optional<std::string> secret;
    std::chrono::steady_clock::time_point read_at;
  };

  db::Pool& pool_;
  DeliverySettings settings_;
  std::mutex mutex_;
  std::map<std::string, Secret> secrets_;
  std::condition_variable_any woken_;
  int senders_ = 0;  // in run()
  int wakes_ = 0;    // senders woken and not yet looking; never more than senders_
  // An idle sender takes back expired leases at most this often (all the instance's senders together).
  static constexpr std::chrono::seconds kLeaseSweep{1};
  std::atomic<std::chrono::steady_clock::rep> next_sweep_{0};
};

}  // namespace sdp::notify
