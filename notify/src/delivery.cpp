#include "delivery.hpp"

#include <arpa/inet.h>
#include <netdb.h>

#include <random>
#include <thread>

#include "curl.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"

namespace sdp::notify {
namespace {

size_t discard(char*, size_t size, size_t n, void*) { return size * n; }

bool private_address(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    uint32_t a = ntohl(reinterpret_cast<const sockaddr_in*>(sa)->sin_addr.s_addr);
    return (a >> 24) == 127 || (a >> 24) == 10 || (a >> 24) == 0 || (a >> 20) == (172u << 4 | 1) ||
           (a >> 16) == (192u << 8 | 168) || (a >> 16) == (169u << 8 | 254) || (a >> 22) == (100u << 2 | 1);
  }
  if (sa->sa_family == AF_INET6) {
    const auto* b = reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr.s6_addr;
    static const unsigned char loopback[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const unsigned char any[16] = {};
    bool mapped_v4 = std::all_of(b, b + 10, [](unsigned char c) { return c == 0; }) && b[10] == 0xff && b[11] == 0xff;
    return std::equal(b, b + 16, loopback) || std::equal(b, b + 16, any) || (b[0] & 0xfe) == 0xfc ||
           (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || mapped_v4;
  }
  return true;
}

constexpr const char* kRecordDelivered =
    "UPDATE deliveries SET state = 'delivered', delivered_at = UTC_TIMESTAMP(6), last_error = NULL WHERE id = ?";

struct Claimed {
  int64_t id;
  std::string event_id, channel, recipient, target, subject, body;
  int attempts;
};

// HTTP POST of a signed webhook; "" on a 2xx, else why not.
std::string post_webhook(const Claimed& d, const std::string& secret, const DeliverySettings& s) {
  if (auto why = refuse_url(d.target, s.allow_private)) return why->en;  // again at send time: DNS may have changed
  auto timestamp = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  // One handle per sending thread, reset for each use, so that its connections are kept alive and
  // reused for the next delivery to the same receiver.
  static thread_local curl::Easy handle(curl_easy_init());
  if (!handle) return "curl could not make a handle";
  CURL* easy = handle.get();
  curl_easy_reset(easy);
  curl::List headers;
  for (const auto& h :
       {std::string("Content-Type: application/json"), "X-Timestamp: " + timestamp,
        "X-Signature: " + signature(secret, timestamp, d.body), "X-Event-Id: " + d.event_id, std::string("Expect:")})
    if (!curl::append(headers, h)) return "out of memory for the headers";
  auto set = curl::Options(easy)
                 .set(CURLOPT_URL, d.target.c_str())
                 .set(CURLOPT_HTTPHEADER, headers.get())
                 .set(CURLOPT_POSTFIELDS, d.body.data())
                 .set(CURLOPT_POSTFIELDSIZE, static_cast<long>(d.body.size()))
                 .set(CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()))
                 .set(CURLOPT_NOSIGNAL, 1L)
                 .set(CURLOPT_FOLLOWLOCATION, 0L)  // a redirect could lead to a private address
                 .set(CURLOPT_PROTOCOLS_STR, "http,https")
                 .set(CURLOPT_WRITEFUNCTION, discard)
                 .result();
  if (set != CURLE_OK) return curl::why(set);
  if (auto sent = curl::why(curl_easy_perform(easy)); !sent.empty()) return sent;
  long status = 0;
  if (auto read = curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status); read != CURLE_OK) return curl::why(read);
  if (status < 200 || status >= 300) return "the receiver answered " + std::to_string(status);
  return {};
}

struct MailReader {
  std::string text;
  size_t offset = 0;
};
size_t read_mail(char* buffer, size_t size, size_t n, void* user) {
  auto* r = static_cast<MailReader*>(user);
  size_t len = std::min(size * n, r->text.size() - r->offset);
  std::memcpy(buffer, r->text.data() + r->offset, len);
  r->offset += len;
  return len;
}

// E-mail over SMTP: UTF-8, base64, a Message-ID from the event so a receiver can de-duplicate.
std::string send_mail(const Claimed& d, const DeliverySettings& s) {
  auto b64 = [](const std::string& text) {
    auto u = crypto::base64url_encode(text);  // to standard base64 with padding
    for (auto& c : u) c = c == '-' ? '+' : c == '_' ? '/' : c;
    while (u.size() % 4) u += '=';
    return u;
  };
  MailReader r;
  r.text = "From: " + s.smtp_from + "\r\nTo: " + d.recipient + "\r\nSubject: =?UTF-8?B?" + b64(d.subject) +
           "?=\r\nMessage-ID: <" + d.event_id +
           "@sdp>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  auto body = b64(d.body);
  for (size_t i = 0; i < body.size(); i += 76) r.text += body.substr(i, 76) + "\r\n";
  curl::Easy easy(curl_easy_init());
  curl::List rcpt;
  if (!easy || !curl::append(rcpt, "<" + d.recipient + ">")) return "curl could not make a handle";
  auto from = "<" + s.smtp_from + ">";
  auto set = curl::Options(easy.get())
                 .set(CURLOPT_URL, s.smtp_url.c_str())
                 .set(CURLOPT_MAIL_FROM, from.c_str())
                 .set(CURLOPT_MAIL_RCPT, rcpt.get())
                 .set(CURLOPT_READFUNCTION, read_mail)
                 .set(CURLOPT_READDATA, &r)
                 .set(CURLOPT_UPLOAD, 1L)
                 .set(CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()))
                 .set(CURLOPT_NOSIGNAL, 1L)
                 .result();
  if (set != CURLE_OK) return curl::why(set);
  return curl::why(curl_easy_perform(easy.get()));
}

}  // namespace

