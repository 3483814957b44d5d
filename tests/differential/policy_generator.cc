// Random well-typed policies and random plans. See policy_generator.h.
//
// Expressions come from Gen(type): each type has a list of productions whose
// operands are generated at the types they need, down to a depth limit where
// only leaves (literals, names, plan fields) remain. Some productions are
// meant to fail at run time (missing `args` keys, overflow, division by zero,
// indexes out of range, bad conversions) to exercise error absorption.
#include "tests/differential/policy_generator.h"

#include <functional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace gavel::differential {
namespace {

enum class T { kBool, kInt, kUint, kDouble, kString, kListString, kListInt, kListStep, kStep, kTimestamp, kDuration,
               kMapStringInt, kDyn, kGrant };

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // Uniform in [0, n).
  int Below(int n) { return static_cast<int>(std::uniform_int_distribution<int>(0, n - 1)(gen_)); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename C>
  const auto& Pick(const C& c) {
    return c[static_cast<size_t>(Below(static_cast<int>(c.size())))];
  }

 private:
  std::mt19937_64 gen_;
};

// The vocabularies plans and policies share, so conditions meet.
const std::vector<std::string> kActions = {"kubectl.get",  "kubectl.delete", "kubectl.apply", "velero.backup",
                                           "http.get",     "helm.upgrade",   "kubectl.scale"};
const std::vector<std::string> kVerbs = {"get", "list", "delete", "apply", "create", "patch"};
const std::vector<std::string> kKinds = {"Pod", "Secret", "PersistentVolumeClaim", "Deployment", "Namespace"};
const std::vector<std::string> kNamespaces = {"prod", "dev", "kube-system", "team-a"};
const std::vector<std::string> kNames = {"db", "web", "cache", "data-0"};
const std::vector<std::string> kHosts = {"example.com", "db.svc.cluster.local", "quay.io", ""};
const std::vector<std::string> kIps = {"10.0.0.5", "192.168.1.1", "8.8.8.8", "10.1.2.3", "not-an-ip"};
const std::vector<std::string> kArgKeys = {"replicas", "force", "note", "cpu"};
const std::vector<std::string> kLabelKeys = {"team", "tier"};
const std::vector<std::string> kTimes = {"2026-03-02T09:30:00Z", "2026-03-07T23:10:00Z", "2026-03-04T16:59:59Z",
                                         "2026-03-29T01:30:00Z"};

struct Var {
  std::string name;
  T type;
};

// What an expression may use where it is generated.
struct Env {
  bool in_rule = false;      // plan-level or per-element rule (rule lets visible)
  bool has_step = false;     // a Step named `step` variable is in scope (the for variable)
  std::vector<Var> vars;     // for variable, rule lets, macro variables, params, package lets
  bool in_message = false;   // inside `{...}` of a message: string literals single-quoted
};

class PolicyGen {
 public:
  explicit PolicyGen(uint64_t seed) : r_(seed) {}

  GeneratedPolicy Run() {
    GeneratedPolicy out;
    const int num_packages = 1 + (r_.Chance(40) ? 1 : 0);
    for (int p = 0; p < num_packages; ++p) {
      const std::string pkg = absl::StrCat("pk", p);
      out.packages.push_back(pkg);
      std::string text = Package(pkg, &out);
      // Sometimes a package's rules are split across two files.
      if (r_.Chance(20)) {
        const size_t cut = text.find("\n/// r");
        if (cut != std::string::npos) {
          out.files.emplace_back(absl::StrCat(pkg, "_a.gavel"), text.substr(0, cut + 1));
          out.files.emplace_back(absl::StrCat(pkg, "_b.gavel"), absl::StrCat("package ", pkg, "\n", text.substr(cut + 1)));
          continue;
        }
      }
      out.files.emplace_back(absl::StrCat(pkg, ".gavel"), text);
    }
    for (const std::string& pkg : out.packages) {
      if (r_.Chance(10)) out.dryrun_packages.push_back(pkg);
    }
    return out;
  }

