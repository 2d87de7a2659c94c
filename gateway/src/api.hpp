#pragma once
// The HTTP API of CONTRACT §3 as handle(request) -> response: routing, identity, validation of
// every body and query, idempotency keys, and forwarding to workflow, scoring and notify over
// request–reply with a deadline. The one place where replies and errors become HTTP.

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "catalogs.hpp"
#include "console.hpp"
#include "idempotency.hpp"
#include "jwt.hpp"
#include "sdp/http.hpp"
#include "sdp/json_schema.hpp"
#include "sdp/messages.hpp"
#include "sdp/nats.hpp"
#include "sdp/regions.hpp"

namespace sdp::gateway {

// Request–reply to another service; throws sdp::Error (transient) when nobody answers in time.
using Requester = std::function<std::string(const std::string& subject, const std::string& body)>;

struct ApiSchemas {
  JsonSchema create, update, decision, preview, webhook, dev_sign_in;
  static ApiSchemas load(const std::filesystem::path& schemas_dir);
};

struct ApiDeps {
  const KeySet& keys;
  JwtPolicy policy;
  const RegionCatalog& regions;
  const nats::Topology& topology;
  const ApiSchemas& schemas;
  const CatalogDocuments& catalogs;
  std::string openapi;  // the document served at /v1/openapi.json
  Requester request;
  std::function<int64_t()> now;             // UNIX seconds, for token times
  IdempotencyStore* idempotency = nullptr;  // null: Idempotency-Key is ignored
  const DevSignIn* dev_sign_in = nullptr;   // null: POST /v1/dev/sign-in answers 404
  std::string sign_in_url;                  // the identity provider's sign-in page, for the console
};

struct Route {
  std::string method;
  std::string pattern;  // e.g. "/v1/declarations/{id}/submit"
  bool authenticated;
};

// Keeps only `language`'s words in a problem+json response (title, detail, errors[].message),
// falling back to English, so the shape stays CONTRACT §3's; other responses are left alone.
void localize(http::Response& response, Language language);

class Api {
 public:
  explicit Api(ApiDeps deps);
  // Every route of the API, for the OpenAPI check.
  static const std::vector<Route>& routes();
  // The response, and the route pattern it matched ("" when none), for metrics and logs; its
  // problem in the language the request's Accept-Language prefers.
  http::Response handle(const http::Request& request, std::string* matched_route = nullptr) const;

 private:
  http::Response route(const http::Request& request, std::string* matched_route) const;
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sdp::gateway
