// Differential test: random policies and plans (tests/differential/) run
// through the engine (CompilePolicy + Evaluate: compiler, constant folding,
// VM) and through the reference evaluator (engine/reference_evaluator.h: a
// direct walk of the AST). Any difference in the decision fails, with a
// reduced reproduction. docs/differential.md says how to run long campaigns.
//
//   differential_test [--pairs N] [--seed S] [--plans-per-policy K]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/policy.h"
#include "engine/reference_evaluator.h"
#include "engine/source.h"
#include "tests/differential/policy_generator.h"

namespace gavel::differential {
namespace {

struct Flags {
  long pairs = 10000;
  uint64_t seed = 1;
  int plans_per_policy = 10;
};

// The first difference between two decisions, or "" if they are the same.
std::string Diff(const Decision& a, const Decision& b) {
  if (a.verdict != b.verdict) return absl::StrCat("verdict: ", VerdictName(a.verdict), " vs ", VerdictName(b.verdict));
  if (a.approvers != b.approvers) return "approvers differ";
  auto violations = [](const char* what, const std::vector<Violation>& x,
                       const std::vector<Violation>& y) -> std::string {
    if (x.size() != y.size()) return absl::StrCat(what, ": ", x.size(), " vs ", y.size());
    for (size_t i = 0; i < x.size(); ++i) {
      const Violation& p = x[i];
      const Violation& q = y[i];
      auto at = [&](const char* field) { return absl::StrCat(what, "[", i, "].", field); };
      if (p.rule != q.rule) return absl::StrCat(at("rule"), ": ", std::string(p.rule), " vs ", std::string(q.rule));
      if (p.effect != q.effect) return at("effect");
      if (p.severity != q.severity) return at("severity");
      if (p.step != q.step || p.step_index != q.step_index) return at("step");
      if (p.message != q.message) {
        return absl::StrCat(at("message"), ": `", std::string(p.message), "` vs `", std::string(q.message), "`");
      }
      if (p.location != q.location) return at("location");
      if (p.approvers != q.approvers) return at("approvers");
      if (p.dryrun != q.dryrun) return at("dryrun");
    }
    return "";
  };
  std::string d = violations("violations", a.violations, b.violations);
  if (d.empty()) d = violations("warnings", a.warnings, b.warnings);
  if (!d.empty()) return d;
  if (a.errors.size() != b.errors.size()) return absl::StrCat("errors: ", a.errors.size(), " vs ", b.errors.size());
  for (size_t i = 0; i < a.errors.size(); ++i) {
    const EvalError& p = a.errors[i];
    const EvalError& q = b.errors[i];
    if (p.rule != q.rule || p.step != q.step || p.step_index != q.step_index || p.location != q.location) {
      return absl::StrCat("errors[", i, "]: ", p.rule, "@", p.step, " vs ", q.rule, "@", q.step);
    }
    if (p.message != q.message) return absl::StrCat("errors[", i, "].message: `", p.message, "` vs `", q.message, "`");
  }
  return "";
}

using Files = std::vector<std::pair<std::string, std::string>>;

struct Compiled {
  std::shared_ptr<const CompiledPolicy> engine;
  std::unique_ptr<CheckedPolicySet> reference;
  std::string diagnostics;
  bool ok() const { return engine && reference; }
};

Compiled Compile(const Files& files, const CompileOptions& options) {
  Compiled out;
  std::vector<std::shared_ptr<const SourceFile>> sources;
  for (const auto& [name, text] : files) sources.push_back(std::make_shared<SourceFile>(name, text));
  Diagnostics diags;
  out.engine = CompilePolicy(sources, diags, options);
  out.reference = CheckPolicySources(sources, diags);
  out.diagnostics = diags.Format();
  return out;
}

struct Outcome {
  bool compiled = false;
  Decision engine, reference;
};

Outcome Run(const Compiled& c, const CompileOptions& options, const Plan& plan) {
  Outcome out;
  if (!c.ok()) return out;
  out.compiled = true;
  out.engine = Evaluate(*c.engine, plan);
  out.reference = EvaluateReference(*c.reference, plan, options);
  return out;
}

Outcome Run(const Files& files, const CompileOptions& options, const Plan& plan) {
  return Run(Compile(files, options), options, plan);
}

// Drops rules (the blocks starting at a `/// r` doc line) while the two
// engines still disagree, for a smaller reproduction.
Files Reduce(Files files, const CompileOptions& options, const Plan& plan) {
  for (size_t f = 0; f < files.size(); ++f) {
    for (;;) {
      const std::string& text = files[f].second;
      std::vector<size_t> starts;
      for (size_t at = text.find("\n/// r "); at != std::string::npos; at = text.find("\n/// r ", at + 1)) {
        starts.push_back(at);
      }
      bool dropped = false;
      for (size_t i = 0; i < starts.size() && !dropped; ++i) {
        const size_t end = i + 1 < starts.size() ? starts[i + 1] : text.size();
        Files candidate = files;
        candidate[f].second = text.substr(0, starts[i]) + text.substr(end);
        Outcome o = Run(candidate, options, plan);
        if (o.compiled && !Diff(o.engine, o.reference).empty()) {
          files = std::move(candidate);
          dropped = true;
        }
      }
      if (!dropped) break;
    }
  }
  return files;
}

int Main(const Flags& flags) {
  const auto start = std::chrono::steady_clock::now();
  long pairs = 0, policies = 0, compile_failures = 0, plan_failures = 0;
  long fired = 0, with_errors = 0, denied = 0, approval = 0;
  for (long p = 0; pairs < flags.pairs; ++p) {
    const uint64_t policy_seed = flags.seed * 1000003ULL + static_cast<uint64_t>(p);
    GeneratedPolicy gen = GeneratePolicy(policy_seed);
    CompileOptions options;
    options.params = gen.param_overrides;
    for (const std::string& pkg : gen.dryrun_packages) options.enforcement[pkg] = Enforcement::kDryrun;
    ++policies;
    const Compiled compiled = Compile(gen.files, options);
    if (!compiled.ok()) {
      ++compile_failures;
      if (compile_failures <= 3) {
        std::fprintf(stderr, "generated policy (seed %llu) does not compile:\n%s\n",
                     static_cast<unsigned long long>(policy_seed), compiled.diagnostics.c_str());
        for (const auto& [name, text] : gen.files) std::fprintf(stderr, "--- %s\n%s\n", name.c_str(), text.c_str());
      }
      continue;
    }
    for (int k = 0; k < flags.plans_per_policy && pairs < flags.pairs; ++k) {
      const std::string plan_json = GeneratePlanJson(policy_seed * 31 + static_cast<uint64_t>(k));
      absl::StatusOr<Plan> plan = DecodePlanJson(plan_json);
      if (!plan.ok()) {
        ++plan_failures;
        if (plan_failures <= 3) std::fprintf(stderr, "generated plan does not decode: %s\n%s\n",
                                             std::string(plan.status().message()).c_str(), plan_json.c_str());
        continue;
      }
      Outcome o = Run(compiled, options, *plan);
      ++pairs;
      const Decision& d = o.engine;
      if (!d.violations.empty() || !d.warnings.empty()) ++fired;
      if (!d.errors.empty()) ++with_errors;
      if (d.verdict == Verdict::kDeny) ++denied;
      if (d.verdict == Verdict::kNeedsApproval) ++approval;
      std::string diff = Diff(o.engine, o.reference);
      if (diff.empty() && pairs % 50 == 0) {
        // The observer (for `gavel explain`) sees sub-expressions and does
        // not change the decision.
        long observed = 0;
        ExprObserver count = [&](const Expr&, const Value&, const ObservedScope&) { ++observed; };
        Decision watched = EvaluateReference(*compiled.reference, *plan, options, &count);
        diff = Diff(o.engine, watched);
        bool has_expr = false;  // a `for` or `when` clause is always evaluated
        for (const auto& file : gen.files) {
          has_expr = has_expr || file.second.find("\n  for ") != std::string::npos ||
                     file.second.find("\n  when ") != std::string::npos;
        }
        if (diff.empty() && has_expr && observed == 0) diff = "the observer saw no expression";
      }
      if (diff.empty()) continue;
      Files reduced = Reduce(gen.files, options, *plan);
      Outcome r = Run(reduced, options, *plan);
      std::printf("DIFFERENCE (policy seed %llu, plan %d): %s\n", static_cast<unsigned long long>(policy_seed), k,
                  Diff(r.engine, r.reference).c_str());
      for (const auto& [name, text] : reduced) std::printf("--- policy %s\n%s\n", name.c_str(), text.c_str());
      for (const auto& [name, value] : options.params) {
        std::printf("--- param %s = %s\n", name.c_str(), value.DebugString().c_str());
      }
      for (const std::string& pkg : gen.dryrun_packages) std::printf("--- dryrun %s\n", pkg.c_str());
      std::printf("--- plan\n%s\n--- engine\n%s\n--- reference\n%s\n", plan_json.c_str(),
                  r.engine.ToJson("plan").c_str(), r.reference.ToJson("plan").c_str());
      return 1;
    }
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto pct = [&](long n) { return pairs ? 100.0 * static_cast<double>(n) / static_cast<double>(pairs) : 0.0; };
  std::printf(
      "differential: %ld pairs, %ld policies (seed %llu), %.1fs; fired %.1f%%, errors %.1f%%, deny %.1f%%, "
      "needs_approval %.1f%%; generator: %ld policies did not compile, %ld plans did not decode\n",
      pairs, policies, static_cast<unsigned long long>(flags.seed), seconds, pct(fired), pct(with_errors),
      pct(denied), pct(approval), compile_failures, plan_failures);
  // The generator must produce valid input, and rules must fire often but
  // not always, or the comparison proves little.
  if (compile_failures * 100 > policies || plan_failures > 0) {
    std::printf("FAIL: the generator produced invalid policies or plans\n");
    return 1;
  }
  if (pairs >= 200 && (pct(fired) < 20 || pct(fired) > 95)) {
    std::printf("FAIL: fire rate %.1f%% is outside 20..95%%\n", pct(fired));
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace gavel::differential

int main(int argc, char** argv) {
  gavel::differential::Flags flags;
  for (int i = 1; i < argc; ++i) {
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", name);
        std::exit(2);
      }
      return argv[++i];
    };
    if (!std::strcmp(argv[i], "--pairs")) {
      flags.pairs = std::strtol(value("--pairs"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--seed")) {
      flags.seed = std::strtoull(value("--seed"), nullptr, 10);
    } else if (!std::strcmp(argv[i], "--plans-per-policy")) {
      flags.plans_per_policy = static_cast<int>(std::strtol(value("--plans-per-policy"), nullptr, 10));
    } else {
      std::fprintf(stderr, "usage: differential_test [--pairs N] [--seed S] [--plans-per-policy K]\n");
      return 2;
    }
  }
  if (flags.pairs < 0 || flags.plans_per_policy < 1) return 2;
  return gavel::differential::Main(flags);
}
