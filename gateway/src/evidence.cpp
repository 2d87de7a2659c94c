#include "evidence.hpp"

#include <fcntl.h>
#include <magic.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

#include "api.hpp"
#include "sdp/commands.hpp"
#include "sdp/crypto.hpp"
#include "sdp/error.hpp"
#include "sdp/log.hpp"

namespace sdp::gateway {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const FileType kPdf{"application/pdf", "PDF", {"pdf"}};
const FileType kOfd{"application/ofd", "OFD", {"ofd"}};
const FileType kJpeg{"image/jpeg", "JPEG", {"jpg", "jpeg", "jpe"}};
const FileType kPng{"image/png", "PNG", {"png"}};
const FileType kDocx{"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX", {"docx"}};
const FileType kXlsx{"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", {"xlsx"}};

const Text kAcceptedTypes{"accepted: PDF, OFD, JPEG, PNG, DOCX, XLSX", "只接受 PDF、OFD、JPEG、PNG、DOCX、XLSX 文件"};

struct MagicClose {
  void operator()(magic_t m) const { magic_close(m); }
};

// libmagic's handle is not shared between threads: one per thread, loaded once.
magic_t thread_magic() {
  thread_local std::unique_ptr<std::remove_pointer_t<magic_t>, MagicClose> handle = [] {
    std::unique_ptr<std::remove_pointer_t<magic_t>, MagicClose> m(magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR));
    if (!m || magic_load(m.get(), nullptr) != 0)
      throw Error(ErrorSource::config,
                  "libmagic cannot load its database: " + std::string(m ? magic_error(m.get()) : "out of memory"));
    return m;
  }();
  return handle.get();
}

std::uint32_t u16(const unsigned char* p) { return p[0] | (p[1] << 8); }
std::uint32_t u32(const unsigned char* p) {
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<std::uint32_t>(p[3]) << 24);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// The part after the last dot, lower case; "" when there is none.
std::string extension_of(std::string_view name) {
  auto dot = name.rfind('.');
  return dot == std::string_view::npos || dot == 0 ? std::string() : lower(name.substr(dot + 1));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<std::string> percent_decoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// The value of parameter `key` of a header such as `attachment; filename*=UTF-8''x; filename="y"`.
std::optional<std::string> parameter(std::string_view header, std::string_view key) {
  size_t at = 0;
  while ((at = header.find(';', at)) != std::string_view::npos) {
    ++at;
    while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
    auto eq = header.find('=', at);
    if (eq == std::string_view::npos) return std::nullopt;
    std::string_view name = header.substr(at, eq - at);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    size_t v = eq + 1;
    while (v < header.size() && header[v] == ' ') ++v;
    std::string value;
    size_t end;
    if (v < header.size() && header[v] == '"') {  // a quoted string, with \-escapes
      end = v + 1;
      while (end < header.size() && header[end] != '"') {
        if (header[end] == '\\' && end + 1 < header.size()) ++end;
        value += header[end++];
      }
      ++end;
    } else {
      end = header.find(';', v);
      value = std::string(header.substr(v, end == std::string_view::npos ? std::string_view::npos : end - v));
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.pop_back();
    }
    if (lower(name) == key) return value;
    at = end == std::string_view::npos ? header.size() : end;
  }
  return std::nullopt;
}

const Text kBadName{"not a usable file name", "文件名不可用"};

Problem name_problem(const Text& why) { return Problem::invalid("/headers/Content-Disposition", why); }

// A refusal the sink answers itself, outside the API's handling: localized, with its own request id.
http::Response sink_refusal(http::Response r, Language language) {
  localize(r, language);
  r.headers["X-Request-Id"] = crypto::uuid_v7();
  r.headers["Cache-Control"] = "no-store";
  return r;
}

// An upload as it arrives: written to a staged file and hashed, bounded by the file limit.
class Upload final : public http::BodySink {
 public:
  Upload(fs::path staged, int fd, std::uint64_t limit, Language language)
      : staged_(std::move(staged)), fd_(fd), limit_(limit), language_(language), sha_(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(sha_.get(), EVP_sha256(), nullptr);
  }
  ~Upload() override {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_) ::unlink(staged_.c_str());  // cut off, refused or failed: nothing stays
  }

  std::optional<http::Response> write(const char* data, std::size_t n) override {
    if (size_ + n > limit_) return sink_refusal(too_large(limit_), language_);
    for (std::size_t done = 0; done < n;) {
      const auto w = ::write(fd_, data + done, n - done);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) {
        log::error("cannot write an upload", {{"path", staged_.string()}, {"error", std::strerror(errno)}});
        return sink_refusal(problem_response(Problem::unavailable({"the file could not be written; nothing was kept",
                                                                   "文件未能写入，未保存任何内容，请稍后重试"})),
                            language_);
      }
      done += static_cast<std::size_t>(w);
    }
    EVP_DigestUpdate(sha_.get(), data, n);
    size_ += n;
    return std::nullopt;
  }

  static http::Response too_large(std::uint64_t limit) {
    const auto mib = std::to_string(limit >> 20);
    return problem_response(413, {"File too large", "文件过大"},
                            {"a file may hold at most " + mib + " MiB", "单个文件不能超过 " + mib + " MiB"});
  }

  std::uint64_t size() const { return size_; }
  const fs::path& staged() const { return staged_; }
  // The whole body has arrived: its SHA-256, the staged file closed.
  std::string finish() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(sha_.get(), digest, &len);
    ::close(fd_);
    fd_ = -1;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned i = 0; i < len; ++i) out += {hex[digest[i] >> 4], hex[digest[i] & 15]};
    return out;
  }
  void kept() { kept_ = true; }  // put() took the staged file away

 private:
  struct DigestFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  fs::path staged_;
  int fd_;
  std::uint64_t limit_, size_ = 0;
  Language language_;
  std::unique_ptr<EVP_MD_CTX, DigestFree> sha_;
  bool kept_ = false;
};

