// The sluice command as a user runs it: exit codes, messages, outputs, signals.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "support/temp_dir.hpp"

using namespace sluice::testing;

namespace {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs build/sluice with `args`; stdout and stderr are captured through files.
Outcome run_sluice(const std::vector<std::string>& args, const TempDir& dir) {
  const std::string out_path = dir.file(".stdout"), err_path = dir.file(".stderr");
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    std::vector<char*> argv{const_cast<char*>(SLUICE_BINARY)};
    for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execv(SLUICE_BINARY, argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  Outcome outcome;
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  outcome.out = read_file(out_path);
  outcome.err = read_file(err_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return outcome;
}

const std::string kPipeline = std::string(SLUICE_SOURCE_DIR) + "/pipelines/utterance_ner_local.yaml";

}  // namespace

TEST_CASE("sluice validate lists every problem with file:line:column and exits 1") {
  TempDir dir;
  write_file(dir.file("bad.yaml"), R"(id: broken
nodes:
  - id: read
    type: file_raed
    options: { path: in.csv }
  - id: parse
    type: csv_parse
    input: reed
    options: { delimter: ";" }
  - id: write
    type: file_write
    input: parse
    options: { path: out.csv }
)");
  const Outcome outcome = run_sluice({"validate", dir.file("bad.yaml")}, dir);
  CHECK(outcome.exit_code == 1);
  const std::string file = dir.file("bad.yaml");
  CHECK(outcome.err.find(file + ":4:11: unknown node type 'file_raed' in node 'read'; did you mean 'file_read'?") !=
        std::string::npos);
  CHECK(outcome.err.find(file + ":8:12:") != std::string::npos);    // dangling input
  CHECK(outcome.err.find("'reed'") != std::string::npos);
  CHECK(outcome.err.find(file + ":9:") != std::string::npos);       // unknown option
  CHECK(outcome.err.find("did you mean 'delimiter'") != std::string::npos);
  CHECK(outcome.err.find("3 problems found in " + file) != std::string::npos);

  write_file(dir.file("kinds.yaml"), R"(id: kinds
nodes:
  - { id: read, type: file_read, options: { path: in.csv } }
  - { id: parse, type: csv_parse, input: read }
  - { id: write, type: file_write, input: parse, options: { path: out.csv } }
)");
  const Outcome kinds = run_sluice({"validate", dir.file("kinds.yaml")}, dir);
  CHECK(kinds.exit_code == 1);
  CHECK(kinds.err.find(dir.file("kinds.yaml") + ":5:") != std::string::npos);
  CHECK(kinds.err.find("expects bytes") != std::string::npos);
  CHECK(kinds.err.find("produces rows") != std::string::npos);
}

TEST_CASE("sluice validate accepts the shipped pipeline and names unset variables") {
  TempDir dir;
  Outcome outcome = run_sluice({"validate", kPipeline, "--set", "input=a.csv", "--set", "output=b.csv"}, dir);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.find("is valid") != std::string::npos);
  outcome = run_sluice({"validate", kPipeline}, dir);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.err.find("2 variables are not set: input, output; set them in the environment or "
                         "with --set NAME=value") != std::string::npos);
}

TEST_CASE("sluice sample + run produce the enriched CSV, a summary and a JSON report") {
  TempDir dir;
  REQUIRE(run_sluice({"sample", "--rows", "2000", "--output", dir.file("in.csv")}, dir).exit_code == 0);
  const Outcome outcome =
      run_sluice({"run", kPipeline, "--set", "input=" + dir.file("in.csv"), "--set",
                  "output=" + dir.file("out.csv"), "--threads", "2", "--report", dir.file("report.json")},
                 dir);
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  CHECK(outcome.out.find("entities") != std::string::npos);
  CHECK(outcome.out.find("peak RSS") != std::string::npos);
  CHECK(outcome.err.find("wrote " + dir.file("out.csv")) != std::string::npos);
  CHECK(read_file(dir.file("out.csv")).rfind("id,utterance,intent,locale,channel,created_at,ner_dates", 0) == 0);
  const std::string report = read_file(dir.file("report.json"));
  CHECK(report.find("\"status\":\"success\"") != std::string::npos);
  CHECK(report.find("\"threads\":2") != std::string::npos);
}

