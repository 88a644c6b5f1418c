#include "sluice/value.hpp"

#include <doctest/doctest.h>

#include <stdexcept>

using sluice::Diagnostic;
using sluice::SourceLocation;
using sluice::Value;

TEST_CASE("SourceLocation::describe leaves out unknown parts") {
  CHECK(SourceLocation{"p.yaml", 12, 5}.describe() == "p.yaml:12:5");
  CHECK(SourceLocation{"p.yaml", 12, 0}.describe() == "p.yaml:12");
  CHECK(SourceLocation{"p.yaml", 0, 0}.describe() == "p.yaml");
  CHECK(SourceLocation{"", 3, 7}.describe() == "3:7");
  CHECK(SourceLocation{}.describe().empty());
}

TEST_CASE("Diagnostic::describe puts the location in front of the message") {
  CHECK(Diagnostic{{"p.yaml", 2, 3}, "bad"}.describe() == "p.yaml:2:3: bad");
  CHECK(Diagnostic{{}, "bad"}.describe() == "bad");
}

TEST_CASE("Value builders set kind, content and location") {
  const Value scalar = Value::scalar("42", {"f", 1, 2});
  CHECK(scalar.is_scalar());
  CHECK(scalar.text() == "42");
  CHECK(scalar.location().describe() == "f:1:2");

  const Value list = Value::list({Value::scalar("a"), Value::scalar("b")});
  CHECK(list.is_list());
  REQUIRE(list.items().size() == 2);
  CHECK(list.items()[1].text() == "b");
  CHECK(list.text().empty());

  const Value map = Value::map({{"x", Value::scalar("1")}, {"y", Value()}});
  CHECK(map.is_map());
  REQUIRE(map.find("x") != nullptr);
  CHECK(map.find("x")->text() == "1");
  CHECK(map.find("y")->is_null());
  CHECK(map.find("z") == nullptr);

  CHECK(Value().is_null());
  CHECK(Value().kind() == Value::Kind::null);
}

TEST_CASE("Value::set replaces, appends in order and turns null into a map") {
  Value value;
  value.set("b", Value::scalar("1"));
  value.set("a", Value::scalar("2"));
  value.set("b", Value::scalar("3"));
  CHECK(value.is_map());
  REQUIRE(value.entries().size() == 2);
  CHECK(value.entries()[0].first == "b");
  CHECK(value.entries()[0].second.text() == "3");
  CHECK(value.entries()[1].first == "a");

  Value scalar = Value::scalar("x");
  CHECK_THROWS_AS(scalar.set("k", Value()), std::logic_error);
}

TEST_CASE("display shows scalars, placeholders for containers and hides secrets") {
  CHECK(Value::scalar("abc").display() == "abc");
  CHECK(Value::list({}).display() == "[list]");
  CHECK(Value::map({}).display() == "{map}");
  CHECK(Value().display() == "null");

  Value secret = Value::scalar("hunter2");
  secret.mark_secret();
  CHECK(secret.secret());
  CHECK(secret.display() == "***");
  CHECK(secret.text() == "hunter2");
}

TEST_CASE("mark_secret reaches every value below, including ones set later") {
  Value tree = Value::map({{"list", Value::list({Value::scalar("a")})},
                           {"inner", Value::map({{"k", Value::scalar("v")}})}});
  tree.mark_secret();
  CHECK(tree.find("list")->items()[0].secret());
  CHECK(tree.find("inner")->find("k")->display() == "***");

  tree.set("added", Value::scalar("later"));
  CHECK(tree.find("added")->secret());
}
