// The project config (gavel.yaml): parsing, every error with its line,
// environments, params checked against their declared types at the YAML
// location, and packages in dryrun.
#include <catch2/catch.hpp>

#include "engine/config.h"
#include "engine/policy.h"
#include "engine/program.h"

namespace gavel {
namespace {

std::shared_ptr<const Config> Parse(const std::string& yaml, Diagnostics& diags, std::string_view base = "") {
  return ParseConfig("gavel.yaml", yaml, base, diags);
}

// The one diagnostic a bad config gives: its line, column and message.
struct Failure {
  int line = 0;
  int column = 0;
  std::string code;
  std::string message;
  std::string formatted;
};

Failure ParseFails(const std::string& yaml) {
  Diagnostics diags;
  auto config = Parse(yaml, diags);
  INFO(yaml);
  CHECK(config == nullptr);
  REQUIRE(diags.size() == 1);
  const Diagnostic& d = diags.items()[0];
  return Failure{d.location.line(), d.location.column(), d.code, d.message, d.Format()};
}

Plan MustPlan(const std::string& json) {
  auto plan = DecodePlanJson(json);
  INFO(plan.status());
  REQUIRE(plan.ok());
  return *plan;
}

std::shared_ptr<const CompiledPolicy> CompileWith(const std::string& policy, const std::string& yaml,
                                                  const std::string& env, Diagnostics& diags) {
  auto config = Parse(yaml, diags);
  REQUIRE(config);
  CompileOptions options;
  REQUIRE(ResolveEnvironment(*config, env, options, diags));
  return CompilePolicy({std::make_shared<SourceFile>("p.gavel", policy)}, diags, options);
}

TEST_CASE("config: policies, environments, params and enforcement") {
  Diagnostics diags;
  auto config = Parse(R"(# a comment
policies: [policies/, /abs/x.gavel, ../shared/y.gavel]
environments:
  dev:
  prod:
    params:
      a.count: 3
      a.ratio: 0.5
      a.name: payments
      a.quoted: "42"
      a.single: '007'
      a.flag: true
      a.yes: yes
      a.nothing: null
      a.list: [x, 2, false]
      a.map: {k: v, n: 1}
      a.big: 0x10
    enforcement:
      a: dryrun
      b: deny
)",
                      diags, "proj/conf");
  INFO(diags.Format());
  REQUIRE(config);
  CHECK(config->policies == std::vector<std::string>{"proj/conf/policies/", "/abs/x.gavel", "proj/shared/y.gavel"});
  REQUIRE(config->environments.size() == 2);
  CHECK(config->environments.at("dev").params.empty());
  const ConfigEnvironment& prod = config->environments.at("prod");
  CHECK(prod.name == "prod");
  CHECK(prod.location.line() == 5);
  auto value = [&](const std::string& name) { return prod.params.at(name).value.DebugString(); };
  CHECK(value("a.count") == "3");
  CHECK(prod.params.at("a.count").value.is_int());
  CHECK(prod.params.at("a.ratio").value.is_double());
  CHECK(value("a.name") == "\"payments\"");
  CHECK(value("a.quoted") == "\"42\"");  // quoted: a string, though it reads as a number
  CHECK(value("a.single") == "\"007\"");
  CHECK(value("a.flag") == "true");
  CHECK(value("a.yes") == "\"yes\"");  // YAML 1.2: only true/false are booleans
  CHECK(prod.params.at("a.nothing").value.is_null());
  CHECK(value("a.list") == "[\"x\", 2, false]");
  CHECK(value("a.map") == "{\"k\": \"v\", \"n\": 1}");
  CHECK(value("a.big") == "16");
  CHECK(prod.params.at("a.ratio").location.line() == 8);
  CHECK(prod.params.at("a.ratio").location.column() == 7);
  REQUIRE(prod.enforcement.size() == 2);
  CHECK(prod.enforcement.at("a").enforcement == Enforcement::kDryrun);
  CHECK(prod.enforcement.at("a").location.line() == 19);
  CHECK(prod.enforcement.at("b").enforcement == Enforcement::kDeny);
}

TEST_CASE("config: policies may be one path; paths stay relative without a base directory") {
  Diagnostics diags;
  auto config = Parse("policies: ./rules\n", diags);
  REQUIRE(config);
  CHECK(config->policies == std::vector<std::string>{"rules"});
  CHECK(config->environments.empty());
}

TEST_CASE("config: every error is located in the YAML, with did-you-mean for keys") {
  struct Case {
    const char* yaml;
    int line;
    int column;
    const char* code;
    const char* message;
  };
  const Case cases[] = {
      {"policies: [a]\npolices: [b]\n", 2, 1, codes::kUnknownField,
       "unknown key `polices` in the config (did you mean `policies`?); expected one of `policies`, `environments`"},
      {"environments:\n  dev:\n    parms: {}\n", 3, 5, codes::kUnknownField,
       "unknown key `parms` in environment `dev` (did you mean `params`?)"},
      {"policies: {a: b}\n", 1, 11, codes::kConfig, "`policies` is a list of paths (or one path), not a mapping"},
      {"policies: [a, [b]]\n", 1, 15, codes::kConfig, "a policy is a path (a .gavel file or a directory), not a sequence"},
      {"policies: [a, ~]\n", 1, 15, codes::kConfig, "a policy is a path"},
      {"environments: [dev]\n", 1, 15, codes::kConfig, "`environments` maps names (dev, prod, ...) to their settings"},
      {"environments:\n  dev: 3\n", 2, 8, codes::kConfig, "environment `dev` is a mapping with `params` and `enforcement`, not `3`"},
      {"environments:\n  dev:\n    params: [a.b]\n", 3, 13, codes::kConfig, "`params` maps `package.param` names to values"},
      {"environments:\n  dev:\n    params:\n      count: 3\n", 4, 7, codes::kConfig,
       "param `count` needs its package: write `package.param`"},
      {"environments:\n  dev:\n    params:\n      a.n: 99999999999999999999\n", 4, 12, codes::kConfig,
       "the integer `99999999999999999999` is out of range (64-bit)"},
      {"environments:\n  dev:\n    params:\n      a.n: !!binary aGVsbG8=\n", 4, 12, codes::kConfig,
       "the tag `tag:yaml.org,2002:binary` is not supported"},
      {"environments:\n  dev:\n    params:\n      a.m: {x: 1, x: 2}\n", 4, 19, codes::kDuplicate, "duplicate key `x`"},
      {"environments:\n  dev: {}\n  dev: {}\n", 3, 3, codes::kDuplicate, "duplicate key `dev`"},
      {"environments:\n  dev:\n    enforcement:\n      a: dryrn\n", 4, 10, codes::kConfig,
       "the enforcement of package `a` is `deny` or `dryrun`, not `dryrn` (did you mean `dryrun`?)"},
      {"environments:\n  dev:\n    enforcement: dryrun\n", 3, 18, codes::kConfig,
       "`enforcement` maps package names to `deny` or `dryrun`, not `dryrun`"},
      {"environments:\n  dev:\n    params:\n      [a, b]: 1\n", 4, 7, codes::kConfig, "keys are strings, not a sequence"},
      {"policies: [a\nenvironments: {}\n", 2, 13, codes::kSyntax, "invalid YAML"},
      {"policies: [a]\n---\npolicies: [b]\n", 2, 1, codes::kSyntax, "a config is one YAML document, this file has more than one"},
      {"- a\n- b\n", 1, 1, codes::kConfig, "a config is a mapping with `policies` and `environments`, not a sequence"},
      {"", 1, 1, codes::kConfig, "a config is a mapping with `policies` and `environments`, not null"},
      {"policies: \xff\n", 1, 1, codes::kSyntax, "the config is not valid UTF-8"},
  };
  for (const Case& c : cases) {
    Failure f = ParseFails(c.yaml);
    INFO(c.yaml);
    INFO(f.formatted);
    CHECK(f.line == c.line);
    CHECK(f.column == c.column);
    CHECK(f.code == c.code);
    CHECK_THAT(f.message, Catch::Contains(c.message));
    CHECK_THAT(f.formatted, Catch::StartsWith("gavel.yaml:" + std::to_string(c.line) + ":"));
  }
}

TEST_CASE("config: errors show the YAML line with a caret under the key") {
  Failure f = ParseFails("environments:\n  prod:\n    enforcment: {}\n");
  CHECK(f.formatted ==
        "gavel.yaml:3:5: error[unknown_field]: unknown key `enforcment` in environment `prod` (did you mean "
        "`enforcement`?); expected one of `params`, `enforcement`\n"
        "      enforcment: {}\n"
        "      ^~~~~~~~~~\n");
}

TEST_CASE("config: hostile YAML gets an error, not a crash") {
  // Deep nesting, stopped before yaml-cpp recurses.
  Failure deep = ParseFails("environments:\n  dev:\n    params:\n      a.b: " + std::string(200, '[') + "\n");
  CHECK(deep.line == 4);
  CHECK_THAT(deep.message, Catch::Contains("nest deeper than 64 levels"));
  // Aliases that multiply (the "billion laughs"): 10^9 values from a few lines.
  std::string yaml = "environments:\n  dev:\n    params:\n      p.a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "      p.a" + std::to_string(i) + ": &a" + std::to_string(i) + " [" + prev;
    for (int j = 1; j < 10; ++j) yaml += ", " + prev;
    yaml += "]\n";
  }
  Diagnostics diags;
  CHECK(Parse(yaml, diags) == nullptr);
  REQUIRE_FALSE(diags.empty());
  CHECK_THAT(diags.items()[0].message, Catch::Contains("expands (through aliases) to more values"));
}

TEST_CASE("config: environments resolve into compile options") {
  Diagnostics diags;
  auto config = Parse(R"(environments:
  dev:
    params: {a.n: 1}
  prod:
    params: {a.n: 2}
    enforcement: {a: dryrun}
)",
                      diags);
  REQUIRE(config);
  CompileOptions prod;
  REQUIRE(ResolveEnvironment(*config, "prod", prod, diags));
  CHECK(prod.params.at("a.n").DebugString() == "2");
  CHECK(prod.param_locations.at("a.n").line() == 5);
  CHECK(prod.enforcement.at("a") == Enforcement::kDryrun);
  CHECK(prod.enforcement_locations.at("a").line() == 6);
  CHECK(prod.locations_source == config->source);

