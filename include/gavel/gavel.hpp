// gavel.hpp: a thin C++17 RAII layer over the C API (gavel.h). Header-only;
// link libgavel like a C program does.
//
//   gavel::Policy policy = gavel::Policy::CompilePaths({"policies/"});  // throws gavel::Error
//   gavel::Decision d = policy.EvaluateJson(json);                       // throws gavel::Error
//   if (d.verdict() != gavel::Verdict::kAllow) {
//     for (const gavel::Finding& v : d.violations()) std::cerr << v.rule() << ": " << v.message() << "\n";
//   }
//
// Errors are exceptions on this side only (gavel::Error, with the C result
// code and every diagnostic); no exception crosses into the C library.
// Policy and Decision are movable, not copyable, and as thread-safe as their
// C handles: a Policy may be evaluated by any number of threads at once.
#ifndef GAVEL_GAVEL_HPP_
#define GAVEL_GAVEL_HPP_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gavel/gavel.h"

namespace gavel {

enum class Verdict { kAllow = GAVEL_ALLOW, kDeny = GAVEL_DENY, kNeedsApproval = GAVEL_NEEDS_APPROVAL };

enum class Effect {
  kDeny = GAVEL_EFFECT_DENY,
  kWarn = GAVEL_EFFECT_WARN,
  kRequireApproval = GAVEL_EFFECT_REQUIRE_APPROVAL,
  kError = GAVEL_EFFECT_ERROR,
};

// One problem of an Error: where (file may be empty, line/column 0) and what.
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string code;
  std::string message;
};

// A failed call of the C API: its result code (GAVEL_ERROR_*), the formatted
// message (what()), and every diagnostic.
class Error : public std::runtime_error {
 public:
  Error(int code, std::string message, std::vector<Diagnostic> diagnostics)
      : std::runtime_error(std::move(message)), code_(code), diagnostics_(std::move(diagnostics)) {}

  int code() const noexcept { return code_; }
  const std::vector<Diagnostic>& diagnostics() const noexcept { return diagnostics_; }

  // Takes ownership of `err` (which may be null: then only `code` is known).
  static Error FromC(int code, gavel_error* err) {
    std::unique_ptr<gavel_error, decltype(&gavel_error_free)> owned(err, &gavel_error_free);
    std::vector<Diagnostic> diags;
    for (size_t i = 0; i < gavel_error_count(err); ++i) {
      const gavel_diagnostic* d = gavel_error_diagnostic(err, i);
      diags.push_back(Diagnostic{gavel_diagnostic_file(d), gavel_diagnostic_line(d), gavel_diagnostic_column(d),
                                 gavel_diagnostic_code(d), gavel_diagnostic_message(d)});
    }
    std::string message = err != nullptr ? gavel_error_message(err) : gavel_result_name(code);
    return Error(code, std::move(message), std::move(diags));
  }

 private:
  int code_;
  std::vector<Diagnostic> diagnostics_;
};

// A violation, warning or error of a Decision; borrowed from it.
class Finding {
 public:
  explicit Finding(const gavel_finding* f) : f_(f) {}

  std::string_view rule() const { return gavel_finding_rule(f_); }
  Effect effect() const { return static_cast<Effect>(gavel_finding_effect(f_)); }
  std::string_view effect_name() const { return gavel_finding_effect_name(f_); }
  std::string_view severity() const { return gavel_finding_severity(f_); }
  // The step's id, or nullopt for a plan-level rule.
  std::optional<std::string_view> step() const {
    const char* s = gavel_finding_step(f_);
    return s == nullptr ? std::nullopt : std::optional<std::string_view>(s);
  }
  int64_t step_index() const { return gavel_finding_step_index(f_); }
  std::string_view message() const { return gavel_finding_message(f_); }
  std::string_view location() const { return gavel_finding_location(f_); }
  std::vector<std::string> approvers() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < gavel_finding_approver_count(f_); ++i) out.emplace_back(gavel_finding_approver(f_, i));
    return out;
  }
  // Found by a package in dryrun: a warning that did not count in the verdict.
  bool dryrun() const { return gavel_finding_dryrun(f_) != 0; }

 private:
  const gavel_finding* f_;
};

