// Embeds sluice in a program of its own: registers a node type written here (`shout`, which
// upper-cases a column) next to the built-ins, builds a pipeline in code, runs it and checks the
// output. Exits 0 when everything worked.
#include <sluice/sluice.hpp>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

namespace {

class Shout final : public sluice::Node {
 public:
  explicit Shout(std::string column) : column_(std::move(column)) {}

  sluice::NodeShape shape() const override {
    return sluice::NodeShape::transform(sluice::PayloadKind::rows, sluice::PayloadKind::rows);
  }

  std::vector<sluice::Step> steps() override {
    sluice::MapStep step;
    step.process = [this](const sluice::Batch& in, const sluice::BatchInfo&) {
      const sluice::RowBatch& rows = in.rows();
      const std::vector<std::string> wanted = {column_};
      const long index = rows.columns()->find_any(wanted);
      if (index < 0) throw sluice::Error(sluice::StatusCode::data_error, "no column " + column_);
      sluice::RowBatch out(rows.columns());
      out.keep_alive_all(rows);
      std::vector<std::string_view> fields(rows.width());
      for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto row = rows.row(r);
        std::copy(row.begin(), row.end(), fields.begin());
        std::string upper(row[index]);
        for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        fields[index] = out.arena().store(upper);
        out.add_row(fields, rows.row_number(r));
      }
      sluice::Batch batch;
      batch.payload = std::move(out);
      return batch;
    };
    return {step};
  }

 private:
  std::string column_;
};

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-embed-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string input = (dir / "in.csv").string();
  const std::string output = (dir / "out.csv").string();
  std::ofstream(input) << "id,text\n1,hello\n2,\"quiet, please\"\n";

  sluice::NodeRegistry registry = sluice::builtin_registry();
  sluice::NodeType shout;
  shout.key = "shout";
  shout.summary = "Upper-cases one column";
  shout.options = {sluice::option_with_default("column", sluice::OptionType::string, "text",
                                               "column to upper-case")};
  shout.make = [](const sluice::NodeOptions& options)
      -> sluice::Result<std::unique_ptr<sluice::Node>> {
    return std::unique_ptr<sluice::Node>(std::make_unique<Shout>(options.get_string("column")));
  };
  if (auto status = registry.add(shout); !status.ok()) {
    std::fprintf(stderr, "register: %s\n", status.message().c_str());
    return 1;
  }

  sluice::LoadOptions load;
  load.variables = {{"input", input}, {"output", output}};
  auto spec = sluice::load_pipeline_text(R"(
id: embedded
nodes:
  - { id: read, type: file_read, options: { path: "${input}" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: loud, type: shout, input: parse }
  - { id: serialize, type: csv_serialize, input: loud }
  - { id: write, type: file_write, input: serialize, options: { path: "${output}" } }
)", "embedded.yaml", load);
  if (!spec) {
    std::fprintf(stderr, "load: %s\n", spec.status().message().c_str());
    return 1;
  }
  auto pipeline = sluice::Pipeline::build(*spec, registry);
  if (!pipeline) {
    std::fprintf(stderr, "build: %s\n", pipeline.status().message().c_str());
    return 1;
  }
  const sluice::RunReport report = (*pipeline)->run();
  if (!report.status.ok()) {
    std::fprintf(stderr, "run: %s\n", report.status.message().c_str());
    return 1;
  }
  const std::string got = read_all(output);
  const std::string want = "id,text\n1,HELLO\n2,\"QUIET, PLEASE\"\n";
  std::filesystem::remove_all(dir);
  if (got != want) {
    std::fprintf(stderr, "unexpected output:\n%s", got.c_str());
    return 1;
  }
  std::printf("embedded pipeline ran: %llu rows through the custom node\n",
              static_cast<unsigned long long>(report.nodes[2].rows_out));
  return 0;
}
