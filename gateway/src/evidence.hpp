#pragma once
// Evidence files at the HTTP edge (CONTRACT §7): an upload streamed to a staged file and hashed on
// the way, its type decided from the content, then stored and listed; downloads with ETag, Range
// and the UTF-8 name. Workflow keeps the metadata (cmd::AddFile …), the BlobStore the bytes.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "blob_store.hpp"
#include "sdp/http.hpp"
#include "sdp/messages.hpp"
#include "sdp/problem.hpp"

namespace sdp::gateway {

struct ApiDeps;
struct Input;

struct FileLimits {
  std::uint64_t max_bytes = 20ull << 20;   // a file (413)
  std::uint64_t max_total = 300ull << 20;  // a declaration's files together (422)
  int max_count = 200;                     // a declaration's files (422)
};

// The store and the limits, shared by the routes.
struct Evidence {
  std::unique_ptr<BlobStore> store;
  FileLimits limits;
};

// The types CONTRACT §7 accepts, as stored and served.
struct FileType {
  std::string_view media_type;
  std::string_view label;                    // for messages: "PDF"
  std::vector<std::string_view> extensions;  // lower case, without the dot
};
// The type of the file's content (libmagic; a zip is told apart by its entries: OFD.xml for OFD,
// [Content_Types].xml with word/ or xl/ for DOCX or XLSX); none when it is none of those accepted.
std::optional<FileType> detect_type(const std::filesystem::path& file);
// The names of a zip archive's entries from its central directory; none when it is not a zip.
std::optional<std::vector<std::string>> zip_entry_names(const std::filesystem::path& file);

// The file name a Content-Disposition header gives (filename*=UTF-8''… preferred over filename=),
// decoded and checked: 1–200 characters, UTF-8, no path separators, control characters or "..".
Result<std::string> file_name_of(std::string_view content_disposition);
// attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-encoded> (RFC 6266, 5987).
std::string content_disposition(std::string_view name);
// The same with a fallback of its own (an ASCII name for a Chinese one: "pending-reviews-2026-12-03.xlsx").
std::string content_disposition(std::string_view name, std::string_view ascii_fallback);

// A Range header against a body of `size` bytes: nothing (the whole body), the one range asked
// for (first, last inclusive), or unsatisfiable (416). Several ranges are answered whole.
struct ByteRange {
  std::uint64_t first = 0, last = 0;
};
struct Unsatisfiable {};
std::variant<std::monostate, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size);

// The routes (api.cpp's table names them).
http::BodyPlan admit_upload(const ApiDeps& deps, Input& in);
http::Response upload_file(const ApiDeps& deps, Input& in);
http::Response list_files(const ApiDeps& deps, Input& in);
http::Response delete_file(const ApiDeps& deps, Input& in);
http::Response download_file(const ApiDeps& deps, Input& in);

}  // namespace sdp::gateway