 private:
  std::string Package(const std::string& pkg, GeneratedPolicy* out) {
    std::string s = absl::StrCat("package ", pkg, "\n");
    const bool default_deny = r_.Chance(25);
    if (default_deny) s += "default deny\n";
    Env env;
    // Params, with literal defaults.
    std::string approver_param;
    if (r_.Chance(60)) {
      s += "param verbs: list<string> = [\"delete\", \"patch\"]\n";
      env.vars.push_back({"verbs", T::kListString});
      if (r_.Chance(20)) out->param_overrides[pkg + ".verbs"] = Value::List({Value::String("get"), Value::String("apply")});
    }
    if (r_.Chance(50)) {
      s += absl::StrCat("param limit: int = ", r_.Below(4), "\n");
      env.vars.push_back({"limit", T::kInt});
      if (r_.Chance(20)) out->param_overrides[pkg + ".limit"] = Value::Int(r_.Below(3));
    }
    if (r_.Chance(40)) {
      s += "param quotas: map<string, int> = {\"prod\": 2, \"dev\": 5}\n";
      env.vars.push_back({"quotas", T::kMapStringInt});
    }
    if (r_.Chance(40)) {
      s += "/// Who approves.\nparam approvers: list<string> = [\"sre\", \"dba\"]\n";
      approver_param = "approvers";
      if (r_.Chance(20)) out->param_overrides[pkg + ".approvers"] = Value::List({Value::String("oncall")});
    }
    if (r_.Chance(30)) {
      s += "param owner: string = \"team-a\"\n";
      env.vars.push_back({"owner", T::kString});
    }
    // Package lets, over the plan and the params.
    const int num_lets = r_.Below(3);
    for (int i = 0; i < num_lets; ++i) {
      static const T kLetTypes[] = {T::kListString, T::kInt, T::kBool, T::kListStep, T::kString};
      const T t = kLetTypes[r_.Below(5)];
      const std::string name = absl::StrCat("plet", i);
      s += absl::StrCat("let ", name, " = ", Gen(t, 3, env), "\n");
      env.vars.push_back({name, t});
    }
    const int num_rules = 1 + r_.Below(4);
    bool any_permit = false;
    for (int i = 0; i < num_rules; ++i) {
      s += Rule(absl::StrCat("r", i), env, default_deny && (r_.Chance(60) || (!any_permit && i == num_rules - 1)),
                approver_param, &any_permit);
    }
    return s;
  }

  std::string Rule(const std::string& name, const Env& pkg_env, bool permit, const std::string& approver_param,
                   bool* any_permit) {
    std::string s;
    // A doc comment always (the split in Run() looks for it); its first line
    // is the default message.
    s += absl::StrCat("\n/// r ", name, " doc line\n/// second line\n");
    static const std::vector<std::string> kSeverities = {"info", "low", "medium", "high", "critical"};
    if (r_.Chance(50)) s += absl::StrCat("@severity(\"", r_.Pick(kSeverities), "\")\n");
    if (r_.Chance(15)) s += "@tags(\"a\", \"b\")\n";
    s += absl::StrCat("rule ", name, " {\n  ");
    Env env = pkg_env;
    env.in_rule = true;
    bool per_step = true;
    if (permit) {
      *any_permit = true;
      s += "permit\n";
    } else {
      switch (r_.Below(3)) {
        case 0: s += "deny\n"; break;
        case 1: s += "warn\n"; break;
        default: {
          s += "require_approval(";
          std::vector<std::string> approvers;
          if (approver_param.empty() || r_.Chance(50)) {
            static const std::vector<std::string> kApprovers = {"\"sre\"", "\"security\"", "\"dba\""};
            approvers.push_back(r_.Pick(kApprovers));
          }
          if (!approver_param.empty() && (approvers.empty() || r_.Chance(50))) approvers.push_back(approver_param);
          s += absl::StrJoin(approvers, ", ") + ")\n";
        }
      }
      const int scope = r_.Below(10);
      if (scope < 2) {
        per_step = false;  // plan-level
      } else if (scope < 3) {
        // Over a derived list of steps, or over a list of strings.
        per_step = false;
        if (r_.Chance(50)) {
          s += absl::StrCat("  for step in plan.steps.filter(fs, ", Gen(T::kBool, 2, StepEnv(env, "fs")), ")\n");
          env.has_step = true;
          env.vars.push_back({"step", T::kStep});
        } else if (r_.Chance(30)) {
          s += absl::StrCat("  for item in ", Gen(T::kMapStringInt, 2, env), "\n");  // its keys
          env.vars.push_back({"item", T::kString});
        } else {
          s += absl::StrCat("  for item in ", Gen(T::kListString, 2, env), "\n");
          env.vars.push_back({"item", T::kString});
        }
      }
    }
    if (per_step) {
      s += "  for step in plan.steps\n";
      env.has_step = true;
      env.vars.push_back({"step", T::kStep});
    }
    const int num_lets = r_.Below(3);
    for (int i = 0; i < num_lets; ++i) {
      static const T kLetTypes[] = {T::kBool, T::kInt, T::kString, T::kListString};
      const T t = kLetTypes[r_.Below(4)];
      const std::string let = absl::StrCat("l", i);
      s += absl::StrCat("  let ", let, " = ", Gen(t, 3, env), "\n");
      env.vars.push_back({let, t});
    }
    if (r_.Chance(85)) s += absl::StrCat("  when ", Gen(T::kBool, 4, env), "\n");
    if (r_.Chance(40)) s += absl::StrCat("  unless ", Gen(T::kBool, 3, env), "\n");
    if (r_.Chance(70)) {
      Env menv = env;
      menv.in_message = true;
      std::string msg = "  message \"";
      const int parts = 1 + r_.Below(3);
      for (int i = 0; i < parts; ++i) {
        static const std::vector<std::string> kWords = {"step ", " fired: ", " {{literal}} ", " in ", "\\t", " \\u00e9 "};
        msg += r_.Pick(kWords);
        static const T kPartTypes[] = {T::kString, T::kInt,      T::kBool,     T::kListString, T::kDouble,
                                       T::kDuration, T::kTimestamp, T::kDyn, T::kListInt, T::kMapStringInt};
        msg += absl::StrCat("{ ", Gen(kPartTypes[r_.Below(10)], 2, menv), " }");
      }
      s += msg + "\"\n";
    }
    s += "}\n";
    return s;
  }

