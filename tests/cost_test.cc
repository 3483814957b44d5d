// Evaluation cost (engine/cost.h): the static bounds the compiler derives,
// the claim that no evaluation exceeds them (the standard library and the
// data-driven cases over plans scaled up to 200 steps), and the budget.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/config.h"
#include "engine/cost.h"
#include "engine/program.h"
#include "tests/case_loader.h"

namespace gavel {
namespace {

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text, const CompileOptions& options = {}) {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>("p.gavel", text)}, diags, options);
  INFO(diags.Format());
  REQUIRE(policy != nullptr);
  return policy;
}

const CompiledRule& RuleNamed(const CompiledPolicy& policy, const std::string& name) {
  for (const CompiledRule& r : policy.program().rules) {
    if (r.qualified == name) return r;
  }
  FAIL("no rule " << name);
  throw 0;
}

// A plan of `m` steps with distinct actions, all deletes (so that the rule
// index, which skips the steps a rule's guard rejects, runs `per_step` on
// every one).
Plan Steps(int m) {
  std::string json = R"({"id": "p", "steps": [)";
  for (int i = 0; i < m; ++i) {
    json += (i ? "," : "") + std::string(R"({"id": "s)") + std::to_string(i) + R"(", "action": "a)" +
            std::to_string(i) + R"(", "verb": "delete"})";
  }
  json += "]}";
  auto plan = DecodePlanJson(json);
  REQUIRE(plan.ok());
  return *plan;
}

const char* kShapes = R"(package p

rule plan_level {
  deny
  when context.environment == "prod"
}

rule per_step {
  deny
  for step in plan.steps
  when step.verb == "delete"
}

rule pairs {
  deny
  for s in plan.steps
  when plan.steps.exists(t, t.action == s.action && t.id != s.id)
}
)";

TEST_CASE("bounds: a plan-level rule is constant, `for` over steps O(n), a nested exists O(n^2)") {
  auto policy = Compile(kShapes);
  const CompiledRule& plan_level = RuleNamed(*policy, "p.plan_level");
  const CompiledRule& per_step = RuleNamed(*policy, "p.per_step");
  const CompiledRule& pairs = RuleNamed(*policy, "p.pairs");
  CHECK(CostOrder(plan_level.cost_bound) == "O(1)");
  CHECK(CostOrder(per_step.cost_bound) == "O(n)");
  CHECK(CostOrder(pairs.cost_bound) == "O(n^2)");
  CHECK(plan_level.cost_bound.size() == 1);
  CHECK(plan_level.cost_bound[0] > 0);
  CHECK(CostFormula({7, 12}) == "12n + 7");
  CHECK(CostFormula({3, 0, 1}) == "n^2 + 3");
  CHECK(EvalCostBound({7, 12, 2}, 10) == 7 + 120 + 200);

  // Measured cost grows as the bound says, and stays under it.
  CostStats small, big;
  EvaluateWithCost(*policy, Steps(10), &small);
  EvaluateWithCost(*policy, Steps(100), &big);
  const size_t i = &pairs - policy->program().rules.data();
  const size_t j = &per_step - policy->program().rules.data();
  CHECK(big.n == 100);
  CHECK(big.rule_costs[i] > 50 * small.rule_costs[i]);  // quadratic
  CHECK(big.rule_costs[j] < 20 * small.rule_costs[j]);  // linear
  for (size_t r = 0; r < policy->program().rules.size(); ++r) {
    CHECK(small.rule_costs[r] > 0);
    CHECK(small.rule_costs[r] <= EvalCostBound(policy->program().rules[r].cost_bound, small.n));
    CHECK(big.rule_costs[r] <= EvalCostBound(policy->program().rules[r].cost_bound, big.n));
  }
}

