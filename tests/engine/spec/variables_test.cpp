#include "spec/variables.hpp"

#include <doctest/doctest.h>

#include "support/string_lists.hpp"

#include <cstdlib>
#include <string>
#include <vector>

using sluice::Diagnostic;
using sluice::LoadOptions;
using sluice::SourceLocation;
using sluice::Value;
using sluice::detail::expand_value;
using sluice::detail::expand_variables;

namespace {

const SourceLocation kAt{"p.yaml", 4, 11};

/// Sets an environment variable for the lifetime of the guard.
class EnvGuard {
 public:
  EnvGuard(const char* name, const char* value) : name_(name) { setenv(name, value, 1); }
  ~EnvGuard() { unsetenv(name_); }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  const char* name_;
};

struct Expanded {
  std::string text;
  std::vector<std::string> problems;
};

Expanded expand(const std::string& text, const LoadOptions& options = {}) {
  std::vector<Diagnostic> problems;
  Expanded out;
  out.text = expand_variables(text, kAt, options, problems);
  for (const auto& problem : problems) out.problems.push_back(problem.describe());
  return out;
}

}  // namespace

TEST_CASE("text without references is unchanged, lone '$' stays") {
  CHECK(expand("plain text").text == "plain text");
  CHECK(expand("cost: 5$ or $x").text == "cost: 5$ or $x");
  CHECK(expand("trailing $").text == "trailing $");
  CHECK(expand("").text.empty());
}

TEST_CASE("${VAR} anywhere in the string, several per string") {
  const LoadOptions options{{{"dir", "/data"}, {"name", "in"}}, false};
  const Expanded out = expand("${dir}/${name}.csv and ${name}", options);
  CHECK(out.problems.empty());
  CHECK(out.text == "/data/in.csv and in");
}

TEST_CASE("$$ is a literal dollar and never starts a reference") {
  const LoadOptions options{{{"x", "1"}}, false};
  CHECK(expand("$$", options).text == "$");
  CHECK(expand("price: $$5", options).text == "price: $5");
  CHECK(expand("$${x}", options).text == "${x}");
  CHECK(expand("$$$${x}", options).text == "$${x}");
  CHECK(expand("$$${x}", options).text == "$1");
}

TEST_CASE("${VAR:-default} uses the default when unset or empty") {
  const LoadOptions options{{{"set", "value"}, {"empty", ""}}, false};
  CHECK(expand("${unset:-fallback}", options).text == "fallback");
  CHECK(expand("${set:-fallback}", options).text == "value");
  CHECK(expand("${empty:-fallback}", options).text == "fallback");
  CHECK(expand("${empty}", options).text.empty());
  CHECK(expand("${unset:-}", options).text.empty());
  CHECK(expand("${unset:-a:-b}", options).text == "a:-b");
  // Defaults are expanded too, so they can name another variable.
  CHECK(expand("${unset:-${set}}", options).text == "value");
  CHECK(expand("${unset:-${other:-x}/y}", options).text == "x/y");
}

TEST_CASE("values are inserted as they are, never expanded again") {
  const LoadOptions options{{{"a", "${b}"}, {"b", "no"}}, false};
  CHECK(expand("${a}", options).text == "${b}");
}

TEST_CASE("--set values override the environment, the environment is used otherwise") {
  EnvGuard input("SLUICE_TEST_INPUT", "from-env");
  EnvGuard only("SLUICE_TEST_ONLY_ENV", "env-only");
  const LoadOptions options{{{"SLUICE_TEST_INPUT", "from-set"}}, true};
  CHECK(expand("${SLUICE_TEST_INPUT}", options).text == "from-set");
  CHECK(expand("${SLUICE_TEST_ONLY_ENV}", options).text == "env-only");

  const LoadOptions no_environment{{}, false};
  const Expanded hidden = expand("${SLUICE_TEST_ONLY_ENV}", no_environment);
  CHECK(hidden.problems ==
        std::vector<std::string>{"p.yaml:4:11: variable 'SLUICE_TEST_ONLY_ENV' is not set; set it "
                                 "with --set SLUICE_TEST_ONLY_ENV=..."});
}

TEST_CASE("an unset variable is reported at the scalar's location") {
  unsetenv("SLUICE_TEST_INPUT");
  const Expanded out = expand("${SLUICE_TEST_INPUT}/x");
  CHECK(out.problems ==
        std::vector<std::string>{"p.yaml:4:11: variable 'SLUICE_TEST_INPUT' is not set; set it "
                                 "in the environment or with --set SLUICE_TEST_INPUT=..."});
}

TEST_CASE("every problem in a scalar is reported, each once") {
  const LoadOptions options{{}, false};
  const Expanded out = expand("${A}/${B}/${A}/${9x}/${}/${C", options);
  CHECK(out.problems ==
        std::vector<std::string>{
            "p.yaml:4:11: variable 'A' is not set; set it with --set A=...",
            "p.yaml:4:11: variable 'B' is not set; set it with --set B=...",
            "p.yaml:4:11: invalid variable name '9x'; names use letters, digits and '_' and do "
            "not start with a digit",
            "p.yaml:4:11: empty variable name in '${...}'",
            "p.yaml:4:11: unterminated '${' (no closing '}'); write '$$' for a literal '$'",
        });
}

TEST_CASE("an unterminated reference does not echo the text") {
  const Expanded out = expand("token-${abc", LoadOptions{{}, false});
  REQUIRE(out.problems.size() == 1);
  CHECK(out.problems[0].find("token") == std::string::npos);
}

TEST_CASE("expand_value expands every scalar, keeps secrets and locations") {
  Value secret = Value::scalar("${key}", {"p.yaml", 3, 9});
  secret.mark_secret();
  Value tree = Value::map({{"path", Value::scalar("${dir}/a", {"p.yaml", 2, 9})},
                           {"list", Value::list({Value::scalar("${dir}")})},
                           {"secret", secret},
                           {"${dir}", Value()}});
  std::vector<Diagnostic> problems;
  expand_value(tree, LoadOptions{{{"dir", "/d"}, {"key", "k"}}, false}, problems);
  CHECK(problems.empty());
  CHECK(tree.find("path")->text() == "/d/a");
  CHECK(tree.find("path")->location().describe() == "p.yaml:2:9");
  CHECK(tree.find("list")->items()[0].text() == "/d");
  CHECK(tree.find("secret")->text() == "k");
  CHECK(tree.find("secret")->secret());
  CHECK(tree.find("${dir}") != nullptr);  // keys are not expanded
}
