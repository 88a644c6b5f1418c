#include "support/utterance_generator.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <filesystem>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/temp_dir.hpp"

using sluice::StatusCode;
using sluice::nodes::generate_utterance_export;
using sluice::nodes::UtteranceGenerator;
using sluice::nodes::UtteranceGeneratorOptions;
using sluice::nodes::write_utterance_export;
using sluice::testing::read_file;
using sluice::testing::TempDir;

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";

UtteranceGeneratorOptions options_with(std::uint64_t rows, std::uint64_t seed = 42) {
  UtteranceGeneratorOptions o;
  o.rows = rows;
  o.seed = seed;
  return o;
}

/// Records in an RFC 4180 document (header included): line breaks inside quotes do not count, and
/// a last record without a line break does.
std::size_t count_records(std::string_view csv) {
  std::size_t records = 0;
  bool in_quotes = false;
  bool record_open = false;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < csv.size() && csv[i + 1] == '"') {
          ++i;
        } else {
          in_quotes = false;
        }
      }
      continue;
    }
    if (c == '"') {
      in_quotes = true;
      record_open = true;
    } else if (c == '\n') {
      ++records;
      record_open = false;
    } else if (c != '\r') {
      record_open = true;
    }
  }
  return records + (record_open ? 1 : 0);
}

using Record = std::vector<std::string>;