TEST_CASE("budget: over it the decision is deny with an error naming the rule, even in dryrun") {
  CompileOptions options;
  options.cost_budget = 50;
  for (bool dryrun : {false, true}) {
    if (dryrun) options.enforcement["p"] = Enforcement::kDryrun;
    auto policy = Compile(kShapes, options);
    Decision d = Evaluate(*policy, Steps(20));
    CHECK(d.verdict == Verdict::kDeny);
    REQUIRE(d.errors.size() == 1);
    CHECK(d.errors[0].message == "evaluation cost budget exceeded (budget 50)");
    CHECK(d.errors[0].rule.rfind("p.", 0) == 0);
  }
  // The default is generous: the same plan has no error (its deletes are
  // denied by per_step, one violation each).
  auto policy = Compile(kShapes);
  CHECK(policy->program().cost_budget == kDefaultCostBudget);
  Decision d = Evaluate(*policy, Steps(20));
  CHECK(d.errors.empty());
  CHECK(d.violations.size() == 20);
}

TEST_CASE("budget: gavel.yaml `limits.cost_budget` reaches the compiled program") {
  Diagnostics diags;
  auto config = ParseConfig("gavel.yaml", "policies: [p/]\nlimits:\n  cost_budget: 50\n", "", diags);
  INFO(diags.Format());
  REQUIRE(config != nullptr);
  CompileOptions options;
  REQUIRE(ResolveEnvironment(*config, "", options, diags));
  CHECK(options.cost_budget == 50);
  auto policy = Compile(kShapes, options);
  CHECK(policy->program().cost_budget == 50);
  CHECK(Evaluate(*policy, Steps(20)).verdict == Verdict::kDeny);
  Diagnostics bad;
  CHECK(ParseConfig("gavel.yaml", "limits:\n  cost_budget: 0\n", "", bad) == nullptr);
}

// --- Plans of growing size from the seed plans of the tests -------------

// Copy `k` of a step: its id and references suffixed, so copies keep the
// original's dependency shape; `index` dropped (it is the position).
YAML::Node CopyStep(const YAML::Node& step, int k) {
  YAML::Node s = YAML::Clone(step);
  if (!s.IsMap()) return s;
  s.remove("index");
  if (k == 0) return s;
  const std::string suffix = "~" + std::to_string(k);
  if (s["id"]) s["id"] = s["id"].as<std::string>() + suffix;
  for (const char* ref : {"depends_on", "inputs"}) {
    if (!s[ref] || !s[ref].IsSequence()) continue;
    YAML::Node refs(YAML::NodeType::Sequence);
    for (const auto& r : s[ref]) refs.push_back(r.as<std::string>() + suffix);
    s[ref] = refs;
  }
  return s;
}

// Repeats the elements of list `node` cyclically to `len` elements
// (entries with an `id` get distinct ids).
void Stretch(YAML::Node node, size_t len) {
  if (!node.IsSequence() || node.size() == 0) return;
  const size_t base = node.size();
  std::vector<YAML::Node> orig;
  for (const auto& e : node) orig.push_back(YAML::Clone(e));
  for (size_t i = base; i < len; ++i) {
    YAML::Node e = YAML::Clone(orig[i % base]);
    if (e.IsMap() && e["id"]) e["id"] = e["id"].as<std::string>() + "~" + std::to_string(i);
    node.push_back(e);
  }
}

std::vector<std::string> Scaled(const YAML::Node& seed) {
  std::vector<std::string> out;
  if (!seed.IsMap() || !seed["steps"] || !seed["steps"].IsSequence() || seed["steps"].size() == 0) return out;
  for (int m : {1, 3, 10, 40, 120, 200}) {
    for (size_t list_len : {size_t{1}, size_t{4}, static_cast<size_t>(m)}) {
      YAML::Node plan = YAML::Clone(seed);
      YAML::Node steps(YAML::NodeType::Sequence);
      const YAML::Node& orig = seed["steps"];
      for (int i = 0; i < m; ++i) steps.push_back(CopyStep(orig[i % orig.size()], i / static_cast<int>(orig.size())));
      // Lists inside steps (args, secrets, ...) and the agent's grants.
      for (auto s : steps) {
        if (!s.IsMap()) continue;
        for (auto kv : s) {
          const std::string key = kv.first.as<std::string>();
          if (key != "depends_on" && key != "inputs") Stretch(kv.second, list_len);
        }
      }
      plan["steps"] = steps;
      if (plan["agent"] && plan["agent"]["grants"]) Stretch(plan["agent"]["grants"], list_len);
      YAML::Emitter e;
      e << plan;
      out.push_back(e.c_str());
    }
  }
  return out;
}

