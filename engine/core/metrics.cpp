#include "sluice/metrics.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "core/json_text.hpp"

namespace sluice {

namespace {

std::uint64_t read_status_kib(const char* field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) {
      return std::strtoull(line.c_str() + prefix.size(), nullptr, 10);
    }
  }
  return 0;
}

std::string human_bytes(double bytes) {
  char buffer[32];
  if (bytes >= 1024.0 * 1024 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.2f GiB", bytes / (1024.0 * 1024 * 1024));
  } else if (bytes >= 1024.0 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.1f MiB", bytes / (1024.0 * 1024));
  } else if (bytes >= 1024.0) {
    std::snprintf(buffer, sizeof buffer, "%.1f KiB", bytes / 1024.0);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.0f B", bytes);
  }
  return buffer;
}

void field(std::string& out, const char* name, std::uint64_t value, bool comma = true) {
  out += '"';
  out += name;
  out += "\":" + std::to_string(value);
  if (comma) out += ',';
}

void field(std::string& out, const char* name, double value, bool comma = true) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "\"%s\":%.6f", name, value);
  out += buffer;
  if (comma) out += ',';
}

}  // namespace

std::uint64_t peak_rss_bytes() { return read_status_kib("VmHWM") * 1024; }
std::uint64_t current_rss_bytes() { return read_status_kib("VmRSS") * 1024; }

std::string RunReport::summary_table() const {
  std::ostringstream out;
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-16s %12s %12s %10s %10s %8s %8s %8s\n", "node", "type",
                "rows in", "rows out", "MiB in", "MiB out", "busy s", "wait s", "errors");
  out << line;
  for (const auto& node : nodes) {
    std::snprintf(line, sizeof line, "%-16.16s %-16.16s %12llu %12llu %10.1f %10.1f %8.2f %8.2f %8llu\n",
                  node.id.c_str(), node.type.c_str(),
                  static_cast<unsigned long long>(node.rows_in),
                  static_cast<unsigned long long>(node.rows_out), node.bytes_in / 1048576.0,
                  node.bytes_out / 1048576.0, node.busy_seconds, node.waiting_seconds,
                  static_cast<unsigned long long>(node.errors));
    out << line;
    if (node.skipped != 0 || node.quarantined != 0) {
      std::snprintf(line, sizeof line, "%-16s   skipped %llu, quarantined %llu bad rows\n", "",
                    static_cast<unsigned long long>(node.skipped),
                    static_cast<unsigned long long>(node.quarantined));
      out << line;
    }
  }
  const double mb_per_s =
      elapsed_seconds > 0 ? input_bytes / 1e6 / elapsed_seconds : 0.0;
  std::snprintf(line, sizeof line,
                "%s in %.2f s (%.1f MB/s of input), %d threads, peak RSS %s, peak %zu of %zu "
                "batches in flight\n",
                human_bytes(static_cast<double>(input_bytes)).c_str(), elapsed_seconds, mb_per_s,
                threads, human_bytes(static_cast<double>(peak_rss_bytes)).c_str(), peak_in_flight,
                max_in_flight);
  out << line;
  return out.str();
}

std::string RunReport::to_json() const {
  std::string out = "{\"pipeline\":";
  detail::append_json_string(out, pipeline);
  out += ",\"status\":";
  detail::append_json_string(out, status.ok() ? "success" : status_code_name(status.code()));
  if (!status.ok()) {
    out += ",\"error\":";
    detail::append_json_string(out, status.message());
  }
  out += ',';
  field(out, "elapsed_seconds", elapsed_seconds);
  field(out, "threads", static_cast<std::uint64_t>(threads));
  field(out, "max_in_flight", static_cast<std::uint64_t>(max_in_flight));
  field(out, "peak_in_flight", static_cast<std::uint64_t>(peak_in_flight));
  field(out, "input_bytes", input_bytes);
  field(out, "input_mb_per_second",
        elapsed_seconds > 0 ? input_bytes / 1e6 / elapsed_seconds : 0.0);
  field(out, "peak_rss_bytes", peak_rss_bytes);
  out += "\"nodes\":[";
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& node = nodes[i];
    if (i != 0) out += ',';
    out += "{\"id\":";
    detail::append_json_string(out, node.id);
    out += ",\"type\":";
    detail::append_json_string(out, node.type);
    out += ',';
    field(out, "batches_in", node.batches_in);
    field(out, "rows_in", node.rows_in);
    field(out, "bytes_in", node.bytes_in);
    field(out, "batches_out", node.batches_out);
    field(out, "rows_out", node.rows_out);
    field(out, "bytes_out", node.bytes_out);
    field(out, "busy_seconds", node.busy_seconds);
    field(out, "waiting_seconds", node.waiting_seconds);
    field(out, "errors", node.errors);
    field(out, "skipped", node.skipped);
    field(out, "quarantined", node.quarantined, false);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace sluice