/// Splits an RFC 4180 document into records of unquoted fields. Accepts LF or CRLF endings.
/// Throws on a stray quote inside an unquoted field or an unterminated quoted field.
std::vector<Record> parse_csv(std::string_view csv) {
  std::vector<Record> records;
  Record record;
  std::string field;
  std::size_t i = 0;
  auto malformed = [&](const char* what) {
    throw std::runtime_error(std::string(what) + " at byte " + std::to_string(i));
  };
  while (i < csv.size()) {
    const char c = csv[i];
    if (c == '"' && field.empty()) {
      // Quoted field: runs to the next quote that is not doubled.
      ++i;
      for (;;) {
        if (i >= csv.size()) malformed("unterminated quoted field");
        if (csv[i] == '"') {
          if (i + 1 < csv.size() && csv[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += csv[i++];
      }
      if (i < csv.size() && csv[i] != ',' && csv[i] != '\n' && csv[i] != '\r') {
        malformed("text after a closing quote");
      }
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      ++i;
    } else if (c == '\n' || (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n')) {
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      i += c == '\r' ? 2 : 1;
    } else if (c == '"' || c == '\r') {
      malformed("quote or CR inside an unquoted field");
    } else {
      field += c;
      ++i;
    }
  }
  if (!field.empty() || !record.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

std::vector<std::string> text_fields(const std::vector<Record>& records) {
  std::vector<std::string> texts;
  for (std::size_t r = 1; r < records.size(); ++r) texts.push_back(records[r][1]);
  return texts;
}

std::size_t rows_matching(const std::vector<std::string>& texts, const std::string& pattern) {
  const std::regex re(pattern);
  std::size_t n = 0;
  for (const auto& t : texts) {
    if (std::regex_search(t, re)) ++n;
  }
  return n;
}

std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 0xCBF29CE484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ULL;
  }
  return h;
}

bool luhn_valid(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool valid_calendar_date(int day, int month, int year) {
  if (month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= (month == 2 && leap ? 29 : kDays[month - 1]);
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    }
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("utterance export: header and fixed columns") {
  const std::string csv = generate_utterance_export(options_with(200));
  CHECK(csv.starts_with("id,utterance,intent,locale,channel,created_at\n"));

  const auto records = parse_csv(csv);
  REQUIRE(records.size() == 201);
  const std::set<std::string> locales = {"en-US", "en-GB", "en-AU", "de-DE",
                                         "fr-FR", "es-ES", "es-MX"};
  const std::regex rfc3339(R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)");
  std::string previous_time;
  for (std::size_t r = 1; r < records.size(); ++r) {
    const Record& rec = records[r];
    REQUIRE(rec.size() == 6);
    CHECK(rec[0] == std::to_string(r));
    CHECK(!rec[1].empty());
    CHECK(!rec[2].empty());
    CHECK(locales.count(rec[3]) == 1);
    CHECK(!rec[4].empty());
    CHECK(std::regex_match(rec[5], rfc3339));
    CHECK(rec[5] >= previous_time);  // RFC 3339 UTC strings sort by time
    previous_time = rec[5];
  }

  UtteranceGeneratorOptions named = options_with(3);
  named.text_column = "text";
  CHECK(generate_utterance_export(named).starts_with("id,text,intent,"));
  named.text_column = "say \"hi\", then";
  CHECK(generate_utterance_export(named).starts_with("id,\"say \"\"hi\"\", then\",intent,"));
}

TEST_CASE("utterance export: deterministic for a seed, independent of chunking") {
  const auto options = options_with(3000, 7);
  const std::string one_shot = generate_utterance_export(options);
  CHECK(generate_utterance_export(options) == one_shot);
  CHECK(generate_utterance_export(options_with(3000, 8)) != one_shot);
  // A prefix of a longer export is the shorter export: rows depend on (seed, index) only.
  CHECK(generate_utterance_export(options_with(5000, 7)).starts_with(one_shot));

  for (const std::size_t max_bytes : {std::size_t{0}, std::size_t{1}, std::size_t{37},
                                      std::size_t{500}, std::size_t{4096}, std::size_t{1} << 20}) {
    CAPTURE(max_bytes);
    UtteranceGenerator generator(options);
    std::string joined;
    std::string chunk;
    std::size_t calls = 0;
    bool oversize_only_single_rows = true;
    while (generator.next(chunk, max_bytes)) {
      ++calls;
      // Over the budget only when a single record (plus the header on the first call) is larger.
      if (chunk.size() > max_bytes && calls > 1 && count_records(chunk) > 1) {
        oversize_only_single_rows = false;
      }
      joined += chunk;
      chunk.clear();
    }
    CHECK(oversize_only_single_rows);
    CHECK(joined == one_shot);
    CHECK(generator.rows_written() == 3000);
    CHECK_FALSE(generator.next(chunk, max_bytes));
    CHECK(chunk.empty());
    if (max_bytes <= 1) CHECK(calls == 3000);
  }
}

TEST_CASE("utterance export: output for a seed is pinned") {
  // Benchmarks and docs compare runs by seed, and the generator must give the same bytes on every
  // platform. A deliberate change to the output updates this value (and invalidates old results).
  const std::string csv = generate_utterance_export(options_with(5000, 42));
  CHECK(csv.size() == 596334);
  CHECK(fnv1a(csv) == 0x619E9C07748F42ADULL);
}

TEST_CASE("utterance export: record counts") {
  CHECK(generate_utterance_export(options_with(0)) ==
        "id,utterance,intent,locale,channel,created_at\n");
  CHECK(count_records(generate_utterance_export(options_with(1))) == 2);
  const std::string csv = generate_utterance_export(options_with(12345, 3));
  CHECK(count_records(csv) == 12346);
  CHECK(csv.back() == '\n');

  UtteranceGenerator generator(options_with(10));
  std::string out;
  CHECK(generator.next(out, 0));
  CHECK(generator.rows_written() == 1);
  CHECK(count_records(out) == 2);
}

TEST_CASE("utterance export: every record has six fields and valid UTF-8") {
  const std::string csv = generate_utterance_export(options_with(20000, 11));
  CHECK(valid_utf8(csv));
  const auto records = parse_csv(csv);
  REQUIRE(records.size() == 20001);
  std::size_t bad = 0;
  for (const auto& r : records) bad += r.size() == 6 ? 0 : 1;
  CHECK(bad == 0);
  const double bytes_per_row = static_cast<double>(csv.size()) / 20000.0;
  CHECK(bytes_per_row > 100.0);
  CHECK(bytes_per_row < 140.0);
}

TEST_CASE("utterance export: entities, distractors and CSV-hostile text in 2000 rows") {
  const std::string csv = generate_utterance_export(options_with(2000));
  const auto records = parse_csv(csv);
  REQUIRE(records.size() == 2001);
  const auto texts = text_fields(records);

  const std::string en_month =
      "(January|February|March|April|May|June|July|August|September|October|November|December)";
  const std::string de_month =
      "(Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember)";
  const std::string fr_month =
      "(janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)";
  const std::string es_month =
      "(enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)";
  SUBCASE("dates in many spellings") {
    CHECK(rows_matching(texts, R"(\b\d{2}/\d{2}/\d{4}\b)") > 0);                // 12/05/2024
    CHECK(rows_matching(texts, R"((^|[^\d-])\d{1,2}-\d{1,2}-\d{2}\b)") > 0);    // 1-2-24
    CHECK(rows_matching(texts, R"(\b\d{4}-\d{2}-\d{2}\b)") > 0);                // 2024-05-12
    CHECK(rows_matching(texts, R"(\b\d{2}\.\d{2}\.\d{4}\b)") > 0);              // 12.05.2024
    CHECK(rows_matching(texts, en_month + R"( \d{1,2}, \d{4})") > 0);           // May 12, 2024
    CHECK(rows_matching(texts, R"(\b\d{1,2} )" + en_month + R"( \d{4})") > 0);  // 12 May 2024
    CHECK(rows_matching(texts, R"(\d{1,2}\. )" + de_month + R"( \d{4})") > 0);  // 12. Mai 2024
    CHECK(rows_matching(texts, "(1er|\\d{1,2}) " + fr_month + " \\d{4}") > 0);  // 3 février 2024
    // 12 de mayo de 2024
    CHECK(rows_matching(texts, "\\d{1,2} de " + es_month + " de \\d{4}") > 0);
    // Any date-looking text (impossible dates included), leaving out the d.m.yy form that
    // version strings share.
    const std::string any_date =
        R"(\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b\d{1,2}-\d{1,2}-\d{2}\b|\b\d{2}\.\d{2}\.\d{4}\b)"
        R"(|\b\d{4}-\d{2}-\d{2}\b|\d{1,2}(st|nd|rd|th)? (of )?)" +
        en_month + "|" + en_month + R"( \d{1,2}|\d\. )" + de_month + "|(1er|\\d{1,2}) " + fr_month +
        "| de " + es_month + " de ";
    const std::size_t date_rows = rows_matching(texts, any_date);
    CHECK(date_rows > 350);  // about 20%, plus follow-up sentences and impossible dates
    CHECK(date_rows < 650);
  }
  SUBCASE("phone numbers") {
    CHECK(rows_matching(texts, R"((^|[^\d-])\d{3}-\d{3}-\d{4}\b)") > 0);  // 555-123-4567
    CHECK(rows_matching(texts, R"(\(\d{3}\) \d{3}-\d{4})") > 0);          // (555) 123-4567
    CHECK(rows_matching(texts, R"(\+1 \d{3} \d{3} \d{4})") > 0);          // +1 555 123 4567
    CHECK(rows_matching(texts, R"(\+44 20 7946 \d{4})") > 0);             // +44 20 7946 0958
    CHECK(rows_matching(texts, R"(\+(49|33|34|52|61) )") > 0);            // other countries
  }
  SUBCASE("e-mail addresses") {
    const std::size_t emails = rows_matching(texts, R"([\w.+-]+@[\w-]+(\.[\w-]+)+)");
    CHECK(emails > 200);
    CHECK(emails < 500);
    CHECK(rows_matching(texts, R"(\w\+\w+@)") > 0);                 // plus-addressing
    CHECK(rows_matching(texts, R"(@[\w-]+\.[\w-]+\.[a-z]+)") > 0);  // subdomains
  }
  SUBCASE("ticket ids") {
    const std::size_t tickets = rows_matching(texts, R"(\bTICKET-\d{7}\b)");
    CHECK(tickets > 140);
    CHECK(tickets < 350);
  }
  SUBCASE("card numbers") {
    CHECK(rows_matching(texts, R"(\b\d{4} \d{4} \d{4} \d{4}\b)") > 0);
    CHECK(rows_matching(texts, R"(\b\d{4}-\d{4}-\d{4}-\d{4}\b)") > 0);
    CHECK(rows_matching(texts, R"((^|[^\d#C])\d{16}\b)") > 0);
  }
  SUBCASE("distractors") {
    CHECK(rows_matching(texts, R"([Vv]ersi(on|ón) \d+\.\d+\.\d+\b)") > 20);         // 3.10.12
    CHECK(rows_matching(texts, R"(\$\d+\.\d{2}\b)") > 20);                          // $12.05
    CHECK(rows_matching(texts, R"(\b\d{1,2}:\d{2}\b)") > 20);                       // 10:30
    CHECK(rows_matching(texts, R"((^|[^\d/])\d/\d($|[^\d/]))") > 20);               // 3/4
    CHECK(rows_matching(texts, R"(\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b)") > 20);  // IPv4
    CHECK(rows_matching(texts, R"(#\d{9}\b)") > 20);                                // #123456789
    CHECK(rows_matching(texts, R"(\bACC\d{10}\b)") > 20);                           // ACC1234567890
    // Impossible dates: neither day-month nor month-day order gives a real date.
    const std::regex numeric(R"(\b(\d{2})[/.](\d{2})[/.](\d{4})\b)");
    std::size_t impossible = 0;
    for (const auto& t : texts) {
      for (std::sregex_iterator it(t.begin(), t.end(), numeric), end; it != end; ++it) {
        const int a = std::stoi((*it)[1]);
        const int b = std::stoi((*it)[2]);
        const int y = std::stoi((*it)[3]);
        if (!valid_calendar_date(a, b, y) && !valid_calendar_date(b, a, y)) ++impossible;
      }
    }
    CHECK(impossible > 10);
  }
  SUBCASE("languages, non-ASCII letters and emoji") {
    std::size_t english = 0;
    std::set<std::string> locales;
    for (std::size_t r = 1; r < records.size(); ++r) {
      locales.insert(records[r][3]);
      if (records[r][3].starts_with("en-")) ++english;
    }
    CHECK(locales.size() == 7);
    CHECK(english > 1100);
    CHECK(english < 1500);
    CHECK(csv.find("ä") != std::string::npos);
    CHECK(csv.find("é") != std::string::npos);
    CHECK(csv.find("ñ") != std::string::npos);
    CHECK(csv.find("\xF0\x9F") != std::string::npos);  // a four-byte emoji
  }
  SUBCASE("commas and quotes force RFC 4180 quoting") {
    std::size_t with_comma = 0;
    std::size_t with_quote = 0;
    for (const auto& t : texts) {
      if (t.find(',') != std::string::npos) ++with_comma;
      if (t.find('"') != std::string::npos) ++with_quote;
    }
    CHECK(with_comma > 200);
    CHECK(with_quote > 5);
    CHECK(csv.find("\"\"") != std::string::npos);  // doubled quote inside a quoted field
  }
}

TEST_CASE("utterance export: about 1 in 500 texts has an embedded line break") {
  const auto records = parse_csv(generate_utterance_export(options_with(10000, 5)));
  std::size_t multi_line = 0;
  for (std::size_t r = 1; r < records.size(); ++r) {
    if (records[r][1].find('\n') != std::string::npos) ++multi_line;
  }
  CHECK(multi_line >= 8);
  CHECK(multi_line <= 40);
}

TEST_CASE("utterance export: card numbers carry a valid Luhn check digit") {
  const auto texts = text_fields(parse_csv(generate_utterance_export(options_with(5000, 9))));
  // Sixteen digits in 4-4-4-4 (Visa, Mastercard) or fifteen in 4-6-5 (American Express).
  const std::regex card(R"(\b(\d{4}([ -]?)\d{4}\2\d{4}\2\d{4}|3[47]\d{2}([ -]?)\d{6}\3\d{5})\b)");
  std::size_t cards = 0;
  std::size_t amex = 0;
  for (const auto& t : texts) {
    for (std::sregex_iterator it(t.begin(), t.end(), card), end; it != end; ++it) {
      std::string digits;
      for (char c : (*it)[1].str()) {
        if (c >= '0' && c <= '9') digits += c;
      }
      CAPTURE(t);
      CHECK(luhn_valid(digits));
      ++cards;
      if (digits.size() == 15) ++amex;
    }
  }
  CHECK(cards > 200);
  CHECK(amex > 0);
}

TEST_CASE("utterance export: CRLF and BOM options") {
  UtteranceGeneratorOptions o = options_with(3000, 5);
  o.crlf = true;
  o.bom = true;
  const std::string csv = generate_utterance_export(o);
  REQUIRE(csv.starts_with(kBom));
  CHECK(csv.substr(kBom.size()).starts_with("id,utterance,intent,locale,channel,created_at\r\n"));
  std::size_t bare_lf = 0;
  for (std::size_t i = 0; i < csv.size(); ++i) {
    if (csv[i] == '\n' && (i == 0 || csv[i - 1] != '\r')) ++bare_lf;
  }
  CHECK(bare_lf == 0);
  CHECK(csv.ends_with("\r\n"));
  CHECK(count_records(csv) == 3001);
  CHECK(parse_csv(std::string_view(csv).substr(kBom.size())).size() == 3001);

  // Same rows as the LF export, only the line endings differ.
  std::string unix_style;
  for (std::size_t i = kBom.size(); i < csv.size(); ++i) {
    if (!(csv[i] == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n')) unix_style += csv[i];
  }
  CHECK(unix_style == generate_utterance_export(options_with(3000, 5)));
  CHECK_FALSE(generate_utterance_export(options_with(10)).starts_with(kBom));
}

TEST_CASE("write_utterance_export writes the file durably and leaves no temporary behind") {
  TempDir dir;
  const std::string path = dir.file("export.csv");
  const auto options = options_with(2500, 13);
  const sluice::Status status = write_utterance_export(path, options);
  REQUIRE(status.ok());
  CHECK(read_file(path) == generate_utterance_export(options));

  // Replaces an existing file.
  const auto smaller = options_with(10, 13);
  REQUIRE(write_utterance_export(path, smaller).ok());
  CHECK(read_file(path) == generate_utterance_export(smaller));

  CHECK(dir.entries() == std::vector<std::string>{"export.csv"});
}

TEST_CASE("write_utterance_export reports an unwritable path") {
  TempDir dir;
  const std::string missing = dir.file("no-such-dir/export.csv");
  const sluice::Status status = write_utterance_export(missing, options_with(5));
  CHECK_FALSE(status.ok());
  CHECK(status.code() == StatusCode::io_error);
  CHECK(status.message().find(missing) != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(missing));

  // A directory where the file should go: the rename fails and the temporary is removed.
  const std::string taken = dir.file("taken");
  std::filesystem::create_directories(taken + "/child");
  const sluice::Status over_dir = write_utterance_export(taken, options_with(5));
  CHECK_FALSE(over_dir.ok());
  CHECK(over_dir.message().find(taken) != std::string::npos);
  CHECK(dir.entries() == std::vector<std::string>{"taken"});

  CHECK(write_utterance_export("", options_with(5)).code() == StatusCode::invalid_argument);
}