std::string signature(const std::string& secret, const std::string& timestamp, const std::string& body) {
  return "sha256=" + crypto::hmac_sha256_hex(secret, timestamp + "." + body);
}

std::chrono::milliseconds backoff(const DeliverySettings& s, int attempts, double jitter_unit) {
  double base = static_cast<double>(s.backoff_base.count()) * std::pow(2.0, std::max(0, attempts - 1));
  base = std::min(base, static_cast<double>(s.backoff_max.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(base * (0.8 + 0.4 * jitter_unit)));
}

std::optional<Text> refuse_url(const std::string& url, bool allow_private) {
  auto parts = curl::parse_url(url);
  if (!parts) return Text{"not a URL", "不是网址"};
  if (parts->scheme != "http" && parts->scheme != "https")
    return Text{"only http and https URLs", "只接受 http 或 https 网址"};
  auto h = parts->host;
  if (h.empty()) return Text{"no host", "网址缺少主机名"};
  if (allow_private) return std::nullopt;
  if (h.front() == '[') h = h.substr(1, h.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(h.c_str(), nullptr, &hints, &found) != 0)
    return Text{"the host does not resolve", "无法解析该主机名"};
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> addresses(found, freeaddrinfo);
  for (auto* a = addresses.get(); a; a = a->ai_next)
    if (private_address(a->ai_addr))
      return Text{"the host resolves to a loopback or private address", "该主机指向本机或内网地址"};
  return std::nullopt;
}

bool Deliverer::deliver_one(std::optional<int64_t>& delivered) {
  // Claim one due delivery whose receiver is not at its limit; SKIP LOCKED lets instances share.
  // The claim reads pending rows in the order of the (state, next_attempt_at) index and stops at
  // the first it can lock, so claimers never lock the whole backlog (a filesort would: InnoDB locks
  // every row it reads before sorting). Receivers at their limit are found first, without locks.
  auto claimed = db::transaction(pool_, [&](db::Connection& c) -> std::optional<Claimed> {
    // This sender's previous success is recorded with this claim: one commit per delivery, not two.
    if (delivered) c.execute(kRecordDelivered, {*delivered});
    std::vector<db::Param> params;
    for (auto r =
             c.query("SELECT receiver FROM deliveries WHERE state = 'sending' AND next_attempt_at > UTC_TIMESTAMP(6) "
                     "GROUP BY receiver HAVING COUNT(*) >= ?",
                     {settings_.per_receiver});
         r.next();)
      params.emplace_back(r.str("receiver"));
    std::string busy = params.empty() ? "" : " AND receiver NOT IN (" + db::placeholders(params.size()) + ")";
    auto r = c.query(
        "SELECT id, event_id, channel, recipient, target, subject, body, attempts FROM deliveries "
        "WHERE state = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(6)" +
            busy + " ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED",
        params);
    if (!r.next()) return std::nullopt;
    Claimed d{r.i64("id"),     r.str("event_id"), r.str("channel"), r.str("recipient"),
              r.str("target"), r.str("subject"),  r.str("body"),    static_cast<int>(r.i64("attempts")) + 1};
    // The claim is a lease: if this instance dies mid-send, the lease expires and the delivery is
    // pending again (release_expired_leases).
    c.execute(
        "UPDATE deliveries SET state = 'sending', attempts = ?, "
        "next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?",
        {d.attempts, static_cast<int>(settings_.timeout.count() / 1000) + 5, d.id});
    return d;
  });
  delivered.reset();  // committed
  if (!claimed) return false;
  auto& d = *claimed;

  std::string error;
  if (d.channel == "webhook") {
    auto secret = secret_of(d.recipient);
    error = secret ? post_webhook(d, *secret, settings_) : "no webhook secret for the org";
  } else if (settings_.smtp_url.empty()) {
    error = "e-mail is not configured";
  } else {
    error = send_mail(d, settings_);
  }

  if (error.empty()) {
    delivered = d.id;  // recorded by the next claim, or at stop; until then the lease covers it
    metrics::global().inc("sdp_notify_deliveries_total", {{"channel", d.channel}, {"outcome", "delivered"}});
    return true;
  }
  auto c = pool_.acquire();
  static thread_local std::mt19937 rng(std::random_device{}());
  bool dead = d.attempts >= settings_.max_attempts;
  auto delay = backoff(settings_, d.attempts, std::uniform_real_distribution<double>(0, 1)(rng));
  c->execute(
      "UPDATE deliveries SET state = ?, last_error = ?, next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND "
      "WHERE id = ?",
      {dead ? "dead" : "pending", error.substr(0, 1000), static_cast<long long>(delay.count()) * 1000, d.id});
  metrics::global().inc("sdp_notify_deliveries_total", {{"channel", d.channel}, {"outcome", dead ? "dead" : "retry"}});
  log::warn(dead ? "delivery dead-lettered" : "delivery failed; will retry",
            {{"event_id", d.event_id}, {"channel", d.channel}, {"attempts", d.attempts}, {"error", error}});
  return true;
}

void Deliverer::wake(int deliveries) {
  if (deliveries <= 0) return;  // an inbox entry only: no sender has anything to do
  int woken;
  {
    std::lock_guard lock(mutex_);
    woken = std::min(deliveries, senders_ - wakes_);
    if (woken <= 0) return;  // every sender is woken already
    wakes_ += woken;
  }
  for (int i = 0; i < woken; ++i) woken_.notify_one();
}

std::optional<std::string> Deliverer::secret_of(const std::string& org) {
  auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(mutex_);
    if (auto it = secrets_.find(org); it != secrets_.end() && now - it->second.read_at < kSecretMemory)
      return it->second.secret;
  }
  std::optional<std::string> secret;
  {
    auto c = pool_.acquire();
    auto r = c->query("SELECT secret_sealed FROM webhooks WHERE org = ?", {org});
    if (r.next()) secret = crypto::unseal(settings_.seal_key, r.str("secret_sealed"));
  }
  std::lock_guard lock(mutex_);
  if (secrets_.size() > 10000) secrets_.clear();
  secrets_[org] = {secret, now};
  return secret;
}

