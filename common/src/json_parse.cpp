#include "sdp/json_parse.hpp"

#include <optional>
#include <vector>

#include "sdp/json_schema.hpp"

namespace sdp {
namespace {

using nlohmann::json;

// Builds the document from nlohmann's (iterative) SAX events; returning false stops the parse at
// the first fault, so a document far too deep is refused after reading only its first levels.
class StrictBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit StrictBuilder(std::size_t max_depth) : max_depth_(max_depth) {}

  json root;
  std::optional<JsonParseError> error;

  bool null() override { return put(nullptr); }
  bool boolean(bool v) override { return put(v); }
  bool number_integer(number_integer_t v) override { return put(v); }
  bool number_unsigned(number_unsigned_t v) override { return put(v); }
  bool number_float(number_float_t v, const string_t&) override { return put(v); }
  bool string(string_t& v) override { return put(std::move(v)); }
  bool binary(binary_t& v) override { return put(json::binary(std::move(v))); }
  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& k) override {
    auto& frame = open_.back();
    auto& members = frame.value->get_ref<json::object_t&>();
    auto [it, inserted] = members.emplace(k, nullptr);
    if (!inserted) {
      error = JsonParseError{JsonParseError::Kind::duplicate_key, pointer(open_.size() - 1) + "/" + pointer_token(k),
                             "this key appears more than once in its object", "同一对象中此字段出现了不止一次"};
      return false;
    }
    frame.key = std::move(k);
    frame.member = &it->second;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error = JsonParseError{JsonParseError::Kind::syntax, "", e.what()};
    return false;
  }

 private:
  struct Frame {
    json* value;
    std::string key;         // objects: the member being read
    json* member = nullptr;  // objects: where its value goes
  };

  bool put(json v) {
    place(std::move(v));
    return true;
  }

  // Stores a value where the events say it goes: the root, the open array, or the open member.
  json* place(json v) {
    if (open_.empty()) {
      root = std::move(v);
      return &root;
    }
    auto& top = open_.back();
    if (top.value->is_array()) {
      top.value->push_back(std::move(v));
      return &top.value->back();
    }
    *top.member = std::move(v);
    return top.member;
  }

  bool open(json container) {
    json* where = place(std::move(container));
    if (open_.size() >= max_depth_) {
      error = JsonParseError{JsonParseError::Kind::too_deep, pointer(open_.size()),
                             "nested more than " + std::to_string(max_depth_) + " levels deep",
                             "嵌套超过 " + std::to_string(max_depth_) + " 层"};
      return false;
    }
    open_.push_back({where});
    return true;
  }

  bool close() {
    open_.pop_back();
    return true;
  }

  // The pointer of the value being read below the outermost `frames` open containers: each one's
  // current member or last element.
  std::string pointer(std::size_t frames) const {
    std::string out;
    for (std::size_t i = 0; i < frames; ++i) {
      const auto& f = open_[i];
      out += "/" + (f.value->is_array() ? std::to_string(f.value->size() - 1) : pointer_token(f.key));
    }
    return out;
  }

  std::size_t max_depth_;
  std::vector<Frame> open_;
};

}  // namespace

std::expected<json, JsonParseError> parse_json(std::string_view text, std::size_t max_depth) {
  StrictBuilder builder(max_depth);
  bool ok = json::sax_parse(text.begin(), text.end(), &builder, json::input_format_t::json, true, false);
  if (!ok || builder.error) {
    if (builder.error) return std::unexpected(std::move(*builder.error));
    return std::unexpected(JsonParseError{JsonParseError::Kind::syntax, "", "not valid JSON", "不是有效的 JSON"});
  }
  return std::move(builder.root);
}

}  // namespace sdp
