// Policy test suites: the parser (YAML in, a TestSuite with decoded plans
// out) and the runner (compiles each policy set once, evaluates, compares,
// counts coverage). See test_suite.h and docs/testing.md.
//
// Like the config parser, every problem is a Diagnostic at the node's place
// in the suite (yaml_reader.h), so errors print like compile errors: file,
// line, column and a caret.
#include "engine/test_suite.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/config.h"
#include "engine/program.h"
#include "engine/schema.h"
#include "engine/suggest.h"
#include "engine/yaml_reader.h"
#include "engine/yaml_scalar.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;

// An inline plan sits three levels down (tests, a test, plan): room for the
// plan decoder's own limit (PlanLimits::max_depth) on top.
constexpr int kMaxDepth = 72;

const char* const kSuiteKeys[] = {"policies", "config", "params", "tests"};
const char* const kTestKeys[] = {"name", "env", "plan", "now", "expect"};
const char* const kExpectKeys[] = {"verdict", "fires", "not_fires", "errors"};
const char* const kFiresKeys[] = {"rule", "step", "count"};
const char* const kNotFiresKeys[] = {"rule", "step"};

// The node of `orig` that sits at (line, column) of `copy`, a re-parse of
// `orig` emitted as text: the same tree, other marks. Deepest match first (a
// block mapping starts where its first key does).
bool FindAt(const YAML::Node& copy, const YAML::Node& orig, int line, int column, YAML::Node* out) {
  if (copy.IsMap() && orig.IsMap()) {
    for (auto c = copy.begin(), o = orig.begin(); c != copy.end() && o != orig.end(); ++c, ++o) {
      if (FindAt(c->first, o->first, line, column, out) || FindAt(c->second, o->second, line, column, out)) {
        return true;
      }
    }
  } else if (copy.IsSequence() && orig.IsSequence()) {
    for (auto c = copy.begin(), o = orig.begin(); c != copy.end() && o != orig.end(); ++c, ++o) {
      if (FindAt(*c, *o, line, column, out)) return true;
    }
  }
  YAML::Mark m = copy.Mark();
  if (!m.is_null() && m.line == line && m.column == column) {
    *out = orig;
    return true;
  }
  return false;
}

// Takes " (line L, column C)" out of a YAML decoder message; false if none.
bool CutLineColumn(std::string& message, int* line, int* column) {
  const size_t start = message.find(" (line ");
  if (start == std::string::npos) return false;
  const size_t comma = message.find(", column ", start);
  const size_t end = message.find(')', start);
  if (comma == std::string::npos || end == std::string::npos || comma > end) return false;
  const size_t line_at = start + 7, column_at = comma + 9;
  if (!absl::SimpleAtoi(message.substr(line_at, comma - line_at), line) ||
      !absl::SimpleAtoi(message.substr(column_at, end - column_at), column)) {
    return false;
  }
  message.erase(start, end + 1 - start);
  return true;
}

// The plan with `context.now` replaced (plans are immutable values).
Plan WithNow(const Plan& plan, TimeRep now) {
  const MessageData& root = plan.message();
  const MessageData& context = plan.context().message();
  std::vector<Value> context_fields = context.fields.ToVector();
  context_fields[kContextNow] = Value::Timestamp(now);
  std::vector<Value> root_fields = root.fields.ToVector();
  root_fields[kPlanContext] =
      Value::Message(context.type, std::move(context_fields), context.present | (uint64_t{1} << kContextNow));
  Plan out;
  out.root = Value::Message(root.type, std::move(root_fields), root.present | (uint64_t{1} << kPlanContext));
  out.refs = plan.refs;  // the same steps
  return out;
}

class SuiteParser : private YamlReader {
 public:
  SuiteParser(std::shared_ptr<const SourceFile> source, std::string_view base_dir, Diagnostics& diags)
      : YamlReader(std::move(source), "suite", codes::kTestSuite, kMaxDepth, diags), base_dir_(base_dir) {}

