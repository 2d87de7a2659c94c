#include "documents.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <future>

#include "sdp/crypto.hpp"
#include "sdp/log.hpp"

namespace sdp::gateway {

Documents::Documents(const scoring::Scorer& scorer, std::string public_url, int threads, size_t queue,
                     size_t cache_bytes)
    : scorer_(scorer),
      public_url_(std::move(public_url)),
      cache_bytes_(cache_bytes),
      pool_(std::make_unique<ThreadPool>(threads, queue)) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

Documents::~Documents() { pool_.reset(); }

std::string Documents::verify_url(const std::string& code) const { return public_url_ + "/v1/public/verify/" + code; }

std::shared_ptr<const Pdf> Documents::cached(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto it = cache_.find(key);
  if (it == cache_.end()) return nullptr;
  recent_.splice(recent_.begin(), recent_, it->second.second);
  return it->second.first;
}

void Documents::keep(const std::string& key, std::shared_ptr<const Pdf> pdf) {
  std::lock_guard lock(mutex_);
  if (cache_.contains(key) || pdf->bytes.size() > cache_bytes_) return;
  recent_.push_front(key);
  held_ += pdf->bytes.size();
  cache_.emplace(key, std::pair{std::move(pdf), recent_.begin()});
  while (held_ > cache_bytes_) {
    auto last = cache_.find(recent_.back());
    held_ -= last->second.first->bytes.size();
    cache_.erase(last);
    recent_.pop_back();
  }
}

std::optional<std::shared_ptr<const Pdf>> Documents::pdf(const nlohmann::json& document) {
  // Keyed by everything the page shows (the round's title may change, the content may not).
  const auto key = crypto::sha256_hex(document.dump());
  const auto code = document.value("code", std::string());
  if (auto hit = cached(key)) return hit;
  auto done = std::make_shared<std::promise<std::shared_ptr<const Pdf>>>();
  auto result = done->get_future();
  const bool queued = pool_->post([this, done, &document, code] {
    // Rendering is the one CPU-heavy thing the gateway does: below the request threads' priority.
    static thread_local bool lowered = setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10) == 0;
    (void)lowered;
    try {
      const auto start = std::chrono::steady_clock::now();
      auto made = std::make_shared<const Pdf>(render_declaration_pdf(document, scorer_, verify_url(code)));
      log::info("申报书 rendered",
                {{"code", code},
                 {"pages", made->pages},
                 {"bytes", made->bytes.size()},
                 {"ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count()}});
      done->set_value(std::move(made));
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  });
  if (!queued) return std::nullopt;
  auto made = result.get();  // `document` outlives the job: this call waits for it
  keep(key, made);
  return made;
}

}  // namespace sdp::gateway