class Decision {
 public:
  // Takes ownership of `d`.
  explicit Decision(gavel_decision* d) : d_(d, &gavel_decision_free) {}

  Verdict verdict() const { return static_cast<Verdict>(gavel_decision_verdict(d_.get())); }
  std::string_view verdict_name() const { return gavel_verdict_name(gavel_decision_verdict(d_.get())); }
  bool allowed() const { return verdict() == Verdict::kAllow; }

  std::vector<Finding> violations() const { return List(GAVEL_VIOLATIONS); }
  std::vector<Finding> warnings() const { return List(GAVEL_WARNINGS); }
  std::vector<Finding> errors() const { return List(GAVEL_ERRORS); }
  std::vector<std::string> approvers() const {
    std::vector<std::string> out;
    for (size_t i = 0; i < gavel_decision_approver_count(d_.get()); ++i) {
      out.emplace_back(gavel_decision_approver(d_.get(), i));
    }
    return out;
  }

  // The decision as `gavel lint --format json` prints it.
  std::string ToJson(const std::string& plan_name = "") const {
    char* json = gavel_decision_to_json(d_.get(), plan_name.c_str());
    if (json == nullptr) throw std::bad_alloc();
    std::string out(json);
    gavel_free(json);
    return out;
  }

  const gavel_decision* get() const { return d_.get(); }

 private:
  std::vector<Finding> List(int list) const {
    std::vector<Finding> out;
    for (size_t i = 0; i < gavel_decision_count(d_.get(), list); ++i) {
      out.emplace_back(gavel_decision_finding(d_.get(), list, i));
    }
    return out;
  }

  std::unique_ptr<gavel_decision, decltype(&gavel_decision_free)> d_;
};

enum class PlanFormat { kJson = GAVEL_PLAN_JSON, kYaml = GAVEL_PLAN_YAML, kProto = GAVEL_PLAN_PROTO };

namespace detail {
inline Decision Check(int rc, gavel_decision* d, gavel_error* err) {
  if (rc != GAVEL_OK) {
    gavel_decision_free(d);
    throw Error::FromC(rc, err);
  }
  return Decision(d);
}
inline std::vector<const char*> CStrings(const std::vector<std::string>& items) {
  std::vector<const char*> out;
  for (const auto& s : items) out.push_back(s.c_str());
  return out;
}
}  // namespace detail

class Policy {
 public:
  // Takes ownership of `p`.
  explicit Policy(gavel_policy* p) : p_(p, &gavel_policy_free) {}

