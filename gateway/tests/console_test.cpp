// The console's side of the gateway: files served from memory with the right caching, and the
// development sign-in, whose tokens the gateway's own verification accepts.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <zlib.h>

#include <fstream>

#include "console.hpp"
#include "sdp/build_info.hpp"
#include "sdp/error.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace sdp::gateway;
using nlohmann::json;

namespace {

http::Request get(const std::string& target, http::Headers headers = {}, const std::string& method = "GET") {
  http::Request r;
  r.method = method;
  r.target = target;
  r.headers = std::move(headers);
  return r;
}

std::filesystem::path console_dir() {
  auto dir = test::temp_dir("console");
  std::filesystem::create_directories(dir / "assets");
  std::ofstream(dir / "index.html") << "<!doctype html><html lang=\"zh-CN\"><title>晨星</title></html>";
  std::ofstream(dir / "assets" / "index-3f2a9c.js") << "console.log(1)";
  std::ofstream(dir / "favicon.svg") << "<svg/>";
  return dir;
}

const RegionCatalog& regions() {
  static auto r = RegionCatalog::from_file(std::string(build_info::kSchemasDir) + "/regions/shandong.json");
  return r;
}

// A fresh RSA key pair on disk: the private half for sign-in, the public half for verification.
struct KeyPair {
  std::filesystem::path private_pem, public_pem;
  KeyPair() {
    auto dir = test::temp_dir("dev-key");
    private_pem = dir / "private.pem";
    public_pem = dir / "public.pem";
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
    FILE* f = fopen(private_pem.c_str(), "w");
    PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    fclose(f);
    f = fopen(public_pem.c_str(), "w");
    PEM_write_PUBKEY(f, key.get());
    fclose(f);
  }
};

// What a client receives: the shared buffer's bytes as the body.
std::optional<http::Response> served(const ConsoleFiles& files, const http::Request& request) {
  auto r = files.serve(request);
  if (r && r->shared_body) r->body = *r->shared_body;
  return r;
}

const JwtPolicy kPolicy{"sdp-test", "sdp-gateway", std::chrono::seconds(30)};

}  // namespace

