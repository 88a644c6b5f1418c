#pragma once
/// CsvImportValidator: checks an uploaded CSV file as it streams in, the way the platform's import
/// endpoint does, in constant memory, and counts its data rows.
///
/// Rules (RFC 4180, as the contract's section A asks of the import file):
/// - UTF-8; an optional byte order mark at the very start is skipped;
/// - records end with LF or CRLF (mixed is fine); a CR not followed by LF is data, except at the
///   very end of the file where it ends the last record; the last record may lack a terminator;
/// - a field that starts with '"' is quoted: it may hold commas, CR and LF, "" stands for one
///   quote, and the closing quote must be followed by a comma, a terminator or the end;
/// - strict where the engine's reader is lenient: a quote inside an unquoted field is an error
///   (a writer that forgot to quote such a field produced it);
/// - the first record is the header; every data record has as many fields as the header;
/// - a blank line (a record that is only a terminator) is an error anywhere, including a blank
///   line at the end ("a,b\n\n"); an empty file (no header) is an error.
///
/// The first problem is kept (later input is still counted as bytes but no longer checked).
/// Messages name the record, counting the header as row 1 and saying which data row it is:
/// "row 3 (data row 2): expected 4 fields, found 3".

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::emulator {

/// Longest header (in bytes, all names together) whose column names are kept for columns().
inline constexpr std::size_t kMaxKeptHeaderBytes = 64 * 1024;

class CsvImportValidator {
 public:
  /// Checks the next bytes of the file; chunks may split records, fields and UTF-8 sequences
  /// anywhere.
  void feed(std::string_view bytes);

  /// Ends the input: closes the last record and reports an unclosed quote, an incomplete UTF-8
  /// sequence or an empty file. Call once, after the last feed().
  void finish();

  bool ok() const noexcept { return error_.empty(); }
  /// The first problem, "" while there is none.
  const std::string& error() const noexcept { return error_; }

  /// Complete data records seen so far (the header excluded). After an error: the data records
  /// before the bad one.
  std::uint64_t data_rows() const noexcept { return records_ > 0 ? records_ - 1 : 0; }

  /// The header's column names (quotes removed). Empty when the header is longer than
  /// kMaxKeptHeaderBytes or not complete yet.
  const std::vector<std::string>& columns() const noexcept { return columns_; }

 private:
  enum class State {
    field_start,      // at the start of a field
    unquoted,         // inside an unquoted field
    quoted,           // inside a quoted field
    quote_in_quoted,  // saw '"' inside a quoted field: an escaped quote or the closing one
    after_close,      // a closing quote then CR: only LF may follow
  };

  void consume(char c);
  void check_utf8(unsigned char byte);
  void step(char c);
  void append_to_field(char c);
  void end_field();
  void terminate_record();
  void fail(const std::string& reason);

  State state_ = State::field_start;
  bool pending_cr_ = false;          // a CR outside quotes whose meaning depends on the next byte
  bool record_has_content_ = false;  // any byte of the current record other than its terminator
  std::uint64_t records_ = 0;        // complete records, header included
  std::uint64_t fields_ = 0;         // fields completed in the current record
  std::uint64_t expected_fields_ = 0;
  std::size_t bom_seen_ = 0;  // bytes of the leading BOM matched so far
  bool bom_done_ = false;
  bool finished_ = false;
  std::uint64_t offset_ = 0;  // bytes of the file consumed (for UTF-8 messages)

  int utf8_needed_ = 0;  // continuation bytes still expected
  unsigned char utf8_low_ = 0x80;
  unsigned char utf8_high_ = 0xBF;

  std::string field_;  // the current header field (only while reading the header)
  std::vector<std::string> header_names_;
  std::size_t header_bytes_ = 0;
  bool header_too_long_ = false;
  std::vector<std::string> columns_;
  std::string error_;
};

}  // namespace sluice::emulator
