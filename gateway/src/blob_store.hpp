#pragma once
// Where evidence files' bytes live, by SHA-256 (CONTRACT §7; the same bytes twice are stored
// once): a local directory (the default) or S3-compatible object storage, behind one interface.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sdp/http.hpp"

namespace sdp::gateway {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // For the start-up log: the directory, or the endpoint and bucket.
  virtual std::string describe() const = 0;
  // Where uploads are written while they arrive (for a local store on its filesystem, so that
  // put() is a rename).
  virtual const std::filesystem::path& staging_dir() const = 0;
  // Makes the complete file `staged` durable as blob `sha256` (synced before this returns) and
  // takes it away. Throws sdp::Error when it cannot.
  virtual void put(const std::filesystem::path& staged, const std::string& sha256, std::uint64_t size) = 0;
  // `length` bytes of the blob from `offset`, read as they are sent; null when there is no such
  // blob. Throws sdp::Error when the store cannot be read.
  virtual std::shared_ptr<http::BodySource> open(const std::string& sha256, std::uint64_t offset,
                                                 std::uint64_t length) = 0;
  struct Blob {
    std::string sha256;
    std::chrono::system_clock::time_point modified;
  };
  // Every blob (for the sweeper).
  virtual std::vector<Blob> list() = 0;
  // When the blob was last put; none when there is none.
  virtual std::optional<std::chrono::system_clock::time_point> modified(const std::string& sha256) = 0;
  virtual void remove(const std::string& sha256) = 0;
};

// Blobs as files under `dir`/blobs/<first two hex>/<sha256>, staged in `dir`/tmp.
std::unique_ptr<BlobStore> make_local_store(const std::filesystem::path& dir);

struct S3Options {
  std::string endpoint;  // e.g. http://127.0.0.1:9000 (path-style requests: endpoint/bucket/key)
  std::string bucket;
  std::string region = "us-east-1";
  std::string access_key, secret_key;
  std::filesystem::path staging_dir;  // local folder uploads are written to before they are sent
  std::chrono::milliseconds timeout{60000};
};
// Blobs as objects <sha256> of the bucket, over HTTP with libcurl's AWS SigV4 signing.
std::unique_ptr<BlobStore> make_s3_store(S3Options options);

// A file on disk as a response body: `length` bytes from `offset`, read with pread.
std::shared_ptr<http::BodySource> file_source(int fd, std::uint64_t offset, std::uint64_t length);

bool is_sha256_hex(std::string_view s);
// `s` with every byte but ASCII letters, digits, "-._~" and those of `also_plain` as %XX (RFC 3986).
std::string percent_encoded(std::string_view s, std::string_view also_plain = "");

// Which of these SHA-256s a listed (or frozen) file names: asked of workflow, which keeps the metadata.
using NamedBlobs = std::function<std::vector<std::string>(const std::vector<std::string>& sha256s)>;
// One pass of the sweeper: removes the blobs older than `grace` that no file names (a crash
// between bytes and listing, a refused upload, a file deleted from a draft), each checked again
// just before it goes, and staged uploads left over an hour (or `grace`, if longer). Returns how
// many blobs it removed. Run by one instance at a time (the caller holds a named lock).
int sweep_unnamed(BlobStore& store, std::chrono::seconds grace, const NamedBlobs& named);

}  // namespace sdp::gateway
