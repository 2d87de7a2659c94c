#include "blob_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sdp/error.hpp"

namespace sdp::gateway {
namespace fs = std::filesystem;

bool is_sha256_hex(std::string_view s) {
  return s.size() == 64 && s.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string percent_encoded(std::string_view s, std::string_view also_plain) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || std::string_view("-._~").find(static_cast<char>(c)) != std::string_view::npos ||
        also_plain.find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

namespace {

Error io_error(const std::string& what, const fs::path& path) {
  return Error(ErrorSource::io, what + " '" + path.string() + "': " + std::strerror(errno), errno, true);
}

// Syncs a file or a directory (a rename is durable once its directory is synced).
void sync_path(const fs::path& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) throw io_error("cannot open", path);
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw io_error("cannot sync", path);
}

class FileSource final : public http::BodySource {
 public:
  FileSource(int fd, std::uint64_t offset, std::uint64_t length)
      : fd_(fd), at_(offset), length_(length), left_(length) {}
  ~FileSource() override { ::close(fd_); }
  std::uint64_t size() const override { return length_; }
  std::size_t read(char* into, std::size_t max) override {
    max = static_cast<std::size_t>(std::min<std::uint64_t>(max, left_));
    if (max == 0) return 0;
    for (;;) {
      const auto n = ::pread(fd_, into, max, static_cast<off_t>(at_));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return 0;
      at_ += static_cast<std::uint64_t>(n);
      left_ -= static_cast<std::uint64_t>(n);
      return static_cast<std::size_t>(n);
    }
  }

 private:
  int fd_;
  std::uint64_t at_, length_, left_;
};

std::chrono::system_clock::time_point mtime_of(const struct stat& st) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec) +
                                               std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

class LocalStore final : public BlobStore {
 public:
  explicit LocalStore(fs::path dir) : dir_(std::move(dir)), blobs_(dir_ / "blobs"), staging_(dir_ / "tmp") {
    std::error_code ec;
    fs::create_directories(blobs_, ec);
    fs::create_directories(staging_, ec);
    if (!fs::is_directory(blobs_) || !fs::is_directory(staging_))
      throw Error(ErrorSource::config, "SDP_FILES_DIR: cannot create '" + dir_.string() + "'");
  }

  std::string describe() const override { return "local directory " + dir_.string(); }
  const fs::path& staging_dir() const override { return staging_; }

  void put(const fs::path& staged, const std::string& sha256, std::uint64_t) override {
    sync_path(staged, false);
    const auto folder = blobs_ / sha256.substr(0, 2);
    std::error_code ec;
    fs::create_directories(folder, ec);
    const auto target = folder / sha256;
    // Over an existing blob too: the same bytes, and a fresh time keeps the sweeper's grace.
    if (::rename(staged.c_str(), target.c_str()) != 0) throw io_error("cannot store", target);
    sync_path(folder, true);
  }

  std::shared_ptr<http::BodySource> open(const std::string& sha256, std::uint64_t offset,
                                         std::uint64_t length) override {
    if (!is_sha256_hex(sha256)) return nullptr;
    const auto path = path_of(sha256);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) return nullptr;
      throw io_error("cannot open", path);
    }
    return file_source(fd, offset, length);
  }

  std::vector<Blob> list() override {
    std::vector<Blob> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(blobs_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      const auto name = it->path().filename().string();
      struct stat st {};
      if (is_sha256_hex(name) && ::stat(it->path().c_str(), &st) == 0) out.push_back({name, mtime_of(st)});
    }
    return out;
  }

  std::optional<std::chrono::system_clock::time_point> modified(const std::string& sha256) override {
    struct stat st {};
    if (!is_sha256_hex(sha256) || ::stat(path_of(sha256).c_str(), &st) != 0) return std::nullopt;
    return mtime_of(st);
  }

  void remove(const std::string& sha256) override {
    if (!is_sha256_hex(sha256)) return;
    std::error_code ec;
    fs::remove(path_of(sha256), ec);
  }

 private:
  fs::path path_of(const std::string& sha256) const { return blobs_ / sha256.substr(0, 2) / sha256; }

  fs::path dir_, blobs_, staging_;
};

}  // namespace

int sweep_unnamed(BlobStore& store, std::chrono::seconds grace, const NamedBlobs& named) {
  const auto now = std::chrono::system_clock::now();
  // Staged uploads are written to as they arrive: one untouched for an hour is a crash's leftover.
  const auto staged_cutoff = now - std::max<std::chrono::seconds>(grace, std::chrono::hours(1));
  std::error_code ec;
  for (auto it = fs::directory_iterator(store.staging_dir(), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    struct stat st {};
    if (it->is_regular_file() && ::stat(it->path().c_str(), &st) == 0 && mtime_of(st) < staged_cutoff)
      fs::remove(it->path(), ec);
  }
  std::vector<std::string> old;
  for (const auto& blob : store.list())
    if (blob.modified < now - grace) old.push_back(blob.sha256);
  int removed = 0;
  for (size_t at = 0; at < old.size(); at += 500) {
    std::vector<std::string> batch(old.begin() + static_cast<std::ptrdiff_t>(at),
                                   old.begin() + static_cast<std::ptrdiff_t>(std::min(old.size(), at + 500)));
    const auto still_named = named(batch);
    for (const auto& sha : batch) {
      if (std::ranges::find(still_named, sha) != still_named.end()) continue;
      // Put again since it was listed (the same bytes uploaded anew): its listing may be on the way.
      auto when = store.modified(sha);
      if (!when || *when >= now - grace) continue;
      store.remove(sha);
      ++removed;
    }
  }
  return removed;
}

std::shared_ptr<http::BodySource> file_source(int fd, std::uint64_t offset, std::uint64_t length) {
  return std::make_shared<FileSource>(fd, offset, length);
}

std::unique_ptr<BlobStore> make_local_store(const fs::path& dir) { return std::make_unique<LocalStore>(dir); }

}  // namespace sdp::gateway