  CompileOptions none;
  REQUIRE(ResolveEnvironment(*config, "", none, diags));
  CHECK(none.params.empty());
  CHECK(none.enforcement.empty());

  CompileOptions bad;
  CHECK_FALSE(ResolveEnvironment(*config, "prd", bad, diags));
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].message == "no environment `prd` in the config (did you mean `prod`?); it defines `dev`, `prod`");
  CHECK(diags.items()[0].location.line() == 1);
  CHECK(diags.items()[0].code == codes::kUnknownName);
}

const char* kParamPolicy = R"(package a
param ratio: double = 1.0
param names: list<string> = []
param limits: map<string, int> = {}
param window: duration = duration("1h")
param count: int = 0
rule r {
  deny
  when ratio > 2.0 && size(names) > 0 && window > duration("2h") && count > 0 && size(limits) >= 0
  message "{ratio} {names} {window}"
}
)";

TEST_CASE("config: params are checked against their declared types at the YAML line") {
  struct Case {
    const char* param;  // the YAML after `a.`
    int line;
    const char* message;
  };
  const Case cases[] = {
      {"ratio: fast", 4, "param `a.ratio` is declared `double` but was given string `\"fast\"`"},
      {"names: [x, 42]", 4, "param `a.names` is declared `list<string>` but `a.names[1]` is int `42`, not string"},
      {"names: x", 4, "param `a.names` is declared `list<string>` but was given string `\"x\"`"},
      {"limits: {x: one}", 4, "param `a.limits` is declared `map<string, int>` but `a.limits[\"x\"]` is string `\"one\"`, not int"},
      {"window: soon", 4, "param `a.window` is declared `duration` but was given `\"soon\"`, not a duration: invalid duration `soon` (want "
       "e.g. \"1h30m\", \"300s\", \"-1.5s\", \"250ms\")"},
      {"count: 1.5", 4, "param `a.count` is declared `int` but was given double `1.5`"},
      {"count: \"1\"", 4, "param `a.count` is declared `int` but was given string `\"1\"`"},
      {"ratoi: 3", 4, "no param `a.ratoi` is declared (did you mean `a.ratio`?)"},
  };
  for (const Case& c : cases) {
    Diagnostics diags;
    const std::string yaml = std::string("policies: []\nenvironments:\n  prod:\n    params: {a.") + c.param + "}\n";
    INFO(yaml);
    auto policy = CompileWith(kParamPolicy, yaml, "prod", diags);
    INFO(diags.Format());
    CHECK(policy == nullptr);
    REQUIRE(diags.size() == 1);
    const Diagnostic& d = diags.items()[0];
    CHECK(d.location.file != nullptr);
    CHECK(d.location.ToString() == "gavel.yaml:" + std::to_string(c.line) + ":14");
    CHECK(d.message == c.message);
  }
}