Language language_of(const Input& in) { return preferred_language(in.request.header("Accept-Language")); }

template <class C>
Result<typename C::Reply> call_workflow(const ApiDeps& d, const C& command) {
  return cmd::call(d.topology, d.send, command);
}

}  // namespace

std::optional<std::vector<std::string>> zip_entry_names(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  if (size < 22) return std::nullopt;
  // The end-of-central-directory record is in the last 22 + 65535 bytes (its comment is at most that).
  const std::uint64_t tail = std::min<std::uint64_t>(size, 22 + 65535);
  std::vector<unsigned char> buf(tail);
  in.seekg(static_cast<std::streamoff>(size - tail));
  in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(tail));
  if (!in) return std::nullopt;
  std::optional<size_t> eocd;
  for (size_t i = tail - 22 + 1; i-- > 0;)
    if (buf[i] == 'P' && buf[i + 1] == 'K' && buf[i + 2] == 5 && buf[i + 3] == 6) {
      eocd = i;
      break;
    }
  if (!eocd) return std::nullopt;
  const auto entries = u16(&buf[*eocd + 10]);
  const auto cd_size = u32(&buf[*eocd + 12]);
  const auto cd_offset = u32(&buf[*eocd + 16]);
  if (static_cast<std::uint64_t>(cd_offset) + cd_size > size || cd_size > (16u << 20)) return std::nullopt;
  std::vector<unsigned char> cd(cd_size);
  in.seekg(cd_offset);
  in.read(reinterpret_cast<char*>(cd.data()), cd_size);
  if (!in) return std::nullopt;
  std::vector<std::string> names;
  size_t at = 0;
  for (unsigned e = 0; e < entries; ++e) {
    if (at + 46 > cd.size() || u32(&cd[at]) != 0x02014b50) return std::nullopt;
    const auto name_len = u16(&cd[at + 28]), extra_len = u16(&cd[at + 30]), comment_len = u16(&cd[at + 32]);
    if (at + 46 + name_len > cd.size()) return std::nullopt;
    names.emplace_back(reinterpret_cast<const char*>(&cd[at + 46]), name_len);
    at += 46 + name_len + extra_len + comment_len;
  }
  return names;
}

