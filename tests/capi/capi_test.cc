// The C API (include/gavel/gavel.h) and its C++ layer (gavel.hpp), linked
// against libgavel.so only, as an embedding program would be.
#include <catch2/catch.hpp>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gavel/gavel.h"
#include "gavel/gavel.hpp"

namespace {

const char* kPolicy = R"(package t
@severity("high")
rule no_delete {
  deny
  for step in plan.steps
  when step.verb == "delete"
  message "step {step.id} deletes {step.resource.name}"
}
rule prod_apply {
  require_approval("sre-oncall", "lead")
  for step in plan.steps
  when context.environment == "prod" && step.verb == "apply"
  message "apply of {step.resource.name} in prod"
}
@severity("low")
rule no_exec {
  warn
  for step in plan.steps
  when step.verb == "exec"
  message "exec in {step.id}"
}
rule big {
  deny
  for step in plan.steps
  when has(step.args.replicas) && step.args.replicas * 4611686018427387904 > 100
  message "too big"
}
rule empty_plan {
  warn
  when size(plan.steps) == 0
  message "the plan has no steps"
}
)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compiles kPolicy (or `text`) as "t.gavel"; fails the test when it does not compile.
gavel_policy* CompileOrDie(const char* text = kPolicy) {
  const char* names[] = {"t.gavel"};
  const char* texts[] = {text};
  gavel_policy* p = nullptr;
  gavel_error* err = nullptr;
  int rc = gavel_policy_compile(names, texts, 1, &p, &err);
  INFO(gavel_error_message(err));
  REQUIRE(rc == GAVEL_OK);
  REQUIRE(err == nullptr);
  REQUIRE(p != nullptr);
  return p;
}

std::vector<std::string> Rules(const gavel_decision* d, int list) {
  std::vector<std::string> out;
  for (size_t i = 0; i < gavel_decision_count(d, list); ++i) {
    out.emplace_back(gavel_finding_rule(gavel_decision_finding(d, list, i)));
  }
  return out;
}

}  // namespace

TEST_CASE("version macro and function agree") {
  CHECK(std::string(gavel_version()) == GAVEL_VERSION);
  CHECK(gavel_version_number() == GAVEL_VERSION_NUMBER);
  CHECK(std::string(gavel_result_name(GAVEL_ERROR_PLAN)) == "plan_error");
  CHECK(std::string(gavel_result_name(99)) == "unknown");
}

TEST_CASE("compile from sources") {
  gavel_policy* p = CompileOrDie();
  CHECK(gavel_policy_rule_count(p) == 5);
  gavel_policy_free(p);
}

TEST_CASE("compile errors carry every diagnostic with its location") {
  const char* names[] = {"a.gavel", "b.gavel"};
  const char* texts[] = {
      "package a\nrule r {\n  deny\n  for step in plan.steps\n  when step.verbb == \"x\"\n}\n",
      "package b\nrule s {\n  deny\n  when contxt.airgapped\n}\n",
  };
  gavel_policy* p = reinterpret_cast<gavel_policy*>(0x1);  // overwritten even on failure
  gavel_error* err = nullptr;
  REQUIRE(gavel_policy_compile(names, texts, 2, &p, &err) == GAVEL_ERROR_COMPILE);
  CHECK(p == nullptr);
  REQUIRE(err != nullptr);
  CHECK(gavel_error_code(err) == GAVEL_ERROR_COMPILE);
  REQUIRE(gavel_error_count(err) == 2);
  const gavel_diagnostic* d = gavel_error_diagnostic(err, 0);
  CHECK(std::string(gavel_diagnostic_file(d)) == "a.gavel");
  CHECK(gavel_diagnostic_line(d) == 5);
  CHECK(gavel_diagnostic_column(d) == 13);
  CHECK(std::string(gavel_diagnostic_code(d)) == "unknown_field");
  CHECK(std::string(gavel_diagnostic_message(d)) ==
        "`gavel.v1.Step` has no field `verbb` (did you mean `verb`?)");
  d = gavel_error_diagnostic(err, 1);
  CHECK(std::string(gavel_diagnostic_file(d)) == "b.gavel");
  CHECK(gavel_diagnostic_line(d) == 4);
  CHECK(std::string(gavel_diagnostic_code(d)) == "unknown_name");
  CHECK(gavel_error_diagnostic(err, 2) == nullptr);
  const std::string message = gavel_error_message(err);
  CHECK(message.find("a.gavel:5:13: error[unknown_field]: `gavel.v1.Step` has no field `verbb`") == 0);
  CHECK(message.find("when step.verbb == \"x\"\n") != std::string::npos);
  CHECK(message.find("^~~~~\n") != std::string::npos);
  CHECK(message.find("b.gavel:4:") != std::string::npos);
  gavel_error_free(err);
}