TEST_CASE("config: ints widen to double, strings become durations") {
  Diagnostics diags;
  auto policy = CompileWith(kParamPolicy, R"(environments:
  prod:
    params:
      a.ratio: 3
      a.names: [x]
      a.window: 3h
      a.count: 1
)",
                            "prod", diags);
  INFO(diags.Format());
  REQUIRE(policy);
  const Program& program = policy->program();
  REQUIRE(program.param_names[0] == "a.ratio");
  CHECK(program.params[0].is_double());
  CHECK(program.params[2].is_map());  // a.limits: the default
  CHECK(program.params[3].is_duration());
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": []})"));
  REQUIRE(d.violations.size() == 1);
  CHECK(d.violations[0].message == "3 [\"x\"] 10800s");
}

TEST_CASE("config: strings become timestamps and bytes, non-negative ints uint") {
  const char* policy = R"(package t
param at: timestamp = timestamp("2025-01-01T00:00:00Z")
param n: uint = 0u
param b: bytes = b""
param any: dyn = null
rule r {
  deny
  when at > timestamp("2025-06-01T00:00:00Z") && n > 2u && size(b) == 3
}
)";
  Diagnostics diags;
  auto ok = CompileWith(policy, "environments:\n  e:\n    params:\n      t.at: 2025-07-01T10:00:00Z\n      t.n: 3\n"
                                "      t.b: abc\n      t.any: {x: [1]}\n",
                        "e", diags);
  INFO(diags.Format());
  REQUIRE(ok);
  CHECK(ok->program().params[0].is_timestamp());
  CHECK(ok->program().params[1].is_uint());
  CHECK(ok->program().params[2].is_bytes());
  CHECK(ok->program().params[3].is_map());
  CHECK(Evaluate(*ok, MustPlan(R"({"steps": []})")).verdict == Verdict::kDeny);

  auto bad = CompileWith(policy, "environments:\n  e:\n    params:\n      t.at: tomorrow\n      t.n: -1\n", "e", diags);
  CHECK(bad == nullptr);
  REQUIRE(diags.size() == 2);
  CHECK_THAT(diags.items()[0].message,
             Catch::StartsWith("param `t.at` is declared `timestamp` but was given `\"tomorrow\"`, not a timestamp: "));
  CHECK(diags.items()[1].message == "param `t.n` is declared `uint` but was given int `-1`");
}

