#pragma once
/// ImportReceiver: one training import (`POST /api/v2/bots/{botId}/imports`, multipart/form-data)
/// as its parts stream in, checked and summarized without holding the upload.
///
/// Parts: `name` and `description` (text, kept, at most kMaxImportFieldBytes each), `file` (the
/// CSV: checked by CsvImportValidator, hashed, counted, and its first `keep_bytes` bytes kept).
/// Other parts are read and ignored. After the last part, finish() gives the answer, checking in
/// this order: the file part over the size limit (413), a repeated or overlong field (400), a
/// missing `name` or `file` (400), a malformed CSV (400 malformed_csv); otherwise 201.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto.hpp"
#include "csv_import_validator.hpp"

namespace sluice::emulator {

/// Longest `name` or `description` value accepted, in bytes.
inline constexpr std::size_t kMaxImportFieldBytes = 64 * 1024;

/// An import the emulator accepted (a test hook: Emulator::imports()).
struct ImportRecord {
  std::string id;  ///< the id answered to the client
  std::string bot_id;
  std::string name;                  ///< the `name` field
  std::string description;           ///< the `description` field ("" when absent)
  std::string file_name;             ///< the `file` part's filename
  std::string content_type;          ///< the `file` part's Content-Type
  std::string idempotency_key;       ///< "" when the request had none
  std::uint64_t rows = 0;            ///< data rows (header excluded), as answered
  std::uint64_t file_bytes = 0;      ///< size of the file part
  std::vector<std::string> columns;  ///< the CSV header's column names
  std::string sha256;                ///< lowercase hex SHA-256 of the whole file part
  std::string content;               ///< the file part's first bytes (see EmulatorOptions)
  bool content_complete = true;      ///< `content` is the whole file part
};

class ImportReceiver {
 public:
  /// `limit_bytes`: largest accepted file part; `keep_bytes`: how much of it to keep.
  ImportReceiver(std::uint64_t limit_bytes, std::uint64_t keep_bytes);

  /// A new part starts; the bytes passed to add() until the next call belong to it.
  void begin_part(std::string_view name, std::string_view filename, std::string_view content_type);
  void add(std::string_view bytes);

  struct Verdict {
    int status = 201;
    std::string error;    ///< the contract's error code when status != 201
    std::string message;  ///< for the client
  };

  /// After the last part: the answer. Call once.
  Verdict finish();

  /// The summary (id, bot_id and idempotency_key left empty for the caller); valid after a
  /// finish() that answered 201.
  ImportRecord take_record() { return std::move(record_); }

 private:
  enum class Part { none, name, description, file, other };

  std::uint64_t limit_bytes_;
  std::uint64_t keep_bytes_;
  Part part_ = Part::none;
  bool has_name_ = false;
  bool has_description_ = false;
  bool has_file_ = false;
  bool too_large_ = false;
  std::string problem_;  // a structural 400 (repeated or overlong field)
  CsvImportValidator validator_;
  Sha256 sha_;
  ImportRecord record_;
};

}  // namespace sluice::emulator