struct Checked {
  int evaluations = 0;
  int skipped = 0;
  uint64_t max_cost = 0;
};

void CheckUnderBound(const CompiledPolicy& policy, const YAML::Node& seed, const std::string& what, Checked& c) {
  for (const std::string& yaml : Scaled(seed)) {
    auto plan = DecodePlanYaml(yaml);
    if (!plan.ok()) {  // a stretched list the schema rejects: not a plan
      ++c.skipped;
      continue;
    }
    CostStats stats;
    Decision d = EvaluateWithCost(policy, *plan, &stats);
    ++c.evaluations;
    REQUIRE(stats.n >= plan->steps().size());
    for (const EvalError& e : d.errors) CHECK(e.message.find("cost budget") == std::string::npos);
    const auto& rules = policy.program().rules;
    for (size_t r = 0; r < rules.size(); ++r) {
      c.max_cost = std::max(c.max_cost, stats.rule_costs[r]);
      const uint64_t bound = EvalCostBound(rules[r].cost_bound, stats.n);
      if (stats.rule_costs[r] > bound) {
        FAIL_CHECK(what << ": rule " << rules[r].qualified << " cost " << stats.rule_costs[r] << " > bound "
                        << CostFormula(rules[r].cost_bound) << " = " << bound << " at n = " << stats.n
                        << " (" << plan->steps().size() << " steps)");
      }
    }
  }
}

YAML::Node LoadYaml(const std::filesystem::path& p) { return YAML::LoadFile(p.string()); }

TEST_CASE("never exceeds the bound: the standard library over scaled plans") {
  const std::filesystem::path dir = std::filesystem::path(GAVEL_SOURCE_DIR) / "policies";
  auto sources = ReadPolicySources({dir.string()});
  REQUIRE(sources.ok());
  Diagnostics diags;
  auto policy = CompilePolicy(*sources, diags);
  INFO(diags.Format());
  REQUIRE(policy != nullptr);

  std::vector<std::pair<std::string, YAML::Node>> seeds;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() != ".yaml") continue;
    for (const auto& t : LoadYaml(e.path())["tests"]) {
      const YAML::Node p = t["plan"];
      if (p.IsMap()) seeds.emplace_back(e.path().filename().string(), p);
      if (p.IsScalar()) seeds.emplace_back(p.as<std::string>(), LoadYaml(dir / p.as<std::string>()));
    }
  }
  REQUIRE(seeds.size() > 20);
  Checked c;
  for (const auto& [what, seed] : seeds) CheckUnderBound(*policy, seed, what, c);
  INFO("evaluations " << c.evaluations << ", skipped " << c.skipped);
  CHECK(c.skipped * 4 < c.evaluations);
  CHECK(c.evaluations > 10 * static_cast<int>(seeds.size()));
  CHECK(c.max_cost > 10000);  // the big plans did real work
}

TEST_CASE("never exceeds the bound: the rules of tests/cases over scaled plans") {
  Checked c;
  for (const auto& file : testing::CaseFiles()) {
    const YAML::Node cs = LoadYaml(file);
    const YAML::Node plan = cs["plan"]        ? cs["plan"]
                            : cs["plan_json"] ? YAML::Load(cs["plan_json"].as<std::string>())
                                              : YAML::Node();
    if (!plan.IsMap()) continue;
    Diagnostics diags;
    auto policy = CompilePolicy(testing::CaseSources(cs), diags);
    if (policy == nullptr) continue;  // a case about a compile error
    CheckUnderBound(*policy, plan, file.filename().string(), c);
  }
  INFO("evaluations " << c.evaluations << ", skipped " << c.skipped);
  CHECK(c.skipped * 4 < c.evaluations);
  CHECK(c.evaluations > 100);
}

}  // namespace
}  // namespace gavel
