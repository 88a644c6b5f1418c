#include "yaml_documents.hpp"

#include <sstream>
#include <string>
#include <vector>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace sluice::detail {
namespace {

// Notes where each document starts; the nodes themselves are built by YAML::Load.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> starts;

  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

YamlDocuments load_yaml_documents(const std::string& text) {
  // Two documents at most: a pipeline file needs to know only whether there is a second one.
  // A document that starts where the one before it started means the parser is stuck.
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts handler;
  while (handler.starts.size() < 2 && parser.HandleNextDocument(handler)) {
    const auto& starts = handler.starts;
    if (starts.size() == 2 && starts[1].pos == starts[0].pos) {
      const auto at = static_cast<std::size_t>(starts[1].pos);
      const std::string token =
          at < text.size() ? "'" + std::string(1, text[at]) + "'" : std::string("end of file");
      throw YAML::ParserException(starts[1], "unexpected " + token);
    }
  }
  YamlDocuments documents;
  documents.first = YAML::Load(text);
  if (handler.starts.size() == 2) documents.second = handler.starts[1];
  return documents;
}

}  // namespace sluice::detail