TEST(ConsoleFiles, ServesTheAppWithRevalidationAndAssetsAsImmutable) {
  auto files = ConsoleFiles::load(console_dir());
  EXPECT_EQ(files.size(), 3u);

  auto index = served(files, get("/")).value();
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["Content-Type"], "text/html; charset=utf-8");
  EXPECT_EQ(index.headers["Cache-Control"], "no-cache");
  EXPECT_NE(index.headers["Content-Security-Policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_NE(index.body.find("zh-CN"), std::string::npos);
  EXPECT_EQ(served(files, get("/index.html")).value().body, index.body);
  EXPECT_EQ(served(files, get("/", {{"If-None-Match", index.headers["ETag"]}})).value().status, 304);

  auto js = served(files, get("/assets/index-3f2a9c.js?v=1")).value();
  EXPECT_EQ(js.headers["Content-Type"], "text/javascript; charset=utf-8");
  EXPECT_EQ(js.headers["Cache-Control"], "public, max-age=31536000, immutable");
  EXPECT_EQ(js.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(served(files, get("/favicon.svg")).value().headers["Content-Type"], "image/svg+xml");

  // Every response sends from the one buffer read at load, never a copy of it.
  EXPECT_EQ(files.serve(get("/")).value().shared_body.get(), files.serve(get("/index.html")).value().shared_body.get());
  EXPECT_TRUE(files.serve(get("/")).value().body.empty());

  auto head = served(files, get("/", {}, "HEAD")).value();
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
}

TEST(ConsoleFiles, LeavesEverythingElseToTheApi) {
  auto files = ConsoleFiles::load(console_dir());
  EXPECT_FALSE(served(files, get("/v1/declarations")).has_value());
  EXPECT_FALSE(served(files, get("/healthz")).has_value());
  EXPECT_FALSE(served(files, get("/assets/../index.html")).has_value());  // only exact file paths
  EXPECT_FALSE(served(files, get("/", {}, "POST")).has_value());
  EXPECT_FALSE(ConsoleFiles::load({}).serve(get("/")).has_value());          // no console configured
  EXPECT_THROW(ConsoleFiles::load(test::temp_dir("empty-console")), Error);  // configured but not built
}

TEST(DevSignIn, MintsTokensTheGatewayAcceptsForEveryRole) {
  KeyPair pair;
  auto sign_in = DevSignIn::from_key_file(pair.private_pem, kPolicy, std::chrono::hours(8));
  auto keys = KeySet::from_pem_files({pair.public_pem.string()});
  int64_t now = 1'790'000'000;
  for (const auto& request :
       {json{{"role", "applicant"}, {"org", "91370102MA3C00000B"}},
        json{{"role", "reviewer"}, {"tier", "county"}, {"region", "370102"}},
        json{{"role", "reviewer"}, {"tier", "city"}, {"region", "370200"}},
        json{{"role", "reviewer"}, {"tier", "province"}, {"region", "370000"}},
        json{{"role", "admin"}, {"sub", "ops.zhang"}}, json{{"role", "expert"}, {"sub", "E01"}}}) {
    auto out = sign_in->sign_in(request, regions(), now);
    ASSERT_TRUE(std::holds_alternative<json>(out)) << request.dump();
    const auto& j = std::get<json>(out);
    EXPECT_EQ(j["expires_at"], now + 8 * 3600);
    auto claims = verify_jwt(j["token"].get<std::string>(), keys, kPolicy, now, regions());
    ASSERT_TRUE(claims.has_value()) << claims.error();
    EXPECT_EQ(name(claims->actor.role), request["role"].get<std::string>());
    EXPECT_EQ(claims->actor.region, request.value("region", ""));
    EXPECT_EQ(claims->actor.org, request.value("org", ""));
  }
  auto admin = std::get<json>(sign_in->sign_in({{"role", "admin"}, {"sub", "ops.zhang"}}, regions(), now));
  EXPECT_EQ(admin["claims"]["sub"], "ops.zhang");
  // The token expires like any other.
  auto token = std::get<json>(sign_in->sign_in({{"role", "admin"}}, regions(), now))["token"].get<std::string>();
  EXPECT_FALSE(verify_jwt(token, keys, kPolicy, now + 8 * 3600 + 31, regions()).has_value());
}

TEST(DevSignIn, NamesEveryClaimThatDoesNotFitTheRole) {
  KeyPair pair;
  auto sign_in = DevSignIn::from_key_file(pair.private_pem, kPolicy, std::chrono::hours(8));
  auto problems = [&](const json& request) {
    auto out = sign_in->sign_in(request, regions(), 0);
    std::vector<std::string> pointers;
    if (auto* p = std::get_if<std::vector<SchemaProblem>>(&out))
      for (const auto& problem : *p) pointers.push_back(problem.pointer);
    return pointers;
  };
  using P = std::vector<std::string>;
  EXPECT_EQ(problems({{"role", "applicant"}}), P{"/org"});
  EXPECT_EQ(problems({{"role", "applicant"}, {"org", "91370102MA3C00000A"}}), P{"/org"});  // bad check character
  EXPECT_EQ(problems({{"role", "applicant"}, {"org", "91370102MA3C00000B"}, {"tier", "city"}}), P{"/tier"});
  EXPECT_EQ(problems({{"role", "reviewer"}}), (P{"/tier", "/region"}));
  EXPECT_EQ(problems({{"role", "reviewer"}, {"tier", "county"}, {"region", "370100"}}), P{"/region"});
  EXPECT_EQ(problems({{"role", "reviewer"}, {"tier", "city"}, {"region", "370102"}}), P{"/region"});
  EXPECT_EQ(problems({{"role", "reviewer"}, {"tier", "province"}, {"region", "110000"}}), P{"/region"});
  EXPECT_EQ(problems({{"role", "admin"}, {"org", "91370102MA3C00000B"}}), P{"/org"});
  EXPECT_EQ(problems({{"role", "expert"}}), P{"/sub"}) << "an expert is picked from the pool by its id";
  EXPECT_EQ(problems({{"role", "expert"}, {"sub", "E01"}, {"tier", "province"}}), P{"/tier"});
}

TEST(DevSignIn, RefusesAKeyThatIsNotAnRsaPrivateKey) {
  KeyPair pair;
  EXPECT_THROW(DevSignIn::from_key_file(pair.public_pem, kPolicy, std::chrono::hours(1)), Error);
}

TEST(ConsoleFiles, LargeTextFilesGoGzippedToClientsThatAcceptIt) {
  auto dir = console_dir();
  std::string script;
  for (int i = 0; i < 2000; ++i) script += "console.log('晨星工厂 " + std::to_string(i % 10) + "');\n";
  std::ofstream(dir / "assets" / "big-9a8b7c.js") << script;
  auto files = ConsoleFiles::load(dir);

  auto plain = served(files, get("/assets/big-9a8b7c.js")).value();
  EXPECT_EQ(plain.body, script);
  EXPECT_EQ(plain.headers.count("Content-Encoding"), 0u);
  EXPECT_EQ(plain.headers["Vary"], "Accept-Encoding");

  auto packed = served(files, get("/assets/big-9a8b7c.js", {{"Accept-Encoding", "br, gzip;q=0.8"}})).value();
  EXPECT_EQ(packed.headers["Content-Encoding"], "gzip");
  EXPECT_LT(packed.body.size(), script.size() / 10);
  EXPECT_NE(packed.headers["ETag"], plain.headers["ETag"]);
  // It unpacks to the file.
  z_stream z{};
  ASSERT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(script.size() + 16, '\0');
  z.next_in = reinterpret_cast<Bytef*>(packed.body.data());
  z.avail_in = static_cast<uInt>(packed.body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  EXPECT_EQ(out, script);

  EXPECT_EQ(served(files, get("/assets/big-9a8b7c.js", {{"Accept-Encoding", "gzip;q=0"}})).value().body, script);
  EXPECT_EQ(served(files, get("/assets/big-9a8b7c.js",
                              {{"Accept-Encoding", "gzip"}, {"If-None-Match", packed.headers["ETag"]}}))
                .value()
                .status,
            304);
  // A small file is not worth it.
  EXPECT_EQ(served(files, get("/favicon.svg", {{"Accept-Encoding", "gzip"}})).value().headers.count("Content-Encoding"),
            0u);
}
