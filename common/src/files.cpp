#include "sdp/files.hpp"

#include <fstream>
#include <sstream>

#include "sdp/error.hpp"

namespace sdp {

std::string read_text_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorSource::config, "cannot read '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  auto text = read_text_file(path);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorSource::config, "'" + path.string() + "' is not valid JSON: " + e.what());
  }
}

}  // namespace sdp
