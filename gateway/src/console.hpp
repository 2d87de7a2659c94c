#pragma once
// The web console's side of the gateway (issue 9): the built single-page app (web/dist) served
// from memory with caching headers, and the development sign-in that mints a token for a role the
// person picks. Development sign-in is off unless SDP_GATEWAY_DEV_SIGN_IN_KEY names a private key;
// a production gateway never has one, and the console then sends people to the identity provider.

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "jwt.hpp"
#include "sdp/http.hpp"
#include "sdp/json_schema.hpp"
#include "sdp/regions.hpp"

namespace sdp::gateway {

class ConsoleFiles {
 public:
  // Every regular file under `dir`, read once at start. An empty path: no console.
  static ConsoleFiles load(const std::filesystem::path& dir);
  // GET or HEAD of "/" or of a console file: the file with its Content-Type, an ETag and
  // Cache-Control (content-hashed files under /assets/ are immutable, the rest revalidate), 304
  // when If-None-Match matches, gzip-compressed (compressed once, at load) for a client that
  // accepts it. Nothing for any other request, which the API then answers.
  std::optional<http::Response> serve(const http::Request& request) const;
  size_t size() const { return files_.size(); }

 private:
  struct File {
    std::shared_ptr<const std::string> body;  // shared by every response that sends it
    std::shared_ptr<const std::string> gzip;  // null when compression does not pay
    std::string type, etag, cache_control, gzip_etag;
  };
  std::map<std::string, File, std::less<>> files_;  // by URL path, e.g. "/assets/index-3f2a.js"
};

class DevSignIn {
 public:
  // `key_file`: a PEM RSA private key whose public half the gateway trusts; tokens carry the
  // policy's iss and aud and live `lifetime`.
  static std::unique_ptr<DevSignIn> from_key_file(const std::filesystem::path& key_file, JwtPolicy policy,
                                                  std::chrono::seconds lifetime);
  // A request valid against schemas/api/dev_sign_in.schema.json -> {token, expires_at, claims},
  // or every rule it breaks (an applicant without a valid 统一社会信用代码, a region that does
  // not fit the tier) with its pointer.
  std::variant<nlohmann::json, std::vector<SchemaProblem>> sign_in(const nlohmann::json& request,
                                                                   const RegionCatalog& regions, int64_t now) const;

 private:
  std::shared_ptr<EVP_PKEY> key_;
  std::string kid_;
  JwtPolicy policy_;
  std::chrono::seconds lifetime_{};
};

}  // namespace sdp::gateway
