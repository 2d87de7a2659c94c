// The S3-compatible backend of the BlobStore (MinIO, Ceph RGW): path-style requests signed by
// libcurl's own AWS Signature V4 (CURLOPT_AWS_SIGV4), no signing code of ours.
#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "blob_store.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"

namespace sdp::gateway {
namespace {

namespace fs = std::filesystem;

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct ListFree {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

size_t to_string(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > (8u << 20)) return 0;  // a listing page or an error, never a blob
  s->append(data, size * n);
  return size * n;
}

size_t to_fd(char* data, size_t size, size_t n, void* out) {
  const int fd = *static_cast<int*>(out);
  for (size_t done = 0; done < size * n;) {
    const auto w = ::write(fd, data + done, size * n - done);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 0;
    done += static_cast<size_t>(w);
  }
  return size * n;
}

size_t header_line(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  static constexpr std::string_view kLastModified = "last-modified:";
  std::string lowered = line.substr(0, kLastModified.size());
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lowered == kLastModified) {
    auto value = line.substr(kLastModified.size());
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of("\r\n") + 1);
    *static_cast<std::string*>(out) = value;
  }
  return size * n;
}

std::optional<std::chrono::system_clock::time_point> parse_time(const std::string& text, const char* format) {
  std::tm tm{};
  if (!strptime(text.c_str(), format, &tm)) return std::nullopt;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// One request: a configured easy handle, performed; the status, or an sdp::Error when nothing answered.
class Request {
 public:
  Request(const S3Options& o, const std::string& method, const std::string& url) : curl_(curl_easy_init()) {
    if (!curl_) throw Error(ErrorSource::io, "S3: curl_easy_init failed");
    curl_easy_setopt(curl_.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_.get(), CURLOPT_CUSTOMREQUEST, method.c_str());
    if (method == "HEAD") curl_easy_setopt(curl_.get(), CURLOPT_NOBODY, 1L);
    sigv4_ = "aws:amz:" + o.region + ":s3";
    curl_easy_setopt(curl_.get(), CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(curl_.get(), CURLOPT_USERNAME, o.access_key.c_str());
    curl_easy_setopt(curl_.get(), CURLOPT_PASSWORD, o.secret_key.c_str());
    curl_easy_setopt(curl_.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(o.timeout.count()));
    curl_easy_setopt(curl_.get(), CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(curl_.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_.get(), CURLOPT_WRITEFUNCTION, to_string);
    curl_easy_setopt(curl_.get(), CURLOPT_WRITEDATA, &body_);
  }
  CURL* handle() { return curl_.get(); }
  // S3 wants the payload's hash in every V4 request; without a body, that of nothing.
  static constexpr const char* kEmptyPayload =
      "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
  void header(const std::string& line) {
    headers_.reset(curl_slist_append(headers_.release(), line.c_str()));
    if (line.starts_with("x-amz-content-sha256:")) payload_hashed_ = true;
  }
  const std::string& body() const { return body_; }

  long perform(const std::string& what) {
    if (!payload_hashed_) header(kEmptyPayload);
    curl_easy_setopt(curl_.get(), CURLOPT_HTTPHEADER, headers_.get());
    const auto rc = curl_easy_perform(curl_.get());
    if (rc != CURLE_OK)
      throw Error(ErrorSource::io, "S3 " + what + ": " + curl_easy_strerror(rc), static_cast<int>(rc), true);
    long status = 0;
    curl_easy_getinfo(curl_.get(), CURLINFO_RESPONSE_CODE, &status);
    return status;
  }

 private:
  std::unique_ptr<CURL, CurlFree> curl_;
  std::unique_ptr<curl_slist, ListFree> headers_;
  std::string sigv4_, body_;
  bool payload_hashed_ = false;
};

Error refused(const std::string& what, long status, const std::string& body) {
  return Error(ErrorSource::io, "S3 " + what + " answered " + std::to_string(status) + ": " + body.substr(0, 300), 0,
               status >= 500);
}

// The text between <tag> and </tag> from `from`; advances `from` past it.
std::optional<std::string> element(const std::string& xml, const std::string& tag, size_t& from) {
  const auto open = "<" + tag + ">", close = "</" + tag + ">";
  auto a = xml.find(open, from);
  if (a == std::string::npos) return std::nullopt;
  auto b = xml.find(close, a);
  if (b == std::string::npos) return std::nullopt;
  from = b + close.size();
  return xml.substr(a + open.size(), b - a - open.size());
}

class S3Store final : public BlobStore {
 public:
  explicit S3Store(S3Options o) : o_(std::move(o)) {
    while (o_.endpoint.ends_with('/')) o_.endpoint.pop_back();
    std::error_code ec;
    fs::create_directories(o_.staging_dir, ec);
    if (!fs::is_directory(o_.staging_dir))
      throw Error(ErrorSource::config, "cannot create the staging folder '" + o_.staging_dir.string() + "'");
  }

  std::string describe() const override { return "S3 " + o_.endpoint + "/" + o_.bucket; }
  const fs::path& staging_dir() const override { return o_.staging_dir; }

  void put(const fs::path& staged, const std::string& sha256, std::uint64_t size) override {
    std::unique_ptr<std::FILE, FileClose> file(std::fopen(staged.c_str(), "rb"));
    if (!file) throw Error(ErrorSource::io, "cannot read the staged upload '" + staged.string() + "'");
    Request r(o_, "PUT", url(sha256));
    curl_easy_setopt(r.handle(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(r.handle(), CURLOPT_READDATA, file.get());
    curl_easy_setopt(r.handle(), CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(size));
    // The payload's hash is known: signed as it is, and the store checks the bytes against it.
    r.header("x-amz-content-sha256: " + sha256);
    r.header("Content-Type: application/octet-stream");
    r.header("Expect:");
    if (auto status = r.perform("PUT"); status != 200) throw refused("PUT " + sha256, status, r.body());
    std::error_code ec;
    fs::remove(staged, ec);
  }

  std::shared_ptr<http::BodySource> open(const std::string& sha256, std::uint64_t offset,
                                         std::uint64_t length) override {
    if (!is_sha256_hex(sha256)) return nullptr;
    // Spooled to an unlinked local file, then sent from it: memory stays bounded, and the object
    // store is read once at its own speed.
    int fd = ::open(o_.staging_dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) throw Error(ErrorSource::io, "cannot spool a download: " + std::string(std::strerror(errno)));
    auto source = file_source(fd, 0, length);  // owns fd from here
    Request r(o_, "GET", url(sha256));
    curl_easy_setopt(r.handle(), CURLOPT_WRITEFUNCTION, to_fd);
    curl_easy_setopt(r.handle(), CURLOPT_WRITEDATA, &fd);
    if (length > 0) r.header("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1));
    if (length == 0) curl_easy_setopt(r.handle(), CURLOPT_NOBODY, 1L);
    const auto status = r.perform("GET");
    if (status == 404) return nullptr;
    if (status != 200 && status != 206) throw refused("GET " + sha256, status, "");
    return source;
  }

  std::vector<Blob> list() override {
    std::vector<Blob> out;
    std::string token;
    for (int page = 0; page < 100000; ++page) {
      std::string query = "?list-type=2&max-keys=1000";
      if (!token.empty()) query += "&continuation-token=" + percent_encoded(token);
      Request r(o_, "GET", o_.endpoint + "/" + o_.bucket + query);
      if (auto status = r.perform("list"); status != 200) throw refused("list", status, r.body());
      const auto& xml = r.body();
      size_t at = 0;
      while (auto contents = element(xml, "Contents", at)) {
        size_t in = 0, in2 = 0;
        auto key = element(*contents, "Key", in);
        auto modified = element(*contents, "LastModified", in2);
        if (!key || !is_sha256_hex(*key)) continue;
        auto when = modified ? parse_time(*modified, "%Y-%m-%dT%H:%M:%S") : std::nullopt;
        out.push_back({*key, when.value_or(std::chrono::system_clock::now())});
      }
      size_t t = 0;
      auto truncated = element(xml, "IsTruncated", t);
      size_t n = 0;
      auto next = element(xml, "NextContinuationToken", n);
      if (!truncated || *truncated != "true" || !next) break;
      token = *next;
    }
    return out;
  }

  std::optional<std::chrono::system_clock::time_point> modified(const std::string& sha256) override {
    if (!is_sha256_hex(sha256)) return std::nullopt;
    Request r(o_, "HEAD", url(sha256));
    std::string last_modified;
    curl_easy_setopt(r.handle(), CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(r.handle(), CURLOPT_HEADERDATA, &last_modified);
    const auto status = r.perform("HEAD");
    if (status == 404) return std::nullopt;
    if (status != 200) throw refused("HEAD " + sha256, status, "");
    return parse_time(last_modified, "%a, %d %b %Y %H:%M:%S").value_or(std::chrono::system_clock::now());
  }

  void remove(const std::string& sha256) override {
    if (!is_sha256_hex(sha256)) return;
    Request r(o_, "DELETE", url(sha256));
    if (auto status = r.perform("DELETE"); status != 204 && status != 200 && status != 404)
      throw refused("DELETE " + sha256, status, r.body());
  }

 private:
  std::string url(const std::string& key) const { return o_.endpoint + "/" + o_.bucket + "/" + key; }

  S3Options o_;
};

}  // namespace

std::unique_ptr<BlobStore> make_s3_store(S3Options options) { return std::make_unique<S3Store>(std::move(options)); }

}  // namespace sdp::gateway