  std::shared_ptr<const TestSuite> Parse() {
    const size_t before = diags().size();
    YAML::Node root;
    if (!Load(&root)) return nullptr;
    if (!root.IsMap()) {
      Error(IsNullNode(root) ? At(0) : At(root.Mark(), 0), codes::kTestSuite,
            absl::StrCat("a suite is a mapping with `tests` (and optionally `policies`, `config`, `params`), not ",
                         Describe(root)));
      return nullptr;
    }
    suite_ = std::make_shared<TestSuite>();
    suite_->source = source();
    suite_->policies_location = At(0);
    bool has_tests = false;
    // `tests` last: whether a test may name an `env` depends on `config`.
    YAML::Node tests_key, tests;
    Mapping(root, "the suite", kSuiteKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      if (key == "policies") {
        Policies(k, v);
      } else if (key == "config") {
        Config(k, v);
      } else if (key == "params") {
        Params(k, v);
      } else {
        has_tests = true;
        tests_key = k;
        tests = v;
      }
    });
    if (has_tests) {
      Tests(tests_key, tests);
    } else if (!over_budget()) {
      Error(At(0), codes::kTestSuite, "the suite has no `tests`");
    }
    DefaultPolicies();
    if (diags().size() != before) return nullptr;
    return suite_;
  }

 private:
  // A non-empty plain or quoted string; else an error saying what `what` is.
  bool String(const YAML::Node& v, const YAML::Node& key, const std::string& what, std::string* out) {
    if (!v.IsScalar() || IsNullNode(v) || v.Scalar().empty()) {
      Error(At(v, key), codes::kTestSuite, absl::StrCat(what, ", not ", Describe(v)), Width(v));
      return false;
    }
    *out = v.Scalar();
    return true;
  }

  bool Integer(const YAML::Node& v, const YAML::Node& key, int64_t min, const std::string& what, int64_t* out) {
    if (v.IsScalar() && !IsQuoted(v) && ParseYamlInt(v.Scalar(), out, nullptr) == YamlInt::kOk && *out >= min) {
      return true;
    }
    Error(At(v, key), codes::kTestSuite, absl::StrCat(what, ", not ", Describe(v)), Width(v));
    return false;
  }

  std::string Resolve(const std::string& path) const {
    fs::path p(path);
    if (p.is_relative() && !base_dir_.empty()) p = fs::path(base_dir_) / p;
    return p.lexically_normal().string();
  }

  // `policies: [a.gavel, dir/]` or `policies: a.gavel`.
  void Policies(const YAML::Node& key, const YAML::Node& v) {
    suite_->policies_location = At(v, key);
    auto add = [&](const YAML::Node& p) {
      std::string path;
      if (!Spend(p) || !String(p, key, "a policy is a path (a .gavel file or a directory)", &path)) return;
      suite_->policies.push_back(Resolve(path));
    };
    if (v.IsSequence() && v.size() > 0) {
      for (const auto& p : v) add(p);
    } else if (v.IsScalar()) {
      add(v);
    } else {
      Error(At(v, key), codes::kTestSuite,
            absl::StrCat("`policies` is a list of paths (or one path), not ",
                         v.IsSequence() ? "an empty list" : Describe(v)));
    }
  }

  void Config(const YAML::Node& key, const YAML::Node& v) {
    std::string path;
    if (!String(v, key, "`config` is the path of a gavel.yaml", &path)) return;
    suite_->config = Resolve(path);
    suite_->config_location = At(v, key);
  }

  // `params: {package.param: value}`, as in gavel.yaml.
  void Params(const YAML::Node& key, const YAML::Node& v) {
    const bool read = ReadParams(key, v, [&](const std::string& name, Value value, Location at) {
      suite_->params[name] = std::move(value);
      suite_->param_locations[name] = at;
    });
    YAML::Emitter out;
    if (read && Emit(out, v)) suite_->params_key = out.c_str();
  }

  // Without `policies`: the .gavel file of the same stem, else the config's.
  void DefaultPolicies() {
    if (!suite_->policies.empty()) return;
    std::string stem = fs::path(source()->name()).filename().string();
    for (std::string_view ext : {"_test.yaml", "_test.yml", ".yaml", ".yml"}) {
      if (stem.size() > ext.size() && stem.compare(stem.size() - ext.size(), ext.size(), ext) == 0) {
        stem.resize(stem.size() - ext.size());
        break;
      }
    }
    const std::string file = Resolve(stem + ".gavel");
    std::error_code ec;
    if (fs::is_regular_file(file, ec)) {
      suite_->policies.push_back(file);
    } else if (suite_->config.empty()) {
      Error(At(0), codes::kTestSuite,
            absl::StrCat("no policies to test: the suite has no `policies` (or `config`) and there is no ",
                         Backticked(file)));
    }
  }

  void Tests(const YAML::Node& key, const YAML::Node& v) {
    if (!v.IsSequence() || v.size() == 0) {
      Error(At(v, key), codes::kTestSuite,
            absl::StrCat("`tests` is a list of tests, not ", v.IsSequence() ? "an empty list" : Describe(v)));
      return;
    }
    std::set<std::string> names;
    for (const auto& t : v) {
      if (!Spend(t)) return;
      Test(t, key, names);
    }
  }

  void Test(const YAML::Node& n, const YAML::Node& tests_key, std::set<std::string>& names) {
    if (!n.IsMap()) {
      Error(At(n, tests_key), codes::kTestSuite,
            absl::StrCat("a test is a mapping with `name`, `plan` and `expect`, not ", Describe(n)));
      return;
    }
    TestCase t;
    t.location = At(n, tests_key);
    const size_t before = diags().size();
    YAML::Node plan_key, plan, now_key, now;
    bool has_name = false, has_plan = false, has_now = false, has_expect = false;
    // The name first: messages about the test's other keys use it.
    for (const auto& kv : n) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "name") {
        has_name = true;
        if (String(kv.second, kv.first, "a test's `name` is a string", &t.name) && !names.insert(t.name).second) {
          Error(At(kv.second, kv.first), codes::kDuplicate, absl::StrCat("duplicate test name ", Backticked(t.name)),
                Width(kv.second));
        }
      }
    }
    const std::string what = t.name.empty() ? "the test" : absl::StrCat("test ", Backticked(t.name));
    Mapping(n, what, kTestKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      if (key == "env") {
        if (!String(v, k, "`env` names an environment of the config", &t.env)) return;
        t.env_location = At(v, k);
        if (suite_->config.empty()) {
          Error(t.env_location, codes::kTestSuite,
                absl::StrCat(what, " names environment ", Backticked(t.env),
                             ", but the suite has no `config` to define it"),
                Width(v));
        }
      } else if (key == "plan") {
        has_plan = true;
        plan_key = k;
        plan = v;
      } else if (key == "now") {
        has_now = true;
        now_key = k;
        now = v;
      } else if (key == "expect") {
        has_expect = true;
        Expect(t, what, k, v);
      }
    });
    if (!has_name) {
      Error(t.location, codes::kTestSuite, "a test needs a `name`");
    }
    if (!has_plan) Error(t.location, codes::kTestSuite, absl::StrCat(what, " has no `plan`"));
    if (!has_expect) Error(t.location, codes::kTestSuite, absl::StrCat(what, " has no `expect`"));
    std::optional<TimeRep> now_value;
    if (has_now) {
      std::string text;
      if (String(now, now_key, "`now` is an RFC 3339 timestamp (\"2026-11-26T10:00:00Z\")", &text)) {
        auto ts = ParseTimestamp(text);
        if (ts.ok()) {
          now_value = *ts;
        } else {
          Error(At(now, now_key), codes::kTestSuite,
                absl::StrCat("`now` is an RFC 3339 timestamp (\"2026-11-26T10:00:00Z\"): ", ts.status().message()),
                Width(now));
        }
      }
    }
    if (has_plan && DecodeTestPlan(t, what, plan_key, plan)) {
      if (now_value) t.plan = WithNow(t.plan, *now_value);
      CheckSteps(t, what);
    }
    if (diags().size() == before) suite_->tests.push_back(std::move(t));
  }

  void Expect(TestCase& t, const std::string& what, const YAML::Node& key, const YAML::Node& v) {
    if (!v.IsMap() || v.size() == 0) {
      Error(At(v, key), codes::kTestSuite,
            absl::StrCat("`expect` is a mapping with at least one of `verdict`, `fires`, `not_fires`, `errors`, not ",
                         v.IsMap() ? "an empty mapping" : Describe(v)));
      return;
    }
    const std::string where = absl::StrCat("`expect` of ", what);
    Mapping(v, where, kExpectKeys, [&](const std::string& k2, const YAML::Node& k, const YAML::Node& value) {
      if (k2 == "verdict") {
        std::string text = value.IsScalar() ? value.Scalar() : "";
        if (text == "allow") {
          t.verdict = Verdict::kAllow;
        } else if (text == "deny") {
          t.verdict = Verdict::kDeny;
        } else if (text == "needs_approval") {
          t.verdict = Verdict::kNeedsApproval;
        } else {
          Error(At(value, k), codes::kTestSuite,
                absl::StrCat("`verdict` is `allow`, `deny` or `needs_approval`, not ", Describe(value),
                             DidYouMeanHint(text, {"allow", "deny", "needs_approval"})),
                Width(value));
        }
      } else if (k2 == "fires") {
        RuleList(k, value, /*fires=*/true, t.fires);
      } else if (k2 == "not_fires") {
        RuleList(k, value, /*fires=*/false, t.not_fires);
      } else {
        int64_t n = 0;
        if (Integer(value, k, 0, "`errors` is how many runtime errors to expect (0 or more)", &n)) t.errors = n;
      }
    });
  }

  // `fires: [pkg.rule, {rule: pkg.rule, step: s1, count: 2}]` (or one entry).
  void RuleList(const YAML::Node& key, const YAML::Node& v, bool fires, std::vector<RuleExpectation>& out) {
    const char* list = fires ? "`fires`" : "`not_fires`";
    auto entry = [&](const YAML::Node& e) {
      if (!Spend(e)) return;
      RuleExpectation x;
      x.location = At(e, key);
      if (e.IsMap()) {
        bool has_rule = false;
        auto each = [&](const std::string& k2, const YAML::Node& k, const YAML::Node& value) {
          if (k2 == "rule") {
            has_rule = true;
            RuleName(value, k, &x);
          } else if (k2 == "step") {
            if (String(value, k, "`step` is a step id", &x.step)) x.step_location = At(value, k);
          } else {
            Integer(value, k, 1, "`count` is how many findings to expect (1 or more; for none use `not_fires`)",
                    &x.count);
          }
        };
        const std::string where = absl::StrCat("an entry of ", list);
        if (fires) {
          Mapping(e, where, kFiresKeys, each);
        } else {
          Mapping(e, where, kNotFiresKeys, each);
        }
        if (!has_rule) Error(x.location, codes::kTestSuite, absl::StrCat("an entry of ", list, " needs a `rule`"));
      } else {
        RuleName(e, key, &x);
      }
      out.push_back(std::move(x));
    };
    if (v.IsSequence()) {
      for (const auto& e : v) entry(e);
    } else if (v.IsScalar() && !IsNullNode(v)) {
      entry(v);
    } else {
      Error(At(v, key), codes::kTestSuite,
            absl::StrCat(list, " is a list of rule names (`package.rule`) or `{rule, step",
                         fires ? ", count" : "", "}` mappings, not ", Describe(v)));
    }
  }

  void RuleName(const YAML::Node& v, const YAML::Node& key, RuleExpectation* x) {
    if (!String(v, key, "a rule is named `package.rule`", &x->rule)) return;
    x->location = At(v, key);
    const size_t dot = x->rule.rfind('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == x->rule.size()) {
      Error(x->location, codes::kTestSuite,
            absl::StrCat("rule ", Backticked(x->rule), " needs its package: write `package.rule`"), Width(v));
    }
  }

  // A plan file (relative to the suite) or an inline plan.
  bool DecodeTestPlan(TestCase& t, const std::string& what, const YAML::Node& key, const YAML::Node& v) {
    const Location at = At(v, key);
    if (v.IsScalar() && !IsNullNode(v)) {
      t.plan_name = Resolve(v.Scalar());
      absl::StatusOr<Plan> plan = ReadPlanFile(t.plan_name);
      if (!plan.ok()) {
        Error(at, codes::kPlan, absl::StrCat(what, ": ", plan.status().message()), Width(v));
        return false;
      }
      t.plan = *std::move(plan);
      return true;
    }
    if (!v.IsMap()) {
      Error(at, codes::kTestSuite,
            absl::StrCat("`plan` is a plan file or an inline plan (a mapping), not ", Describe(v)));
      return false;
    }
    t.plan_name = "inline";
    // The plan decoder reads text: the mapping goes back to YAML, and errors
    // are mapped back to the suite's lines.
    YAML::Emitter out;
    if (!Emit(out, v)) return false;
    absl::StatusOr<Plan> plan = DecodePlanYaml(out.c_str());
    if (plan.ok()) {
      t.plan = *std::move(plan);
      return true;
    }
    std::string message(plan.status().message());
    Location where = at;
    int line = 0, column = 0;
    if (CutLineColumn(message, &line, &column)) {
      try {
        YAML::Node found;
        if (FindAt(YAML::Load(out.c_str()), v, line - 1, column - 1, &found)) where = At(found, at);
      } catch (const YAML::Exception&) {
        // Keep the plan's own location.
      }
    }
    Error(where, codes::kPlan, absl::StrCat(what, ": invalid plan: ", message));
    return false;
  }

  // Steps named by `fires`/`not_fires` must be steps of the plan.
  void CheckSteps(const TestCase& t, const std::string& what) {
    std::vector<std::string> ids;
    for (const Value& s : t.plan.steps()) ids.push_back(s.message().fields[kStepId].str());
    for (const auto* list : {&t.fires, &t.not_fires}) {
      for (const RuleExpectation& x : *list) {
        if (x.step.empty() || std::find(ids.begin(), ids.end(), x.step) != ids.end()) continue;
        Error(x.step_location, codes::kUnknownName,
              absl::StrCat("the plan of ", what, " has no step ", Backticked(x.step), DidYouMeanHint(x.step, ids)),
              static_cast<uint32_t>(x.step.size()));
      }
    }
  }

  // The YAML back as text, quoting kept (a quoted "3" stays a string).
  bool Emit(YAML::Emitter& out, const YAML::Node& n) {
    if (!Spend(n)) return false;
    if (n.IsMap()) {
      out << YAML::BeginMap;
      for (const auto& kv : n) {
        out << YAML::Key;
        if (!Emit(out, kv.first)) return false;
        out << YAML::Value;
        if (!Emit(out, kv.second)) return false;
      }
      out << YAML::EndMap;
    } else if (n.IsSequence()) {
      out << YAML::BeginSeq;
      for (const auto& e : n) {
        if (!Emit(out, e)) return false;
      }
      out << YAML::EndSeq;
    } else if (n.IsScalar()) {
      if (IsQuoted(n)) {
        out << YAML::DoubleQuoted << n.Scalar();
      } else {
        out << n.Scalar();
      }
    } else {
      out << YAML::Null;
    }
    return out.good();
  }

  std::string base_dir_;
  std::shared_ptr<TestSuite> suite_;
};

