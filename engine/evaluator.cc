// Evaluates every rule of a compiled policy over a plan and assembles the
// decision: the rule loop around the VM. Runtime errors fail closed, except
// in a package in dryrun, whose findings are only reported (warnings).
#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "engine/cost.h"
#include "engine/eval_scope.h"
#include "engine/operators.h"
#include "engine/policy.h"
#include "engine/program.h"
#include "engine/schema.h"
#include "engine/vm.h"

namespace gavel {
namespace {

struct StepRef {
  std::string id;
  int64_t index = -1;
};

StepRef StepOf(const Value& elem) {
  if (elem.is_message() && elem.message().type == &Schema::Get().step) {
    const MessageData& m = elem.message();
    return StepRef{m.fields[kStepId].str(), m.fields[kStepIndex].int_value()};
  }
  return StepRef{};
}

class RuleRunner {
 public:
  RuleRunner(EvalContext& ctx, Decision& decision, std::vector<Permit>* permits)
      : ctx_(ctx), decision_(decision), permits_(permits) {}

  // Runs `rule` over its elements; for permit rules, marks the steps it
  // permits in `permitted` instead of reporting anything.
  void Run(const CompiledRule& rule, std::vector<char>* permitted) {
    frame_.Reset(rule.num_slots);
    if (rule.range_chunk < 0) {
      Element(rule, StepRef{}, permitted);
      CheckBudget(rule, StepRef{});
      return;
    }
    Value range = RunChunk(ctx_, rule.range_chunk, frame_);
    if (CheckBudget(rule, StepRef{})) return;
    if (range.is_map()) {
      ctx_.cost += range.map().entries.size();  // engine/cost.h
      // A rule over a map ranges over its keys, as CEL's macros do.
      std::vector<Value> keys;
      for (const auto& kv : range.map().entries) keys.push_back(kv.first);
      range = Value::List(std::move(keys));
    }
    if (!range.is_list()) {
      Error(rule, StepRef{}, range.is_error() ? range.error_message()
                                             : absl::StrCat("`for` needs a list, got ", KindName(range.kind())));
      return;
    }
    const std::vector<Value>& elems = range.list().elems;
    ctx_.NoteLength(elems.size());
    for (const Value& elem : elems) {
      for (const auto& [slot, chunk] : rule.lets) frame_.let_ready[slot] = 0;
      frame_.slots[rule.iter_slot] = elem;
      const StepRef step = StepOf(elem);
      Element(rule, step, permitted);
      if (CheckBudget(rule, step)) return;
    }
  }

  // Past the budget, the evaluation stops with one error, whatever the
  // package's enforcement: the verdict fails closed.
  bool CheckBudget(const CompiledRule& rule, const StepRef& step) {
    if (!ctx_.OverBudget()) return false;
    if (!budget_reported_) {
      budget_reported_ = true;
      decision_.errors.push_back(EvalError{rule.qualified, step.id, step.index,
                                           BudgetExceeded(ctx_.budget).error_message(), rule.location_text});
    }
    return true;
  }
  bool stopped() const { return budget_reported_; }

 private:
  // Evaluates a condition chunk: true, false, or an error reported here.
  bool Condition(const CompiledRule& rule, int chunk, const StepRef& step, const char* clause, bool* value) {
    Value v = RunChunk(ctx_, chunk, frame_);
    if (v.is_bool()) {
      *value = v.bool_value();
      return true;
    }
    Error(rule, step, v.is_error() ? v.error_message()
                                   : absl::StrCat("`", clause, "` evaluated to ", KindName(v.kind()), ", not bool"));
    return false;
  }

  void Element(const CompiledRule& rule, const StepRef& step, std::vector<char>* permitted) {
    bool fires = true;
    if (rule.when_chunk >= 0 && !Condition(rule, rule.when_chunk, step, "when", &fires)) return;
    if (!fires) return;
    bool excused = false;
    if (rule.unless_chunk >= 0 && !Condition(rule, rule.unless_chunk, step, "unless", &excused)) return;
    if (excused) return;
    if (rule.effect == Effect::kPermit) {
      if (permitted && step.index >= 0 && step.index < static_cast<int64_t>(permitted->size())) {
        (*permitted)[step.index] = 1;
      }
      if (permits_) permits_->push_back(Permit{rule.qualified, step.id, step.index});
      return;
    }
    Violation v;
    v.rule = rule.qualified;
    v.effect = rule.effect;
    v.severity = rule.severity;
    v.step = step.id;
    v.step_index = step.index;
    v.location = rule.location_text;
    v.approvers = rule.approvers;
    v.message = Message(rule);
    v.dryrun = rule.effect != Effect::kWarn && Dryrun(rule);
    (rule.effect == Effect::kWarn || v.dryrun ? decision_.warnings : decision_.violations).push_back(std::move(v));
  }