TEST_CASE("compile from paths, and io errors") {
  const char* paths[] = {GAVEL_SOURCE_DIR "/policies"};
  gavel_policy* p = nullptr;
  gavel_error* err = nullptr;
  REQUIRE(gavel_policy_compile_paths(paths, 1, &p, &err) == GAVEL_OK);
  CHECK(err == nullptr);
  CHECK(gavel_policy_rule_count(p) > 0);
  gavel_policy_free(p);

  const char* missing[] = {"/nonexistent/policies"};
  REQUIRE(gavel_policy_compile_paths(missing, 1, &p, &err) == GAVEL_ERROR_IO);
  CHECK(p == nullptr);
  CHECK(gavel_error_code(err) == GAVEL_ERROR_IO);
  CHECK(std::string(gavel_error_message(err)) ==
        "error[io_error]: /nonexistent/policies: no such file or directory\n");
  CHECK(std::string(gavel_diagnostic_code(gavel_error_diagnostic(err, 0))) == "io_error");
  gavel_error_free(err);
}

TEST_CASE("compile from a project config: environments, dryrun, located errors") {
  const char* config = GAVEL_SOURCE_DIR "/examples/gavel.yaml";
  gavel_policy* p = nullptr;
  gavel_error* err = nullptr;
  // staging: prod_changes in dryrun, so its approvals are warnings only.
  REQUIRE(gavel_policy_compile_config(config, "staging", nullptr, 0, &p, &err) == GAVEL_OK);
  CHECK(err == nullptr);
  gavel_decision* d = nullptr;
  REQUIRE(gavel_evaluate_file(p, GAVEL_SOURCE_DIR "/examples/plans/airgap-maintenance.yaml", &d, &err) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_ALLOW);
  REQUIRE(gavel_decision_count(d, GAVEL_WARNINGS) > 0);
  const gavel_finding* f = gavel_decision_finding(d, GAVEL_WARNINGS, 0);
  CHECK(gavel_finding_dryrun(f) == 1);
  CHECK(gavel_finding_effect(f) == GAVEL_EFFECT_REQUIRE_APPROVAL);
  CHECK(std::string(gavel_finding_rule(f)) == "prod_changes.change_needs_approval");
  gavel_decision_free(d);
  const size_t rules = gavel_policy_rule_count(p);
  gavel_policy_free(p);

  // Extra paths add to the config's policies.
  const char* extra_text = "package extra\nrule r {\n  deny\n}\n";
  const std::string extra = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                            "/capi_config_test_" + std::to_string(::getpid());
  std::ofstream(extra + ".gavel") << extra_text;
  const std::string extra_path = extra + ".gavel";
  const char* extras[] = {extra_path.c_str()};
  REQUIRE(gavel_policy_compile_config(config, "prod", extras, 1, &p, &err) == GAVEL_OK);
  CHECK(gavel_policy_rule_count(p) == rules + 1);
  gavel_policy_free(p);

  // An unknown environment: a compile error located in the config.
  REQUIRE(gavel_policy_compile_config(config, "qa", nullptr, 0, &p, &err) == GAVEL_ERROR_COMPILE);
  CHECK(p == nullptr);
  REQUIRE(gavel_error_count(err) == 1);
  const gavel_diagnostic* diag = gavel_error_diagnostic(err, 0);
  CHECK(std::string(gavel_diagnostic_file(diag)) == config);
  CHECK(gavel_diagnostic_line(diag) == 9);
  CHECK(std::string(gavel_diagnostic_code(diag)) == "unknown_name");
  CHECK(std::string(gavel_diagnostic_message(diag)) ==
        "no environment `qa` in the config; it defines `dev`, `prod`, `staging`");
  gavel_error_free(err);

  // A param of the wrong type and an unknown key: every diagnostic, located.
  const std::string bad = extra + ".yaml";
  std::ofstream(bad) << "policies: [" GAVEL_SOURCE_DIR "/policies]\n"
                        "environments:\n"
                        "  prod:\n"
                        "    params:\n"
                        "      prod_changes.environments: prod\n";
  REQUIRE(gavel_policy_compile_config(bad.c_str(), "prod", nullptr, 0, &p, &err) == GAVEL_ERROR_COMPILE);
  REQUIRE(gavel_error_count(err) == 1);
  diag = gavel_error_diagnostic(err, 0);
  CHECK(std::string(gavel_diagnostic_file(diag)) == bad);
  CHECK(gavel_diagnostic_line(diag) == 5);
  CHECK(gavel_diagnostic_column(diag) == 7);
  CHECK(std::string(gavel_diagnostic_code(diag)) == "type_error");
  CHECK(std::string(gavel_diagnostic_message(diag)) ==
        "param `prod_changes.environments` is declared `list<string>` but was given string `\"prod\"`");
  CHECK(std::string(gavel_error_message(err)).find("      prod_changes.environments: prod\n") != std::string::npos);
  gavel_error_free(err);
  std::ofstream(bad) << "environments:\n  prod:\n    parms: {}\n";
  REQUIRE(gavel_policy_compile_config(bad.c_str(), nullptr, nullptr, 0, &p, &err) == GAVEL_ERROR_COMPILE);
  diag = gavel_error_diagnostic(err, 0);
  CHECK(gavel_diagnostic_line(diag) == 3);
  CHECK(std::string(gavel_diagnostic_code(diag)) == "unknown_field");
  gavel_error_free(err);
  std::remove(bad.c_str());
  std::remove(extra_path.c_str());

  // A config that cannot be read; bad arguments.
  REQUIRE(gavel_policy_compile_config("/nonexistent/gavel.yaml", "prod", nullptr, 0, &p, &err) == GAVEL_ERROR_IO);
  CHECK(std::string(gavel_error_message(err)) == "error[io_error]: /nonexistent/gavel.yaml: cannot open the config\n");
  gavel_error_free(err);
  CHECK(gavel_policy_compile_config(nullptr, "prod", nullptr, 0, &p, &err) == GAVEL_ERROR_ARGUMENT);
  gavel_error_free(err);
  CHECK(gavel_policy_compile_config(config, "prod", nullptr, 1, &p, &err) == GAVEL_ERROR_ARGUMENT);
  gavel_error_free(err);
  CHECK(gavel_policy_compile_config(config, "prod", nullptr, 0, nullptr, &err) == GAVEL_ERROR_ARGUMENT);
  gavel_error_free(err);
}

