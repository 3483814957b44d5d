// The C API (include/gavel/gavel.h) over the engine's front door
// (engine/policy.h): handles wrap shared, immutable engine objects; every
// entry point catches every exception and turns it into a result code.
#include "gavel/gavel.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/config.h"
#include "engine/policy.h"
#include "engine/program.h"

#ifndef GAVEL_PROJECT_VERSION
#error "GAVEL_PROJECT_VERSION must be defined by the build"
#endif
static_assert(std::string_view(GAVEL_VERSION) == std::string_view(GAVEL_PROJECT_VERSION),
              "GAVEL_VERSION in gavel.h differs from the project version in CMakeLists.txt");

struct gavel_diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string code;
  std::string message;
};

struct gavel_error {
  int code = GAVEL_OK;
  std::string message;  // every diagnostic, formatted
  std::vector<gavel_diagnostic> diagnostics;
};

struct gavel_policy {
  std::shared_ptr<const gavel::CompiledPolicy> policy;
};

// Points into the decision it belongs to (gavel_decision::decision), whose
// findings' text is NUL-terminated (Decision::Keep): nothing is copied.
struct gavel_finding {
  const char* rule = "";
  int effect = GAVEL_EFFECT_DENY;
  const char* severity = "";
  const char* step = "";
  int64_t step_index = -1;
  const char* message = "";
  const char* location = "";
  const std::vector<std::string>* approvers = nullptr;
  bool dryrun = false;
};

struct gavel_decision {
  gavel::Decision decision;
  std::vector<gavel_finding> lists[3];  // GAVEL_VIOLATIONS, GAVEL_WARNINGS, GAVEL_ERRORS
};

struct gavel_reloadable {
  mutable std::mutex mu;  // guards `current` and `generation`; held only to copy or swap the pointer
  std::shared_ptr<const gavel::CompiledPolicy> current;
  uint64_t generation = 0;

  std::shared_ptr<const gavel::CompiledPolicy> Get() const {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  }
  void Set(std::shared_ptr<const gavel::CompiledPolicy> next) {
    std::lock_guard<std::mutex> lock(mu);
    current.swap(next);
    ++generation;
    // `next` (the old policy) is released after the lock, by its last user.
  }
};

