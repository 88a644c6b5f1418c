#pragma once
/// Reading the documents of a YAML stream with yaml-cpp, without its YAML::LoadAll: in yaml-cpp
/// 0.7 (Debian 12) LoadAll never returns on some invalid input, e.g. a file holding just ","
/// (upstream issue 1040): the parser reports an empty document again and again without reading
/// past the token it cannot place, and LoadAll collects them until memory runs out.

#include <optional>
#include <string>

#include <yaml-cpp/yaml.h>

namespace sluice::detail {

struct YamlDocuments {
  YAML::Node first;                      ///< the first document (a null node when there is none)
  std::optional<YAML::Mark> second;      ///< where a second document starts, if there is one
};

/// Reads the first document of `text` and looks for a second. Throws YAML::ParserException for a
/// syntax error, including input the parser stops making progress on ("unexpected ','").
YamlDocuments load_yaml_documents(const std::string& text);

}  // namespace sluice::detail