// What a rule did in one evaluation: a finding or a permitted step.
struct Hit {
  std::string rule;
  std::string step;  // empty for plan-level findings
  std::string message;
};

std::string OnStep(const std::string& step) {
  return step.empty() ? "on the plan" : absl::StrCat("on step ", Backticked(step));
}

// "`a` (s1, s2), `b` (plan)": what fired, for failure messages.
std::string Summary(const std::vector<Hit>& hits) {
  std::vector<std::pair<std::string, std::vector<std::string>>> by_rule;
  for (const Hit& h : hits) {
    auto it = std::find_if(by_rule.begin(), by_rule.end(), [&](const auto& e) { return e.first == h.rule; });
    if (it == by_rule.end()) it = by_rule.insert(by_rule.end(), {h.rule, {}});
    it->second.push_back(h.step.empty() ? "plan" : h.step);
  }
  std::vector<std::string> parts;
  for (const auto& [rule, steps] : by_rule) {
    parts.push_back(absl::StrCat(Backticked(rule), " (", absl::StrJoin(steps, ", "), ")"));
  }
  return parts.empty() ? "nothing" : absl::StrJoin(parts, ", ");
}

// Compares a decision with a test's expectations: the failures, one line each.
// `errors` are the decision's runtime errors and those of dryrun packages.
std::vector<std::string> Compare(const TestCase& t, const Decision& d, const std::vector<Hit>& hits,
                                 const std::vector<EvalError>& errors) {
  std::vector<std::string> failures;
  if (t.verdict && *t.verdict != d.verdict) {
    failures.push_back(absl::StrCat("verdict: want `", VerdictName(*t.verdict), "`, got `", VerdictName(d.verdict),
                                    "`"));
  }
  auto matching = [&](const RuleExpectation& x) {
    std::vector<const Hit*> out;
    for (const Hit& h : hits) {
      if (h.rule == x.rule && (x.step.empty() || h.step == x.step)) out.push_back(&h);
    }
    return out;
  };
  for (const RuleExpectation& x : t.fires) {
    const size_t n = matching(x).size();
    const std::string where = x.step.empty() ? "" : absl::StrCat(" ", OnStep(x.step));
    if (x.count >= 0 && n != static_cast<size_t>(x.count)) {
      failures.push_back(absl::StrCat("fires: ", Backticked(x.rule), " fired ", n, n == 1 ? " time" : " times",
                                      where, ", want ", x.count));
    } else if (n == 0) {
      std::string elsewhere;
      if (!x.step.empty()) {
        std::vector<std::string> steps;
        for (const Hit& h : hits) {
          if (h.rule == x.rule) steps.push_back(h.step.empty() ? "the plan" : Backticked(h.step));
        }
        if (!steps.empty()) elsewhere = absl::StrCat(" (it fired on ", absl::StrJoin(steps, ", "), ")");
      }
      failures.push_back(absl::StrCat("fires: ", Backticked(x.rule), " did not fire", where, elsewhere));
    }
  }
  for (const RuleExpectation& x : t.not_fires) {
    for (const Hit* h : matching(x)) {
      failures.push_back(absl::StrCat("not_fires: ", Backticked(x.rule), " fired ", OnStep(h->step), ": ",
                                      h->message));
    }
  }
  const size_t want_errors = t.errors ? static_cast<size_t>(*t.errors) : 0;
  if (errors.size() != want_errors) {
    failures.push_back(absl::StrCat("errors: want ", want_errors, ", got ", errors.size(),
                                    t.errors ? "" : " (runtime errors fail a test unless `expect` has `errors`)"));
    for (const EvalError& e : errors) {
      failures.push_back(absl::StrCat("  error ", Backticked(e.rule), " ", OnStep(e.step), ": ", e.message));
    }
  }
  if (!failures.empty()) {
    failures.push_back(absl::StrCat("decision: ", VerdictName(d.verdict), "; fired: ", Summary(hits)));
  }
  return failures;
}

}  // namespace