std::optional<FileType> detect_type(const fs::path& file) {
  const char* found = magic_file(thread_magic(), file.c_str());
  const std::string mime = found ? found : "";
  if (mime == "application/pdf") return kPdf;
  if (mime == "image/jpeg") return kJpeg;
  if (mime == "image/png") return kPng;
  // DOCX, XLSX and OFD are zip archives; libmagic knows some by name, and says only "zip" of others.
  char head[4] = {};
  std::ifstream(file, std::ios::binary).read(head, 4);
  if (std::memcmp(head, "PK\x03\x04", 4) != 0) return std::nullopt;
  auto names = zip_entry_names(file);
  if (!names) return std::nullopt;
  auto has = [&](std::string_view name) { return std::ranges::find(*names, name) != names->end(); };
  auto any_under = [&](std::string_view prefix) {
    return std::ranges::any_of(*names, [&](const std::string& n) { return n.starts_with(prefix); });
  };
  if (has("OFD.xml")) return kOfd;
  if (has("[Content_Types].xml") && any_under("word/")) return kDocx;
  if (has("[Content_Types].xml") && any_under("xl/")) return kXlsx;
  return std::nullopt;
}

Result<std::string> file_name_of(std::string_view header) {
  if (header.empty())
    return refuse(name_problem({"send the file's name: Content-Disposition: attachment; filename*=UTF-8''…",
                                "请在 Content-Disposition 中给出文件名（filename*=UTF-8''…）"}));
  std::optional<std::string> name;
  if (auto extended = parameter(header, "filename*")) {
    auto quote = extended->find("''");
    if (quote == std::string::npos || lower(extended->substr(0, quote)) != "utf-8")
      return refuse(name_problem({"filename* must be UTF-8''…", "filename* 须为 UTF-8''… 形式"}));
    name = percent_decoded(std::string_view(*extended).substr(quote + 2));
    if (!name) return refuse(name_problem({"filename* is not percent-encoded", "filename* 的百分号编码有误"}));
  } else {
    name = parameter(header, "filename");
  }
  if (!name || name->empty())
    return refuse(name_problem({"the file's name is missing", "缺少文件名（Content-Disposition 的 filename*）"}));
  if (name->size() > 4 * 200) return refuse(name_problem({"at most 200 characters", "文件名最多 200 个字"}));
  auto points = cmd::utf8_code_points(*name);
  if (!points) return refuse(name_problem({"the name must be UTF-8", "文件名须为 UTF-8 编码"}));
  if (points->size() > 200) return refuse(name_problem({"at most 200 characters", "文件名最多 200 个字"}));
  for (char32_t c : *points) {
    if (c == U'/' || c == U'\\')
      return refuse(name_problem({"the name must not hold / or \\", "文件名不能含有 / 或 \\"}));
    if (c < 0x20 || (c >= 0x7f && c < 0xa0))
      return refuse(name_problem({"the name must not hold control characters", "文件名不能含有控制字符"}));
  }
  if (name->find("..") != std::string::npos)
    return refuse(name_problem({"the name must not hold ..", "文件名不能含有 .."}));
  const auto first = name->find_first_not_of(" .");
  if (first == std::string::npos) return refuse(name_problem(kBadName));
  return *name;
}

std::string content_disposition(std::string_view name) {
  std::string ascii;  // RFC 6266's fallback for clients without filename*
  for (unsigned char c : name) ascii += c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? static_cast<char>(c) : '_';
  // The fallback keeps the extension readable: "____.pdf" rather than nothing.
  return content_disposition(name, ascii);
}

std::string content_disposition(std::string_view name, std::string_view ascii_fallback) {
  const auto encoded = percent_encoded(name, "!#$&+^`|");  // RFC 5987's attr-char
  return "attachment; filename=\"" + std::string(ascii_fallback) + "\"; filename*=UTF-8''" + encoded;
}

