// Tests for engine/builtins_quantity: parsing and canonical text of
// Kubernetes quantities, and the quantity built-ins end to end.
#include "engine/builtins_quantity.h"

#include <catch2/catch.hpp>

#include <string>

#include "engine/expression.h"

namespace gavel {
namespace {

TEST_CASE("ParseQuantity and CanonicalQuantity", "[quantity]") {
  struct Case {
    const char* text;
    const char* canonical;
  };
  const Case cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"+1", "1"},
      {"1", "1"},
      {"500m", "0.5"},
      {"1000m", "1"},
      {"1500m", "1.5"},
      {"1n", "0.000000001"},
      {"1u", "0.000001"},
      {"1k", "1000"},
      {"1M", "1000000"},
      {"1G", "1000000000"},
      {"1T", "1000000000000"},
      {"1P", "1000000000000000"},
      {"1E", "1000000000000000000"},
      {"1Ki", "1024"},
      {"1Mi", "1048576"},
      {"2Gi", "2147483648"},
      {"1Ti", "1099511627776"},
      {"1Pi", "1125899906842624"},
      {"1Ei", "1152921504606846976"},
      {"1.5Gi", "1610612736"},
      {"0.5Ki", "512"},
      {"1e3", "1000"},
      {"1E3", "1000"},
      {"1e+3", "1000"},
      {"1E-3", "0.001"},
      {"12.5e-1", "1.25"},
      {".5", "0.5"},
      {"5.", "5"},
      {"-1.5", "-1.5"},
      {"0.1n", "0.000000001"},    // rounded up to a nano
      {"-0.1n", "-0.000000001"},  // away from zero
      {"1e-100", "0.000000001"},
      {"0e100", "0"},
      {"007", "7"},
      {"1.000000000000000000000000000000000000000000000", "1"},
      {"99999999999999999999999999999", "99999999999999999999999999999"},  // 10^29 - 1
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<Quantity> q = ParseQuantity(c.text);
    REQUIRE(q.ok());
    CHECK(CanonicalQuantity(*q) == c.canonical);
    absl::StatusOr<Quantity> back = ParseQuantity(CanonicalQuantity(*q));
    REQUIRE(back.ok());
    CHECK((back->nanos == q->nanos));
  }
}

TEST_CASE("ParseQuantity errors", "[quantity]") {
  struct Case {
    const char* text;
    const char* want;
  };
  const Case cases[] = {
      {"", "want a number"},
      {"-", "want a number"},
      {"Gi", "want a number"},
      {".", "want a number"},
      {"2GB", "unknown suffix `GB`"},
      {"2gi", "unknown suffix `gi`"},
      {"2 Gi", "unknown suffix ` Gi`"},
      {"1e", "unknown suffix `e`"},
      {"1e+", "unknown suffix `e+`"},
      {"1e3.5", "unknown suffix `e3.5`"},
      {"1.2.3", "unknown suffix `.3`"},
      {"--1", "want a number"},
      {"100000000000000000000000000000", "out of range"},  // 10^29
      {"1e29", "out of range"},
      {"1e1000000000", "out of range"},
      {"100000000000Ei", "out of range"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    absl::StatusOr<Quantity> q = ParseQuantity(c.text);
    REQUIRE_FALSE(q.ok());
    CHECK_THAT(std::string(q.status().message()), Catch::Contains(c.want));
    CHECK_THAT(std::string(q.status().message()), Catch::StartsWith(std::string("invalid quantity `") + c.text + "`"));
  }
}

TEST_CASE("quantity built-ins end to end", "[quantity]") {
  struct Case {
    const char* expr;
    const char* want;  // the result's DebugString
  };
  const Case cases[] = {
      {R"(quantity("2Gi"))", R"("2147483648")"},
      {R"(quantity("1Gi") == quantity("1024Mi"))", "true"},
      {R"(quantity("1") == quantity("1000m"))", "true"},
      {R"(isQuantity("500m"))", "true"},
      {R"(isQuantity("500mb"))", "false"},
      {R"(quantity("2Gi").isLessThan(quantity("3Gi")))", "true"},
      {R"(quantity("3Gi").isLessThan(quantity("3072Mi")))", "false"},
      {R"(quantity("100m").isGreaterThan(quantity("0.01")))", "true"},
      {R"("2Gi".isLessThan("3000Mi"))", "true"},
      {R"(quantity("1k").compareTo(quantity("1000")))", "0"},
      {R"(quantity("999").compareTo(quantity("1k")))", "-1"},
      {R"(quantity("1Ki").compareTo(quantity("1k")))", "1"},
      {R"(quantity("1Gi").add(quantity("512Mi")))", R"("1610612736")"},
      {R"(quantity("500m").add(1))", R"("1.5")"},
      {R"(quantity("500m").sub(1))", R"("-0.5")"},
      {R"(quantity("1").sub(quantity("1n")))", R"("0.999999999")"},
      {R"(quantity("2Gi").asInteger())", "2147483648"},
      {R"(quantity("1500m").isInteger())", "false"},
      {R"(quantity("1k").isInteger())", "true"},
      {R"(quantity("1e20").isInteger())", "false"},
      {R"(quantity("1500m").asApproximateFloat())", "1.5"},
      {R"(quantity(2))", R"("2")"},
      {R"(quantity(0.5))", R"("0.5")"},
      {R"(quantity(1e6))", R"("1000000")"},
      {R"(isQuantity(-7))", "true"},
      {R"(isQuantity(1.0 / 0.0))", "false"},
      {R"(quantity("-3").sign())", "-1"},
      {R"(quantity("0m").sign())", "0"},
      {R"(quantity("1n").sign())", "1"},
  };
  for (const Case& c : cases) {
    INFO(c.expr);
    absl::StatusOr<Value> v = EvaluateExpression(c.expr);
    REQUIRE(v.ok());
    CHECK(v->DebugString() == c.want);
  }
}

TEST_CASE("quantity errors", "[quantity]") {
  // Literals are checked at compile time.
  for (const char* expr : {R"(quantity("2GB"))", R"(quantity("1") .isLessThan("x"))", R"("1x".add(1))"}) {
    INFO(expr);
    absl::StatusOr<Value> v = EvaluateExpression(expr);
    REQUIRE_FALSE(v.ok());
    CHECK_THAT(std::string(v.status().message()), Catch::Contains("invalid_literal"));
  }
  // Computed values fail at run time.
  struct Case {
    const char* expr;
    const char* want;
  };
  const Case cases[] = {
      {R"(quantity("2" + "GB"))", "invalid quantity `2GB`: unknown suffix `GB`"},
      {R"(quantity("1500m").asInteger())", "asInteger: quantity `1.5` is not an integer"},
      {R"(quantity("1e20").asInteger())", "asInteger: quantity `100000000000000000000` is out of int range"},
      {R"(quantity("99999999999999999999999999999").add(1))", "add: quantity out of range"},
      {R"(quantity("-99999999999999999999999999999").sub(quantity("1")))", "sub: quantity out of range"},
      {R"(quantity("1").isLessThan("x" + "y"))", "invalid quantity `xy`"},
  };
  for (const Case& c : cases) {
    INFO(c.expr);
    absl::StatusOr<Value> v = EvaluateExpression(c.expr);
    REQUIRE(v.ok());
    REQUIRE(v->is_error());
    CHECK_THAT(v->error_message(), Catch::Contains(c.want));
  }
}

}  // namespace
}  // namespace gavel
