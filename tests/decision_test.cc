// A decision's findings are views into text the decision owns (TextArena):
// they must survive the decision's moves and copies, and the arena must
// keep earlier views valid as it grows.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "engine/decision.h"
#include "engine/text_arena.h"

namespace gavel {
namespace {

TEST_CASE("a text arena keeps every view valid as it grows and when it moves") {
  TextArena arena;
  std::vector<std::string> want;
  std::vector<std::string_view> got;
  // Past several blocks, with strings longer than a block among them.
  for (int i = 0; i < 2000; ++i) {
    std::string s =
        i % 500 == 7 ? std::string(100000 + i, static_cast<char>('a' + i % 26)) : "text " + std::to_string(i);
    got.push_back(arena.Add(s));
    want.push_back(std::move(s));
  }
  TextArena moved = std::move(arena);
  for (size_t i = 0; i < want.size(); ++i) {
    REQUIRE(got[i] == want[i]);
    REQUIRE(got[i].data()[got[i].size()] == '\0');  // a C string too, for the C API
  }
  CHECK(moved.used() > 400000);
  CHECK(arena.used() == 0);  // NOLINT(bugprone-use-after-move): a moved-from arena is empty and usable
  CHECK(arena.Add("again") == "again");
  CHECK(moved.Add("").empty());

  // Assigned over an arena with blocks of its own: those are freed (ASan's
  // leak check), the assigned views stay valid.
  TextArena other;
  const std::string_view kept = other.Add("kept");
  moved = std::move(other);
  CHECK(kept == "kept");
  CHECK(moved.used() == 5);
}

Decision Sample() {
  Decision d;
  Violation& v = d.violations.emplace_back();
  v.rule = d.Keep(std::string("pkg.rule_with_a_long_name"));
  v.severity = d.Keep(std::string("critical"));
  v.step = d.Keep(std::string("step-with-a-long-identifier"));
  v.step_index = 3;
  v.message = d.Keep(std::string(300, 'm'));
  v.location = d.Keep(std::string("policies/some/long/path/file.gavel:12:3"));
  Violation& w = d.warnings.emplace_back();
  w.rule = d.Keep(std::string("pkg.warn"));
  w.message = d.Keep(std::string("a warning"));
  d.Finish();
  return d;
}

void CheckSample(const Decision& d) {
  REQUIRE(d.violations.size() == 1);
  const Violation& v = d.violations[0];
  CHECK(v.rule == "pkg.rule_with_a_long_name");
  CHECK(v.severity == "critical");
  CHECK(v.step == "step-with-a-long-identifier");
  CHECK(v.message == std::string(300, 'm'));
  CHECK(v.location == "policies/some/long/path/file.gavel:12:3");
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].message == "a warning");
  CHECK(d.verdict == Verdict::kDeny);
}

TEST_CASE("text assembled in an arena's room is NUL-terminated and survives growth") {
  TextArena arena;
  std::vector<std::string_view> got;
  for (size_t n : {size_t{0}, size_t{5}, size_t{3000}, size_t{70000}, size_t{1}}) {
    char* room = arena.Allocate(n);
    REQUIRE(room[n] == '\0');
    std::memset(room, 'x', n);
    got.emplace_back(room, n);
  }
  for (std::string_view s : got) {
    CHECK(s == std::string(s.size(), 'x'));
    CHECK(s.data()[s.size()] == '\0');
  }
  CHECK(arena.used() == 0 + 5 + 3000 + 70000 + 1 + 5);  // each with its NUL
}

TEST_CASE("a copy of a decision owns its text: it outlives the original") {
  auto original = std::make_unique<Decision>(Sample());
  Decision copy(*original);
  Decision assigned;
  assigned = *original;
  const std::string json = original->ToJson("p");
  original.reset();  // under ASan, a view into the original's text would be a use after free
  CheckSample(copy);
  CheckSample(assigned);
  CHECK(copy.ToJson("p") == json);
  CHECK(copy.violations[0].message.data() != assigned.violations[0].message.data());
  CHECK(std::string(copy.violations[0].location.data()) == "policies/some/long/path/file.gavel:12:3");
}

TEST_CASE("a moved decision keeps its findings' text") {
  Decision d = Sample();
  const char* text = d.violations[0].message.data();
  Decision moved = std::move(d);
  CheckSample(moved);
  CHECK(moved.violations[0].message.data() == text);  // moved, not copied
  std::vector<Decision> many;
  for (int i = 0; i < 50; ++i) many.push_back(Sample());  // reallocation moves them
  for (const Decision& m : many) CheckSample(m);
}

}  // namespace
}  // namespace gavel