TEST_CASE("config: enforcement for a package the policy set does not have") {
  Diagnostics diags;
  auto policy = CompileWith(kParamPolicy, "environments:\n  prod:\n    enforcement:\n      b: dryrun\n", "prod", diags);
  CHECK(policy == nullptr);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].location.ToString() == "gavel.yaml:4:7");
  CHECK(diags.items()[0].message == "enforcement for package `b`, which the policy set does not have");
}

const char* kDryrunPolicy = R"(package tools
default deny
rule reads {
  permit
  for step in plan.steps
  when step.verb == "get"
}
@severity("high")
rule no_delete {
  deny
  for step in plan.steps
  when step.verb == "delete"
  message "no delete: {step.id}"
}
rule approve_patch {
  require_approval("sre")
  for step in plan.steps
  when step.verb == "patch"
}
rule needs_reason {
  deny
  for step in plan.steps
  when step.verb == "scale" && step.args["reason"] == ""
}
rule size {
  warn
  when size(plan.steps) > 3
}
)";

const char* kDryrunPlan = R"({"steps": [
  {"id": "g", "verb": "get"},
  {"id": "d", "action": "kubectl.delete", "verb": "delete"},
  {"id": "p", "action": "kubectl.patch", "verb": "patch"},
  {"id": "s", "action": "kubectl.scale", "verb": "scale"}
]})";