int Deliverer::release_expired_leases() {
  auto c = pool_.acquire();
  return static_cast<int>(c->execute(
      "UPDATE deliveries SET state = 'pending' WHERE state = 'sending' AND next_attempt_at <= UTC_TIMESTAMP(6)"));
}

// Whether an idle sender should take back expired leases now: at most once a kLeaseSweep for all.
bool Deliverer::sweep_due() {
  const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
  auto next = next_sweep_.load();
  if (now < next) return false;
  const auto after = now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(kLeaseSweep).count();
  return next_sweep_.compare_exchange_strong(next, after);  // one sender of those that saw it due
}

void Deliverer::run(std::stop_token stop) {
  {
    std::lock_guard lock(mutex_);
    ++senders_;
  }
  std::optional<int64_t> delivered;  // sent, not yet recorded
  while (!stop.stop_requested()) {
    bool worked = false;
    try {
      worked = deliver_one(delivered);
      // Idle: take back what a sender that died was holding.
      if (!worked && sweep_due() && release_expired_leases() > 0) worked = true;
    } catch (const std::exception& e) {
      log::warn("delivery pass failed", {{"error", e.what()}});
    }
    if (worked) continue;
    // Nothing due: wait to be woken for new deliveries, or poll for retries coming due (and other
    // instances' deliveries). A wake consumed here is a sender that looks once more.
    std::unique_lock lock(mutex_);
    woken_.wait_for(lock, stop, std::chrono::milliseconds(250), [&] { return wakes_ > 0; });
    if (wakes_ > 0) --wakes_;
  }
  {
    std::lock_guard lock(mutex_);
    --senders_;
    wakes_ = std::min(wakes_, senders_);
  }
  if (!delivered) return;
  try {
    pool_.acquire()->execute(kRecordDelivered, {*delivered});
  } catch (const std::exception& e) {
    // Its lease runs out and it is sent again: at least once, as receivers are told to expect.
    log::warn("could not record a delivery at stop", {{"delivery", *delivered}, {"error", e.what()}});
  }
}

}  // namespace sdp::notify