std::variant<std::monostate, ByteRange, Unsatisfiable> parse_range(std::string_view header, std::uint64_t size) {
  if (!header.starts_with("bytes=")) return std::monostate{};
  auto spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return std::monostate{};  // several: the whole body
  auto dash = spec.find('-');
  if (dash == std::string_view::npos) return std::monostate{};
  auto number = [](std::string_view s) -> std::optional<std::uint64_t> {
    std::uint64_t n = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
    return n;
  };
  auto a = spec.substr(0, dash), b = spec.substr(dash + 1);
  if (a.empty()) {  // the last b bytes
    auto n = number(b);
    if (!n) return std::monostate{};
    if (*n == 0 || size == 0) return Unsatisfiable{};
    return ByteRange{size - std::min(*n, size), size - 1};
  }
  auto first = number(a);
  if (!first) return std::monostate{};
  if (*first >= size) return Unsatisfiable{};
  std::optional<std::uint64_t> last = b.empty() ? std::optional(size - 1) : number(b);
  if (!last || *last < *first) return std::monostate{};  // not a range: the whole body
  return ByteRange{*first, std::min(*last, size - 1)};
}

// ---- routes ----
http::BodyPlan admit_upload(const ApiDeps& d, Input& in) {
  const auto language = language_of(in);
  auto refuse_with = [](http::Response r) { return http::BodyPlan{nullptr, std::move(r)}; };  // Api::admit localizes
  if (!d.evidence) return refuse_with(problem_response(Problem::not_found({"Not found", "未找到"})));
  if (in.actor.role != Role::applicant)
    return refuse_with(problem_response(
        Problem::forbidden({"Only the applicant may upload evidence", "只有申报单位可以上传佐证材料"})));
  if (!in.query.item)
    return refuse_with(
        problem_response(Problem::invalid("/query/item", {"name the item: a criterion or indicator id, or declaration",
                                                          "请给出 item：指标编号，或 declaration（整份申报的材料）"})));
  if (auto name = file_name_of(in.request.header("Content-Disposition")); !name)
    return refuse_with(problem_response(name.error()));
  const auto length_text = in.request.header("Content-Length");
  if (!length_text.empty()) {
    std::uint64_t length = 0;
    auto [p, ec] = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
    if (ec != std::errc{} || p != length_text.data() + length_text.size())
      return refuse_with(problem_response(400, {"Bad request", "请求格式不正确"}));
    if (length == 0)
      return refuse_with(
          problem_response(Problem::invalid("", {"the file is empty", "文件为空（0 字节），请选择有内容的文件"})));
    if (length > d.evidence->limits.max_bytes) return refuse_with(Upload::too_large(d.evidence->limits.max_bytes));
  } else if (in.request.header("Transfer-Encoding").empty()) {
    return refuse_with(
        problem_response(Problem::invalid("", {"the file is empty", "文件为空（0 字节），请选择有内容的文件"})));
  }
  auto staged = d.evidence->store->staging_dir() / (crypto::uuid_v7() + ".part");
  int fd = ::open(staged.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    log::error("cannot stage an upload", {{"path", staged.string()}, {"error", std::strerror(errno)}});
    return refuse_with(problem_response(
        Problem::unavailable({"the file store cannot be written", "文件存储暂不可用，未保存任何内容"})));
  }
  return {std::make_shared<Upload>(std::move(staged), fd, d.evidence->limits.max_bytes, language), std::nullopt};
}

http::Response upload_file(const ApiDeps& d, Input& in) {
  auto* upload = dynamic_cast<Upload*>(in.request.sink.get());
  if (!d.evidence || !upload)  // the streamer did not take the body (not wired): nothing to store
    return problem_response(Problem::unavailable({"uploads are not accepted here", "此处不接受上传"}));
  if (upload->size() == 0)
    return problem_response(Problem::invalid("", {"the file is empty", "文件为空（0 字节），请选择有内容的文件"}));
  const auto sha256 = upload->finish();
  auto name = file_name_of(in.request.header("Content-Disposition"));
  if (!name) return problem_response(name.error());
  const auto type = detect_type(upload->staged());
  if (!type)
    return problem_response(415, {"Unsupported file type", "不支持的文件类型"},
                            {kAcceptedTypes.en + "; the type is read from the content, not the name",
                             kAcceptedTypes.zh + "（按文件内容判断，而非文件名）"});
  if (auto ext = extension_of(*name);
      !ext.empty() && std::ranges::find(type->extensions, ext) == type->extensions.end())
    return problem_response(
        415, {"The name does not match the content", "文件名与文件内容不符"},
        {"the name ends in ." + ext + " but the content is " + std::string(type->label),
         "文件名的扩展名为 ." + ext + "，但文件内容是 " + std::string(type->label) + "，请改正文件名或重新选择文件"});
  try {
    d.evidence->store->put(upload->staged(), sha256, upload->size());
    upload->kept();
  } catch (const Error& e) {
    log::error("cannot store an upload", {{"error", e.what()}});
    return problem_response(
        Problem::unavailable({"the file store is unavailable", "文件存储暂不可用，未保存任何内容"}));
  }
  // The bytes are durable; now the listing. A refusal here leaves a blob no file names: the sweeper's.
  auto added =
      call_workflow(d, cmd::AddFile{in.actor, in.id, *in.query.item, *name, std::string(type->media_type), sha256,
                                    static_cast<int64_t>(upload->size()),
                                    static_cast<int64_t>(d.evidence->limits.max_total), d.evidence->limits.max_count});
  if (!added) return problem_response(added.error());
  const bool created = added->body.value("created", false);
  auto r = http::Response::json(created ? 201 : 200, added->body["file"].dump());
  r.headers["Location"] = "/v1/files/" + added->body["file"].value("id", std::string());
  return r;
}