  bool Dryrun(const CompiledRule& rule) const {
    return ctx_.program->packages[rule.package_index].enforcement == Enforcement::kDryrun;
  }

  std::string Message(const CompiledRule& rule) {
    if (!rule.has_message) {
      std::string_view doc = rule.doc;
      doc = doc.substr(0, doc.find('\n'));
      return doc.empty() ? absl::StrCat("rule `", rule.qualified, "` fired") : std::string(doc);
    }
    std::string out;
    for (const CompiledRule::Part& part : rule.message) {
      if (part.chunk < 0) {
        out += part.text;
        continue;
      }
      Value v = RunChunk(ctx_, part.chunk, frame_);
      // The rule has fired; a part that fails shows its error in place.
      out += v.is_error() ? absl::StrCat("<error: ", v.error_message(), ">") : FormatForMessage(v);
    }
    return out;
  }

  void Error(const CompiledRule& rule, const StepRef& step, std::string message) {
    if (CheckBudget(rule, step)) return;
    if (Dryrun(rule)) {
      // What would have failed closed (deny) is only reported.
      Violation v;
      v.rule = rule.qualified;
      v.effect = Effect::kDeny;
      v.severity = rule.severity;
      v.step = step.id;
      v.step_index = step.index;
      v.message = absl::StrCat("runtime error: ", message);
      v.location = rule.location_text;
      v.dryrun = true;
      decision_.warnings.push_back(std::move(v));
      return;
    }
    decision_.errors.push_back(EvalError{rule.qualified, step.id, step.index, std::move(message), rule.location_text});
  }

  EvalContext& ctx_;
  Decision& decision_;
  std::vector<Permit>* permits_;  // null unless the caller asked
  Frame frame_;
  bool budget_reported_ = false;
};

}  // namespace

Decision Evaluate(const CompiledPolicy& policy, const Plan& plan, std::vector<Permit>* permits) {
  return EvaluateWithCost(policy, plan, nullptr, permits);
}

Decision EvaluateWithCost(const CompiledPolicy& policy, const Plan& plan, CostStats* stats,
                          std::vector<Permit>* permits) {
  const Program& program = policy.program();
  EvalContext ctx;
  ctx.program = &program;
  ctx.budget = program.cost_budget;
  ctx.globals[kGlobalPlan] = plan.root;
  ctx.globals[kGlobalContext] = plan.context();
  ctx.globals[kGlobalAgent] = plan.agent();
  EvalScope scope(plan.root);  // for the plan-aware built-ins
  ctx.pkg_lets.resize(program.package_lets.size());
  ctx.pkg_let_state.assign(program.package_lets.size(), 0);

  Decision decision;
  RuleRunner runner(ctx, decision, permits);
  const size_t num_steps = plan.steps().size();
  // Per default-deny package: which steps some permit rule allows.
  std::vector<std::vector<char>> permitted(program.packages.size());
  for (size_t p = 0; p < program.packages.size(); ++p) {
    if (program.packages[p].default_deny) permitted[p].assign(num_steps, 0);
  }
  if (stats) stats->rule_costs.assign(program.rules.size(), 0);
  for (size_t r = 0; r < program.rules.size() && !runner.stopped(); ++r) {
    const CompiledRule& rule = program.rules[r];
    const uint64_t before = ctx.cost;
    if (rule.effect == Effect::kPermit) {
      // Permit rules matter only where the package denies by default.
      if (!program.packages[rule.package_index].default_deny) continue;
      runner.Run(rule, &permitted[rule.package_index]);
    } else {
      runner.Run(rule, nullptr);
    }
    if (stats) stats->rule_costs[r] = ctx.cost - before;
  }
  if (stats) {
    stats->total = ctx.cost;
    stats->n = std::max<uint64_t>(ctx.max_len, num_steps);
  }
  for (size_t p = 0; p < program.packages.size(); ++p) {
    const CompiledPackage& pkg = program.packages[p];
    if (!pkg.default_deny) continue;
    for (size_t i = 0; i < num_steps; ++i) {
      if (permitted[p][i]) continue;
      const MessageData& step = plan.steps()[i].message();
      Violation v;
      v.rule = absl::StrCat(pkg.name, ".default");
      v.effect = Effect::kDeny;
      v.severity = "high";
      v.step = step.fields[kStepId].str();
      v.step_index = static_cast<int64_t>(i);
      v.message = absl::StrCat("step `", v.step, "` (`", step.fields[kStepAction].str(),
                               "`) is not permitted by package `", pkg.name, "`");
      v.location = pkg.default_location;
      v.dryrun = pkg.enforcement == Enforcement::kDryrun;
      (v.dryrun ? decision.warnings : decision.violations).push_back(std::move(v));
    }
  }
  decision.Finish();
  return decision;
}

}  // namespace gavel