  Env StepEnv(const Env& env, const std::string& var) {
    Env e = env;
    e.vars.push_back({var, T::kStep});
    return e;
  }

  std::string Fresh() { return absl::StrCat("v", next_var_++); }

  std::vector<std::string> VarsOf(const Env& env, T t) {
    std::vector<std::string> out;
    for (const Var& v : env.vars) {
      if (v.type == t) out.push_back(v.name);
    }
    return out;
  }

  std::string Str(const std::string& s, const Env& env) {
    return env.in_message ? absl::StrCat("'", s, "'") : absl::StrCat("\"", s, "\"");
  }

  // A Step-valued leaf: a step variable, or a step of the plan by index.
  std::string StepLeaf(const Env& env) {
    std::vector<std::string> steps = VarsOf(env, T::kStep);
    if (!steps.empty() && r_.Chance(90)) return r_.Pick(steps);
    return absl::StrCat("plan.steps[", r_.Chance(80) ? 0 : 2, "]");  // [2] may be out of range
  }

  std::string Gen(T t, int depth, const Env& env) {
    std::vector<std::function<std::string()>> leaves, nodes;
    auto vars = VarsOf(env, t);
    for (const std::string& v : vars) leaves.push_back([v] { return v; });
    const int d = depth - 1;
    // Operands with spaces get parentheses, so precedence never regroups them.
    auto wrap = [](std::string x) { return x.find(' ') == std::string::npos ? x : absl::StrCat("(", x, ")"); };
    auto sub = [&](T st) { return wrap(Gen(st, d, env)); };
    auto macro_over_steps = [&](const char* macro, T body) {
      // Sometimes the variable shadows the rule's `step` (same type).
      const std::string v = r_.Chance(15) ? std::string("step") : Fresh();
      const std::string range = wrap(Gen(T::kListStep, d, env));
      return absl::StrCat(range, ".", macro, "(", v, ", ", Gen(body, d, StepEnv(env, v)), ")");
    };
    // Two fresh variables (a two-variable macro's) in scope over `env`.
    auto two_vars = [&](T first_t, std::string* first, T second_t, std::string* second) {
      *first = Fresh();
      *second = Fresh();
      Env inner = env;
      inner.vars.push_back({*first, first_t});
      inner.vars.push_back({*second, second_t});
      return inner;
    };
    auto macro_over = [&](T range_t, T elem_t, const char* macro, T body) {
      const std::string v = Fresh();
      Env inner = env;
      inner.vars.push_back({v, elem_t});
      const std::string range = wrap(Gen(range_t, d, env));
      return absl::StrCat(range, ".", macro, "(", v, ", ", Gen(body, d, inner), ")");
    };
    switch (t) {
      case T::kBool:
        leaves.push_back([&] { return std::string(r_.Chance(50) ? "true" : "false"); });
        leaves.push_back([&] { return std::string("context.airgapped"); });
        if (env.has_step || !VarsOf(env, T::kStep).empty()) {
          leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".network.egress"); });
          leaves.push_back([&] { return absl::StrCat("has(", StepLeaf(env), ".args.", r_.Pick(kArgKeys), ")"); });
          leaves.push_back([&] { return absl::StrCat("has(", StepLeaf(env), ".network)"); });
        }
        nodes.push_back([&] { return absl::StrCat(sub(T::kBool), " && ", sub(T::kBool)); });
        // A dyn in a bool position: `force` is a bool, `note` a string.
        nodes.push_back([&] {
          return absl::StrCat(StepLeaf(env), ".args.", r_.Chance(80) ? "force" : "note");
        });
        nodes.push_back([&] { return absl::StrCat("dyn(", sub(T::kInt), ") == ", sub(T::kDouble)); });
        nodes.push_back([&] { return absl::StrCat(StepLeaf(env), ".args.cpu > ", sub(T::kInt)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kUint), " < ", sub(T::kInt)); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kBool), " || ", sub(T::kBool), ")"); });
        nodes.push_back([&] { return absl::StrCat("!(", sub(T::kBool), ")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kBool), " ? ", sub(T::kBool), " : ", sub(T::kBool), ")"); });
        nodes.push_back([&] {
          static const std::vector<std::string> kCmp = {"==", "!=", "<", "<=", ">", ">="};
          return absl::StrCat(sub(T::kInt), " ", r_.Pick(kCmp), " ", sub(T::kInt));
        });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), r_.Chance(50) ? " == " : " != ", sub(T::kString)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), " in ", sub(T::kListString)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kInt), " in ", sub(T::kListInt)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kDouble), " < ", sub(T::kDouble)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kTimestamp), " < ", sub(T::kTimestamp)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kDuration), " >= ", sub(T::kDuration)); });
        nodes.push_back([&] {
          static const std::vector<std::string> kFns = {"startsWith", "endsWith", "contains"};
          return absl::StrCat(sub(T::kString), ".", r_.Pick(kFns), "(", sub(T::kString), ")");
        });
        nodes.push_back([&] { return macro_over_steps(r_.Chance(50) ? "exists" : "all", T::kBool); });
        nodes.push_back([&] { return macro_over_steps("exists_one", T::kBool); });
        nodes.push_back([&] {
          static const char* kMacros[] = {"exists", "all", "exists_one"};
          return macro_over(T::kListString, T::kString, kMacros[r_.Below(3)], T::kBool);
        });
        nodes.push_back([&] { return macro_over(T::kListInt, T::kInt, r_.Chance(50) ? "all" : "exists", T::kBool); });
        nodes.push_back([&] {
          std::string i, v;
          const Env inner = two_vars(T::kInt, &i, T::kString, &v);
          static const char* kMacros[] = {"exists", "all", "exists_one"};
          const std::string range = wrap(Gen(T::kListString, d, env));
          return absl::StrCat(range, ".", kMacros[r_.Below(3)], "(", i, ", ", v, ", ", Gen(T::kBool, d, inner), ")");
        });
        if (!env.in_message) {
          nodes.push_back([&] {
            return absl::StrCat(StepLeaf(env), ".args.", r_.Pick(kArgKeys), ".matches(\"^[0-9]+$\")");
          });
        }
        // Dynamic values: a missing key is an error, unless guarded.
        nodes.push_back([&] {
          const std::string st = StepLeaf(env);
          const std::string key = r_.Pick(kArgKeys);
          std::string test = r_.Chance(50) ? absl::StrCat(st, ".args.", key, " == ", sub(T::kString))
                                           : absl::StrCat(st, ".args.", key, " > ", sub(T::kInt));
          return r_.Chance(50) ? absl::StrCat("(has(", st, ".args.", key, ") && ", test, ")") : test;
        });
        nodes.push_back([&] {
          return absl::StrCat(StepLeaf(env), ".labels.", r_.Pick(kLabelKeys), " == ", sub(T::kString));
        });
        nodes.push_back([&] {
          // A dyn scalar: a two-variable macro's value, or an `args` entry.
          std::vector<std::string> dyns = VarsOf(env, T::kDyn);
          const std::string x = !dyns.empty() && r_.Chance(70) ? r_.Pick(dyns)
                                                                : absl::StrCat(StepLeaf(env), ".args.", r_.Pick(kArgKeys));
          return r_.Chance(50) ? absl::StrCat(x, " == ", sub(T::kInt)) : absl::StrCat(x, " != ", sub(T::kString));
        });
        nodes.push_back([&] {
          std::string k, v;
          const Env inner = two_vars(T::kString, &k, T::kDyn, &v);
          return absl::StrCat(StepLeaf(env), ".args.", r_.Chance(50) ? "exists(" : "all(", k, ", ", v, ", ",
                              Gen(T::kBool, d, inner), ")");
        });
        nodes.push_back([&] {
          return absl::StrCat(StepLeaf(env), ".args.exists(", Fresh(), ", ", sub(T::kBool), ")");
        });
        if (!VarsOf(env, T::kMapStringInt).empty()) {
          nodes.push_back([&] { return absl::StrCat(sub(T::kString), " in quotas"); });
          nodes.push_back([&] {
            std::string k, v;
            const Env inner = two_vars(T::kString, &k, T::kInt, &v);
            return absl::StrCat("quotas.exists(", k, ", ", v, ", ", Gen(T::kBool, d, inner), ")");
          });
        }
        if (!env.in_message) {
          nodes.push_back([&] {
            static const std::vector<std::string> kGlobs = {"kubectl.*", "*.get", "velero.*", "h*", "[a-k]*"};
            return absl::StrCat(sub(T::kString), ".glob(\"", r_.Pick(kGlobs), "\")");
          });
          nodes.push_back([&] {
            static const std::vector<std::string> kRes = {"^kube", "delete$", "(?i)POD", "[0-9]"};
            return absl::StrCat(sub(T::kString), ".matches(\"", r_.Pick(kRes), "\")");
          });
          nodes.push_back([&] {
            static const std::vector<std::string> kCidrs = {"10.0.0.0/8", "192.168.0.0/16"};
            return absl::StrCat(StepLeaf(env), ".network.ip.in_cidr(\"", r_.Pick(kCidrs), "\")");
          });
          nodes.push_back([&] {
            return absl::StrCat(sub(T::kTimestamp), ".within(\"Mon-Fri 09:00-17:00\", \"Europe/Berlin\")");
          });
          nodes.push_back([&] { return absl::StrCat("isIP(", sub(T::kString), ")"); });
          nodes.push_back([&] { return absl::StrCat("isQuantity(", sub(T::kString), ")"); });
          nodes.push_back([&] {
            static const std::vector<std::string> kQ = {"500m", "2Gi", "1"};
            return absl::StrCat("quantity(string(", StepLeaf(env), ".args.cpu)).isLessThan(\"", r_.Pick(kQ), "\")");
          });
          nodes.push_back([&] {
            const std::string g = Fresh();
            return absl::StrCat("agent.grants.exists(", g, ", ", g, ".ttl() > ", sub(T::kDuration), ")");
          });
          nodes.push_back([&] {
            const std::string g = Fresh();
            return absl::StrCat("agent.grants.exists(", g, ", ", g, ".covers(", StepLeaf(env), "))");
          });
          nodes.push_back([&] {  // a glob loop inside a loop (EXISTS_GLOB, superinstructions.h)
            const std::string g = Fresh(), p = Fresh();
            const std::string text =
                r_.Chance(50) ? absl::StrCat(StepLeaf(env), ".resource.namespace") : sub(T::kString);
            return absl::StrCat("agent.grants.exists(", g, ", ", g, ".namespaces.exists(", p, ", ", text, ".glob(", p,
                                ")))");
          });
          nodes.push_back([&] {
            return absl::StrCat("type(", StepLeaf(env), ".args.", r_.Pick(kArgKeys), ") == ",
                                r_.Chance(50) ? "int" : "string");
          });
        }
        break;
      case T::kInt:
        leaves.push_back([&] {
          static const std::vector<std::string> kInts = {"0", "1", "2", "3", "-1", "9223372036854775807", "10"};
          return r_.Pick(kInts);
        });
        leaves.push_back([&] { return absl::StrCat("size(plan.steps)"); });
        if (env.has_step) {
          leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".index"); });
          leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".network.port"); });
        }
        nodes.push_back([&] {
          static const std::vector<std::string> kOps = {" + ", " - ", " * ", " / ", " % "};
          return absl::StrCat("(", sub(T::kInt), r_.Pick(kOps), sub(T::kInt), ")");
        });
        nodes.push_back([&] { return absl::StrCat("-(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat("size(", sub(T::kListString), ")"); });
        nodes.push_back([&] { return absl::StrCat("size(", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kBool), " ? ", sub(T::kInt), " : ", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kListInt), "[", sub(T::kInt), "]"); });
        nodes.push_back([&] { return absl::StrCat("int(", StepLeaf(env), ".args.", r_.Pick(kArgKeys), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".indexOf(", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kTimestamp), ".getHours()"); });
        if (!env.in_message) {
          nodes.push_back([&] { return absl::StrCat(sub(T::kTimestamp), ".getDayOfWeek(\"Europe/Berlin\")"); });
          nodes.push_back([&] { return absl::StrCat("size(b\"ab\" + bytes(", sub(T::kString), "))"); });
        }
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".lastIndexOf(", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat("int(", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat("int(", sub(T::kUint), ")"); });
        nodes.push_back([&] { return absl::StrCat("int(", sub(T::kDouble), ")"); });
        if (!VarsOf(env, T::kMapStringInt).empty()) {
          nodes.push_back([&] { return absl::StrCat("quotas[", sub(T::kString), "]"); });
        }
        break;
      case T::kUint:
        leaves.push_back([&] { return std::string(r_.Chance(50) ? "1u" : "0u"); });
        nodes.push_back([&] { return absl::StrCat("uint(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kUint), r_.Chance(50) ? " - " : " / ", sub(T::kUint), ")"); });
        break;
      case T::kDouble:
        leaves.push_back([&] { return std::string(r_.Chance(50) ? "2.5" : "0.0"); });
        nodes.push_back([&] { return absl::StrCat("double(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kDouble), r_.Chance(50) ? " / " : " * ", sub(T::kDouble), ")"); });
        nodes.push_back([&] { return absl::StrCat("double(", StepLeaf(env), ".args.cpu)"); });
        break;
      case T::kString:
        leaves.push_back([&] {
          static const std::vector<std::string> kStrs = {"prod", "delete", "Secret", "db", "kubectl.delete", "", "s1",
                                                         "team-a", "a,b"};
          return Str(r_.Pick(kStrs), env);
        });
        leaves.push_back([&] { return std::string("context.environment"); });
        if (env.has_step || !VarsOf(env, T::kStep).empty()) {
          leaves.push_back([&] {
            static const std::vector<std::string> kFields = {"id", "action", "verb", "resource.kind",
                                                             "resource.namespace", "resource.name", "network.host",
                                                             "network.ip"};
            return absl::StrCat(StepLeaf(env), ".", r_.Pick(kFields));
          });
        }
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), " + ", sub(T::kString)); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), r_.Chance(50) ? ".lowerAscii()" : ".upperAscii()"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".replace(", sub(T::kString), ", ", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat("string(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kBool), " ? ", sub(T::kString), " : ", sub(T::kString), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kListString), ".join(", Str("/", env), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".substring(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kListString), "[", sub(T::kInt), "]"); });
        nodes.push_back([&] { return absl::StrCat("string(", StepLeaf(env), ".args.", r_.Pick(kArgKeys), ")"); });
        nodes.push_back([&] { return absl::StrCat("string(", sub(T::kDuration), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".charAt(", sub(T::kInt), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".trim()"); });
        if (!env.in_message) {
          nodes.push_back([&] {
            return absl::StrCat("\"%s-%d\".format([", sub(T::kString), ", ", sub(T::kInt), "])");
          });
          nodes.push_back([&] { return absl::StrCat("string(", sub(T::kDouble), ")"); });
        }
        break;
      case T::kListString:
        leaves.push_back([&] { return absl::StrCat("[", Str("delete", env), ", ", Str("get", env), "]"); });
        leaves.push_back([&] { return absl::StrCat("[context.environment].filter(", Fresh(), ", false)"); });
        if (env.has_step) {
          leaves.push_back([&] { return absl::StrCat(StepLeaf(env), r_.Chance(50) ? ".depends_on" : ".inputs"); });
        }
        nodes.push_back([&] {
          const std::string v = Fresh();
          const std::string range = wrap(Gen(T::kListStep, d, env));
          return absl::StrCat(range, ".map(", v, ", ", Gen(T::kString, d, StepEnv(env, v)), ")");
        });
        nodes.push_back([&] {
          const std::string v = Fresh();
          const std::string range = wrap(Gen(T::kListStep, d, env));
          Env inner = StepEnv(env, v);
          return absl::StrCat(range, ".map(", v, ", ", Gen(T::kBool, d, inner), ", ", Gen(T::kString, d, inner), ")");
        });
        nodes.push_back([&] { return macro_over(T::kListString, T::kString, "filter", T::kBool); });
        nodes.push_back([&] { return macro_over(T::kListString, T::kString, "map", T::kString); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kString), ".split(", Str(",", env), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kListString), " + ", sub(T::kListString)); });
        nodes.push_back([&] { return absl::StrCat("[", sub(T::kString), ", ", sub(T::kString), "]"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kListString), ".distinct()"); });
        nodes.push_back([&] { return absl::StrCat(StepLeaf(env), ".args.map(", Fresh(), ", ", sub(T::kString), ")"); });
        nodes.push_back([&] {
          std::string i, v;
          const Env inner = two_vars(T::kInt, &i, T::kString, &v);
          const std::string range = wrap(Gen(T::kListString, d, env));
          if (r_.Chance(50)) return absl::StrCat(range, ".transformList(", i, ", ", v, ", ", Gen(T::kString, d, inner), ")");
          return absl::StrCat(range, ".transformList(", i, ", ", v, ", ", Gen(T::kBool, d, inner), ", ",
                              Gen(T::kString, d, inner), ")");
        });
        break;
      case T::kListInt:
        leaves.push_back([&] { return std::string("[1, 2, 3]"); });
        leaves.push_back([&] { return std::string("[0]"); });
        nodes.push_back([&] { return macro_over_steps("map", T::kInt); });
        nodes.push_back([&] { return macro_over(T::kListInt, T::kInt, "filter", T::kBool); });
        nodes.push_back([&] { return macro_over(T::kListInt, T::kInt, "map", T::kInt); });
        nodes.push_back([&] { return absl::StrCat("[", sub(T::kInt), ", ", sub(T::kInt), "]"); });
        break;
      case T::kListStep:
        leaves.push_back([&] { return std::string("plan.steps"); });
        if (env.has_step || !VarsOf(env, T::kStep).empty()) {
          leaves.push_back([&] {
            static const std::vector<std::string> kFns = {"before", "after", "upstream", "downstream", "data_sources"};
            return absl::StrCat(StepLeaf(env), ".", r_.Pick(kFns), "()");
          });
        }
        nodes.push_back([&] { return macro_over_steps("filter", T::kBool); });
        break;
      case T::kStep:
        leaves.push_back([&] { return StepLeaf(env); });
        break;
      case T::kTimestamp:
        leaves.push_back([&] { return std::string("context.now"); });
        if (env.has_step) leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".starts_at"); });
        if (!env.in_message) leaves.push_back([&] { return absl::StrCat("timestamp(\"", r_.Pick(kTimes), "\")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kTimestamp), " + ", sub(T::kDuration)); });
        break;
      case T::kDuration:
        if (env.has_step) leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".duration"); });
        if (!env.in_message) leaves.push_back([&] { return std::string("duration(\"90m\")"); });
        nodes.push_back([&] { return absl::StrCat("(", sub(T::kTimestamp), " - ", sub(T::kTimestamp), ")"); });
        nodes.push_back([&] { return absl::StrCat(sub(T::kDuration), " + ", sub(T::kDuration)); });
        if (env.in_message) leaves.push_back([&] { return std::string("(context.now - context.now)"); });
        break;
      case T::kMapStringInt:
        leaves.push_back([&] { return absl::StrCat("{", Str("prod", env), ": 1}"); });
        nodes.push_back([&] {
          std::string k, v;
          const Env inner = two_vars(T::kString, &k, T::kInt, &v);
          const std::string range = wrap(Gen(T::kMapStringInt, d, env));
          if (r_.Chance(50)) return absl::StrCat(range, ".transformMap(", k, ", ", v, ", ", Gen(T::kInt, d, inner), ")");
          return absl::StrCat(range, ".transformMap(", k, ", ", v, ", ", Gen(T::kBool, d, inner), ", ",
                              Gen(T::kInt, d, inner), ")");
        });
        nodes.push_back([&] {
          return absl::StrCat("{", sub(T::kString), ": ", sub(T::kInt), ", ", sub(T::kString), ": ", sub(T::kInt), "}");
        });
        break;
      case T::kDyn:
        leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".args"); });
        leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".args.", r_.Pick(kArgKeys)); });
        leaves.push_back([&] { return absl::StrCat(StepLeaf(env), ".labels"); });
        nodes.push_back([&] { return absl::StrCat("dyn(", sub(T::kInt), ")"); });
        break;
      case T::kGrant:
        break;
    }
    if (leaves.empty() || (depth > 0 && !nodes.empty() && r_.Chance(60))) {
      if (!nodes.empty() && depth > 0) return r_.Pick(nodes)();
    }
    if (leaves.empty()) return r_.Pick(nodes)();
    return r_.Pick(leaves)();
  }

  Rng r_;
  int next_var_ = 0;
};

}  // namespace