std::shared_ptr<const TestSuite> ParseTestSuite(std::string name, std::string text, std::string_view base_dir,
                                                Diagnostics& diags) {
  auto source = std::make_shared<SourceFile>(std::move(name), std::move(text));
  return SuiteParser(source, base_dir, diags).Parse();
}

std::shared_ptr<const TestSuite> LoadTestSuite(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": is a directory, not a test suite"));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": cannot open the test suite"));
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseTestSuite(path, text.str(), fs::path(path).parent_path().string(), diags);
}

std::vector<std::string> FindTestSuites(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      out.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(path, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const std::string file = it->path().filename().string();
      if (it->is_regular_file(ec) && file.size() > 10 && file.ends_with("_test.yaml")) {
        found.push_back(it->path().string());
      }
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

struct TestRunner::Impl {
  // A compiled policy set, with the names `fires` may use and, by rule name,
  // the coverage entry of each rule.
  struct PolicySet {
    std::shared_ptr<const CompiledPolicy> policy;
    std::vector<std::string> rule_names;
    std::map<std::string, size_t> coverage;
  };
  struct Covered {
    RuleCoverage coverage;
    std::string file;
    uint32_t offset = 0;
  };

  std::map<std::string, std::shared_ptr<const Config>> configs;   // by path; null: does not load
  std::map<std::string, std::shared_ptr<const PolicySet>> sets;   // by CompileKey; null: does not compile
  std::vector<Covered> covered;
  std::map<std::string, size_t> covered_index;  // by location and name

  // Loads (once) the suite's config; null if it has none or it fails.
  const Config* LoadSuiteConfig(const TestSuite& suite, Diagnostics& diags, bool* ok) {
    *ok = true;
    if (suite.config.empty()) return nullptr;
    auto it = configs.find(suite.config);
    if (it == configs.end()) {
      Diagnostics config_diags;
      auto config = LoadConfig(suite.config, config_diags);
      for (const Diagnostic& d : config_diags.items()) {
        // A config that cannot be read is reported where the suite names it.
        if (d.location.file == nullptr) {
          diags.Add(suite.config_location, d.code, d.message);
        } else {
          diags.Add(d.location, d.code, d.message, d.length);
        }
      }
      it = configs.emplace(suite.config, config).first;
    } else if (it->second == nullptr) {
      diags.Add(suite.config_location, codes::kConfig,
                absl::StrCat("the config ", Backticked(suite.config), " has errors (reported above)"));
    }
    *ok = it->second != nullptr;
    return it->second.get();
  }

  // The policy set of a suite in an environment, compiled once per run.
  const PolicySet* Compile(const TestSuite& suite, const Config* config, const std::string& env, Diagnostics& diags,
                           std::set<std::string>& failed_here) {
    const std::vector<std::string>& paths = suite.policies.empty() && config ? config->policies : suite.policies;
    const std::string sep(1, '\0');  // in no path, name or YAML text
    const std::string key = absl::StrCat(absl::StrJoin(paths, sep), sep, suite.config, sep, env, sep, suite.params_key);
    auto it = sets.find(key);
    if (it != sets.end()) {
      if (it->second == nullptr && failed_here.insert(key).second) {
        diags.Add(suite.policies_location, codes::kTestSuite,
                  "the policies under test do not compile (errors reported above)");
      }
      return it->second.get();
    }
    failed_here.insert(key);
    std::shared_ptr<PolicySet> set;
    CompileOptions options;
    if (config == nullptr || ResolveEnvironment(*config, env, options, diags)) {
      for (const auto& [name, value] : suite.params) {
        options.params[name] = value;
        auto loc = suite.param_locations.find(name);
        if (loc != suite.param_locations.end()) options.param_locations[name] = loc->second;
      }
      if (!options.locations_source) options.locations_source = suite.source;
      auto sources = paths.empty() ? absl::StatusOr<std::vector<std::shared_ptr<const SourceFile>>>(
                                         absl::NotFoundError("the config names no policies"))
                                   : ReadPolicySources(paths);
      if (!sources.ok()) {
        diags.Add(suite.policies_location, codes::kIo, std::string(sources.status().message()));
      } else if (auto policy = CompilePolicy(*sources, diags, options)) {
        set = std::make_shared<PolicySet>();
        set->policy = policy;
        Register(*set);
      }
    }
    sets.emplace(key, set);
    return set.get();
  }

  // Adds the rules of a new policy set to the coverage table.
  void Register(PolicySet& set) {
    const Program& program = set.policy->program();
    for (const CompiledPackage& pkg : program.packages) {
      if (pkg.default_deny) set.rule_names.push_back(pkg.name + ".default");
    }
    for (const CompiledRule& rule : program.rules) {
      set.rule_names.push_back(rule.qualified);
      // A permit rule outside `default deny` does nothing: nothing to cover.
      if (rule.effect == Effect::kPermit && !program.packages[rule.package_index].default_deny) continue;
      const std::string key = absl::StrCat(rule.location_text, " ", rule.qualified);
      auto [it, inserted] = covered_index.emplace(key, covered.size());
      if (inserted) {
        Covered c;
        c.coverage.rule = rule.qualified;
        c.coverage.location = rule.location_text;
        c.file = rule.location.file ? rule.location.file->name() : "";
        c.offset = rule.location.offset;
        covered.push_back(std::move(c));
      }
      set.coverage[rule.qualified] = it->second;
    }
  }
};

TestRunner::TestRunner() : impl_(std::make_unique<Impl>()) {}
TestRunner::~TestRunner() = default;

bool TestRunner::Run(const TestSuite& suite, std::vector<TestResult>& results, Diagnostics& diags) {
  const size_t before = diags.size();
  bool config_ok = true;
  const Config* config = impl_->LoadSuiteConfig(suite, diags, &config_ok);
  if (!config_ok) return false;

  // Every test's policy set, environment and rule names first: a suite that
  // cannot run runs no test.
  std::set<std::string> failed_here;
  std::vector<const Impl::PolicySet*> sets;
  for (const TestCase& t : suite.tests) {
    if (config && !t.env.empty() && !config->environments.count(t.env)) {
      diags.Add(t.env_location, codes::kUnknownName,
                UnknownEnvironmentMessage(*config, t.env, Backticked(suite.config)),
                static_cast<uint32_t>(t.env.size()));
      sets.push_back(nullptr);
      continue;
    }
    const Impl::PolicySet* set = impl_->Compile(suite, config, t.env, diags, failed_here);
    sets.push_back(set);
    if (set == nullptr) continue;
    for (const auto* list : {&t.fires, &t.not_fires}) {
      for (const RuleExpectation& x : *list) {
        if (std::find(set->rule_names.begin(), set->rule_names.end(), x.rule) != set->rule_names.end()) continue;
        diags.Add(x.location, codes::kUnknownName,
                  absl::StrCat("no rule ", Backticked(x.rule), " in the policies under test",
                               DidYouMeanHint(x.rule, set->rule_names)),
                  static_cast<uint32_t>(x.rule.size()));
      }
    }
  }
  if (diags.size() != before) return false;

  for (size_t i = 0; i < suite.tests.size(); ++i) {
    const TestCase& t = suite.tests[i];
    const Impl::PolicySet& set = *sets[i];
    std::vector<Permit> permits;
    TestResult r;
    r.name = t.name;
    r.location = t.location.ToString();
    r.decision = Evaluate(*set.policy, t.plan, &permits);
    std::vector<Hit> hits;
    std::vector<EvalError> errors = r.decision.errors;
    for (const auto* findings : {&r.decision.violations, &r.decision.warnings}) {
      for (const Violation& v : *findings) {
        // A package in dryrun reports its runtime errors as warnings; they
        // are errors here too, not findings.
        constexpr std::string_view kRuntimeError = "runtime error: ";
        if (v.dryrun && v.message.starts_with(kRuntimeError)) {
          errors.push_back(EvalError{std::string(v.rule), std::string(v.step), v.step_index,
                                     absl::StrCat(std::string(v.message.substr(kRuntimeError.size())), " (dryrun)"),
                                     std::string(v.location)});
        } else {
          hits.push_back(Hit{std::string(v.rule), std::string(v.step), std::string(v.message)});
        }
      }
    }
    for (const Permit& p : permits) hits.push_back(Hit{p.rule, p.step, "it permits the step"});
    r.failures = Compare(t, r.decision, hits, errors);
    r.passed = r.failures.empty();
    std::set<size_t> exercised;
    for (const Hit& h : hits) {
      auto it = set.coverage.find(h.rule);
      if (it != set.coverage.end()) exercised.insert(it->second);
    }
    for (size_t c : exercised) ++impl_->covered[c].coverage.tests;
    results.push_back(std::move(r));
  }
  return true;
}

std::vector<RuleCoverage> TestRunner::Coverage() const {
  std::vector<const Impl::Covered*> sorted;
  for (const auto& c : impl_->covered) sorted.push_back(&c);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Impl::Covered* a, const Impl::Covered* b) {
    return std::tie(a->file, a->offset, a->coverage.rule) < std::tie(b->file, b->offset, b->coverage.rule);
  });
  std::vector<RuleCoverage> out;
  for (const auto* c : sorted) out.push_back(c->coverage);
  return out;
}

}  // namespace gavel
