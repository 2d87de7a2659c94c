#pragma once
// Where the 申报书 is rendered (CONTRACT §9): on the gateway's own document threads, never on the
// workers that wait on other services nor on the I/O threads, with a bounded queue (full: the
// caller answers 503) and a cache of the PDFs made, by the digest of what they show (the same version
// gives the same bytes, so a second download costs nothing). docs/architecture.md says why here.

#include <cstddef>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "document_pdf.hpp"
#include "sdp/thread_pool.hpp"

namespace sdp::gateway {

class Documents {
 public:
  // `public_url`: the gateway's address as printed in the QR code (SDP_GATEWAY_PUBLIC_URL).
  Documents(const scoring::Scorer& scorer, std::string public_url, int threads, size_t queue, size_t cache_bytes);
  ~Documents();

  // The PDF of workflow's document reply, from the cache or rendered on a document thread (the
  // caller waits); nothing when the threads' queue is full.
  std::optional<std::shared_ptr<const Pdf>> pdf(const nlohmann::json& document);
  // …/v1/public/verify/CODE: what the QR code of a page carries.
  std::string verify_url(const std::string& code) const;

 private:
  std::shared_ptr<const Pdf> cached(const std::string& key);
  void keep(const std::string& key, std::shared_ptr<const Pdf> pdf);

  const scoring::Scorer& scorer_;
  std::string public_url_;
  size_t cache_bytes_;
  std::mutex mutex_;
  std::list<std::string> recent_;  // keys, most recently used first
  std::map<std::string, std::pair<std::shared_ptr<const Pdf>, std::list<std::string>::iterator>> cache_;
  size_t held_ = 0;
  std::unique_ptr<ThreadPool> pool_;  // last: its threads stop before the rest goes
};

}  // namespace sdp::gateway