  // Compiles sources given as (name, text) pairs. Throws Error.
  static Policy Compile(const std::vector<std::pair<std::string, std::string>>& sources) {
    std::vector<const char*> names, texts;
    for (const auto& [name, text] : sources) {
      names.push_back(name.c_str());
      texts.push_back(text.c_str());
    }
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    int rc = gavel_policy_compile(names.data(), texts.data(), sources.size(), &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }

  // Compiles .gavel files and directories. Throws Error.
  static Policy CompilePaths(const std::vector<std::string>& paths) {
    std::vector<const char*> c = detail::CStrings(paths);
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    int rc = gavel_policy_compile_paths(c.data(), c.size(), &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }

  // Compiles the policy set of a project config (gavel.yaml) for environment
  // `env` ("" for none), plus `extra_paths`. Throws Error.
  static Policy CompileConfig(const std::string& config, const std::string& env,
                              const std::vector<std::string>& extra_paths = {}) {
    std::vector<const char*> c = detail::CStrings(extra_paths);
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    int rc = gavel_policy_compile_config(config.c_str(), env.c_str(), c.data(), c.size(), &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }

  // Loads a compiled bundle (gavel compile -o, ToBundle) without compiling.
  // Throws Error (code GAVEL_ERROR_BUNDLE for a corrupt or foreign bundle).
  static Policy LoadBundle(std::string_view bytes) {
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    const char* data = bytes.data() != nullptr ? bytes.data() : "";
    int rc = gavel_policy_load_bundle(data, bytes.size(), &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }
  // LoadBundle, checking its signature against `trusted_keys` (PEM texts of
  // public keys; gavel_policy_load_bundle_verified).
  static Policy LoadBundleVerified(std::string_view bytes, const std::vector<std::string>& trusted_keys,
                                   bool require_signature = true) {
    std::vector<const char*> keys;
    for (const std::string& k : trusted_keys) keys.push_back(k.c_str());
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    const char* data = bytes.data() != nullptr ? bytes.data() : "";
    int rc = gavel_policy_load_bundle_verified(data, bytes.size(), keys.data(), keys.size(),
                                               require_signature ? 1 : 0, &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }
  static Policy LoadBundleFile(const std::string& path) {
    gavel_policy* p = nullptr;
    gavel_error* err = nullptr;
    int rc = gavel_policy_load_bundle_file(path.c_str(), &p, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    return Policy(p);
  }

  // This policy as a bundle's bytes. Throws Error.
  std::string ToBundle() const {
    void* bytes = nullptr;
    size_t len = 0;
    gavel_error* err = nullptr;
    int rc = gavel_policy_write_bundle(p_.get(), &bytes, &len, &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
    std::string out(static_cast<const char*>(bytes), len);
    gavel_free(bytes);
    return out;
  }

  // Evaluates a plan; throws Error when it does not decode (code GAVEL_ERROR_PLAN).
  Decision Evaluate(PlanFormat format, std::string_view data) const {
    gavel_decision* d = nullptr;
    gavel_error* err = nullptr;
    const char* bytes = data.data() != nullptr ? data.data() : "";  // an empty view may have no data
    int rc = gavel_evaluate(p_.get(), static_cast<int>(format), bytes, data.size(), &d, &err);
    return detail::Check(rc, d, err);
  }
  Decision EvaluateJson(std::string_view json) const { return Evaluate(PlanFormat::kJson, json); }
  Decision EvaluateYaml(std::string_view yaml) const { return Evaluate(PlanFormat::kYaml, yaml); }
  Decision EvaluateProto(std::string_view bytes) const { return Evaluate(PlanFormat::kProto, bytes); }
  Decision EvaluateFile(const std::string& path) const {
    gavel_decision* d = nullptr;
    gavel_error* err = nullptr;
    int rc = gavel_evaluate_file(p_.get(), path.c_str(), &d, &err);
    return detail::Check(rc, d, err);
  }

  size_t rule_count() const { return gavel_policy_rule_count(p_.get()); }
  const gavel_policy* get() const { return p_.get(); }

 private:
  std::unique_ptr<gavel_policy, decltype(&gavel_policy_free)> p_;
};

// The current policy of a long-running process; see "Hot reload" in gavel.h.
class Reloadable {
 public:
  explicit Reloadable(const Policy& initial) : r_(nullptr, &gavel_reloadable_free) {
    gavel_reloadable* r = nullptr;
    int rc = gavel_reloadable_new(initial.get(), &r);
    if (rc != GAVEL_OK) throw Error::FromC(rc, nullptr);
    r_.reset(r);
  }

  void Set(const Policy& policy) {
    int rc = gavel_reloadable_set(r_.get(), policy.get());
    if (rc != GAVEL_OK) throw Error::FromC(rc, nullptr);
  }
  // Compiles and swaps in; on failure throws and keeps the current policy.
  void ReloadPaths(const std::vector<std::string>& paths) {
    std::vector<const char*> c = detail::CStrings(paths);
    gavel_error* err = nullptr;
    int rc = gavel_reloadable_reload_paths(r_.get(), c.data(), c.size(), &err);
    if (rc != GAVEL_OK) throw Error::FromC(rc, err);
  }
  Decision Evaluate(PlanFormat format, std::string_view data) const {
    gavel_decision* d = nullptr;
    gavel_error* err = nullptr;
    const char* bytes = data.data() != nullptr ? data.data() : "";
    int rc = gavel_reloadable_evaluate(r_.get(), static_cast<int>(format), bytes, data.size(), &d, &err);
    return detail::Check(rc, d, err);
  }
  uint64_t generation() const { return gavel_reloadable_generation(r_.get()); }

 private:
  std::unique_ptr<gavel_reloadable, decltype(&gavel_reloadable_free)> r_;
};

}  // namespace gavel

#endif  // GAVEL_GAVEL_HPP_
