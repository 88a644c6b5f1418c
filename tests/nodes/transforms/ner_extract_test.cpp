// ner_extract as a node: column lookup, appended columns, custom entities, configuration errors.
// (Recognizer formats and distractors are covered by tests/nodes/support/ner/.)
#include <doctest/doctest.h>
#include <oneapi/tbb/info.h>

#include <chrono>
#include <thread>

#include "support/ner/phone_recognizer.hpp"
#include "support/temp_dir.hpp"
#include "support/test_nodes.hpp"

using namespace sluice;
using namespace sluice::testing;

namespace {

std::string enrich(const TempDir& dir, const std::string& input, const std::string& node_options,
                   RunReport* report_out = nullptr) {
  write_file(dir.file("in.csv"), input);
  const std::string yaml = R"(
id: ner
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv" } }
  - { id: parse, type: csv_parse, input: read }
  - id: ner
    type: ner_extract
    input: parse
    options:
)" + node_options + R"(
  - { id: serialize, type: csv_serialize, input: ner }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)";
  const RunReport report = run_yaml(yaml, {{"dir", dir.path().string()}});
  if (report_out != nullptr) *report_out = report;
  if (!report.status.ok()) return "ERROR: " + report.status.message();
  return read_file(dir.file("out.csv"));
}

}  // namespace

TEST_CASE("ner_extract appends one column per entity, matches in order, each once") {
  TempDir dir;
  const std::string out = enrich(dir,
                                 "id,Utterance,intent\n"
                                 "1,\"call 555-123-4567 or mail a@b.com, a@b.com again\",help\n"
                                 "2,TICKET-12345 opened 2024-05-12 and TICKET-99999,ticket\n"
                                 "3,nothing here,none\n",
                                 "      entities: [dates, phones, emails, tickets]");
  CHECK(out ==
        "id,Utterance,intent,ner_dates,ner_phones,ner_emails,ner_tickets\n"
        "1,\"call 555-123-4567 or mail a@b.com, a@b.com again\",help,,555-123-4567,a@b.com,\n"
        "2,TICKET-12345 opened 2024-05-12 and TICKET-99999,ticket,2024-05-12,,,"
        "TICKET-12345;TICKET-99999\n"
        "3,nothing here,none,,,,\n");
}

TEST_CASE("ner_extract finds the text column by its candidates, and says so when none exists") {
  TempDir dir;
  CHECK(enrich(dir, "id,TEXT\n1,mail x@y.org\n", "      entities: [emails]") ==
        "id,TEXT,ner_emails\n1,mail x@y.org,x@y.org\n");
  const std::string error = enrich(dir, "id,message\n1,mail x@y.org\n", "      entities: [emails]");
  CHECK(
      error.find("no text column: none of [utterance, text] is among the columns [id, message]") !=
      std::string::npos);
  CHECK(error.find("text_columns") != std::string::npos);
  CHECK(enrich(dir, "id,message\n1,mail x@y.org\n",
               "      entities: [emails]\n      text_columns: [message]") ==
        "id,message,ner_emails\n1,mail x@y.org,x@y.org\n");
}

TEST_CASE("ner_extract user-defined entities, with a semicolon inside a match escaped") {
  TempDir dir;
  const std::string out = enrich(dir, "id,text\n1,order ORD-123456 and ORD-654321; code A;B\n",
                                 "      entities: [tickets]\n"
                                 "      custom:\n"
                                 "        - { name: order, pattern: 'ORD-\\d{6}' }\n"
                                 "        - { name: code, pattern: 'a;b', caseless: true }");
  CHECK(out ==
        "id,text,ner_tickets,ner_order,ner_code\n"
        "1,order ORD-123456 and ORD-654321; code A;B,,ORD-123456;ORD-654321,A\\;B\n");
}

TEST_CASE("ner_extract refreshes existing ner_* columns instead of duplicating them") {
  TempDir dir;
  const std::string out =
      enrich(dir, "id,text,ner_emails\n1,mail x@y.org,stale@old.com\n", "      entities: [emails]");
  CHECK(out == "id,text,ner_emails\n1,mail x@y.org,x@y.org\n");
}

TEST_CASE("ner_extract configuration errors are reported at validation with their line") {
  TempDir dir;
  std::string error = enrich(dir, "id,text\n", "      entities: [dates, colors]");
  CHECK(error.find("test.yaml:10:") != std::string::npos);
  CHECK(error.find("unknown entity 'colors'") != std::string::npos);
  error = enrich(dir, "id,text\n",
                 "      entities: [dates]\n      custom:\n        - { name: bad, pattern: 'ab(' }");
  CHECK(error.find("test.yaml:12:") != std::string::npos);
  CHECK(error.find("custom entity 'bad'") != std::string::npos);
  CHECK(error.find("offset 3") != std::string::npos);
  error = enrich(dir, "id,text\n", "      entities: [dates, dates]");
  CHECK(error.find("listed twice") != std::string::npos);
}

