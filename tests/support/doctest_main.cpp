// The suite's main: doctest's own, plus one rule. ctest runs each test case as its own entry,
// selected by name (doctest_discover_tests); an entry whose name selects no test case would pass
// without testing anything. That happened: CMake splits lists at ';', so a TEST_CASE name with a
// ';' became two entries that each matched nothing. A run that selects no test case now fails.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

struct SelectionCount {
  bool queried = false;  // --list-test-cases, --count, --help and the like: nothing runs
  bool ran = false;
  unsigned selected = 0;  // test cases that passed the filters
};

SelectionCount& selection_count() {
  static SelectionCount count;
  return count;
}

// A listener sees every run alongside the chosen reporter; it only counts.
class SelectionListener : public doctest::IReporter {
 public:
  explicit SelectionListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override { selection_count().queried = true; }
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    selection_count().ran = true;
    selection_count().selected = stats.numTestCasesPassingFilters;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("selection_count", 0, SelectionListener);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int result = context.run();
  if (context.shouldExit()) return result;
  const SelectionCount& count = selection_count();
  if (count.ran && !count.queried && count.selected == 0) {
    std::fprintf(stderr,
                 "sluice_tests: no test case matches the filters given, so nothing was tested.\n"
                 "  Check the --test-case value; a TEST_CASE name must not contain ';' (CMake "
                 "splits ctest names there).\n");
    return 1;
  }
  return result;
}
