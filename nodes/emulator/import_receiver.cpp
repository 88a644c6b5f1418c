#include "import_receiver.hpp"

#include <algorithm>

namespace sluice::emulator {

ImportReceiver::ImportReceiver(std::uint64_t limit_bytes, std::uint64_t keep_bytes)
    : limit_bytes_(limit_bytes), keep_bytes_(keep_bytes) {}

void ImportReceiver::begin_part(std::string_view name, std::string_view filename,
                                std::string_view content_type) {
  auto once = [&](bool& seen) {
    if (seen && problem_.empty()) {
      problem_ = "the field '" + std::string(name) + "' appears more than once";
    }
    seen = true;
  };
  if (name == "name") {
    part_ = Part::name;
    once(has_name_);
  } else if (name == "description") {
    part_ = Part::description;
    once(has_description_);
  } else if (name == "file") {
    // A second file part is ignored after the problem is noted, so the first keeps its summary.
    part_ = has_file_ ? Part::other : Part::file;
    once(has_file_);
    if (part_ == Part::file) {
      record_.file_name = std::string(filename);
      record_.content_type = std::string(content_type);
    }
  } else {
    part_ = Part::other;
  }
}

void ImportReceiver::add(std::string_view bytes) {
  switch (part_) {
    case Part::name:
    case Part::description: {
      std::string& value = part_ == Part::name ? record_.name : record_.description;
      if (value.size() + bytes.size() > kMaxImportFieldBytes) {
        if (problem_.empty()) {
          problem_ = std::string("the field '") + (part_ == Part::name ? "name" : "description") +
                     "' is longer than " + std::to_string(kMaxImportFieldBytes) + " bytes";
        }
        return;
      }
      value.append(bytes);
      return;
    }
    case Part::file: {
      record_.file_bytes += bytes.size();
      if (record_.file_bytes > limit_bytes_) too_large_ = true;
      if (too_large_) return;  // keep reading (the client gets its 413), stop looking
      validator_.feed(bytes);
      sha_.update(bytes);
      if (record_.content.size() < keep_bytes_) {
        const std::uint64_t room = keep_bytes_ - record_.content.size();
        record_.content.append(
            bytes.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size()))));
      }
      return;
    }
    case Part::none:
    case Part::other:
      return;
  }
}

ImportReceiver::Verdict ImportReceiver::finish() {
  if (too_large_) {
    return {413, "payload_too_large",
            "the file part is larger than the limit of " + std::to_string(limit_bytes_) + " bytes"};
  }
  if (!problem_.empty()) return {400, "invalid_request", problem_};
  if (!has_name_) return {400, "invalid_request", "the field 'name' is required"};
  if (!has_file_) return {400, "invalid_request", "the file part 'file' is required"};
  validator_.finish();
  if (!validator_.ok()) return {400, "malformed_csv", validator_.error()};
  record_.rows = validator_.data_rows();
  record_.columns = validator_.columns();
  record_.sha256 = sha_.hex_digest();
  record_.content_complete = record_.content.size() == record_.file_bytes;
  return {};
}

}  // namespace sluice::emulator