TEST_CASE("sluice run --trace writes a task timeline next to the output") {
  TempDir dir;
  REQUIRE(run_sluice({"sample", "--rows", "500", "--output", dir.file("in.csv")}, dir).exit_code == 0);
  const Outcome outcome =
      run_sluice({"run", kPipeline, "--set", "input=" + dir.file("in.csv"), "--set",
                  "output=" + dir.file("out.csv"), "--quiet", "--trace", dir.file("trace.json")},
                 dir);
  REQUIRE_MESSAGE(outcome.exit_code == 0, outcome.err);
  const std::string trace = read_file(dir.file("trace.json"));
  CHECK(trace.rfind("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", 0) == 0);
  CHECK(trace.find("\"name\":\"entities\",\"ph\":\"X\"") != std::string::npos);
  CHECK(trace.find("\"cpu_us\":") != std::string::npos);
}

TEST_CASE("sluice run names the node, file and row of a bad row, exits 1 and writes nothing") {
  TempDir dir;
  write_file(dir.file("in.csv"), "id,utterance\n1,hello\n2,a,b\n");
  const Outcome outcome = run_sluice(
      {"run", kPipeline, "--set", "input=" + dir.file("in.csv"), "--set", "output=" + dir.file("out.csv")}, dir);
  CHECK(outcome.exit_code == 1);
  CHECK(outcome.err.find("node 'parse' (csv_parse) failed on " + dir.file("in.csv") +
                         ": row 3: expected 2 fields, found 3") != std::string::npos);
  CHECK(outcome.err.find("no output was written") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.file("out.csv")));
}

TEST_CASE("SIGTERM cancels a run cleanly: exit 130 and no partial output") {
  TempDir dir;
  int input[2];
  REQUIRE(::pipe(input) == 0);
  const std::string out_path = dir.file(".stdout"), err_path = dir.file(".stderr");
  const std::string output = dir.file("out.csv");
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(input[0], STDIN_FILENO);
    ::close(input[1]);
    const int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(err, STDERR_FILENO);
    const std::string output_arg = "output=" + output;
    const char* argv[] = {SLUICE_BINARY, "run", kPipeline.c_str(), "--set", "input=-", "--set",
                          output_arg.c_str(), nullptr};
    ::execv(SLUICE_BINARY, const_cast<char* const*>(argv));
    ::_exit(127);
  }
  ::close(input[0]);
  const std::string rows = "id,utterance\n1,call me at 555-123-4567\n2,mail a@b.com\n";
  REQUIRE(::write(input[1], rows.data(), rows.size()) == static_cast<ssize_t>(rows.size()));
  // The writer stays open and quiet: the run is waiting for more input when it is told to stop.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid, SIGTERM);
  int status = 0;
  const auto start = std::chrono::steady_clock::now();
  ::waitpid(pid, &status, 0);
  ::close(input[1]);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 130);
  CHECK(read_file(err_path).find("cancelled by SIGTERM") != std::string::npos);
  std::filesystem::remove(err_path);
  CHECK(dir.entries().empty());  // no output, no temp file
}

TEST_CASE("sluice nodes lists every built-in type with its options") {
  TempDir dir;
  const Outcome outcome = run_sluice({"nodes"}, dir);
  CHECK(outcome.exit_code == 0);
  for (const char* type : {"file_read", "csv_parse", "ner_extract", "csv_serialize", "file_write",
                           "json_parse", "json_serialize"}) {
    CHECK(outcome.out.find(type) != std::string::npos);
  }
  CHECK(outcome.out.find("text_columns (string_list, default [utterance, text])") != std::string::npos);
  const Outcome unknown = run_sluice({"nodes", "csv_prase"}, dir);
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.find("known types:") != std::string::npos);
}

TEST_CASE("sluice graph prints DOT") {
  TempDir dir;
  const Outcome outcome = run_sluice({"graph", kPipeline, "--set", "input=a", "--set", "output=b"}, dir);
  CHECK(outcome.exit_code == 0);
  CHECK(outcome.out.find("digraph") != std::string::npos);
  CHECK(outcome.out.find("parse") != std::string::npos);
}
