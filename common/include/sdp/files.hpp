#pragma once
// Reading the data files of schemas/ (and key files): one place, one error naming the file.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace sdp {

// The whole file; throws sdp::Error (config) "cannot read '<path>'".
std::string read_text_file(const std::filesystem::path& path);
// The file as JSON; throws sdp::Error (config) naming the file and the parse error.
nlohmann::json read_json_file(const std::filesystem::path& path);

}  // namespace sdp
