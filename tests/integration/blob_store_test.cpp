// The evidence files' BlobStore on both backends against real storage: a local directory, and an
// S3-compatible server (s3rver from npm, behind tests/s3/verify-sigv4.js, which checks every
// request's AWS Signature V4 with aws4), with a wrong secret refused. And the sweeper.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "blob_store.hpp"
#include "sdp/build_info.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "test_env.hpp"

using namespace sdp;
using namespace sdp::gateway;
namespace fs = std::filesystem;

namespace {

std::string read_all(http::BodySource& source) {
  std::string out;
  char buf[7];  // small reads: the source is read in several chunks
  while (size_t n = source.read(buf, sizeof buf)) out.append(buf, n);
  return out;
}

// A staged upload of `bytes`, as the gateway writes one.
fs::path stage(BlobStore& store, const std::string& bytes) {
  auto path = store.staging_dir() / (crypto::uuid_v7() + ".part");
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

std::string put(BlobStore& store, const std::string& bytes) {
  const auto sha = crypto::sha256_hex(bytes);
  store.put(stage(store, bytes), sha, bytes.size());
  return sha;
}

void age(const fs::path& path, std::chrono::seconds by) {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - by);
  struct timespec times[2] = {{t, 0}, {t, 0}};
  ASSERT_EQ(utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

// The behaviour both backends share.
void exercise(BlobStore& store) {
  const std::string bytes = "%PDF-1.4 证明材料 " + crypto::uuid_v7();
  const auto sha = put(store, bytes);
  auto whole = store.open(sha, 0, bytes.size());
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->size(), bytes.size());
  EXPECT_EQ(read_all(*whole), bytes);
  auto part = store.open(sha, 5, 3);
  ASSERT_TRUE(part);
  EXPECT_EQ(read_all(*part), bytes.substr(5, 3));
  // The same bytes again: one blob.
  EXPECT_EQ(put(store, bytes), sha);
  auto listed = store.list();
  EXPECT_EQ(std::ranges::count_if(listed, [&](const auto& b) { return b.sha256 == sha; }), 1);
  EXPECT_TRUE(store.modified(sha).has_value());
  EXPECT_FALSE(store.open(std::string(64, 'a'), 0, 1));
  EXPECT_FALSE(store.modified(std::string(64, 'a')).has_value());
  store.remove(sha);
  EXPECT_FALSE(store.open(sha, 0, bytes.size()));
  EXPECT_TRUE(std::ranges::none_of(store.list(), [&](const auto& b) { return b.sha256 == sha; }));
}

// s3rver behind the SigV4 check, on a free port, with its data in a folder of its own.
struct S3Server {
  uint16_t port = test::free_port();
  fs::path dir = test::temp_dir("s3");
  std::unique_ptr<test::Process> process;
  S3Server() {
    fs::create_directories(dir / "data");
    process = std::make_unique<test::Process>(
        "/usr/bin/env",
        std::vector<std::string>{"node", std::string(build_info::kSourceDir) + "/tests/s3/verify-sigv4.js",
                                 std::to_string(port), (dir / "data").string(), "sdp-test", "sdp-test-secret",
                                 "evidence"},
        std::map<std::string, std::string>{}, dir / "s3.log");
  }
  S3Options options(const std::string& secret = "sdp-test-secret") const {
    S3Options o;
    o.endpoint = "http://127.0.0.1:" + std::to_string(port);
    o.bucket = "evidence";
    o.access_key = "sdp-test";
    o.secret_key = secret;
    o.staging_dir = dir / "staging";
    o.timeout = std::chrono::seconds(10);
    return o;
  }
  // Ready when a real signed request succeeds (not merely when the port answers).
  bool ready(BlobStore& store) {
    return test::eventually(
        [&] {
          try {
            store.list();
            return true;
          } catch (const Error&) {
            return false;
          }
        },
        std::chrono::seconds(20), std::chrono::milliseconds(100));
  }
};

}  // namespace

TEST(BlobStore, LocalDirectoryKeepsBlobsBySha256) {
  const auto dir = test::temp_dir("blobs");
  auto store = make_local_store(dir);
  exercise(*store);
  // Stored under blobs/<two hex>/<sha256>, nothing left staged.
  const auto sha = put(*store, "x");
  EXPECT_TRUE(fs::exists(dir / "blobs" / sha.substr(0, 2) / sha));
  EXPECT_TRUE(fs::is_empty(dir / "tmp"));
}

TEST(BlobStore, TheSweeperRemovesOldUnnamedBlobsAndLeftoverStagedFiles) {
  const auto dir = test::temp_dir("sweep");
  auto store = make_local_store(dir);
  const auto named = put(*store, "named"), unnamed = put(*store, "unnamed"), young = put(*store, "young");
  for (const auto& sha : {named, unnamed}) age(dir / "blobs" / sha.substr(0, 2) / sha, std::chrono::hours(2));
  const auto leftover = stage(*store, "a crash mid-upload"), in_progress = stage(*store, "arriving");
  age(leftover, std::chrono::hours(2));
  std::vector<std::string> asked;
  auto removed = sweep_unnamed(*store, std::chrono::hours(1), [&](const std::vector<std::string>& shas) {
    asked = shas;
    return std::vector<std::string>{named};
  });
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(asked.size(), 2u);  // the young one is not even asked about
  EXPECT_TRUE(store->open(named, 0, 5));
  EXPECT_FALSE(store->open(unnamed, 0, 7));
  EXPECT_TRUE(store->open(young, 0, 5));
  EXPECT_FALSE(fs::exists(leftover));
  EXPECT_TRUE(fs::exists(in_progress));
}

TEST(BlobStore, S3CompatibleServerWithSignatureV4) {
  S3Server server;
  auto store = make_s3_store(server.options());
  ASSERT_TRUE(server.ready(*store)) << server.process->log_text();
  exercise(*store);
  // A large blob goes up and comes back whole.
  std::string big(3u << 20, 'z');
  big += "end";
  const auto sha = put(*store, big);
  auto back = store->open(sha, 0, big.size());
  ASSERT_TRUE(back);
  std::string got;
  std::vector<char> buf(64 * 1024);
  while (size_t n = back->read(buf.data(), buf.size())) got.append(buf.data(), n);
  EXPECT_EQ(got, big);
  EXPECT_TRUE(fs::is_empty(server.options().staging_dir));
}

TEST(BlobStore, S3RefusesAWrongSecret) {
  S3Server server;
  auto good = make_s3_store(server.options());
  ASSERT_TRUE(server.ready(*good)) << server.process->log_text();
  auto bad = make_s3_store(server.options("not-the-secret"));
  const std::string bytes = "refused";
  auto staged = stage(*bad, bytes);
  EXPECT_THROW(bad->put(staged, crypto::sha256_hex(bytes), bytes.size()), Error);
  EXPECT_THROW(bad->list(), Error);
  EXPECT_FALSE(good->open(crypto::sha256_hex(bytes), 0, bytes.size()));  // nothing was stored
  // A body that is not the one signed is refused too (the server checks x-amz-content-sha256).
  auto lie = stage(*good, "other bytes");
  EXPECT_THROW(good->put(lie, crypto::sha256_hex(bytes), 11), Error);
}