TEST_CASE("ner_extract custom patterns use ASCII classes unless unicode: true") {
  TempDir dir;
  // "code" followed by Arabic-Indic digits (U+0663 U+0664), then ASCII ones.
  const std::string input = "id,text\n1,code \xD9\xA3\xD9\xA4 and code 42\n";
  CHECK(enrich(dir, input,
               "      entities: [tickets]\n"
               "      custom:\n"
               "        - { name: code, pattern: 'code \\d+' }") ==
        "id,text,ner_tickets,ner_code\n1,code \xD9\xA3\xD9\xA4 and code 42,,code 42\n");
  CHECK(enrich(dir, input,
               "      entities: [tickets]\n"
               "      custom:\n"
               "        - { name: code, pattern: 'code \\d+', unicode: true }") ==
        "id,text,ner_tickets,ner_code\n1,code \xD9\xA3\xD9\xA4 and code 42,,code "
        "\xD9\xA3\xD9\xA4;code 42\n");
}

TEST_CASE("ner_extract: an invalid UTF-8 text loses only its own entities") {
  TempDir dir;
  const std::string valid_rows =
      "1,TICKET-1234 on 2024-05-12 caf\xC3\xA9\n"
      "2,mail a@b.com\n";
  // Valid as a whole: the parser vouches for every text.
  CHECK(enrich(dir, "id,text\n" + valid_rows, "      entities: [dates, emails, tickets]") ==
        "id,text,ner_dates,ner_emails,ner_tickets\n"
        "1,TICKET-1234 on 2024-05-12 caf\xC3\xA9,2024-05-12,,TICKET-1234\n"
        "2,mail a@b.com,,a@b.com,\n");
  // One bad byte in the block: each text is checked; only the bad one gives nothing.
  CHECK(enrich(dir, "id,text\n" + valid_rows + "3,TICKET-5678 \xC3\x28 a@b.com\n4,TICKET-9999\n",
               "      entities: [dates, emails, tickets]") ==
        "id,text,ner_dates,ner_emails,ner_tickets\n"
        "1,TICKET-1234 on 2024-05-12 caf\xC3\xA9,2024-05-12,,TICKET-1234\n"
        "2,mail a@b.com,,a@b.com,\n"
        "3,TICKET-5678 \xC3\x28 a@b.com,,,\n"
        "4,TICKET-9999,,,TICKET-9999\n");
}

TEST_CASE("ner_extract preloads libphonenumber only on a core the run leaves free") {
  const int cores = oneapi::tbb::info::default_concurrency();
  if (cores < 2) {
    MESSAGE("one core: no run leaves a core free");
    return;
  }
  // Only preload_metadata() sets the flag; a number that needs the library loads it without it.
  // Other test cases in the same process may have preloaded already (ctest runs each case alone).
  const auto loaded_within = [](std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (!nodes::ner::PhoneRecognizer::metadata_loaded() &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return nodes::ner::PhoneRecognizer::metadata_loaded();
  };
  TempDir dir;
  const std::string input = "id,text\n1,no numbers here\n";
  const auto run_with = [&](int threads) {
    write_file(dir.file("in.csv"), input);
    RunOptions options;
    options.threads = threads;
    const RunReport report = run_yaml(R"(
id: ner
nodes:
  - { id: read, type: file_read, options: { path: "${dir}/in.csv" } }
  - { id: parse, type: csv_parse, input: read }
  - { id: ner, type: ner_extract, input: parse, options: { entities: [phones] } }
  - { id: serialize, type: csv_serialize, input: ner }
  - { id: write, type: file_write, input: serialize, options: { path: "${dir}/out.csv" } }
)",
                                      {{"dir", dir.path().string()}}, options);
    REQUIRE(report.status.ok());
  };
  if (!nodes::ner::PhoneRecognizer::metadata_loaded()) {
    run_with(cores);  // a worker on every core: nothing ahead of need
    CHECK_FALSE(loaded_within(std::chrono::milliseconds(1000)));
  } else {
    MESSAGE("already preloaded by an earlier test case in this process");
  }
  run_with(cores - 1);
  CHECK(loaded_within(std::chrono::seconds(30)));
}