namespace {

const char* CodeName(int code) {
  switch (code) {
    case GAVEL_OK: return "ok";
    case GAVEL_ERROR_COMPILE: return "compile_error";
    case GAVEL_ERROR_PLAN: return "plan_error";
    case GAVEL_ERROR_IO: return "io_error";
    case GAVEL_ERROR_ARGUMENT: return "argument_error";
    case GAVEL_ERROR_NOMEM: return "out_of_memory";
    case GAVEL_ERROR_INTERNAL: return "internal_error";
    case GAVEL_ERROR_BUNDLE: return "bundle_error";
  }
  return "unknown";
}

// The diagnostic code of a failure without a source location.
const char* DiagnosticCode(int code) {
  switch (code) {
    case GAVEL_ERROR_PLAN: return gavel::codes::kPlan;
    case GAVEL_ERROR_IO: return gavel::codes::kIo;
    default: return CodeName(code);
  }
}

// Sets *err (when wanted) to a one-diagnostic error; returns `code`.
// Allocation failures here leave *err NULL: the code still tells.
int Fail(gavel_error** err, int code, std::string_view message, std::string_view file = {}) noexcept {
  if (err == nullptr) return code;
  *err = nullptr;
  try {
    auto e = std::make_unique<gavel_error>();
    e->code = code;
    gavel_diagnostic d;
    d.file = std::string(file);
    d.code = DiagnosticCode(code);
    d.message = std::string(message);
    e->message = absl::StrCat("error[", d.code, "]: ", std::string(message), "\n");
    e->diagnostics.push_back(std::move(d));
    *err = e.release();
  } catch (...) {
  }
  return code;
}

int FailCompile(gavel_error** err, const gavel::Diagnostics& diags) {
  if (err == nullptr) return GAVEL_ERROR_COMPILE;
  auto e = std::make_unique<gavel_error>();
  e->code = GAVEL_ERROR_COMPILE;
  e->message = diags.Format();
  const auto sorted = diags.Sorted();
  for (const gavel::Diagnostic* d : sorted) {
    gavel_diagnostic out;
    if (d->location.file != nullptr) out.file = d->location.file->name();
    out.line = d->location.line();
    out.column = d->location.column();
    out.code = d->code;
    out.message = d->message;
    e->diagnostics.push_back(std::move(out));
  }
  *err = e.release();
  return GAVEL_ERROR_COMPILE;
}

// Runs `f` (returning a result code); turns any exception into a code.
template <class F>
int Guard(gavel_error** err, F&& f) noexcept {
  try {
    return f();
  } catch (const std::bad_alloc&) {
    return Fail(err, GAVEL_ERROR_NOMEM, "out of memory");
  } catch (const std::exception& e) {
    return Fail(err, GAVEL_ERROR_INTERNAL, absl::StrCat("internal error: ", e.what()));
  } catch (...) {
    return Fail(err, GAVEL_ERROR_INTERNAL, "internal error: unknown exception");
  }
}

gavel_finding FromViolation(const gavel::Violation& v) {
  gavel_finding f;
  f.rule = v.rule.data();
  switch (v.effect) {
    case gavel::Effect::kWarn: f.effect = GAVEL_EFFECT_WARN; break;
    case gavel::Effect::kRequireApproval: f.effect = GAVEL_EFFECT_REQUIRE_APPROVAL; break;
    default: f.effect = GAVEL_EFFECT_DENY; break;
  }
  f.severity = v.severity.data();
  f.step = v.step.data();
  f.step_index = v.step_index;
  f.message = v.message.data();
  f.location = v.location.data();
  f.approvers = &v.approvers;
  f.dryrun = v.dryrun;
  return f;
}

gavel_finding FromError(const gavel::EvalError& e) {
  gavel_finding f;
  f.rule = e.rule.c_str();
  f.effect = GAVEL_EFFECT_ERROR;
  f.step = e.step.c_str();
  f.step_index = e.step_index;
  f.message = e.message.c_str();
  f.location = e.location.c_str();
  return f;
}

std::unique_ptr<gavel_decision> Wrap(gavel::Decision d) {
  auto out = std::make_unique<gavel_decision>();
  out->decision = std::move(d);  // first: the findings point into it
  const gavel::Decision& kept = out->decision;
  auto fill = [](std::vector<gavel_finding>& list, const auto& items, auto convert) {
    list.reserve(items.size());
    for (const auto& item : items) list.push_back(convert(item));
  };
  fill(out->lists[GAVEL_VIOLATIONS], kept.violations, FromViolation);
  fill(out->lists[GAVEL_WARNINGS], kept.warnings, FromViolation);
  fill(out->lists[GAVEL_ERRORS], kept.errors, FromError);
  return out;
}

// The decision for a plan that could not be read or decoded: deny, one error.
std::unique_ptr<gavel_decision> FailedPlanDecision(std::string_view message) {
  gavel::Decision d;
  d.verdict = gavel::Verdict::kDeny;
  d.errors.push_back(gavel::EvalError{"", "", -1, std::string(message), ""});
  return Wrap(std::move(d));
}

// Decodes and evaluates; the common tail of every evaluate function.
int EvaluatePlan(const std::shared_ptr<const gavel::CompiledPolicy>& policy, absl::StatusOr<gavel::Plan> plan,
                 int failure_code, gavel_decision** out, gavel_error** err) {
  if (!plan.ok()) {
    std::string message(plan.status().message());
    *out = FailedPlanDecision(message).release();
    return Fail(err, failure_code, message);
  }
  *out = Wrap(gavel::Evaluate(*policy, *plan)).release();
  return GAVEL_OK;
}

int EvaluateData(const std::shared_ptr<const gavel::CompiledPolicy>& policy, int format, const void* data,
                 size_t len, gavel_decision** out, gavel_error** err) {
  gavel::PlanFormat f;
  switch (format) {
    case GAVEL_PLAN_JSON: f = gavel::PlanFormat::kJson; break;
    case GAVEL_PLAN_YAML: f = gavel::PlanFormat::kYaml; break;
    case GAVEL_PLAN_PROTO: f = gavel::PlanFormat::kProto; break;
    default: return Fail(err, GAVEL_ERROR_ARGUMENT, absl::StrCat("unknown plan format ", format));
  }
  if (data == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the plan is NULL");
  if (len == GAVEL_NUL_TERMINATED) {
    if (format == GAVEL_PLAN_PROTO) {
      return Fail(err, GAVEL_ERROR_ARGUMENT, "a protobuf plan needs a length, not GAVEL_NUL_TERMINATED");
    }
    len = std::strlen(static_cast<const char*>(data));
  }
  std::string_view text(static_cast<const char*>(data), len);
  return EvaluatePlan(policy, gavel::DecodePlan(text, f, gavel::EvaluationPlanLimits()), GAVEL_ERROR_PLAN, out, err);
}

int Compile(const std::vector<std::shared_ptr<const gavel::SourceFile>>& sources, gavel_policy** out,
            gavel_error** err, const gavel::CompileOptions& options = {}) {
  gavel::Diagnostics diags;
  auto policy = gavel::CompilePolicy(sources, diags, options);
  if (policy == nullptr) {
    if (diags.empty()) return Fail(err, GAVEL_ERROR_INTERNAL, "compilation failed without a diagnostic");
    return FailCompile(err, diags);
  }
  auto handle = std::make_unique<gavel_policy>();
  handle->policy = std::move(policy);
  *out = handle.release();
  return GAVEL_OK;
}

int ReadAndCompileList(const std::vector<std::string>& list, const gavel::CompileOptions& options,
                       std::shared_ptr<const gavel::CompiledPolicy>* out, gavel_error** err) {
  auto sources = gavel::ReadPolicySources(list);
  if (!sources.ok()) return Fail(err, GAVEL_ERROR_IO, std::string(sources.status().message()));
  gavel_policy* handle = nullptr;
  int rc = Compile(*sources, &handle, err, options);
  if (rc != GAVEL_OK) return rc;
  *out = std::move(handle->policy);
  delete handle;
  return GAVEL_OK;
}

int ReadAndCompile(const char* const* paths, size_t count, std::shared_ptr<const gavel::CompiledPolicy>* out,
                   gavel_error** err) {
  if (paths == nullptr && count > 0) return Fail(err, GAVEL_ERROR_ARGUMENT, "`paths` is NULL");
  if (count == 0) return Fail(err, GAVEL_ERROR_ARGUMENT, "no policy paths given");
  std::vector<std::string> list;
  for (size_t i = 0; i < count; ++i) {
    if (paths[i] == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, absl::StrCat("`paths[", i, "]` is NULL"));
    list.emplace_back(paths[i]);
  }
  return ReadAndCompileList(list, {}, out, err);
}

void ClearErr(gavel_error** err) {
  if (err != nullptr) *err = nullptr;
}

const gavel_finding* FindingAt(const gavel_decision* d, int list, size_t i) {
  if (d == nullptr || list < 0 || list > 2) return nullptr;
  const auto& items = d->lists[list];
  return i < items.size() ? &items[i] : nullptr;
}

const char* Str(const gavel_finding* f, const char* gavel_finding::*field) {
  return f == nullptr ? "" : f->*field;
}

}  // namespace

extern "C" {

const char* gavel_version(void) { return GAVEL_VERSION; }
int gavel_version_number(void) { return GAVEL_VERSION_NUMBER; }
const char* gavel_result_name(int code) { return CodeName(code); }

// Errors.

int gavel_error_code(const gavel_error* err) { return err == nullptr ? GAVEL_OK : err->code; }
const char* gavel_error_message(const gavel_error* err) { return err == nullptr ? "" : err->message.c_str(); }
size_t gavel_error_count(const gavel_error* err) { return err == nullptr ? 0 : err->diagnostics.size(); }
const gavel_diagnostic* gavel_error_diagnostic(const gavel_error* err, size_t i) {
  if (err == nullptr || i >= err->diagnostics.size()) return nullptr;
  return &err->diagnostics[i];
}
void gavel_error_free(gavel_error* err) { delete err; }

const char* gavel_diagnostic_file(const gavel_diagnostic* d) { return d == nullptr ? "" : d->file.c_str(); }
int gavel_diagnostic_line(const gavel_diagnostic* d) { return d == nullptr ? 0 : d->line; }
int gavel_diagnostic_column(const gavel_diagnostic* d) { return d == nullptr ? 0 : d->column; }
const char* gavel_diagnostic_code(const gavel_diagnostic* d) { return d == nullptr ? "" : d->code.c_str(); }
const char* gavel_diagnostic_message(const gavel_diagnostic* d) { return d == nullptr ? "" : d->message.c_str(); }

// Policies.

int gavel_policy_compile(const char* const* names, const char* const* texts, size_t count, gavel_policy** out,
                         gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  return Guard(err, [&]() -> int {
    if (texts == nullptr && count > 0) return Fail(err, GAVEL_ERROR_ARGUMENT, "`texts` is NULL");
    std::vector<std::shared_ptr<const gavel::SourceFile>> sources;
    for (size_t i = 0; i < count; ++i) {
      if (texts[i] == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, absl::StrCat("`texts[", i, "]` is NULL"));
      std::string name = names != nullptr && names[i] != nullptr ? names[i] : absl::StrCat("<source ", i, ">");
      sources.push_back(std::make_shared<gavel::SourceFile>(std::move(name), texts[i]));
    }
    return Compile(sources, out, err);
  });
}

int gavel_policy_compile_paths(const char* const* paths, size_t count, gavel_policy** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  return Guard(err, [&]() -> int {
    std::shared_ptr<const gavel::CompiledPolicy> policy;
    int rc = ReadAndCompile(paths, count, &policy, err);
    if (rc != GAVEL_OK) return rc;
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = std::move(policy);
    *out = handle.release();
    return GAVEL_OK;
  });
}

int gavel_policy_compile_config(const char* config_path, const char* env, const char* const* extra_paths,
                                size_t extra_count, gavel_policy** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (config_path == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`config_path` is NULL");
  if (extra_paths == nullptr && extra_count > 0) return Fail(err, GAVEL_ERROR_ARGUMENT, "`extra_paths` is NULL");
  return Guard(err, [&]() -> int {
    gavel::Diagnostics diags;
    auto config = gavel::LoadConfig(config_path, diags);
    gavel::CompileOptions options;
    if (config == nullptr || !gavel::ResolveEnvironment(*config, env == nullptr ? "" : env, options, diags)) {
      // A config that cannot be read is an I/O failure, like a policy path.
      if (diags.size() == 1 && diags.items()[0].code == gavel::codes::kIo) {
        return Fail(err, GAVEL_ERROR_IO, diags.items()[0].message, config_path);
      }
      return FailCompile(err, diags);
    }
    std::vector<std::string> list = config->policies;
    for (size_t i = 0; i < extra_count; ++i) {
      if (extra_paths[i] == nullptr) {
        return Fail(err, GAVEL_ERROR_ARGUMENT, absl::StrCat("`extra_paths[", i, "]` is NULL"));
      }
      list.emplace_back(extra_paths[i]);
    }
    if (list.empty()) return Fail(err, GAVEL_ERROR_ARGUMENT, "the config lists no policies and no extra path was given");
    std::shared_ptr<const gavel::CompiledPolicy> policy;
    int rc = ReadAndCompileList(list, options, &policy, err);
    if (rc != GAVEL_OK) return rc;
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = std::move(policy);
    *out = handle.release();
    return GAVEL_OK;
  });
}

// Bundles.

int gavel_policy_write_bundle(const gavel_policy* policy, void** out_bytes, size_t* out_len, gavel_error** err) {
  ClearErr(err);
  if (out_bytes != nullptr) *out_bytes = nullptr;
  if (out_len != nullptr) *out_len = 0;
  if (out_bytes == nullptr || out_len == nullptr) {
    return Fail(err, GAVEL_ERROR_ARGUMENT, "`out_bytes` or `out_len` is NULL");
  }
  if (policy == nullptr || policy->policy == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the policy is NULL");
  return Guard(err, [&]() -> int {
    absl::StatusOr<std::string> bytes = gavel::WriteBundle(*policy->policy);
    if (!bytes.ok()) return Fail(err, GAVEL_ERROR_ARGUMENT, std::string(bytes.status().message()));
    void* buffer = std::malloc(bytes->empty() ? 1 : bytes->size());
    if (buffer == nullptr) return Fail(err, GAVEL_ERROR_NOMEM, "out of memory");
    std::memcpy(buffer, bytes->data(), bytes->size());
    *out_bytes = buffer;
    *out_len = bytes->size();
    return GAVEL_OK;
  });
}

int gavel_policy_load_bundle(const void* bytes, size_t len, gavel_policy** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (bytes == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`bytes` is NULL");
  if (len == GAVEL_NUL_TERMINATED) {
    return Fail(err, GAVEL_ERROR_ARGUMENT, "a bundle needs a length, not GAVEL_NUL_TERMINATED");
  }
  return Guard(err, [&]() -> int {
    auto policy = gavel::ReadBundle(std::string_view(static_cast<const char*>(bytes), len));
    if (!policy.ok()) return Fail(err, GAVEL_ERROR_BUNDLE, std::string(policy.status().message()));
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = *std::move(policy);
    *out = handle.release();
    return GAVEL_OK;
  });
}

int gavel_policy_load_bundle_verified(const void* bytes, size_t len, const char* const* trusted_keys,
                                      size_t key_count, int require_signature, gavel_policy** out,
                                      gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (bytes == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`bytes` is NULL");
  if (len == GAVEL_NUL_TERMINATED) {
    return Fail(err, GAVEL_ERROR_ARGUMENT, "a bundle needs a length, not GAVEL_NUL_TERMINATED");
  }
  if (trusted_keys == nullptr && key_count > 0) return Fail(err, GAVEL_ERROR_ARGUMENT, "`trusted_keys` is NULL");
  return Guard(err, [&]() -> int {
    gavel::BundleTrust trust;
    trust.require_signature = require_signature != 0;
    for (size_t i = 0; i < key_count; ++i) {
      if (trusted_keys[i] == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "a trusted key is NULL");
      auto key = gavel::ParsePublicKeyPem(trusted_keys[i], absl::StrCat("trusted key ", i));
      if (!key.ok()) return Fail(err, GAVEL_ERROR_ARGUMENT, std::string(key.status().message()));
      trust.trusted_keys.push_back(*std::move(key));
    }
    auto policy = gavel::ReadBundle(std::string_view(static_cast<const char*>(bytes), len), "<bundle>", trust);
    if (!policy.ok()) return Fail(err, GAVEL_ERROR_BUNDLE, std::string(policy.status().message()));
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = *std::move(policy);
    *out = handle.release();
    return GAVEL_OK;
  });
}

int gavel_policy_load_bundle_file(const char* path, gavel_policy** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (path == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the path is NULL");
  return Guard(err, [&]() -> int {
    auto policy = gavel::ReadBundleFile(path);
    if (!policy.ok()) {
      const int code = policy.status().code() == absl::StatusCode::kNotFound ? GAVEL_ERROR_IO : GAVEL_ERROR_BUNDLE;
      return Fail(err, code, std::string(policy.status().message()), path);
    }
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = *std::move(policy);
    *out = handle.release();
    return GAVEL_OK;
  });
}

size_t gavel_policy_rule_count(const gavel_policy* policy) {
  if (policy == nullptr || policy->policy == nullptr) return 0;
  return policy->policy->program().rules.size();
}

void gavel_policy_free(gavel_policy* policy) { delete policy; }

// Evaluation.

int gavel_evaluate(const gavel_policy* policy, int format, const void* data, size_t len, gavel_decision** out,
                   gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (policy == nullptr || policy->policy == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the policy is NULL");
  return Guard(err, [&] { return EvaluateData(policy->policy, format, data, len, out, err); });
}

int gavel_evaluate_json(const gavel_policy* policy, const char* json, size_t len, gavel_decision** out,
                        gavel_error** err) {
  return gavel_evaluate(policy, GAVEL_PLAN_JSON, json, len, out, err);
}

int gavel_evaluate_yaml(const gavel_policy* policy, const char* yaml, size_t len, gavel_decision** out,
                        gavel_error** err) {
  return gavel_evaluate(policy, GAVEL_PLAN_YAML, yaml, len, out, err);
}

int gavel_evaluate_proto(const gavel_policy* policy, const void* bytes, size_t len, gavel_decision** out,
                         gavel_error** err) {
  return gavel_evaluate(policy, GAVEL_PLAN_PROTO, bytes, len, out, err);
}

int gavel_evaluate_file(const gavel_policy* policy, const char* path, gavel_decision** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (policy == nullptr || policy->policy == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the policy is NULL");
  if (path == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the path is NULL");
  return Guard(err, [&]() -> int {
    absl::StatusOr<gavel::Plan> plan = gavel::ReadPlanFile(path, gavel::EvaluationPlanLimits());
    // A file that cannot be read is an I/O failure; one that does not decode is the plan's.
    const bool io = !plan.ok() && (plan.status().code() == absl::StatusCode::kNotFound || ::access(path, R_OK) != 0);
    return EvaluatePlan(policy->policy, std::move(plan), io ? GAVEL_ERROR_IO : GAVEL_ERROR_PLAN, out, err);
  });
}

// Decisions.

int gavel_decision_verdict(const gavel_decision* d) {
  if (d == nullptr) return GAVEL_DENY;
  switch (d->decision.verdict) {
    case gavel::Verdict::kAllow: return GAVEL_ALLOW;
    case gavel::Verdict::kNeedsApproval: return GAVEL_NEEDS_APPROVAL;
    default: return GAVEL_DENY;
  }
}

const char* gavel_verdict_name(int verdict) {
  switch (verdict) {
    case GAVEL_ALLOW: return "allow";
    case GAVEL_DENY: return "deny";
    case GAVEL_NEEDS_APPROVAL: return "needs_approval";
  }
  return "unknown";
}

size_t gavel_decision_count(const gavel_decision* d, int list) {
  if (d == nullptr || list < 0 || list > 2) return 0;
  return d->lists[list].size();
}

const gavel_finding* gavel_decision_finding(const gavel_decision* d, int list, size_t i) {
  return FindingAt(d, list, i);
}

size_t gavel_decision_approver_count(const gavel_decision* d) {
  return d == nullptr ? 0 : d->decision.approvers.size();
}

const char* gavel_decision_approver(const gavel_decision* d, size_t i) {
  if (d == nullptr || i >= d->decision.approvers.size()) return nullptr;
  return d->decision.approvers[i].c_str();
}

char* gavel_decision_to_json(const gavel_decision* d, const char* plan_name) {
  if (d == nullptr) return nullptr;
  try {
    std::string json = d->decision.ToJson(plan_name == nullptr ? "" : plan_name);
    char* out = static_cast<char*>(std::malloc(json.size() + 1));
    if (out == nullptr) return nullptr;
    std::memcpy(out, json.c_str(), json.size() + 1);
    return out;
  } catch (...) {
    return nullptr;
  }
}

void gavel_decision_free(gavel_decision* d) { delete d; }

void gavel_free(void* p) { std::free(p); }

// Findings.

const char* gavel_finding_rule(const gavel_finding* f) { return Str(f, &gavel_finding::rule); }
int gavel_finding_effect(const gavel_finding* f) { return f == nullptr ? -1 : f->effect; }
const char* gavel_finding_effect_name(const gavel_finding* f) {
  if (f == nullptr) return "";
  switch (f->effect) {
    case GAVEL_EFFECT_DENY: return "deny";
    case GAVEL_EFFECT_WARN: return "warn";
    case GAVEL_EFFECT_REQUIRE_APPROVAL: return "require_approval";
    default: return "error";
  }
}
const char* gavel_finding_severity(const gavel_finding* f) { return Str(f, &gavel_finding::severity); }
const char* gavel_finding_step(const gavel_finding* f) {
  if (f == nullptr || f->step_index < 0) return nullptr;
  return f->step;
}
int64_t gavel_finding_step_index(const gavel_finding* f) { return f == nullptr ? -1 : f->step_index; }
const char* gavel_finding_message(const gavel_finding* f) { return Str(f, &gavel_finding::message); }
const char* gavel_finding_location(const gavel_finding* f) { return Str(f, &gavel_finding::location); }
size_t gavel_finding_approver_count(const gavel_finding* f) {
  return f == nullptr || f->approvers == nullptr ? 0 : f->approvers->size();
}
const char* gavel_finding_approver(const gavel_finding* f, size_t i) {
  if (i >= gavel_finding_approver_count(f)) return nullptr;
  return (*f->approvers)[i].c_str();
}
int gavel_finding_dryrun(const gavel_finding* f) { return f != nullptr && f->dryrun ? 1 : 0; }

// Hot reload.

int gavel_reloadable_new(const gavel_policy* initial, gavel_reloadable** out) {
  if (out == nullptr) return GAVEL_ERROR_ARGUMENT;
  *out = nullptr;
  return Guard(nullptr, [&] {
    auto r = std::make_unique<gavel_reloadable>();
    if (initial != nullptr) r->current = initial->policy;
    *out = r.release();
    return GAVEL_OK;
  });
}

int gavel_reloadable_set(gavel_reloadable* r, const gavel_policy* policy) {
  if (r == nullptr || policy == nullptr || policy->policy == nullptr) return GAVEL_ERROR_ARGUMENT;
  return Guard(nullptr, [&] {
    r->Set(policy->policy);
    return GAVEL_OK;
  });
}

int gavel_reloadable_reload_paths(gavel_reloadable* r, const char* const* paths, size_t count, gavel_error** err) {
  ClearErr(err);
  if (r == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the reloadable is NULL");
  return Guard(err, [&]() -> int {
    std::shared_ptr<const gavel::CompiledPolicy> next;
    int rc = ReadAndCompile(paths, count, &next, err);
    if (rc != GAVEL_OK) return rc;
    r->Set(std::move(next));
    return GAVEL_OK;
  });
}

gavel_policy* gavel_reloadable_current(const gavel_reloadable* r) {
  if (r == nullptr) return nullptr;
  try {
    auto current = r->Get();
    if (current == nullptr) return nullptr;
    auto handle = std::make_unique<gavel_policy>();
    handle->policy = std::move(current);
    return handle.release();
  } catch (...) {
    return nullptr;
  }
}

uint64_t gavel_reloadable_generation(const gavel_reloadable* r) {
  if (r == nullptr) return 0;
  std::lock_guard<std::mutex> lock(r->mu);
  return r->generation;
}

int gavel_reloadable_evaluate(const gavel_reloadable* r, int format, const void* data, size_t len,
                              gavel_decision** out, gavel_error** err) {
  ClearErr(err);
  if (out == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "`out` is NULL");
  *out = nullptr;
  if (r == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the reloadable is NULL");
  return Guard(err, [&]() -> int {
    // One snapshot for the whole evaluation: a reload meanwhile swaps the
    // pointer, and this evaluation keeps the policy it started with alive.
    std::shared_ptr<const gavel::CompiledPolicy> policy = r->Get();
    if (policy == nullptr) return Fail(err, GAVEL_ERROR_ARGUMENT, "the reloadable holds no policy");
    return EvaluateData(policy, format, data, len, out, err);
  });
}

void gavel_reloadable_free(gavel_reloadable* r) { delete r; }

}  // extern "C"
