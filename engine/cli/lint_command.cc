// `gavel lint [--policy PATH...] [--config gavel.yaml [--env NAME]] | --bundle FILE
// [--format FORMAT] [--color WHEN] [--jobs N] PLAN...`: evaluates plans and
// prints the decisions. Plans are read and evaluated by a pool of threads
// (the compiled policy is immutable and shared) and reported in input order
// through a bounded window, so the output does not depend on --jobs and a
// large corpus is never held in memory. Exit code: the worst verdict (see
// commands.h).
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <iostream>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/cli/commands.h"
#include "engine/cli/lint_report.h"
#include "engine/cli/plan_inputs.h"
#include "engine/cli/progress.h"
#include "engine/decision_log.h"
#include "engine/sha256.h"

namespace gavel::cli {
namespace {

struct LintOptions {
  PolicySetArgs policy_set;
  std::string bundle;  // a compiled bundle (gavel compile) instead of the policy set
  std::string format = "text";
  std::string color = "auto";
  unsigned jobs = 0;  // 0: one per core
  PlanInputOptions input;
  std::vector<std::string> plans;
  std::vector<std::string> trusted_keys;  // public key files: the bundle must be signed by one
  bool require_signature = false;         // implied by --trusted-key
  std::string decision_log;               // append one JSON line per decision (decision_log.h)
};

// --bundle FILE, which stands for the whole policy set (params included).
std::shared_ptr<const CompiledPolicy> LoadBundle(const LintOptions& opts) {
  if (!opts.policy_set.policies.empty() || !opts.policy_set.config.empty()) {
    std::cerr << "gavel: give --bundle or --policy/--config, not both\n";
    return nullptr;
  }
  // Trusting a key means requiring its signature (docs/bundles.md).
  BundleTrust trust;
  trust.require_signature = opts.require_signature || !opts.trusted_keys.empty();
  for (const std::string& path : opts.trusted_keys) {
    absl::StatusOr<PublicKey> key = ReadPublicKeyFile(path);
    if (!key.ok()) {
      std::cerr << "gavel: " << key.status().message() << "\n";
      return nullptr;
    }
    trust.trusted_keys.push_back(*std::move(key));
  }
  auto policy = ReadBundleFile(opts.bundle, trust);
  if (!policy.ok()) {
    std::cerr << "gavel: " << policy.status().message() << "\n";
    return nullptr;
  }
  return *policy;
}

bool UseColor(const std::string& when) {
  if (when == "always") return true;
  if (when == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");  // https://no-color.org: set and not empty
  return ::isatty(STDOUT_FILENO) == 1 && (no_color == nullptr || *no_color == '\0');
}

// Reads and evaluates one input (on any thread).
LintResult LintOne(const CompiledPolicy& policy, const PlanInput& input, const PlanInputOptions& options) {
  LintResult result;
  result.path = input.Name();
  if (input.line > 0) result.file = input.path;  // a record: positions point into its file
  result.plan_position = input.Position();
  absl::StatusOr<Plan> plan = ReadPlanInput(input, options);
  if (!plan.ok()) {
    // Fails closed: a plan that cannot be read is a deny with its error.
    result.status = plan.status();
    result.decision.verdict = Verdict::kDeny;
    result.decision.errors.push_back(EvalError{"", "", -1, std::string(plan.status().message()), ""});
    return result;
  }
  result.decision = Evaluate(policy, *plan);
  result.step_positions = std::move(plan->step_positions);
  return result;
}

// An input in flight and, once `done`, its result.
struct Slot {
  PlanInput input;
  LintResult result;
  bool done = false;
};

// Hands out the inputs of `reader` to `jobs` threads and calls `report`
// with each result in input order, on the calling thread. At most `window`
// inputs are read ahead of the one reported next. `tick` is called at
// least every 100 ms while waiting.
template <typename Report, typename Tick>
void RunPool(PlanInputReader& reader, unsigned jobs, const CompiledPolicy& policy, const PlanInputOptions& options,
             Report report, Tick tick) {
  if (jobs <= 1) {
    for (PlanInput input; reader.Next(&input);) report(input, LintOne(policy, input, options));
    return;
  }
  const size_t window = 16 * static_cast<size_t>(jobs);
  std::mutex mu;
  std::condition_variable work_cv, done_cv;
  std::deque<Slot> slots;  // references stay valid across push_back and pop_front
  size_t first = 0;        // input number of slots.front()
  size_t next = 0;         // the next input number a worker takes
  bool stop = false;

  auto worker = [&] {
    for (;;) {
      Slot* slot;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] { return stop || next < first + slots.size(); });
        if (next == first + slots.size()) return;  // stopping, nothing left
        slot = &slots[next++ - first];
      }
      LintResult result = LintOne(policy, slot->input, options);
      {
        std::lock_guard<std::mutex> lock(mu);
        slot->result = std::move(result);
        slot->done = true;
      }
      done_cv.notify_one();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(jobs);
  for (unsigned i = 0; i < jobs; ++i) threads.emplace_back(worker);

  bool more = true;
  std::vector<PlanInput> fresh;
  std::vector<Slot> ready;
  for (;;) {
    // Read ahead (outside the lock: reading a JSON Lines file is I/O).
    size_t room;
    {
      std::lock_guard<std::mutex> lock(mu);
      room = window - slots.size();
    }
    fresh.clear();
    for (PlanInput input; more && fresh.size() < room;) {
      if (!reader.Next(&input)) {
        more = false;
        break;
      }
      fresh.push_back(std::move(input));
    }
    ready.clear();
    {
      std::unique_lock<std::mutex> lock(mu);
      for (PlanInput& input : fresh) slots.push_back(Slot{std::move(input), {}, false});
      if (!fresh.empty()) work_cv.notify_all();
      if (slots.empty() && !more) break;
      done_cv.wait_for(lock, std::chrono::milliseconds(100), [&] { return !slots.empty() && slots.front().done; });
      while (!slots.empty() && slots.front().done) {
        ready.push_back(std::move(slots.front()));
        slots.pop_front();
        ++first;
      }
    }
    for (Slot& s : ready) report(s.input, s.result);
    tick();
  }
  {
    std::lock_guard<std::mutex> lock(mu);
    stop = true;
  }
  work_cv.notify_all();
  for (std::thread& t : threads) t.join();
}

int Lint(const LintOptions& opts) {
  const auto start = std::chrono::steady_clock::now();
  PlanInputOptions input = opts.input;  // the config's plan limits, if any
  auto policy = opts.bundle.empty() ? LoadPolicySet(opts.policy_set, &input.limits) : LoadBundle(opts);
  if (!policy) return kExitInvalid;
  std::unique_ptr<DecisionLog> decision_log;
  if (!opts.decision_log.empty()) {
    absl::StatusOr<std::unique_ptr<DecisionLog>> opened = DecisionLog::Open(opts.decision_log);
    if (!opened.ok()) {
      std::cerr << "gavel: " << opened.status().message() << "\n";
      return kExitInvalid;
    }
    decision_log = *std::move(opened);
  }
  const std::string policy_sha256 = PolicyDigest(*policy);
  std::vector<std::string> files;
  if (!ExpandPlanArgsOrReport(opts.plans, &files)) return kExitInvalid;
  const size_t file_count = files.size();
  PlanInputReader reader(std::move(files), /*split_jsonl=*/opts.input.tool_call_format.empty());
  unsigned jobs = opts.jobs != 0 ? opts.jobs : std::max(1u, std::thread::hardware_concurrency());

  ReportOptions report_options;
  report_options.color = UseColor(opts.color);
  std::unique_ptr<LintReporter> reporter = MakeReporter(opts.format, std::cout, *policy, report_options);
  Progress progress(STDERR_FILENO, reader.TotalBytes(), file_count);
  // With the results on the same terminal, the bar is erased before each.
  const bool share_terminal = progress.enabled() && ::isatty(STDOUT_FILENO) == 1;
  LintSummary summary;
  uint64_t done_bytes = 0;

  reporter->Begin();
  RunPool(
      reader, jobs, *policy, input,
      [&](const PlanInput& input, const LintResult& result) {
        ++summary.plans;
        done_bytes += input.bytes;
        if (decision_log != nullptr) {
          // The plan's bytes: a JSON Lines record's line, else the file's ("" if unreadable).
          absl::StatusOr<std::string> plan_sha256 =
              input.line > 0 ? absl::StatusOr<std::string>(Sha256Hex(input.text)) : Sha256FileHex(input.path);
          absl::Status logged = decision_log->Append(
              DecisionRecord{result.path, plan_sha256.value_or(""), policy_sha256, &result.decision, absl::Now()});
          if (!logged.ok()) {  // the audit trail is part of the decision: fail closed
            ++summary.errors;
            std::cerr << "gavel: " << logged.message() << "\n";
          }
        }
        if (share_terminal) progress.Clear();
        if (!result.status.ok()) {
          ++summary.errors;
          progress.Clear();
          std::cerr << "gavel: " << result.status.message() << "\n";
        } else if (result.decision.verdict == Verdict::kDeny) {
          ++summary.denied;
        } else if (result.decision.verdict == Verdict::kNeedsApproval) {
          ++summary.needs_approval;
        } else {
          ++summary.allowed;
        }
        // Text output has always skipped plans that do not decode (stderr says why).
        if (result.status.ok() || opts.format != "text") reporter->Report(result);
        if (share_terminal) std::cout.flush();
        progress.Update(static_cast<uint64_t>(summary.plans), done_bytes);
      },
      [&] { progress.Update(static_cast<uint64_t>(summary.plans), done_bytes); });
  progress.Clear();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  reporter->End(summary);
  std::cout.flush();
  if (summary.errors > 0) return kExitInvalid;
  if (summary.denied > 0) return kExitDeny;
  return summary.needs_approval > 0 ? kExitApproval : kExitAllow;
}

}  // namespace

Command AddLintCommand(CLI::App& app) {
  auto opts = std::make_shared<LintOptions>();
  CLI::App* cmd = app.add_subcommand("lint", "evaluate plans against policies and print the decisions");
  AddPolicySetOptions(*cmd, opts->policy_set);
  cmd->add_option("--bundle,-b", opts->bundle, "a compiled bundle (gavel compile) instead of --policy/--config");
  cmd->add_option("--format,-f", opts->format, "output format")->check(CLI::IsMember(ReportFormats()));
  cmd->add_option("--color", opts->color, "colour the text output: auto (a terminal, NO_COLOR unset), always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--jobs,-j", opts->jobs, "plans evaluated in parallel (default: one per core)")
      ->check(CLI::Range(0u, 1024u));
  CLI::Option* input_format =
      cmd->add_option("--input-format", opts->input.tool_call_format,
                      "read each PLAN as an agent's tool calls instead of a plan: openai, anthropic, mcp")
          ->check(CLI::IsMember({"openai", "anthropic", "mcp"}));
  cmd->add_option("--mapping", opts->input.mapping,
                  "with --input-format: the mapping from tools to plan fields (docs/adapters.md)")
      ->needs(input_format);
  cmd->add_option("--trusted-key", opts->trusted_keys,
                  "a public key (gavel keygen's NAME.pub) whose signature the bundle must carry (repeatable)")
      ->allow_extra_args(false)
      ->needs(cmd->get_option("--bundle"));
  cmd->add_flag("--require-signature", opts->require_signature,
                "refuse an unsigned bundle (implied by --trusted-key)")
      ->needs(cmd->get_option("--bundle"));
  cmd->add_option("--decision-log", opts->decision_log,
                  "append one JSON line per decision to this file (the audit trail: plan and policy SHA-256)");
  cmd->add_option("plans", opts->plans,
                  "plan files (.json, .yaml, .yml, .pb, .binpb; .jsonl: one JSON plan per line), directories "
                  "(searched recursively) or quoted globs ('plans/**/*.json')")
      ->required();
  return [opts]() { return Lint(*opts); };
}

}  // namespace gavel::cli