GeneratedPolicy GeneratePolicy(uint64_t seed) { return PolicyGen(seed).Run(); }

std::string GeneratePlanJson(uint64_t seed) {
  Rng r(seed ^ 0x9e3779b97f4a7c15ULL);
  auto q = [](const std::string& s) { return absl::StrCat("\"", s, "\""); };
  std::vector<std::string> steps;
  const int n = 1 + r.Below(5);
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> f;
    f.push_back(absl::StrCat("\"id\": ", q(absl::StrCat("s", i))));
    f.push_back(absl::StrCat("\"action\": ", q(r.Pick(kActions))));
    if (r.Chance(90)) f.push_back(absl::StrCat("\"verb\": ", q(r.Pick(kVerbs))));
    if (r.Chance(85)) {
      std::vector<std::string> res;
      res.push_back(absl::StrCat("\"kind\": ", q(r.Pick(kKinds))));
      if (r.Chance(80)) res.push_back(absl::StrCat("\"namespace\": ", q(r.Pick(kNamespaces))));
      res.push_back(absl::StrCat("\"name\": ", q(r.Pick(kNames))));
      f.push_back(absl::StrCat("\"resource\": {", absl::StrJoin(res, ", "), "}"));
    }
    if (r.Chance(40)) {
      f.push_back(absl::StrCat("\"network\": {\"host\": ", q(r.Pick(kHosts)), ", \"ip\": ", q(r.Pick(kIps)),
                               ", \"port\": ", r.Chance(50) ? 443 : 5432, ", \"egress\": ", r.Chance(50) ? "true" : "false",
                               "}"));
    }
    std::vector<std::string> args;
    for (const std::string& k : kArgKeys) {
      if (!r.Chance(70)) continue;
      std::string v;
      if (k == "replicas") v = r.Chance(80) ? absl::StrCat(r.Below(6)) : q("three");
      if (k == "force") v = r.Chance(50) ? "true" : "false";
      if (k == "note") v = q(r.Chance(50) ? "urgent fix" : "delete");
      if (k == "cpu") v = r.Chance(50) ? "2.5" : "4";
      args.push_back(absl::StrCat(q(k), ": ", v));
    }
    if (!args.empty() || r.Chance(30)) f.push_back(absl::StrCat("\"args\": {", absl::StrJoin(args, ", "), "}"));
    if (r.Chance(40)) {
      f.push_back(absl::StrCat("\"labels\": {\"team\": ", q(r.Chance(50) ? "team-a" : "prod"), "}"));
    }
    if (r.Chance(70)) f.push_back(absl::StrCat("\"starts_at\": ", q(r.Pick(kTimes))));
    if (r.Chance(50)) f.push_back(absl::StrCat("\"duration\": ", q(r.Chance(50) ? "300s" : "2h")));
    // Edges point to earlier steps only: acyclic.
    for (const char* edge : {"depends_on", "inputs"}) {
      if (i == 0 || !r.Chance(35)) continue;
      std::set<int> to;
      const int k = 1 + r.Below(2);
      for (int j = 0; j < k; ++j) to.insert(r.Below(i));
      std::vector<std::string> ids;
      for (int j : to) ids.push_back(q(absl::StrCat("s", j)));
      f.push_back(absl::StrCat(q(edge), ": [", absl::StrJoin(ids, ", "), "]"));
    }
    steps.push_back(absl::StrCat("{", absl::StrJoin(f, ", "), "}"));
  }
  std::vector<std::string> grants;
  const int g = r.Below(3);
  // Namespace patterns: `*`, literal and `prefix*`, or a compiled glob and
  // an invalid one (an error for covers() and the glob loops).
  static const char* kNamespaces[] = {"\"*\"", "\"team-*\", \"prod\"", "\"t?am-[ab]*\", \"[\""};
  for (int i = 0; i < g; ++i) {
    grants.push_back(absl::StrCat(
        "{\"id\": \"g", i, "\", \"actions\": [", r.Chance(50) ? "\"kubectl.*\"" : "\"http.get\", \"velero.*\"",
        "], \"verbs\": [", r.Chance(50) ? "\"*\"" : "\"get\", \"delete\"", "], \"resources\": [",
        r.Chance(50) ? "\"*\"" : "\"Pod\"", "], \"namespaces\": [", kNamespaces[r.Below(3)],
        "], \"clusters\": [\"*\"]", r.Chance(50) ? ", \"expires_at\": \"2026-03-05T00:00:00Z\"" : "", "}"));
  }
  std::string context = absl::StrCat("{\"environment\": ", q(r.Chance(50) ? "prod" : "dev"),
                                     ", \"airgapped\": ", r.Chance(30) ? "true" : "false");
  if (r.Chance(85)) absl::StrAppend(&context, ", \"now\": ", q(r.Pick(kTimes)));
  context += "}";
  return absl::StrCat("{\"id\": \"p\", \"agent\": {\"id\": \"a\", \"grants\": [", absl::StrJoin(grants, ", "),
                      "]}, \"context\": ", context, ", \"steps\": [", absl::StrJoin(steps, ",\n  "), "]}");
}

}  // namespace gavel::differential
