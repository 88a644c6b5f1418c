#include "sluice/row_errors.hpp"

#include "sluice/metrics.hpp"

namespace sluice {

namespace {

// Quarantine rows are CSV (source,row,reason,raw) so they open in any spreadsheet; fields are
// always quoted because `raw` is arbitrary text.
void append_quoted(std::string& out, std::string_view field) {
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

std::vector<OptionSpec> RowErrorPolicy::option_specs() {
  OptionSpec on_error = option_with_default(
      "on_error", OptionType::string, "fail",
      "what to do with a malformed row: fail (stop the run), skip (drop and count it), "
      "quarantine (drop it and write it to the `quarantine` file)");
  on_error.choices = {"fail", "skip", "quarantine"};
  return {on_error,
          optional_option("quarantine", OptionType::string,
                          "file that receives malformed rows (source,row,reason,raw) with "
                          "on_error: quarantine")};
}

Result<RowErrorPolicy> RowErrorPolicy::from_options(const NodeOptions& options) {
  const std::string mode = options.get_string("on_error");
  if (mode == "quarantine") {
    if (!options.has("quarantine")) {
      return options.error("quarantine",
                           "on_error: quarantine needs a `quarantine` file path for the bad rows");
    }
    return RowErrorPolicy(OnError::quarantine, options.get_string("quarantine"));
  }
  if (options.has("quarantine")) {
    return options.error("quarantine", "a quarantine file is only used with on_error: quarantine");
  }
  return RowErrorPolicy(mode == "skip" ? OnError::skip : OnError::fail, "");
}

RowErrorPolicy::RowErrorPolicy(RowErrorPolicy&&) noexcept = default;
RowErrorPolicy& RowErrorPolicy::operator=(RowErrorPolicy&&) noexcept = default;
RowErrorPolicy::~RowErrorPolicy() = default;

Status RowErrorPolicy::open() {
  if (mode_ != OnError::quarantine) return Status::success();
  auto file = DurableFile::create(quarantine_path_);
  if (!file) return file.status();
  quarantine_ = std::move(file).value();
  quarantine_.write("source,row,reason,raw\n");
  return Status::success();
}

void RowErrorPolicy::handle(NodeMetrics& metrics, std::string_view source, std::uint64_t row,
                            std::string_view reason, std::string_view raw) {
  NodeMetrics::add(metrics.errors, 1);
  switch (mode_) {
    case OnError::fail:
      throw Error(StatusCode::data_error,
                  "row " + std::to_string(row) + ": " + std::string(reason) +
                      " (fix the input, or set on_error: skip or quarantine on this node)");
    case OnError::skip:
      NodeMetrics::add(metrics.skipped, 1);
      return;
    case OnError::quarantine: {
      std::string line;
      line.reserve(raw.size() + reason.size() + source.size() + 32);
      append_quoted(line, source);
      line += ',' + std::to_string(row) + ',';
      append_quoted(line, reason);
      line.push_back(',');
      append_quoted(line, raw);
      line.push_back('\n');
      {
        std::lock_guard lock(*mutex_);
        quarantine_.write(line);
      }
      NodeMetrics::add(metrics.quarantined, 1);
      return;
    }
  }
}

Status RowErrorPolicy::commit() {
  if (mode_ != OnError::quarantine || !quarantine_.is_open()) return Status::success();
  return quarantine_.commit();
}

void RowErrorPolicy::abort() noexcept { quarantine_.discard(); }

}  // namespace sluice
