#include "csv_import_validator.hpp"

namespace sluice::emulator {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

std::string describe_byte(char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  if (byte >= 0x20 && byte < 0x7F) return std::string("'") + c + "'";
  return std::string("byte 0x") + kHex[byte >> 4] + kHex[byte & 0xF];
}

}  // namespace

void CsvImportValidator::feed(std::string_view bytes) {
  for (const char c : bytes) {
    if (!error_.empty()) return;
    if (!bom_done_) {
      // Hold back bytes that could still be the BOM; replay them once they turn out not to be.
      if (c == kBom[bom_seen_]) {
        if (++bom_seen_ == kBom.size()) {
          bom_done_ = true;
          offset_ += kBom.size();
        }
        continue;
      }
      bom_done_ = true;
      for (std::size_t i = 0; i < bom_seen_ && error_.empty(); ++i) consume(kBom[i]);
      if (!error_.empty()) return;
    }
    consume(c);
  }
}

void CsvImportValidator::finish() {
  if (finished_) return;
  finished_ = true;
  if (!bom_done_) {
    bom_done_ = true;
    for (std::size_t i = 0; i < bom_seen_ && error_.empty(); ++i) consume(kBom[i]);
  }
  if (!error_.empty()) return;
  if (utf8_needed_ > 0) {
    fail("invalid UTF-8: the file ends inside a multi-byte sequence");
    return;
  }
  if (pending_cr_) {
    // A CR at the very end of the file ends the last record (the engine's reader does the same).
    pending_cr_ = false;
    terminate_record();
  } else if (state_ == State::quoted) {
    fail("quoted field " + std::to_string(fields_ + 1) + " is not closed before end of file");
  } else if (record_has_content_) {
    terminate_record();
  }
  if (error_.empty() && records_ == 0) fail("the file is empty: a header row is required");
}

void CsvImportValidator::consume(char c) {
  check_utf8(static_cast<unsigned char>(c));
  ++offset_;
  if (error_.empty()) step(c);
}

void CsvImportValidator::check_utf8(unsigned char byte) {
  if (utf8_needed_ > 0) {
    if (byte < utf8_low_ || byte > utf8_high_) {
      fail("invalid UTF-8 at byte offset " + std::to_string(offset_) + " of the file");
      return;
    }
    --utf8_needed_;
    utf8_low_ = 0x80;
    utf8_high_ = 0xBF;
    return;
  }
  if (byte < 0x80) return;
  // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
  if (byte >= 0xC2 && byte <= 0xDF) {
    utf8_needed_ = 1;
  } else if (byte == 0xE0) {
    utf8_needed_ = 2;
    utf8_low_ = 0xA0;
  } else if ((byte >= 0xE1 && byte <= 0xEC) || byte == 0xEE || byte == 0xEF) {
    utf8_needed_ = 2;
  } else if (byte == 0xED) {
    utf8_needed_ = 2;
    utf8_high_ = 0x9F;
  } else if (byte == 0xF0) {
    utf8_needed_ = 3;
    utf8_low_ = 0x90;
  } else if (byte >= 0xF1 && byte <= 0xF3) {
    utf8_needed_ = 3;
  } else if (byte == 0xF4) {
    utf8_needed_ = 3;
    utf8_high_ = 0x8F;
  } else {
    fail("invalid UTF-8 at byte offset " + std::to_string(offset_) + " of the file");
  }
}

void CsvImportValidator::step(char c) {
  if (pending_cr_) {
    pending_cr_ = false;
    if (c == '\n') {
      terminate_record();
      return;
    }
    if (state_ == State::after_close) {
      fail("unexpected " + describe_byte('\r') + " after the closing quote of field " +
           std::to_string(fields_ + 1));
      return;
    }
    // A lone CR outside quotes is data of an unquoted field.
    state_ = State::unquoted;
    record_has_content_ = true;
    append_to_field('\r');
  }
  switch (state_) {
    case State::field_start:
      if (c == '\n') {
        terminate_record();
      } else if (c == '\r') {
        pending_cr_ = true;
      } else {
        record_has_content_ = true;
        if (c == ',') {
          end_field();
        } else if (c == '"') {
          state_ = State::quoted;
        } else {
          state_ = State::unquoted;
          append_to_field(c);
        }
      }
      break;
    case State::unquoted:
      if (c == ',') {
        end_field();
        state_ = State::field_start;
      } else if (c == '\n') {
        terminate_record();
      } else if (c == '\r') {
        pending_cr_ = true;
      } else if (c == '"') {
        fail("a quote inside unquoted field " + std::to_string(fields_ + 1) +
             " (a field holding a quote must be quoted)");
      } else {
        append_to_field(c);
      }
      break;
    case State::quoted:
      if (c == '"') {
        state_ = State::quote_in_quoted;
      } else {
        append_to_field(c);
      }
      break;
    case State::quote_in_quoted:
      if (c == '"') {
        append_to_field('"');
        state_ = State::quoted;
      } else if (c == ',') {
        end_field();
        state_ = State::field_start;
      } else if (c == '\n') {
        terminate_record();
      } else if (c == '\r') {
        state_ = State::after_close;
        pending_cr_ = true;
      } else {
        fail("unexpected " + describe_byte(c) + " after the closing quote of field " +
             std::to_string(fields_ + 1));
      }
      break;
    case State::after_close:
      break;  // only entered together with pending_cr_, handled above
  }
}

void CsvImportValidator::append_to_field(char c) {
  if (records_ != 0 || header_too_long_) return;
  if (header_bytes_ + field_.size() >= kMaxKeptHeaderBytes) {
    header_too_long_ = true;
    return;
  }
  field_ += c;
}

void CsvImportValidator::end_field() {
  if (records_ == 0 && !header_too_long_) {
    header_bytes_ += field_.size();
    header_names_.push_back(std::move(field_));
  }
  field_.clear();
  ++fields_;
}

void CsvImportValidator::terminate_record() {
  if (!record_has_content_) {
    fail("blank line");
    return;
  }
  end_field();
  if (records_ == 0) {
    expected_fields_ = fields_;
    if (!header_too_long_) columns_ = std::move(header_names_);
    header_names_.clear();
  } else if (fields_ != expected_fields_) {
    fail("expected " + std::to_string(expected_fields_) + " fields, found " +
         std::to_string(fields_));
    return;
  }
  ++records_;
  fields_ = 0;
  record_has_content_ = false;
  state_ = State::field_start;
}

void CsvImportValidator::fail(const std::string& reason) {
  if (!error_.empty()) return;
  const std::uint64_t row = records_ + 1;
  error_ = "row " + std::to_string(row) +
           (row == 1 ? std::string(" (header)") : " (data row " + std::to_string(row - 1) + ")") +
           ": " + reason;
}

}  // namespace sluice::emulator
