#pragma once
// libcurl's handles in unique_ptr with their matching destroy, and the parts of a URL as curl reads it.

#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>

namespace sdp::notify::curl {

template <auto Destroy>
struct Destroyer {
  template <class T>
  void operator()(T* handle) const {
    Destroy(handle);
  }
};

using Easy = std::unique_ptr<CURL, Destroyer<curl_easy_cleanup>>;
using Url = std::unique_ptr<CURLU, Destroyer<curl_url_cleanup>>;
using List = std::unique_ptr<curl_slist, Destroyer<curl_slist_free_all>>;

// Appends a copy of `item`; false when curl is out of memory (the list stays as it was).
bool append(List& list, const std::string& item);

// curl_easy_setopt, option after option, keeping the first code curl refused one with (an option
// this libcurl lacks, or out of memory): the request is not sent half set up.
class Options {
 public:
  explicit Options(CURL* easy) : easy_(easy) {}
  template <class T>
  Options& set(CURLoption option, T value) {
    if (result_ == CURLE_OK) result_ = curl_easy_setopt(easy_, option, value);
    return *this;
  }
  CURLcode result() const { return result_; }

 private:
  CURL* easy_;
  CURLcode result_ = CURLE_OK;
};

// Why a transfer failed, in curl's words; "" on CURLE_OK.
std::string why(CURLcode code);

struct UrlParts {
  std::string scheme, host;  // host as written, IPv6 in brackets
};
// The scheme and host of an absolute URL; nothing when curl does not read it as one.
std::optional<UrlParts> parse_url(const std::string& url);

}  // namespace sdp::notify::curl
