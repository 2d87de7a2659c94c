#include "curl.hpp"

namespace sdp::notify::curl {
namespace {

using Text = std::unique_ptr<char, Destroyer<curl_free>>;

// One part of a parsed URL; "" when the URL has none.
std::string part(CURLU* url, CURLUPart which) {
  char* raw = nullptr;
  if (curl_url_get(url, which, &raw, 0) != CURLUE_OK) return {};
  Text text(raw);
  return text.get();
}

}  // namespace

std::string why(CURLcode code) { return code == CURLE_OK ? std::string() : std::string(curl_easy_strerror(code)); }

bool append(List& list, const std::string& item) {
  curl_slist* head = curl_slist_append(list.get(), item.c_str());
  if (!head) return false;
  if (head != list.get()) list.reset(head);  // the first item starts the list
  return true;
}

std::optional<UrlParts> parse_url(const std::string& url) {
  Url u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return std::nullopt;
  return UrlParts{part(u.get(), CURLUPART_SCHEME), part(u.get(), CURLUPART_HOST)};
}

}  // namespace sdp::notify::curl