TEST_CASE("config: a package in dryrun reports what it would do as warnings, never the verdict") {
  Diagnostics diags;
  auto enforced = CompileWith(kDryrunPolicy, "environments: {prod: {}}\n", "prod", diags);
  auto dryrun = CompileWith(kDryrunPolicy, "environments:\n  staging:\n    enforcement: {tools: dryrun}\n", "staging", diags);
  INFO(diags.Format());
  REQUIRE(enforced);
  REQUIRE(dryrun);

  Decision e = Evaluate(*enforced, MustPlan(kDryrunPlan));
  CHECK(e.verdict == Verdict::kDeny);
  CHECK(e.errors.size() == 1);  // args["reason"] is missing: fails closed
  CHECK(e.violations.size() == 5);  // no_delete, approve_patch, default x3 (d, p, s)

  Decision d = Evaluate(*dryrun, MustPlan(kDryrunPlan));
  CHECK(d.verdict == Verdict::kAllow);
  CHECK(d.violations.empty());
  CHECK(d.errors.empty());
  CHECK(d.approvers.empty());
  // The same findings, as warnings marked dryrun, plus the plain warning.
  REQUIRE(d.warnings.size() == 7);
  std::vector<std::string> seen;
  for (const Violation& v : d.warnings) {
    seen.push_back(std::string(v.rule) + " " + EffectName(v.effect) + " " + std::string(v.step) +
                   (v.dryrun ? " dryrun" : ""));
  }
  CHECK(seen == std::vector<std::string>{
                    "tools.no_delete deny d dryrun",
                    "tools.approve_patch require_approval p dryrun",
                    "tools.needs_reason deny s dryrun",
                    "tools.size warn ",
                    "tools.default deny d dryrun",
                    "tools.default deny p dryrun",
                    "tools.default deny s dryrun",
                });
  CHECK_THAT(std::string(d.warnings[2].message), Catch::StartsWith("runtime error: "));
  CHECK(d.warnings[0].severity == "high");
  CHECK(d.warnings[1].approvers == std::vector<std::string>{"sre"});

  // JSON: "dryrun": true on those findings only.
  std::string json = d.ToJson("plan.json");
  CHECK_THAT(json, Catch::Contains(R"("rule": "tools.no_delete", "effect": "deny", "severity": "high", "step": "d", "step_index": 1, "message": "no delete: d", "location": "p.gavel:9:6", "dryrun": true})"));
  CHECK_THAT(json, Catch::Contains(R"("effect": "require_approval")"));
  CHECK(json.find("\"dryrun\"") != std::string::npos);
  std::string enforced_json = e.ToJson("plan.json");
  CHECK(enforced_json.find("dryrun") == std::string::npos);
}

TEST_CASE("config: dryrun applies per package") {
  Diagnostics diags;
  auto config = Parse("environments:\n  staging:\n    enforcement: {soft: dryrun}\n", diags);
  REQUIRE(config);
  CompileOptions options;
  REQUIRE(ResolveEnvironment(*config, "staging", options, diags));
  auto policy = CompilePolicy({std::make_shared<SourceFile>("soft.gavel", "package soft\nrule r { deny }\n"),
                               std::make_shared<SourceFile>("hard.gavel", "package hard\nrule r { deny }\n")},
                              diags, options);
  INFO(diags.Format());
  REQUIRE(policy);
  Decision d = Evaluate(*policy, MustPlan(R"({"steps": []})"));
  CHECK(d.verdict == Verdict::kDeny);
  REQUIRE(d.violations.size() == 1);
  CHECK(d.violations[0].rule == "hard.r");
  REQUIRE(d.warnings.size() == 1);
  CHECK(d.warnings[0].rule == "soft.r");
  CHECK(d.warnings[0].dryrun);
}

TEST_CASE("config: the example config compiles the standard policies in every environment") {
  Diagnostics diags;
  auto config = LoadConfig(GAVEL_SOURCE_DIR "/examples/gavel.yaml", diags);
  INFO(diags.Format());
  REQUIRE(config);
  REQUIRE(config->policies.size() == 1);
  CHECK(config->policies[0] == GAVEL_SOURCE_DIR "/policies/");
  CHECK(config->environments.size() == 3);
  auto sources = ReadPolicySources(config->policies);
  REQUIRE(sources.ok());
  for (const auto& [name, env] : config->environments) {
    INFO(name);
    CompileOptions options;
    REQUIRE(ResolveEnvironment(*config, name, options, diags));
    auto policy = CompilePolicy(*sources, diags, options);
    INFO(diags.Format());
    CHECK(policy != nullptr);
    CHECK(diags.empty());
  }
}

TEST_CASE("config: a missing file is an io error") {
  Diagnostics diags;
  CHECK(LoadConfig("no/such/gavel.yaml", diags) == nullptr);
  REQUIRE(diags.size() == 1);
  CHECK(diags.items()[0].code == codes::kIo);
  CHECK(diags.items()[0].message == "no/such/gavel.yaml: cannot open the config");
}

}  // namespace
}  // namespace gavel