http::Response list_files(const ApiDeps& d, Input& in) {
  auto listed = call_workflow(d, cmd::ListFiles{in.actor, in.id});
  return listed ? http::Response::json(200, listed->body.dump()) : problem_response(listed.error());
}

http::Response delete_file(const ApiDeps& d, Input& in) {
  auto done = call_workflow(d, cmd::DeleteFile{in.actor, in.id, in.file});
  if (!done) return problem_response(done.error());
  http::Response r;
  r.status = 204;
  return r;
}

http::Response download_file(const ApiDeps& d, Input& in) {
  if (!d.evidence) return problem_response(Problem::not_found({"No such file", "文件不存在"}));
  auto access = call_workflow(d, cmd::FileAccess{in.actor, in.id});
  if (!access) return problem_response(access.error());
  const auto& f = access->body;
  const auto sha256 = f.value("sha256", std::string());
  const auto size = f.value("size", std::uint64_t{0});
  const auto etag = "\"" + sha256 + "\"";
  http::Response r;
  r.headers["ETag"] = etag;
  r.headers["Accept-Ranges"] = "bytes";
  // The bytes of a file never change (its id names them): a cache may keep them, asking each time.
  r.headers["Cache-Control"] = "private, no-cache";
  if (auto none_match = in.request.header("If-None-Match");
      !none_match.empty() && (none_match == "*" || none_match.find(etag) != std::string::npos)) {
    r.status = 304;
    return r;
  }
  std::uint64_t first = 0, length = size;
  r.status = 200;
  auto range = parse_range(in.request.header("Range"), size);
  if (std::holds_alternative<Unsatisfiable>(range)) {
    auto refused = problem_response(
        416, {"Range not satisfiable", "请求的范围超出文件大小"},
        {"the file has " + std::to_string(size) + " bytes", "该文件共 " + std::to_string(size) + " 字节"});
    refused.headers["Content-Range"] = "bytes */" + std::to_string(size);
    return refused;
  }
  if (auto* asked = std::get_if<ByteRange>(&range)) {
    first = asked->first;
    length = asked->last - asked->first + 1;
    r.status = 206;
    r.headers["Content-Range"] =
        "bytes " + std::to_string(asked->first) + "-" + std::to_string(asked->last) + "/" + std::to_string(size);
  }
  try {
    r.source = d.evidence->store->open(sha256, first, length);
  } catch (const Error& e) {
    log::error("cannot read a stored file", {{"sha256", sha256}, {"error", e.what()}});
    return problem_response(Problem::unavailable({"the file store is unavailable", "文件存储暂不可用"}));
  }
  if (!r.source) {
    log::error("a listed file has no bytes", {{"file", in.id}, {"sha256", sha256}});
    return problem_response(Problem::unavailable({"the file's bytes are missing", "文件内容暂不可用"}));
  }
  r.headers["Content-Type"] = f.value("media_type", std::string("application/octet-stream"));
  r.headers["Content-Disposition"] = content_disposition(f.value("name", std::string("file")));
  return r;
}

}  // namespace sdp::gateway
