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

// One quarantine line: source,row,reason,raw.
void append_line(std::string& out, std::string_view source, std::uint64_t row,
                 std::string_view reason, std::string_view raw) {
  append_quoted(out, source);
  out += ',' + std::to_string(row) + ',';
  append_quoted(out, reason);
  out.push_back(',');
  append_quoted(out, raw);
  out.push_back('\n');
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

void RowErrorPolicy::handle(NodeMetrics& metrics, BatchRows& batch, std::string_view source,
                            std::uint64_t row, std::string_view reason, std::string_view raw) {
  NodeMetrics::add(metrics.errors, 1);
  switch (mode_) {
    case OnError::fail:
      throw Error(StatusCode::data_error,
                  "row " + std::to_string(row) + ": " + std::string(reason) +
                      " (fix the input, or set on_error: skip or quarantine on this node)");
    case OnError::skip:
      NodeMetrics::add(metrics.skipped, 1);
      return;
    case OnError::quarantine:
      append_line(batch.lines, source, row, reason, raw);
      NodeMetrics::add(metrics.quarantined, 1);
      return;
  }
}

void RowErrorPolicy::finish_batch(BatchRows&& batch) {
  if (mode_ != OnError::quarantine) return;
  std::lock_guard lock(*mutex_);
  if (batch.seq != next_batch_) {
    waiting_.emplace(batch.seq, std::move(batch.lines));
    return;
  }
  quarantine_.write(batch.lines);
  ++next_batch_;
  for (auto next = waiting_.begin(); next != waiting_.end() && next->first == next_batch_;
       next = waiting_.erase(next)) {
    quarantine_.write(next->second);
    ++next_batch_;
  }
}

Status RowErrorPolicy::commit() {
  if (mode_ != OnError::quarantine || !quarantine_.is_open()) return Status::success();
  // Every batch of a successful run was finished; should one not have been, its rows are written
  // out of turn rather than lost.
  for (auto& [seq, lines] : waiting_) quarantine_.write(lines);
  waiting_.clear();
  return quarantine_.commit();
}

void RowErrorPolicy::abort() noexcept { quarantine_.discard(); }

}  // namespace sluice
