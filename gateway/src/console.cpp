#include "console.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/files.hpp"
#include "sdp/uscc.hpp"

namespace sdp::gateway {
namespace {

using nlohmann::json;

std::string content_type(const std::filesystem::path& file) {
  static const std::map<std::string, std::string> types = {{".html", "text/html; charset=utf-8"},
                                                           {".js", "text/javascript; charset=utf-8"},
                                                           {".mjs", "text/javascript; charset=utf-8"},
                                                           {".css", "text/css; charset=utf-8"},
                                                           {".json", "application/json"},
                                                           {".svg", "image/svg+xml"},
                                                           {".png", "image/png"},
                                                           {".ico", "image/x-icon"},
                                                           {".woff2", "font/woff2"},
                                                           {".txt", "text/plain; charset=utf-8"},
                                                           {".map", "application/json"}};
  auto it = types.find(file.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

// gzip of `data` at the best compression, or "" if it fails.
std::string gzip(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string();
}

// Accept-Encoding names gzip without q=0 (RFC 9110 §12.5.3).
bool accepts_gzip(std::string header) {
  std::transform(header.begin(), header.end(), header.begin(), ::tolower);
  std::stringstream list(header);
  for (std::string item; std::getline(list, item, ',');) {
    auto semi = item.find(';');
    auto coding = item.substr(0, semi);
    coding.erase(0, coding.find_first_not_of(' '));
    coding.erase(coding.find_last_not_of(' ') + 1);
    if (coding != "gzip" && coding != "*") continue;
    auto params = semi == std::string::npos ? std::string() : item.substr(semi + 1);
    params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
    if (params.starts_with("q=0") && params.find_first_of("123456789") == std::string::npos) return false;
    return true;
  }
  return false;
}

// What the console's HTML may load: only itself. Ant Design writes its styles inline.
constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
    // An evidence file is previewed from the bytes the console fetched with its token (a blob: URL).
    "frame-src blob:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

}  // namespace

ConsoleFiles ConsoleFiles::load(const std::filesystem::path& dir) {
  ConsoleFiles out;
  if (dir.empty()) return out;
  if (!std::filesystem::is_regular_file(dir / "index.html"))
    throw Error(ErrorSource::config, "SDP_GATEWAY_CONSOLE_DIR: no index.html in " + dir.string() +
                                         " (build the console: cd web && npm ci && npm run build)");
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    auto rel = std::filesystem::relative(entry.path(), dir).generic_string();
    File f;
    auto body = read_text_file(entry.path());
    f.type = content_type(entry.path());
    f.etag = "\"" + crypto::sha256_hex(body).substr(0, 32) + "\"";
    // Vite names what it emits under assets/ by content hash: a new build is a new URL.
    f.cache_control = rel.starts_with("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    bool compressible = f.type.starts_with("text/") || f.type == "application/json" || f.type == "image/svg+xml";
    if (compressible && body.size() > 1024) {
      auto compressed = gzip(body);
      if (!compressed.empty() && compressed.size() + 256 < body.size()) {
        f.gzip = std::make_shared<const std::string>(std::move(compressed));
        f.gzip_etag = f.etag.substr(0, f.etag.size() - 1) + "-gz\"";
      }
    }
    f.body = std::make_shared<const std::string>(std::move(body));
    out.files_.emplace("/" + rel, std::move(f));
  }
  return out;
}

std::optional<http::Response> ConsoleFiles::serve(const http::Request& request) const {
  if (files_.empty() || (request.method != "GET" && request.method != "HEAD")) return std::nullopt;
  auto path = request.path();
  if (path == "/") path = "/index.html";
  auto it = files_.find(path);
  if (it == files_.end()) return std::nullopt;
  const auto& f = it->second;
  // Each encoding is its own representation, with its own ETag.
  bool gzipped = f.gzip && accepts_gzip(request.header("Accept-Encoding"));
  const auto& etag = gzipped ? f.gzip_etag : f.etag;
  http::Response r;
  if (request.header("If-None-Match") == etag) {
    r.status = 304;
  } else {
    r.status = 200;
    r.headers["Content-Type"] = f.type;
    if (gzipped) r.headers["Content-Encoding"] = "gzip";
    if (request.method == "GET") r.shared_body = gzipped ? f.gzip : f.body;
  }
  if (f.gzip) r.headers["Vary"] = "Accept-Encoding";
  r.headers["ETag"] = etag;
  r.headers["Cache-Control"] = f.cache_control;
  r.headers["X-Content-Type-Options"] = "nosniff";
  if (f.type.starts_with("text/html")) {
    r.headers["Content-Security-Policy"] = kContentSecurityPolicy;
    r.headers["Referrer-Policy"] = "no-referrer";
  }
  return r;
}

std::unique_ptr<DevSignIn> DevSignIn::from_key_file(const std::filesystem::path& key_file, JwtPolicy policy,
                                                    std::chrono::seconds lifetime) {
  auto pem = read_text_file(key_file);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key || !EVP_PKEY_is_a(key, "RSA")) {
    EVP_PKEY_free(key);
    throw Error(ErrorSource::config,
                "SDP_GATEWAY_DEV_SIGN_IN_KEY: " + key_file.string() + " is not a PEM RSA private key");
  }
  auto out = std::make_unique<DevSignIn>();
  out->key_ = std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free);
  out->kid_ = key_id(key);
  out->policy_ = std::move(policy);
  out->lifetime_ = lifetime;
  return out;
}

std::variant<json, std::vector<SchemaProblem>> DevSignIn::sign_in(const json& request, const RegionCatalog& regions,
                                                                  int64_t now) const {
  std::vector<SchemaProblem> problems;
  const auto role = request.at("role").get<std::string>();
  auto given = [&](const char* field) { return request.contains(field); };
  auto refuse_extra = [&](std::initializer_list<const char*> fields) {
    for (auto field : fields)
      if (given(field))
        problems.push_back({std::string("/") + field, "not a claim of the role " + role, "角色 " + role + " 没有此项"});
  };
  json claims = {{"role", role}};
  std::string sub;
  if (role == "applicant") {
    refuse_extra({"tier", "region"});
    auto org = request.value("org", "");
    if (!given("org"))
      problems.push_back(
          {"/org", "an applicant signs in for its org's 统一社会信用代码", "申报单位须填写统一社会信用代码"});
    else if (!valid_uscc(org))
      problems.push_back({"/org", "not a valid 统一社会信用代码 (GB 32100-2015 check character)",
                          "统一社会信用代码无效（GB 32100-2015 校验位不符）"});
    claims["org"] = org;
    sub = "dev-" + org;
  } else if (role == "reviewer") {
    refuse_extra({"org"});
    auto tier = request.value("tier", "");
    auto region = request.value("region", "");
    if (!given("tier"))
      problems.push_back({"/tier", "a reviewer signs in for a tier: county, city or province",
                          "审核人员须选择层级：县级、市级或省级"});
    if (!given("region"))
      problems.push_back({"/region", "a reviewer signs in for a jurisdiction's code", "审核人员须选择管辖区域"});
    if (given("tier") && given("region") && !regions.valid_for_tier(tier, region))
      problems.push_back(
          tier == "county"
              ? SchemaProblem{"/region", "not a county-level code of Shandong", "不是山东省的县级行政区划代码"}
          : tier == "city"
              ? SchemaProblem{"/region", "not a city code of Shandong (37XX00)", "不是山东省的地市代码（37XX00）"}
              : SchemaProblem{"/region", "the province's code is 370000", "省级的代码是 370000"});
    claims["tier"] = tier;
    claims["region"] = region;
    sub = "dev-" + tier + "-" + region;
  } else if (role == "expert") {  // CONTRACT §8: sub is the expert's id in the pool (GET /v1/dev/experts lists it)
    refuse_extra({"org", "tier", "region"});
    if (!given("sub"))
      problems.push_back({"/sub", "an expert signs in as an expert of the pool: give its id as sub",
                          "评审专家须从专家库中选择（sub 为专家编号）"});
  } else {
    refuse_extra({"org", "tier", "region"});
    sub = "dev-admin";
  }
  if (!problems.empty()) return problems;

  claims["sub"] = request.value("sub", sub);
  claims["iss"] = policy_.issuer;
  claims["aud"] = policy_.audience;
  claims["iat"] = now;
  claims["exp"] = now + lifetime_.count();
  json header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", kid_}};
  auto input = crypto::base64url_encode(header.dump()) + "." + crypto::base64url_encode(claims.dump());

  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, input.size()) != 1)
    throw std::runtime_error("could not sign a development token");
  std::string signature(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &len, data, input.size()) != 1)
    throw std::runtime_error("could not sign a development token");
  signature.resize(len);
  return json{
      {"token", input + "." + crypto::base64url_encode(signature)}, {"expires_at", claims["exp"]}, {"claims", claims}};
}

}  // namespace sdp::gateway