// The decision of `p` on a plan file, as JSON.
std::string DecisionJson(const gavel_policy* p, const std::string& plan) {
  gavel_decision* d = nullptr;
  gavel_evaluate_file(p, plan.c_str(), &d, nullptr);
  char* json = gavel_decision_to_json(d, plan.c_str());
  std::string out = json == nullptr ? "" : json;
  gavel_free(json);
  gavel_decision_free(d);
  return out;
}

TEST_CASE("bundles: write, load from bytes and files, same decisions; damaged bundles refused") {
  const char* config = GAVEL_SOURCE_DIR "/examples/gavel.yaml";
  gavel_policy* p = nullptr;
  gavel_error* err = nullptr;
  // staging: params from the config and a package in dryrun, both bundled.
  REQUIRE(gavel_policy_compile_config(config, "staging", nullptr, 0, &p, &err) == GAVEL_OK);
  void* bytes = nullptr;
  size_t len = 0;
  REQUIRE(gavel_policy_write_bundle(p, &bytes, &len, &err) == GAVEL_OK);
  CHECK(err == nullptr);
  REQUIRE(bytes != nullptr);
  REQUIRE(len > 24);
  gavel_policy* loaded = nullptr;
  REQUIRE(gavel_policy_load_bundle(bytes, len, &loaded, &err) == GAVEL_OK);
  CHECK(err == nullptr);
  CHECK(gavel_policy_rule_count(loaded) == gavel_policy_rule_count(p));
  for (const char* plan : {"airgap-maintenance.yaml", "prod-rollout.json", "secret-exfiltration.json"}) {
    const std::string path = std::string(GAVEL_SOURCE_DIR "/examples/plans/") + plan;
    const std::string want = DecisionJson(p, path);
    CHECK(want.find("\"verdict\"") != std::string::npos);
    CHECK(DecisionJson(loaded, path) == want);
  }
  gavel_policy_free(loaded);

  // From a file; the messages name it.
  const std::string file = std::string(std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp") +
                           "/capi_bundle_test_" + std::to_string(::getpid()) + ".bundle";
  std::ofstream(file, std::ios::binary).write(static_cast<const char*>(bytes), static_cast<std::streamsize>(len));
  REQUIRE(gavel_policy_load_bundle_file(file.c_str(), &loaded, &err) == GAVEL_OK);
  CHECK(gavel_policy_rule_count(loaded) == gavel_policy_rule_count(p));
  gavel_policy_free(loaded);

  // Signatures (signed bundles: tests/signature_test.cc, tests/cli_signing_test.sh).
  const char* key = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAko6l5qYZ6wAD+dZkoHXjFtZoAOLNnAxBlHJ6t5n6SeA=\n"
                    "-----END PUBLIC KEY-----\n";
  REQUIRE(gavel_policy_load_bundle_verified(bytes, len, &key, 1, 0, &loaded, &err) == GAVEL_OK);
  gavel_policy_free(loaded);
  CHECK(gavel_policy_load_bundle_verified(bytes, len, &key, 1, 1, &loaded, &err) == GAVEL_ERROR_BUNDLE);
  CHECK(loaded == nullptr);
  CHECK(std::string(gavel_error_message(err)).find("<bundle>: unsigned bundle; a signature by a trusted key is required") !=
        std::string::npos);
  gavel_error_free(err);
  const char* not_a_key = "hello";
  CHECK(gavel_policy_load_bundle_verified(bytes, len, &not_a_key, 1, 1, &loaded, &err) == GAVEL_ERROR_ARGUMENT);
  gavel_error_free(err);

  // A changed byte, a cut, a file that is no bundle, no file at all.
  std::string damaged(static_cast<const char*>(bytes), len);
  damaged[len / 2] = static_cast<char>(damaged[len / 2] ^ 0x20);
  loaded = reinterpret_cast<gavel_policy*>(0x1);
  REQUIRE(gavel_policy_load_bundle(damaged.data(), damaged.size(), &loaded, &err) == GAVEL_ERROR_BUNDLE);
  CHECK(loaded == nullptr);
  CHECK(gavel_error_code(err) == GAVEL_ERROR_BUNDLE);
  const std::string message = gavel_error_message(err);
  CHECK(message.find("error[bundle_error]: <bundle>: corrupt bundle (checksum mismatch") == 0);
  CHECK(std::string(gavel_diagnostic_code(gavel_error_diagnostic(err, 0))) == "bundle_error");
  gavel_error_free(err);
  CHECK(gavel_policy_load_bundle(bytes, len - 1, &loaded, &err) == GAVEL_ERROR_BUNDLE);
  CHECK(std::string(gavel_error_message(err)).find("<bundle>: truncated bundle") != std::string::npos);
  gavel_error_free(err);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << "package t\n";
  CHECK(gavel_policy_load_bundle_file(file.c_str(), &loaded, &err) == GAVEL_ERROR_BUNDLE);
  CHECK(std::string(gavel_error_message(err)) == "error[bundle_error]: " + file + ": not a gavel bundle\n");
  CHECK(std::string(gavel_diagnostic_file(gavel_error_diagnostic(err, 0))) == file);
  gavel_error_free(err);
  std::remove(file.c_str());
  CHECK(gavel_policy_load_bundle_file(file.c_str(), &loaded, &err) == GAVEL_ERROR_IO);
  CHECK(loaded == nullptr);
  gavel_error_free(err);
  CHECK(std::string(gavel_result_name(GAVEL_ERROR_BUNDLE)) == "bundle_error");

  // Bad arguments: out-pointers are still written.
  void* none = reinterpret_cast<void*>(0x1);
  size_t none_len = 7;
  CHECK(gavel_policy_write_bundle(nullptr, &none, &none_len, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(none == nullptr);
  CHECK(none_len == 0);
  CHECK(gavel_policy_write_bundle(p, nullptr, &none_len, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_policy_load_bundle(nullptr, 0, &loaded, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_policy_load_bundle(bytes, GAVEL_NUL_TERMINATED, &loaded, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_policy_load_bundle(bytes, len, nullptr, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_policy_load_bundle_file(nullptr, &loaded, nullptr) == GAVEL_ERROR_ARGUMENT);
  gavel_free(bytes);
  gavel_policy_free(p);
}

TEST_CASE("evaluate JSON: deny, with every field of a violation") {
  gavel_policy* p = CompileOrDie();
  const char* plan = R"({"steps": [{"id": "a", "verb": "get"}, {"id": "b", "verb": "delete", "resource": {"name": "db"}}]})";
  gavel_decision* d = nullptr;
  gavel_error* err = reinterpret_cast<gavel_error*>(0x1);
  REQUIRE(gavel_evaluate_json(p, plan, GAVEL_NUL_TERMINATED, &d, &err) == GAVEL_OK);
  CHECK(err == nullptr);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  REQUIRE(gavel_decision_count(d, GAVEL_VIOLATIONS) == 1);
  const gavel_finding* v = gavel_decision_finding(d, GAVEL_VIOLATIONS, 0);
  CHECK(std::string(gavel_finding_rule(v)) == "t.no_delete");
  CHECK(gavel_finding_effect(v) == GAVEL_EFFECT_DENY);
  CHECK(std::string(gavel_finding_effect_name(v)) == "deny");
  CHECK(std::string(gavel_finding_severity(v)) == "high");
  CHECK(std::string(gavel_finding_step(v)) == "b");
  CHECK(gavel_finding_step_index(v) == 1);
  CHECK(std::string(gavel_finding_message(v)) == "step b deletes db");
  CHECK(std::string(gavel_finding_location(v)) == "t.gavel:3:6");
  CHECK(gavel_finding_approver_count(v) == 0);
  CHECK(gavel_finding_approver(v, 0) == nullptr);
  CHECK(gavel_decision_finding(d, GAVEL_VIOLATIONS, 1) == nullptr);
  CHECK(gavel_decision_count(d, GAVEL_WARNINGS) == 0);
  CHECK(gavel_decision_count(d, GAVEL_ERRORS) == 0);
  CHECK(gavel_decision_count(d, 7) == 0);
  CHECK(gavel_decision_finding(d, -1, 0) == nullptr);
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("evaluate YAML: needs approval, approvers") {
  gavel_policy* p = CompileOrDie();
  const std::string plan =
      "context: {environment: prod}\n"
      "steps:\n"
      "  - {id: s1, verb: apply, resource: {name: web}}\n"
      "  - {id: s2, verb: exec}\n";
  gavel_decision* d = nullptr;
  REQUIRE(gavel_evaluate_yaml(p, plan.data(), plan.size(), &d, nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_NEEDS_APPROVAL);
  CHECK(std::string(gavel_verdict_name(gavel_decision_verdict(d))) == "needs_approval");
  REQUIRE(gavel_decision_count(d, GAVEL_VIOLATIONS) == 1);
  const gavel_finding* v = gavel_decision_finding(d, GAVEL_VIOLATIONS, 0);
  CHECK(gavel_finding_effect(v) == GAVEL_EFFECT_REQUIRE_APPROVAL);
  CHECK(std::string(gavel_finding_effect_name(v)) == "require_approval");
  REQUIRE(gavel_finding_approver_count(v) == 2);
  CHECK(std::string(gavel_finding_approver(v, 0)) == "sre-oncall");
  CHECK(std::string(gavel_finding_approver(v, 1)) == "lead");
  REQUIRE(gavel_decision_approver_count(d) == 2);
  CHECK(std::string(gavel_decision_approver(d, 0)) == "lead");
  CHECK(std::string(gavel_decision_approver(d, 1)) == "sre-oncall");
  CHECK(gavel_decision_approver(d, 2) == nullptr);
  REQUIRE(gavel_decision_count(d, GAVEL_WARNINGS) == 1);
  const gavel_finding* w = gavel_decision_finding(d, GAVEL_WARNINGS, 0);
  CHECK(gavel_finding_effect(w) == GAVEL_EFFECT_WARN);
  CHECK(std::string(gavel_finding_severity(w)) == "low");
  CHECK(std::string(gavel_finding_message(w)) == "exec in s2");
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("evaluate protobuf bytes") {
  gavel_policy* p = CompileOrDie();
  const std::string bytes = ReadFile(GAVEL_CAPI_PLAN_PB);
  REQUIRE(!bytes.empty());
  gavel_decision* d = nullptr;
  REQUIRE(gavel_evaluate_proto(p, bytes.data(), bytes.size(), &d, nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  CHECK(Rules(d, GAVEL_VIOLATIONS) == std::vector<std::string>{"t.no_delete"});
  CHECK(std::string(gavel_finding_step(gavel_decision_finding(d, GAVEL_VIOLATIONS, 0))) == "drop");
  gavel_decision_free(d);

  // The generic entry point and the file entry point agree.
  REQUIRE(gavel_evaluate(p, GAVEL_PLAN_PROTO, bytes.data(), bytes.size(), &d, nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  gavel_decision_free(d);
  REQUIRE(gavel_evaluate_file(p, GAVEL_CAPI_PLAN_PB, &d, nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("allow, plan-level findings, runtime errors fail closed") {
  gavel_policy* p = CompileOrDie();
  gavel_decision* d = nullptr;
  REQUIRE(gavel_evaluate_json(p, "{}", 2, &d, nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_ALLOW);
  REQUIRE(gavel_decision_count(d, GAVEL_WARNINGS) == 1);
  const gavel_finding* w = gavel_decision_finding(d, GAVEL_WARNINGS, 0);
  CHECK(std::string(gavel_finding_rule(w)) == "t.empty_plan");
  CHECK(gavel_finding_step(w) == nullptr);
  CHECK(gavel_finding_step_index(w) == -1);
  gavel_decision_free(d);

  REQUIRE(gavel_evaluate_json(p, R"({"steps": [{"id": "s", "args": {"replicas": 2}}]})", GAVEL_NUL_TERMINATED, &d,
                              nullptr) == GAVEL_OK);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  CHECK(gavel_decision_count(d, GAVEL_VIOLATIONS) == 0);
  REQUIRE(gavel_decision_count(d, GAVEL_ERRORS) == 1);
  const gavel_finding* e = gavel_decision_finding(d, GAVEL_ERRORS, 0);
  CHECK(std::string(gavel_finding_rule(e)) == "t.big");
  CHECK(gavel_finding_effect(e) == GAVEL_EFFECT_ERROR);
  CHECK(std::string(gavel_finding_effect_name(e)) == "error");
  CHECK(std::string(gavel_finding_step(e)) == "s");
  CHECK(std::string(gavel_finding_message(e)).find("overflow") != std::string::npos);
  CHECK(std::string(gavel_finding_severity(e)).empty());
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("the decision as JSON is the CLI's JSON") {
  gavel_policy* p = CompileOrDie();
  gavel_decision* d = nullptr;
  REQUIRE(gavel_evaluate_json(p, R"({"context": {"environment": "prod"}, "steps": [{"id": "x", "verb": "apply"}]})",
                              GAVEL_NUL_TERMINATED, &d, nullptr) == GAVEL_OK);
  char* json = gavel_decision_to_json(d, "p.json");
  REQUIRE(json != nullptr);
  CHECK(std::string(json) ==
        R"({"plan": "p.json", "verdict": "needs_approval", "violations": [{"rule": "t.prod_apply", )"
        R"("effect": "require_approval", "severity": "medium", "step": "x", "step_index": 0, )"
        R"("message": "apply of  in prod", "location": "t.gavel:9:6", "approvers": ["sre-oncall", "lead"]}], )"
        R"("warnings": [], "errors": [], "approvers": ["lead", "sre-oncall"]})");
  gavel_free(json);
  json = gavel_decision_to_json(d, nullptr);
  CHECK(std::string(json).rfind(R"({"plan": "", )", 0) == 0);
  gavel_free(json);
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("a plan that does not decode: an error naming the path, and a deny decision") {
  gavel_policy* p = CompileOrDie();
  gavel_decision* d = nullptr;
  gavel_error* err = nullptr;
  const char* plan = R"({"steps": [{"id": "a", "verb": 3}]})";
  REQUIRE(gavel_evaluate_json(p, plan, GAVEL_NUL_TERMINATED, &d, &err) == GAVEL_ERROR_PLAN);
  CHECK(gavel_error_code(err) == GAVEL_ERROR_PLAN);
  CHECK(std::string(gavel_error_message(err)) == "error[plan_error]: steps[0].verb: expected a string, got a number\n");
  CHECK(std::string(gavel_diagnostic_message(gavel_error_diagnostic(err, 0))) ==
        "steps[0].verb: expected a string, got a number");
  REQUIRE(d != nullptr);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  REQUIRE(gavel_decision_count(d, GAVEL_ERRORS) == 1);
  CHECK(std::string(gavel_finding_message(gavel_decision_finding(d, GAVEL_ERRORS, 0))) ==
        "steps[0].verb: expected a string, got a number");
  gavel_error_free(err);
  gavel_decision_free(d);

  // YAML errors carry line and column; broken syntax and wrong protobuf bytes fail too.
  REQUIRE(gavel_evaluate_yaml(p, "steps:\n  - id: a\n    verb: [1]\n", GAVEL_NUL_TERMINATED, &d, &err) ==
          GAVEL_ERROR_PLAN);
  CHECK(std::string(gavel_error_message(err)).find("steps[0].verb") != std::string::npos);
  CHECK(std::string(gavel_error_message(err)).find("line 3") != std::string::npos);
  gavel_error_free(err);
  gavel_decision_free(d);
  REQUIRE(gavel_evaluate_json(p, "{\"steps\": [", GAVEL_NUL_TERMINATED, &d, nullptr) == GAVEL_ERROR_PLAN);
  gavel_decision_free(d);
  REQUIRE(gavel_evaluate_proto(p, "\xff\xff\xff", 3, &d, nullptr) == GAVEL_ERROR_PLAN);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  gavel_decision_free(d);

  // A missing file is an io error, and still a deny decision.
  REQUIRE(gavel_evaluate_file(p, "/nonexistent/plan.json", &d, &err) == GAVEL_ERROR_IO);
  CHECK(std::string(gavel_error_message(err)).find("/nonexistent/plan.json: cannot open") != std::string::npos);
  CHECK(gavel_decision_verdict(d) == GAVEL_DENY);
  gavel_error_free(err);
  gavel_decision_free(d);
  gavel_policy_free(p);
}

TEST_CASE("NULL handles and bad arguments") {
  gavel_policy_free(nullptr);
  gavel_decision_free(nullptr);
  gavel_error_free(nullptr);
  gavel_reloadable_free(nullptr);
  gavel_free(nullptr);

  CHECK(gavel_error_code(nullptr) == GAVEL_OK);
  CHECK(std::string(gavel_error_message(nullptr)).empty());
  CHECK(gavel_error_count(nullptr) == 0);
  CHECK(gavel_error_diagnostic(nullptr, 0) == nullptr);
  CHECK(std::string(gavel_diagnostic_file(nullptr)).empty());
  CHECK(gavel_diagnostic_line(nullptr) == 0);
  CHECK(gavel_decision_verdict(nullptr) == GAVEL_DENY);  // fail closed
  CHECK(gavel_decision_count(nullptr, GAVEL_VIOLATIONS) == 0);
  CHECK(gavel_decision_finding(nullptr, GAVEL_VIOLATIONS, 0) == nullptr);
  CHECK(gavel_decision_approver_count(nullptr) == 0);
  CHECK(gavel_decision_to_json(nullptr, "x") == nullptr);
  CHECK(std::string(gavel_finding_rule(nullptr)).empty());
  CHECK(gavel_finding_effect(nullptr) == -1);
  CHECK(gavel_finding_step(nullptr) == nullptr);
  CHECK(gavel_finding_step_index(nullptr) == -1);
  CHECK(gavel_policy_rule_count(nullptr) == 0);
  CHECK(std::string(gavel_verdict_name(42)) == "unknown");

  gavel_error* err = nullptr;
  CHECK(gavel_policy_compile(nullptr, nullptr, 0, nullptr, &err) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_error_code(err) == GAVEL_ERROR_ARGUMENT);
  gavel_error_free(err);
  gavel_policy* p = nullptr;
  const char* texts[] = {nullptr};
  CHECK(gavel_policy_compile(nullptr, texts, 1, &p, &err) == GAVEL_ERROR_ARGUMENT);
  CHECK(p == nullptr);
  CHECK(std::string(gavel_error_message(err)) == "error[argument_error]: `texts[0]` is NULL\n");
  gavel_error_free(err);
  CHECK(gavel_policy_compile_paths(nullptr, 0, &p, nullptr) == GAVEL_ERROR_ARGUMENT);

  gavel_decision* d = reinterpret_cast<gavel_decision*>(0x1);
  CHECK(gavel_evaluate_json(nullptr, "{}", 2, &d, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(d == nullptr);
  p = CompileOrDie();
  CHECK(gavel_evaluate_json(p, nullptr, 0, &d, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_evaluate(p, 17, "{}", 2, &d, &err) == GAVEL_ERROR_ARGUMENT);
  CHECK(std::string(gavel_error_message(err)) == "error[argument_error]: unknown plan format 17\n");
  gavel_error_free(err);
  CHECK(gavel_evaluate_proto(p, "", GAVEL_NUL_TERMINATED, &d, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_evaluate_json(p, "{}", 2, nullptr, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_evaluate_file(p, nullptr, &d, nullptr) == GAVEL_ERROR_ARGUMENT);
  gavel_policy_free(p);

  CHECK(gavel_reloadable_new(nullptr, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_reloadable_set(nullptr, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(gavel_reloadable_current(nullptr) == nullptr);
  CHECK(gavel_reloadable_generation(nullptr) == 0);
  gavel_reloadable* r = nullptr;
  REQUIRE(gavel_reloadable_new(nullptr, &r) == GAVEL_OK);
  CHECK(gavel_reloadable_current(r) == nullptr);
  CHECK(gavel_reloadable_evaluate(r, GAVEL_PLAN_JSON, "{}", 2, &d, nullptr) == GAVEL_ERROR_ARGUMENT);
  CHECK(d == nullptr);
  gavel_reloadable_free(r);
}

TEST_CASE("many threads evaluate one policy") {
  gavel_policy* p = CompileOrDie();
  const std::string plan = ReadFile(GAVEL_SOURCE_DIR "/examples/plans/prod-rollout.json");
  gavel_decision* first = nullptr;
  REQUIRE(gavel_evaluate_json(p, plan.data(), plan.size(), &first, nullptr) == GAVEL_OK);
  char* expected_c = gavel_decision_to_json(first, "");
  const std::string expected = expected_c;
  gavel_free(expected_c);
  gavel_decision_free(first);

  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        gavel_decision* d = nullptr;
        if (gavel_evaluate_json(p, plan.data(), plan.size(), &d, nullptr) != GAVEL_OK) ++mismatches;
        char* json = gavel_decision_to_json(d, "");
        if (json == nullptr || expected != json) ++mismatches;
        gavel_free(json);
        gavel_decision_free(d);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
  gavel_policy_free(p);
}

TEST_CASE("hot reload under concurrent evaluation: every decision sees one whole policy") {
  // Policy A fires a.one and a.two on every step; policy B fires b.one, b.two
  // and b.three. A torn policy would mix packages or counts.
  const char* a_text =
      "package a\n"
      "rule one { deny for step in plan.steps when true message \"a1\" }\n"
      "rule two { deny for step in plan.steps when true message \"a2\" }\n";
  const char* b_text =
      "package b\n"
      "rule one { warn for step in plan.steps when true message \"b1\" }\n"
      "rule two { warn for step in plan.steps when true message \"b2\" }\n"
      "rule three { warn for step in plan.steps when true message \"b3\" }\n";
  gavel_policy* a = CompileOrDie(a_text);
  gavel_policy* b = CompileOrDie(b_text);
  gavel_reloadable* r = nullptr;
  REQUIRE(gavel_reloadable_new(a, &r) == GAVEL_OK);
  gavel_policy_free(a);  // the reloadable shares the compiled policy
  a = gavel_reloadable_current(r);
  REQUIRE(a != nullptr);
  CHECK(gavel_reloadable_generation(r) == 0);

  const std::string plan = R"({"steps": [{"id": "s0"}, {"id": "s1"}, {"id": "s2"}]})";
  std::atomic<bool> stop{false};
  std::atomic<int> torn{0}, seen_a{0}, seen_b{0}, failures{0};
  std::vector<std::thread> evaluators;
  for (int t = 0; t < 6; ++t) {
    evaluators.emplace_back([&] {
      while (!stop.load()) {
        gavel_decision* d = nullptr;
        if (gavel_reloadable_evaluate(r, GAVEL_PLAN_JSON, plan.data(), plan.size(), &d, nullptr) != GAVEL_OK) {
          ++failures;
          continue;
        }
        const std::vector<std::string> v = Rules(d, GAVEL_VIOLATIONS), w = Rules(d, GAVEL_WARNINGS);
        if (v.size() == 6 && w.empty() && gavel_decision_verdict(d) == GAVEL_DENY) {
          for (const auto& rule : v) torn += rule.rfind("a.", 0) != 0;
          ++seen_a;
        } else if (v.empty() && w.size() == 9 && gavel_decision_verdict(d) == GAVEL_ALLOW) {
          for (const auto& rule : w) torn += rule.rfind("b.", 0) != 0;
          ++seen_b;
        } else {
          ++torn;
        }
        gavel_decision_free(d);
      }
    });
  }
  // At least 400 swaps, and on until the evaluators have seen both policies often.
  uint64_t swaps = 0;
  for (int i = 0; i < 400 || seen_a < 500 || seen_b < 500; ++i, ++swaps) {
    REQUIRE(gavel_reloadable_set(r, i % 2 == 0 ? b : a) == GAVEL_OK);
    if (i % 50 == 0) {
      // A reload that does not compile keeps the current policy.
      const char* bad[] = {"/nonexistent"};
      gavel_error* err = nullptr;
      const uint64_t gen = gavel_reloadable_generation(r);
      CHECK(gavel_reloadable_reload_paths(r, bad, 1, &err) == GAVEL_ERROR_IO);
      CHECK(gavel_reloadable_generation(r) == gen);
      gavel_error_free(err);
    }
    std::this_thread::yield();
  }
  stop = true;
  for (auto& t : evaluators) t.join();
  CHECK(torn == 0);
  CHECK(failures == 0);
  CHECK(seen_a >= 500);
  CHECK(seen_b >= 500);
  CHECK(gavel_reloadable_generation(r) == swaps);

  // Reloading from paths swaps in the new policy.
  const char* paths[] = {GAVEL_SOURCE_DIR "/policies"};
  REQUIRE(gavel_reloadable_reload_paths(r, paths, 1, nullptr) == GAVEL_OK);
  CHECK(gavel_reloadable_generation(r) == swaps + 1);
  gavel_policy* current = gavel_reloadable_current(r);
  CHECK(gavel_policy_rule_count(current) > 3);
  gavel_policy_free(current);

  gavel_reloadable_free(r);
  gavel_policy_free(a);
  gavel_policy_free(b);
}

TEST_CASE("gavel.hpp: RAII and exceptions") {
  gavel::Policy policy = gavel::Policy::Compile({{"t.gavel", kPolicy}});
  CHECK(policy.rule_count() == 5);
  gavel::Decision d = policy.EvaluateJson(R"({"steps": [{"id": "b", "verb": "delete"}]})");
  CHECK(d.verdict() == gavel::Verdict::kDeny);
  CHECK_FALSE(d.allowed());
  CHECK(d.verdict_name() == "deny");
  REQUIRE(d.violations().size() == 1);
  CHECK(d.violations()[0].rule() == "t.no_delete");
  CHECK(d.violations()[0].effect() == gavel::Effect::kDeny);
  CHECK(d.violations()[0].step() == std::optional<std::string_view>("b"));
  CHECK(d.ToJson("x").rfind(R"({"plan": "x", "verdict": "deny")", 0) == 0);

  gavel::Decision y = policy.EvaluateYaml("context: {environment: prod}\nsteps: [{id: s, verb: apply}]\n");
  CHECK(y.verdict() == gavel::Verdict::kNeedsApproval);
  CHECK(y.approvers() == std::vector<std::string>{"lead", "sre-oncall"});
  CHECK(y.violations()[0].approvers() == std::vector<std::string>{"sre-oncall", "lead"});
  CHECK(policy.EvaluateJson("{}").warnings()[0].step() == std::nullopt);

  try {
    gavel::Policy::Compile({{"bad.gavel", "package p\nrule r { deny when nope }\n"}});
    FAIL("no exception");
  } catch (const gavel::Error& e) {
    CHECK(e.code() == GAVEL_ERROR_COMPILE);
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].file == "bad.gavel");
    CHECK(e.diagnostics()[0].line == 2);
    CHECK(e.diagnostics()[0].code == "unknown_name");
    CHECK(std::string(e.what()).find("bad.gavel:2:") == 0);
  }
  try {
    policy.EvaluateJson(R"({"steps": 3})");
    FAIL("no exception");
  } catch (const gavel::Error& e) {
    CHECK(e.code() == GAVEL_ERROR_PLAN);
    CHECK(e.diagnostics()[0].message == "steps: expected an array, got a number");
  }
  CHECK_THROWS_AS(gavel::Policy::CompilePaths({"/nonexistent"}), gavel::Error);
  gavel::Policy staging = gavel::Policy::CompileConfig(GAVEL_SOURCE_DIR "/examples/gavel.yaml", "staging");
  gavel::Decision dry = staging.EvaluateFile(GAVEL_SOURCE_DIR "/examples/plans/airgap-maintenance.yaml");
  CHECK(dry.allowed());
  REQUIRE_FALSE(dry.warnings().empty());
  CHECK(dry.warnings()[0].dryrun());
  CHECK(dry.warnings()[0].effect() == gavel::Effect::kRequireApproval);
  CHECK_THROWS_AS(gavel::Policy::CompileConfig(GAVEL_SOURCE_DIR "/examples/gavel.yaml", "qa"), gavel::Error);

  // Bundles: the round trip decides as the original; damage is an Error.
  const std::string bundle = policy.ToBundle();
  gavel::Policy loaded = gavel::Policy::LoadBundle(bundle);
  CHECK(loaded.rule_count() == policy.rule_count());
  CHECK(loaded.EvaluateYaml("context: {environment: prod}\nsteps: [{id: s, verb: apply}]\n").ToJson("x") ==
        y.ToJson("x"));
  std::string damaged = bundle;
  damaged[damaged.size() / 2] ^= 0x5a;
  try {
    gavel::Policy::LoadBundle(damaged);
    FAIL("no exception");
  } catch (const gavel::Error& e) {
    CHECK(e.code() == GAVEL_ERROR_BUNDLE);
  }
  CHECK_THROWS_AS(gavel::Policy::LoadBundle(""), gavel::Error);
  CHECK_THROWS_AS(gavel::Policy::LoadBundleFile("/nonexistent.bundle"), gavel::Error);

  gavel::Reloadable r(policy);
  CHECK(r.Evaluate(gavel::PlanFormat::kJson, "{}").allowed());
  r.Set(gavel::Policy::Compile({{"d.gavel", "package d\nrule all { deny when true }\n"}}));
  CHECK(r.Evaluate(gavel::PlanFormat::kJson, "{}").verdict() == gavel::Verdict::kDeny);
  CHECK(r.generation() == 1);
  CHECK_THROWS_AS(r.ReloadPaths({"/nonexistent"}), gavel::Error);
  CHECK(r.generation() == 1);
}
