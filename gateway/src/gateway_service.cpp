#include "gateway_service.hpp"

#include <chrono>
#include <fstream>
#include <sstream>

#include "api.hpp"
#include "catalogs.hpp"
#include "documents.hpp"
#include "evidence.hpp"
#include "idempotency.hpp"
#include "jwt.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/files.hpp"
#include "sdp/leader_lease.hpp"
#include "sdp/log.hpp"
#include "sdp/metrics.hpp"
#include "sdp/thread_pool.hpp"

namespace sdp::gateway {

ServiceSpec spec() {
  return ServiceSpec{
      "gateway",
      8080,
      2,
      {{"SDP_JWT_PUBLIC_KEYS", "comma-separated PEM files of the public keys tokens may be signed with", "", nullptr},
       {"SDP_JWT_JWKS_FILE", "a JWKS file of such keys (either this or SDP_JWT_PUBLIC_KEYS, or both)", "", nullptr},
       {"SDP_JWT_ISSUER", "the tokens' iss", "sdp-local", check::non_empty()},
       {"SDP_JWT_AUDIENCE", "the tokens' aud", "sdp-gateway", check::non_empty()},
       {"SDP_JWT_LEEWAY_SECONDS", "clock-skew leeway for exp and nbf", "30", check::integer(0, 30)},
       {"SDP_GATEWAY_DEADLINE_MS", "how long a request waits for workflow, scoring or notify", "5000",
        check::integer(50, 60000)},
       {"SDP_GATEWAY_WORKERS", "threads that wait on other services for HTTP requests", "16", check::integer(1, 512)},
       {"SDP_GATEWAY_QUEUE", "requests waiting for a worker at most; beyond, 503", "4096", check::integer(1, 1000000)},
       {"SDP_GATEWAY_CONSOLE_DIR", "the built web console (web/dist) served at /; empty: no console", "", nullptr},
       {"SDP_GATEWAY_SIGN_IN_URL", "the identity provider's sign-in page the console sends people to", "", nullptr},
       {"SDP_GATEWAY_DEV_SIGN_IN_KEY",
        "DEVELOPMENT ONLY: a PEM RSA private key (its public half trusted) with which POST /v1/dev/sign-in mints a "
        "token for any role; empty (the default): development sign-in is off",
        "", nullptr},
       {"SDP_GATEWAY_OBJECTIONS_PER_MINUTE",
        "objections (POST /v1/public/notices/{number}/objections) one client address may file a minute; beyond, 429",
        "5", check::integer(1, 100000)},
       {"SDP_GATEWAY_PUBLIC_URL",
        "the gateway's address as the public reaches it, printed in the 申报书's QR code (…/v1/public/verify/CODE); "
        "empty: http://127.0.0.1:SDP_HTTP_PORT",
        "", nullptr},
       {"SDP_GATEWAY_DOCUMENT_THREADS", "threads that render 申报书 PDFs (apart from the workers)", "1",
        check::integer(1, 64)},
       {"SDP_GATEWAY_DOCUMENT_QUEUE", "PDFs waiting for a document thread at most; beyond, 503", "32",
        check::integer(1, 10000)},
       {"SDP_GATEWAY_IDEMPOTENCY_CLAIM_SECONDS",
        "how long a request under an Idempotency-Key may run; a claim older than this whose request never finished "
        "(its gateway died) is taken over by a retry; longer than SDP_GATEWAY_DEADLINE_MS",
        "30", check::integer(1, 3600)},
       {"SDP_GATEWAY_EXPORT_MAX_ROWS",
        "rows a spreadsheet or CSV export (GET /v1/reviews/pending.xlsx and the like) holds at most; beyond, 422",
        "10000", check::integer(1, 100000)},
       {"SDP_FILES_BACKEND", "where evidence files' bytes are kept: local (a directory) or s3", "local",
        check::one_of({"local", "s3"})},
       {"SDP_FILES_DIR", "local backend: the directory (created if missing); s3: where uploads are staged", "var/files",
        check::non_empty()},
       {"SDP_FILES_S3_ENDPOINT", "s3 backend: the endpoint URL, e.g. http://127.0.0.1:9000 (path-style)", "", nullptr},
       {"SDP_FILES_S3_BUCKET", "s3 backend: the bucket", "", nullptr},
       {"SDP_FILES_S3_REGION", "s3 backend: the region the requests are signed for", "us-east-1", check::non_empty()},
       {"SDP_FILES_S3_ACCESS_KEY", "s3 backend: the access key id", "", nullptr},
       {"SDP_FILES_S3_SECRET_KEY", "s3 backend: the secret key (or SDP_FILES_S3_SECRET_KEY_FILE)", "", nullptr, true},
       {"SDP_FILES_MAX_BYTES", "bytes a file may hold (larger: 413)", "20971520", check::integer(1, 1L << 34)},
       {"SDP_FILES_MAX_TOTAL", "bytes a declaration's files may hold together (beyond: 422)", "314572800",
        check::integer(1, 1L << 40)},
       {"SDP_FILES_MAX_COUNT", "files a declaration may list (beyond: 422)", "200", check::integer(1, 100000)},
       {"SDP_FILES_SWEEP_GRACE_SECONDS",
        "stored bytes no file names are removed once this old (a crash between bytes and listing leaves such)", "3600",
        check::integer(0, 30L * 24 * 3600)},
       {"SDP_FILES_SWEEP_INTERVAL_SECONDS", "how often the sweeper looks for such bytes", "600",
        check::integer(1, 24L * 3600)}}};
}

namespace {

KeySet load_keys(const Config& cfg) {
  KeySet keys;
  std::stringstream list(cfg.str("SDP_JWT_PUBLIC_KEYS"));
  std::vector<std::string> pems;
  for (std::string path; std::getline(list, path, ',');)
    if (!path.empty()) pems.push_back(path);
  if (!pems.empty()) keys = KeySet::from_pem_files(pems);
  if (const auto& jwks = cfg.str("SDP_JWT_JWKS_FILE"); !jwks.empty()) {
    const auto more = KeySet::from_jwks(read_json_file(jwks));
    for (const auto& k : more.all()) keys.add(k);
  }
  if (keys.size() == 0) throw Error(ErrorSource::config, "SDP_JWT_PUBLIC_KEYS or SDP_JWT_JWKS_FILE must name a key");
  return keys;
}

// The evidence files' store the settings name.
std::unique_ptr<BlobStore> make_store(const Config& cfg) {
  if (cfg.str("SDP_FILES_BACKEND") == "local") return make_local_store(cfg.str("SDP_FILES_DIR"));
  std::vector<std::string> missing;
  for (const char* name :
       {"SDP_FILES_S3_ENDPOINT", "SDP_FILES_S3_BUCKET", "SDP_FILES_S3_ACCESS_KEY", "SDP_FILES_S3_SECRET_KEY"})
    if (cfg.str(name).empty()) missing.push_back(name);
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    throw Error(ErrorSource::config, "SDP_FILES_BACKEND=s3 needs " + names);
  }
  S3Options o;
  o.endpoint = cfg.str("SDP_FILES_S3_ENDPOINT");
  o.bucket = cfg.str("SDP_FILES_S3_BUCKET");
  o.region = cfg.str("SDP_FILES_S3_REGION");
  o.access_key = cfg.str("SDP_FILES_S3_ACCESS_KEY");
  o.secret_key = cfg.str("SDP_FILES_S3_SECRET_KEY");
  o.staging_dir = std::filesystem::path(cfg.str("SDP_FILES_DIR")) / "tmp";
  return make_s3_store(std::move(o));
}

// Everything the handlers share, alive as long as the runtime.
struct Context {
  KeySet keys;
  RegionCatalog regions;
  ApiSchemas schemas;
  CatalogDocuments catalogs;
  std::unique_ptr<IdempotencyStore> idempotency;
  ConsoleFiles console;
  std::unique_ptr<DevSignIn> dev_sign_in;
  std::unique_ptr<Api> api;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<RateLimiter> objection_limit;
  Evidence evidence;
  std::unique_ptr<scoring::Scorer> scorer;  // the catalogues the 申报书 prints
  std::unique_ptr<Documents> documents;
};

}  // namespace

