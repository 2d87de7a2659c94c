#pragma once
// The HTTP API of CONTRACT §3 as handle(request) -> response: one table row per route (method,
// pattern, identity, body schema, query parameters, If-Match, idempotency, handler). Input is
// validated here, once; each handler builds its typed command (sdp/commands.hpp) and sends it with
// cmd::call. The one place where a Problem's kind becomes an HTTP status.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalogs.hpp"
#include "console.hpp"
#include "idempotency.hpp"
#include "jwt.hpp"
#include "public.hpp"
#include "sdp/command_bus.hpp"
#include "sdp/http.hpp"
#include "sdp/json_schema.hpp"
#include "sdp/messages.hpp"
#include "sdp/nats.hpp"
#include "sdp/problem.hpp"
#include "sdp/regions.hpp"

namespace sdp::gateway {

struct Evidence;  // evidence.hpp
class Documents;  // documents.hpp

// The JSON Schemas of request bodies, by file name under schemas/api/: every one a route names.
class ApiSchemas {
 public:
  static ApiSchemas load(const std::filesystem::path& schemas_dir);
  const JsonSchema& at(std::string_view file) const;

 private:
  std::map<std::string, JsonSchema, std::less<>> schemas_;
};

struct ApiDeps {
  const KeySet& keys;
  JwtPolicy policy;
  const RegionCatalog& regions;
  const nats::Topology& topology;
  const ApiSchemas& schemas;
  const CatalogDocuments& catalogs;
  std::string openapi;                      // the document served at /v1/openapi.json
  cmd::Send send;                           // request–reply to another service within the deadline
  std::function<int64_t()> now;             // UNIX seconds, for token times
  IdempotencyStore* idempotency = nullptr;  // null: Idempotency-Key is ignored
  const DevSignIn* dev_sign_in = nullptr;   // null: POST /v1/dev/sign-in answers 404
  std::string sign_in_url;                  // the identity provider's sign-in page, for the console
  RateLimiter* objection_limit = nullptr;   // per client address, on the routes marked rate_limited; null: none
  const Evidence* evidence = nullptr;       // evidence files' store and limits; null: their routes answer 404
  Documents* documents = nullptr;           // the 申报书's renderer; null: document.pdf answers 404
  std::size_t export_max_rows = 10000;      // rows of a spreadsheet or CSV export at most; beyond, 422
};

// A request's query parameters, decoded; only those its route takes are set.
struct Query {
  int limit = cmd::kDefaultPageSize;
  std::optional<PageCursor> cursor;
  std::optional<State> state;
  std::optional<cmd::RoundState> round_state;  // /v1/rounds' state=
  std::optional<Kind> kind;
  std::optional<std::string> region;              // a county of Shandong (the queue's county= by its former name)
  std::optional<std::string> round;               // a round's id, a lowercase UUID (/v1/stats, the queue)
  std::optional<std::string> valid_until_before;  // YYYY-MM-DD (/v1/declarations)
  // The reviewer's queue (CONTRACT §6):
  std::optional<std::string> q;       // cmd::search_term: trimmed, Latin letters lower-cased, at most 50 characters
  std::optional<std::string> county;  // a county of Shandong
  bool overdue = false;
  std::optional<cmd::QueueSort> sort;
  std::optional<int64_t> from, to;                     // a diff's versions
  std::optional<int64_t> version;                      // the 申报书's version
  std::optional<cmd::ObjectionState> objection_state;  // /v1/objections' state=
  std::optional<std::string> item;  // an upload's item: a criterion or indicator id, or "declaration"
  std::optional<std::string> city;  // a city of Shandong (a round's recommendations export)
};

// What a handler gets: the request, checked against its route.
struct Input {
  const http::Request& request;
  Actor actor;                     // authenticated routes: from the verified token
  std::string id;                  // the {id} of the pattern
  std::optional<int64_t> version;  // If-Match
  Query query;
  nlohmann::json body;  // parsed, and valid against the route's schema; null when the route reads none
  std::string city;     // the {city} of the pattern: a city code of Shandong
  std::string number;   // the {number} of the pattern: a declaration's number (MSF-2026-370102-000001)
  std::string file;     // the {file} of the pattern: a file's id (a UUID)
  std::string code;     // the {code} of the pattern: a 申报书's verification code, normalised
  // Under an Idempotency-Key: SHA-256 hex of its scope and the key, for creations and changes (commands.hpp).
  std::optional<std::string> request_key;
};

enum class IfMatch { none, optional, required };

struct Route {
  std::string_view method;
  std::string_view pattern;  // e.g. "/v1/declarations/{id}/submit"; {id} matches a UUID, {city} a city code,
                             // {number} a declaration's number, {code} a verification code
  bool authenticated = true;
  std::string_view schema;              // schemas/api/<schema> validates the body, which is required; "": no body read
  bool optional_body = false;           // without a schema: a body may come, and must then be JSON
  std::vector<std::string_view> query;  // the parameters it takes; any other is 400 (public routes ignore theirs)
  IfMatch if_match = IfMatch::none;
  bool idempotent = false;    // a POST that honours Idempotency-Key
  bool rate_limited = false;  // counted per client address (ApiDeps::objection_limit) before anything is read
  http::Response (*handler)(const ApiDeps&, Input&) = nullptr;
  // Set: the body is a raw file streamed to the sink this returns once the header is checked
  // (Api::admit), never held whole; the handler finds it in Input::request.sink.
  http::BodyPlan (*admit)(const ApiDeps&, Input&) = nullptr;
};

// The HTTP status of a problem's kind (503 for `unavailable`).
int http_status(ProblemKind kind);
// A problem as application/problem+json in both languages, until localize() keeps one; 401 gets
// WWW-Authenticate, 503 Retry-After.
http::Response problem_response(const Problem& problem);
// A refusal only HTTP has (405, 415, 500…), in the same shape.
http::Response problem_response(int status, const Text& title, const Text& detail = {});
// 429 with Retry-After: the client address has used up its rate (CONTRACT §8's objections).
http::Response too_many_requests(std::chrono::seconds retry_after);

// Keeps only `language`'s words in a problem+json response (title, detail, errors[].message),
// falling back to English, so the shape stays CONTRACT §3's; other responses are left alone.
void localize(http::Response& response, Language language);

class Api {
 public:
  explicit Api(ApiDeps deps);
  // Every route of the API.
  static const std::vector<Route>& routes();
  // The response, and the route pattern it matched ("" when none), for metrics and logs; its
  // problem in the language the request's Accept-Language prefers.
  http::Response handle(const http::Request& request, std::string* matched_route = nullptr) const;
  // For a request whose header has arrived: a streamed route's sink, or its refusal (identity,
  // query and headers checked as handle() would); nothing for every other route.
  http::BodyPlan admit(const http::Request& header) const;

 private:
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sdp::gateway