void setup(Runtime& runtime) {
  const auto& cfg = runtime.config();
  const auto& dir = runtime.schemas_dir();
  // CONTRACT §3: the gateway is ready when its database, NATS and workflow answer.
  runtime.add_readiness_check("workflow", [&runtime] {
    auto send = [&runtime](const std::string& subject, const std::string& body) {
      return runtime.nats().request(subject, body, std::chrono::milliseconds(1000));
    };
    return cmd::call(runtime.topology(), send, cmd::Ping{}).has_value();
  });

  auto scorer = scoring::Scorer::load(dir);
  auto regions_file = dir / "regions" / "shandong.json";
  auto ctx =
      std::make_shared<Context>(Context{load_keys(cfg), RegionCatalog::from_file(regions_file.string()),
                                        ApiSchemas::load(dir), build_catalogs(scorer, read_json_file(regions_file))});
  log::info("token keys loaded", {{"keys", ctx->keys.size()}});
  const auto claim_timeout = cfg.seconds("SDP_GATEWAY_IDEMPOTENCY_CLAIM_SECONDS");
  // A claim must outlive its request's wait for the services, or a retry would run it a second time.
  if (claim_timeout <= cfg.millis("SDP_GATEWAY_DEADLINE_MS"))
    throw Error(ErrorSource::config,
                "SDP_GATEWAY_IDEMPOTENCY_CLAIM_SECONDS must be longer than SDP_GATEWAY_DEADLINE_MS");
  ctx->idempotency = std::make_unique<IdempotencyStore>(runtime.db(), claim_timeout);
  ctx->console = ConsoleFiles::load(cfg.str("SDP_GATEWAY_CONSOLE_DIR"));
  if (ctx->console.size() > 0) log::info("web console loaded", {{"files", ctx->console.size()}});
  JwtPolicy policy{cfg.str("SDP_JWT_ISSUER"), cfg.str("SDP_JWT_AUDIENCE"), cfg.seconds("SDP_JWT_LEEWAY_SECONDS")};
  if (const auto& key = cfg.str("SDP_GATEWAY_DEV_SIGN_IN_KEY"); !key.empty()) {
    ctx->dev_sign_in = DevSignIn::from_key_file(key, policy, std::chrono::hours(8));
    log::warn("development sign-in is ON: anyone reaching this gateway can sign in as anyone (never in production)");
  }
  // No proxy rule is configured: the client address is the peer's (behind a proxy, the proxy's).
  ctx->objection_limit = std::make_unique<RateLimiter>(
      static_cast<int>(cfg.integer("SDP_GATEWAY_OBJECTIONS_PER_MINUTE")), std::chrono::seconds(60));
  ctx->evidence.store = make_store(cfg);
  ctx->evidence.limits = {static_cast<std::uint64_t>(cfg.integer("SDP_FILES_MAX_BYTES")),
                          static_cast<std::uint64_t>(cfg.integer("SDP_FILES_MAX_TOTAL")),
                          static_cast<int>(cfg.integer("SDP_FILES_MAX_COUNT"))};
  log::info("evidence files", {{"store", ctx->evidence.store->describe()}});
  require_document_font();
  ctx->scorer = std::make_unique<scoring::Scorer>(std::move(scorer));
  auto public_url = cfg.str("SDP_GATEWAY_PUBLIC_URL");
  if (public_url.empty()) public_url = "http://127.0.0.1:" + std::to_string(cfg.integer("SDP_HTTP_PORT"));
  ctx->documents = std::make_unique<Documents>(
      *ctx->scorer, public_url, static_cast<int>(cfg.integer("SDP_GATEWAY_DOCUMENT_THREADS")),
      static_cast<size_t>(cfg.integer("SDP_GATEWAY_DOCUMENT_QUEUE")), size_t{64} << 20);
  auto deadline = cfg.millis("SDP_GATEWAY_DEADLINE_MS");
  ApiDeps deps{ctx->keys,
               policy,
               ctx->regions,
               runtime.topology(),
               ctx->schemas,
               ctx->catalogs,
               read_text_file(dir / "api" / "openapi.json"),
               [&runtime, deadline](const std::string& subject, const std::string& body) {
                 return runtime.nats().request(subject, body, deadline);
               },
               [] {
                 return static_cast<int64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                                 std::chrono::system_clock::now().time_since_epoch())
                                                 .count());
               },
               ctx->idempotency.get(),
               ctx->dev_sign_in.get(),
               cfg.str("SDP_GATEWAY_SIGN_IN_URL"),
               ctx->objection_limit.get(),
               &ctx->evidence,
               ctx->documents.get(),
               static_cast<std::size_t>(cfg.integer("SDP_GATEWAY_EXPORT_MAX_ROWS"))};
  ctx->api = std::make_unique<Api>(std::move(deps));
  ctx->pool = std::make_unique<ThreadPool>(static_cast<int>(cfg.integer("SDP_GATEWAY_WORKERS")),
                                           static_cast<size_t>(cfg.integer("SDP_GATEWAY_QUEUE")));

  auto& metrics = metrics::global();
  metrics.describe("sdp_http_requests_total", "counter", "HTTP requests by route, method and status");
  metrics.describe("sdp_http_request_seconds", "histogram", "HTTP request latency by route");
  metrics.describe("sdp_http_in_flight", "gauge", "HTTP requests being handled");
  auto in_flight = std::make_shared<std::atomic<int>>(0);

  // An upload's header is checked on the I/O thread (identity, item, name, size) before its body is
  // streamed to a staged file; everything else is read whole and queued as before.
  runtime.set_body_streamer([ctx](const http::Request& header) {
    auto plan = ctx->api->admit(header);
    if (plan.refusal) {
      auto request_id = header.header("X-Request-Id");
      plan.refusal->headers["X-Request-Id"] =
          request_id.empty() || request_id.size() > 64 ? crypto::uuid_v7() : request_id;
      plan.refusal->headers.try_emplace("Cache-Control", "no-store");
      metrics::global().inc("sdp_http_requests_total", {{"route", "/v1/declarations/{id}/files"},
                                                        {"method", http::method_label(header.method)},
                                                        {"status", std::to_string(plan.refusal->status)}});
    }
    return plan;
  });

  runtime.set_http_handler([ctx, in_flight](http::Request&& request, http::Respond respond) {
    // The console's files are in memory: answered on the I/O thread, never queued behind the API.
    if (auto file = ctx->console.serve(request)) {
      metrics::global().inc("sdp_http_requests_total", {{"route", "console"},
                                                        {"method", http::method_label(request.method)},
                                                        {"status", std::to_string(file->status)}});
      respond(std::move(*file));
      return;
    }
    auto start = std::chrono::steady_clock::now();
    auto request_id = request.header("X-Request-Id");
    if (request_id.empty() || request_id.size() > 64) request_id = crypto::uuid_v7();
    metrics::global().set("sdp_http_in_flight", {}, ++*in_flight);
    const auto language = preferred_language(request.header("Accept-Language"));
    auto job = [ctx, in_flight, start, request_id, language, request = std::move(request), respond]() {
      log::Scope scope("request_id", request_id);
      std::string route;
      http::Response response;
      try {
        response = ctx->api->handle(request, &route);
      } catch (const std::exception& e) {
        log::error("request failed", {{"error", e.what()}});
        response = problem_response(500, {"Internal server error", "服务器内部错误"});
        localize(response, language);
      }
      response.headers["X-Request-Id"] = request_id;
      // API answers carry names, phones and e-mails: no cache keeps them unless a route says so.
      response.headers.try_emplace("Cache-Control", "no-store");
      auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto label = route.empty() ? std::string("unmatched") : route;
      metrics::global().inc("sdp_http_requests_total", {{"route", label},
                                                        {"method", http::method_label(request.method)},
                                                        {"status", std::to_string(response.status)}});
      metrics::global().observe("sdp_http_request_seconds", {{"route", label}}, seconds);
      metrics::global().set("sdp_http_in_flight", {}, --*in_flight);
      log::info("request", {{"method", request.method},
                            {"path", request.path()},
                            {"route", label},
                            {"status", response.status},
                            {"ms", seconds * 1000},
                            {"remote", request.remote_address}});
      respond(std::move(response));
    };
    if (!ctx->pool->post(std::move(job))) {
      metrics::global().set("sdp_http_in_flight", {}, --*in_flight);
      auto busy = problem_response({ProblemKind::unavailable,
                                    {"Service busy", "服务繁忙"},
                                    {"too many requests are waiting", "等待处理的请求过多"},
                                    {}});
      busy.headers["Cache-Control"] = "no-store";
      busy.headers["X-Request-Id"] = request_id;
      localize(busy, language);
      respond(std::move(busy));
    }
  });

  // One sweeper at a time over all instances and database nodes: a lease, kept for a pass and
  // given up after it (a sweeper that dies leaves it to expire).
  auto sweep_lease = std::make_shared<db::LeaderLease>("gateway.files_sweeper", std::chrono::minutes(5));
  runtime.add_periodic_worker(
      "files-sweeper",
      std::chrono::duration_cast<std::chrono::milliseconds>(cfg.seconds("SDP_FILES_SWEEP_INTERVAL_SECONDS")),
      [ctx, &runtime, sweep_lease, grace = cfg.seconds("SDP_FILES_SWEEP_GRACE_SECONDS")] {
        auto conn = runtime.db().acquire();
        if (!sweep_lease->acquire(*conn)) return;
        auto named = [&runtime](const std::vector<std::string>& sha256s) {
          auto send = [&runtime](const std::string& subject, const std::string& body) {
            return runtime.nats().request(subject, body, std::chrono::seconds(10));
          };
          auto reply = cmd::call(runtime.topology(), send, cmd::NamedBlobs{Actor::system("gateway"), sha256s});
          if (!reply) throw Error(ErrorSource::nats, "workflow did not say which files are named");
          std::vector<std::string> out;
          for (const auto& s : reply->body.value("named", nlohmann::json::array())) out.push_back(s.get<std::string>());
          return out;
        };
        try {
          if (int n = sweep_unnamed(*ctx->evidence.store, grace, named); n > 0)
            log::info("unlisted file bytes removed", {{"blobs", n}});
        } catch (...) {
          sweep_lease->release(*conn);
          throw;
        }
        sweep_lease->release(*conn);
      });

  runtime.add_periodic_worker("idempotency-purge", std::chrono::minutes(10), [ctx] {
    if (int n = ctx->idempotency->purge(); n > 0) log::info("expired idempotency keys purged", {{"keys", n}});
  });
}

}  // namespace sdp::gateway
