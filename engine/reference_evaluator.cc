// The reference evaluator: a direct walk of the checked AST. See
// reference_evaluator.h. Deliberately simple: names are looked up by name
// in explicit scopes (not by the checker's slots), nothing is folded or
// precompiled, and every rule of the language is written out once here.
#include "engine/reference_evaluator.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/compiler.h"
#include "engine/eval_scope.h"
#include "engine/operators.h"
#include "engine/parser.h"
#include "engine/schema.h"

namespace gavel {

std::unique_ptr<CheckedPolicySet> CheckPolicySources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                                     Diagnostics& diags) {
  const size_t before = diags.size();
  auto checked = std::make_unique<CheckedPolicySet>();
  for (const auto& source : sources) checked->set.files.push_back(ParsePolicy(source, diags));
  if (diags.size() != before) return nullptr;
  if (!CheckPolicySet(checked->set, diags) || diags.size() != before) return nullptr;
  return checked;
}

namespace {

// `what needs a bool, got KIND`, or the operand itself when it is an error.
Value NeedsBool(const Value& v, const char* what) {
  if (v.is_error()) return v;
  return Value::Error(absl::StrCat(what, " needs a bool, got ", KindName(v.kind())));
}

class Walker {
 public:
  Walker(const PolicySet& set, const Plan& plan, const CompileOptions& options, const ExprObserver* observer,
         Decision& decision)
      : set_(set), options_(options), observer_(observer), decision_(decision) {
    globals_["plan"] = plan.root;
    globals_["context"] = OpSelect(plan.root, "context");
    globals_["agent"] = OpSelect(plan.root, "agent");
    for (size_t i = 0; i < set.params.size(); ++i) param_index_[set.params[i].qualified] = static_cast<int>(i);
    for (size_t i = 0; i < set.lets.size(); ++i) {
      const PolicySet::LetEntry& l = set.lets[i];
      let_index_[absl::StrCat(PackageOfFile(l.file), ".", set.files[l.file].lets[l.index].name)] = static_cast<int>(i);
    }
    pkg_lets_.resize(set.lets.size());
    pkg_let_state_.assign(set.lets.size(), 0);
  }

  void Run(const Plan& plan) {
    if (!ResolveParams()) return;
    const std::vector<Value>& steps = OpSelect(plan.root, "steps").list().elems;
    std::vector<std::vector<bool>> permitted(set_.packages.size(), std::vector<bool>(steps.size(), false));
    for (size_t f = 0; f < set_.files.size(); ++f) {
      const PolicyFile& file = set_.files[f];
      const int pkg = set_.file_package[f];
      for (const RuleDecl& rule : file.rules) {
        if (rule.effect == Effect::kPermit && !set_.packages[pkg].default_deny) continue;  // never consulted
        RunRule(file, pkg, rule, &permitted[pkg]);
      }
    }
    // Steps no permit rule of a `default deny` package matched.
    for (size_t p = 0; p < set_.packages.size(); ++p) {
      const PolicySet::PackageEntry& pkg = set_.packages[p];
      if (!pkg.default_deny) continue;
      for (size_t i = 0; i < steps.size(); ++i) {
        if (permitted[p][i]) continue;
        Violation v;
        v.rule = decision_.Keep(absl::StrCat(pkg.name, ".default"));
        v.effect = Effect::kDeny;
        v.severity = decision_.Keep("high");
        v.step = decision_.Keep(OpSelect(steps[i], "id").str());
        v.step_index = static_cast<int64_t>(i);
        v.message = decision_.Keep(absl::StrCat("step `", OpSelect(steps[i], "id").str(), "` (`",
                                                OpSelect(steps[i], "action").str(),
                                                "`) is not permitted by package `", pkg.name, "`"));
        v.location = decision_.Keep(pkg.default_location.ToString());
        Report(pkg.name, std::move(v));
      }
    }
  }

 private:
  const std::string& PackageOfFile(int file) const { return set_.packages[set_.file_package[file]].name; }

  bool Dryrun(const std::string& package) const {
    auto it = options_.enforcement.find(package);
    return it != options_.enforcement.end() && it->second == Enforcement::kDryrun;
  }

  // A deny or approval finding: a violation, or a warning in dryrun.
  void Report(const std::string& package, Violation v) {
    if (v.effect == Effect::kWarn) {
      decision_.warnings.push_back(std::move(v));
    } else if (Dryrun(package)) {
      v.dryrun = true;
      decision_.warnings.push_back(std::move(v));
    } else {
      decision_.violations.push_back(std::move(v));
    }
  }

  // Param values: the given one (converted to the declared type), else the
  // default, evaluated here like any expression.
  bool ResolveParams() {
    params_.resize(set_.params.size());
    for (size_t i = 0; i < set_.params.size(); ++i) {
      const PolicySet::ParamEntry& p = set_.params[i];
      const ParamDecl& decl = set_.files[p.file].params[p.index];
      auto given = options_.params.find(p.qualified);
      std::string why;
      if (given != options_.params.end()) {
        if (!ConvertParamValue(given->second, decl.type, p.qualified, &params_[i], &why)) {
          why = absl::StrCat("param `", p.qualified, "` ", why);
        }
      } else if (decl.default_value == nullptr) {
        why = absl::StrCat("param `", p.qualified, "` has no value");
      } else {
        Scope scope;
        scope.package = &PackageOfFile(p.file);
        std::swap(scope_, scope);
        params_[i] = Eval(*decl.default_value);
        std::swap(scope_, scope);
        if (params_[i].is_error()) why = absl::StrCat("param `", p.qualified, "`: ", params_[i].error_message());
      }
      if (!why.empty()) {
        decision_.errors.push_back(EvalError{"", "", -1, why, ""});
        return false;
      }
    }
    return true;
  }

  // ---------------------------------------------------------------------
  // Rules.

  struct StepRef {
    std::string id;
    int64_t index = -1;
  };

  static StepRef StepOf(const Value& elem) {
    if (!elem.is_message() || elem.message().type != &Schema::Get().step) return {};
    return StepRef{OpSelect(elem, "id").str(), OpSelect(elem, "index").int_value()};
  }

  void RunRule(const PolicyFile& file, int pkg, const RuleDecl& rule, std::vector<bool>* permitted) {
    const std::string& package = set_.packages[pkg].name;
    RuleInfo info;
    info.package = &package;
    info.qualified = absl::StrCat(package, ".", rule.name);
    info.location = Location{file.source.get(), rule.offset}.ToString();
    for (const Annotation& a : rule.annotations) {
      if (a.name == "severity" && !a.args.empty()) info.severity = a.args[0];
    }
    info.approvers = rule.approvers;
    for (const auto& [name, offset] : rule.approver_params) {
      auto it = param_index_.find(absl::StrCat(package, ".", name));
      if (it == param_index_.end()) continue;
      const Value& v = params_[it->second];
      if (v.is_string()) info.approvers.push_back(v.str());
      if (v.is_list()) {
        for (const Value& e : v.list().elems) info.approvers.push_back(e.str());
      }
    }

    Scope scope;
    scope.package = &package;
    scope.rule = &rule;
    std::swap(scope_, scope);
    if (!rule.iter_range) {
      Element(rule, info, nullptr, permitted);
    } else {
      Value range = Eval(*rule.iter_range);
      std::vector<Value> elems;
      if (range.is_list()) {
        elems = range.list().elems;
      } else if (range.is_map()) {
        for (const auto& kv : range.map().entries) elems.push_back(kv.first);
      } else {
        Fail(info, StepRef{}, range.is_error() ? range.error_message()
                                               : absl::StrCat("`for` needs a list, got ", KindName(range.kind())));
      }
      for (const Value& elem : elems) Element(rule, info, &elem, permitted);
    }
    std::swap(scope_, scope);
  }

  struct RuleInfo {
    const std::string* package = nullptr;
    std::string qualified;
    std::string location;
    std::string severity = "medium";
    std::vector<std::string> approvers;
  };

  // One check of `rule`, for `elem` (null: plan-level).
  void Element(const RuleDecl& rule, const RuleInfo& info, const Value* elem, std::vector<bool>* permitted) {
    scope_.element = elem;
    scope_.locals.clear();
    if (elem) scope_.locals.emplace_back(&rule.iter_var, *elem);
    scope_.let_values.assign(rule.lets.size(), Value());
    scope_.let_state.assign(rule.lets.size(), 0);
    const StepRef step = elem ? StepOf(*elem) : StepRef{};

    if (rule.when) {
      Value w = Eval(*rule.when);
      if (!w.is_bool()) return Fail(info, step, ConditionError(w, "when"));
      if (!w.bool_value()) return;
    }
    if (rule.unless) {
      Value u = Eval(*rule.unless);
      if (!u.is_bool()) return Fail(info, step, ConditionError(u, "unless"));
      if (u.bool_value()) return;
    }
    if (rule.effect == Effect::kPermit) {
      if (step.index >= 0 && static_cast<size_t>(step.index) < permitted->size()) (*permitted)[step.index] = true;
      return;
    }
    Violation v;
    v.rule = decision_.Keep(info.qualified);
    v.effect = rule.effect;
    v.severity = decision_.Keep(info.severity);
    v.step = decision_.Keep(step.id);
    v.step_index = step.index;
    v.location = decision_.Keep(info.location);
    if (rule.effect == Effect::kRequireApproval) v.approvers = info.approvers;
    v.message = decision_.Keep(Message(rule, info));
    Report(*info.package, std::move(v));
  }

  static std::string ConditionError(const Value& v, const char* clause) {
    return v.is_error() ? v.error_message()
                        : absl::StrCat("`", clause, "` evaluated to ", KindName(v.kind()), ", not bool");
  }

  std::string Message(const RuleDecl& rule, const RuleInfo& info) {
    if (!rule.has_message) {
      std::string first = rule.doc.substr(0, rule.doc.find('\n'));
      return first.empty() ? absl::StrCat("rule `", info.qualified, "` fired") : first;
    }
    std::string out;
    for (const MessagePart& part : rule.message) {
      if (!part.expr) {
        out += part.text;
        continue;
      }
      Value v = Eval(*part.expr);
      AppendMessagePart(&out, v);
    }
    return out;
  }

  // A runtime error of a rule: fails closed, or is reported in dryrun.
  void Fail(const RuleInfo& info, const StepRef& step, const std::string& message) {
    if (Dryrun(*info.package)) {
      Violation v;
      v.rule = decision_.Keep(info.qualified);
      v.effect = Effect::kDeny;
      v.severity = decision_.Keep(info.severity);
      v.step = decision_.Keep(step.id);
      v.step_index = step.index;
      v.message = decision_.Keep(absl::StrCat("runtime error: ", message));
      v.location = decision_.Keep(info.location);
      v.dryrun = true;
      decision_.warnings.push_back(std::move(v));
      return;
    }
    decision_.errors.push_back(EvalError{info.qualified, step.id, step.index, message, info.location});
  }

  // ---------------------------------------------------------------------
  // Expressions.

  struct Scope {
    const std::string* package = nullptr;
    const RuleDecl* rule = nullptr;  // null in a package let or a param default
    const Value* element = nullptr;
    // The for variable and macro variables, innermost last.
    std::vector<std::pair<const std::string*, Value>> locals;
    std::vector<Value> let_values;  // rule lets of the current element
    std::vector<uint8_t> let_state; // 0 not yet, 1 being computed, 2 done
  };

  Value Eval(const Expr& e) {
    Value v = EvalNode(e);
    if (observer_ != nullptr && *observer_) (*observer_)(e, v, ObservedScope{scope_.rule, scope_.element});
    return v;
  }

  Value EvalNode(const Expr& e) {
    switch (e.kind) {
      case ExprKind::kLiteral: return e.literal;
      case ExprKind::kIdent: return Name(e);
      case ExprKind::kSelect: {
        Value operand = Eval(*e.target);
        return e.test_only ? OpHas(operand, e.name) : OpSelect(operand, e.name);
      }
      case ExprKind::kCall: return Call(e);
      case ExprKind::kList: {
        std::vector<Value> elems;
        for (const auto& a : e.args) elems.push_back(Eval(*a));
        for (const Value& v : elems) {
          if (v.is_error()) return v;
        }
        return Value::List(std::move(elems));
      }
      case ExprKind::kMap: {
        std::vector<Value> kv;
        for (const auto& a : e.args) kv.push_back(Eval(*a));
        std::vector<std::pair<Value, Value>> entries;
        for (size_t i = 0; i + 1 < kv.size(); i += 2) {
          const Value& k = kv[i];
          const Value& v = kv[i + 1];
          if (k.is_error()) return k;
          if (v.is_error()) return v;
          if (!k.is_bool() && !k.is_int() && !k.is_uint() && !k.is_string()) {
            return Value::Error(absl::StrCat("unsupported map key type: ", KindName(k.kind())));
          }
          for (const auto& entry : entries) {
            if (ValuesEqual(entry.first, k)) return Value::Error(absl::StrCat("duplicate map key: ", k.DebugString()));
          }
          entries.emplace_back(k, v);
        }
        return Value::Map(std::move(entries));
      }
      case ExprKind::kComprehension: return Comprehension(e);
    }
    return Value::Error("unknown expression kind");
  }

  Value Name(const Expr& e) {
    switch (e.ref) {
      case RefKind::kLocal:
        for (auto it = scope_.locals.rbegin(); it != scope_.locals.rend(); ++it) {
          if (*it->first == e.name) return it->second;
        }
        return Value::Error(absl::StrCat("reference evaluator: unbound variable `", e.name, "`"));
      case RefKind::kRuleLet: return RuleLet(e.name);
      case RefKind::kGlobal: {
        auto it = globals_.find(e.name);
        return it == globals_.end() ? Value::Error("unknown global") : it->second;
      }
      case RefKind::kParam: {
        auto it = param_index_.find(absl::StrCat(*scope_.package, ".", e.name));
        return it == param_index_.end() ? Value::Error("unknown param") : params_[it->second];
      }
      case RefKind::kPackageLet: return PackageLet(e.name);
      case RefKind::kTypeName: return Value::TypeValue(e.name);
      default: return Value::Error(absl::StrCat("reference evaluator: unresolved name `", e.name, "`"));
    }
  }

  // A rule let: computed on first use for the current element, seeing only
  // the for variable (not the macro variables around its use).
  Value RuleLet(const std::string& name) {
    const RuleDecl* rule = scope_.rule;
    size_t i = 0;
    while (rule && i < rule->lets.size() && rule->lets[i].name != name) ++i;
    if (!rule || i == rule->lets.size()) return Value::Error("unknown rule let");
    if (scope_.let_state[i] == 1) return Value::Error("let refers to itself");
    if (scope_.let_state[i] == 0) {
      scope_.let_state[i] = 1;
      std::vector<std::pair<const std::string*, Value>> saved = scope_.locals;
      scope_.locals.resize(scope_.element ? 1 : 0);
      Value v = Eval(*rule->lets[i].value);
      scope_.locals = std::move(saved);
      scope_.let_values[i] = std::move(v);
      scope_.let_state[i] = 2;
    }
    return scope_.let_values[i];
  }

  // A package let: computed once per evaluation, outside any rule.
  Value PackageLet(const std::string& name) {
    auto it = let_index_.find(absl::StrCat(*scope_.package, ".", name));
    if (it == let_index_.end()) return Value::Error("unknown package let");
    const int i = it->second;
    if (pkg_let_state_[i] == 1) return Value::Error("let refers to itself");
    if (pkg_let_state_[i] == 0) {
      pkg_let_state_[i] = 1;
      const PolicySet::LetEntry& l = set_.lets[i];
      Scope scope;
      scope.package = &PackageOfFile(l.file);
      std::swap(scope_, scope);
      pkg_lets_[i] = Eval(*set_.files[l.file].lets[l.index].value);
      std::swap(scope_, scope);
      pkg_let_state_[i] = 2;
    }
    return pkg_lets_[i];
  }

  Value Call(const Expr& e) {
    const std::string& n = e.name;
    if (n == ops::kAnd || n == ops::kOr) {
      // CEL: a decisive operand on either side wins over an error on the other.
      const bool is_and = n == ops::kAnd;
      const bool decisive = !is_and;  // false decides &&, true decides ||
      Value a = Eval(*e.args[0]);
      if (a.is_bool() && a.bool_value() == decisive) return a;
      Value b = Eval(*e.args[1]);
      if (b.is_bool() && b.bool_value() == decisive) return b;
      if (a.is_bool() && b.is_bool()) return Value::Bool(!decisive);
      const char* what = is_and ? "`&&`" : "`||`";
      return !a.is_bool() ? NeedsBool(a, what) : NeedsBool(b, what);
    }
    if (n == ops::kConditional) {
      Value c = Eval(*e.args[0]);
      if (c.is_bool()) return Eval(*e.args[c.bool_value() ? 1 : 2]);
      return NeedsBool(c, "`?:`");
    }
    std::vector<Value> args;
    if (e.target) args.push_back(Eval(*e.target));
    for (const auto& a : e.args) args.push_back(Eval(*a));
    if (!e.target) {
      using Binary = Value (*)(const Value&, const Value&);
      static const std::map<std::string, Binary> kBinary = {
          {ops::kAdd, OpAdd}, {ops::kSub, OpSub}, {ops::kMul, OpMul}, {ops::kDiv, OpDiv},
          {ops::kMod, OpMod}, {ops::kEq, OpEq},   {ops::kNe, OpNe},   {ops::kLt, OpLt},
          {ops::kLe, OpLe},   {ops::kGt, OpGt},   {ops::kGe, OpGe},   {ops::kIn, OpIn},
          {ops::kIndex, OpIndex}};
      auto it = kBinary.find(n);
      if (it != kBinary.end() && args.size() == 2) return it->second(args[0], args[1]);
      if (n == ops::kNot && args.size() == 1) return OpNot(args[0]);
      if (n == ops::kNeg && args.size() == 1) return OpNeg(args[0]);
    }
    // Functions are strict: the first error argument is the result.
    for (const Value& a : args) {
      if (a.is_error()) return a;
    }
    const BuiltinTable& table = BuiltinTable::Get();
    const int id = table.Find(n);
    if (id < 0 || table.at(id).fn == nullptr) return Value::Error(absl::StrCat("unbound function: ", n));
    return table.at(id).fn(args.data(), args.size());
  }

  Value Comprehension(const Expr& e) {
    const bool two_vars = !e.iter_var2.empty();
    Value range = Eval(*e.target);
    if (range.is_error()) return range;
    if (!range.is_list() && !range.is_map()) {
      return Value::Error(absl::StrCat("cannot iterate over ", KindName(range.kind())));
    }
    // (first variable, second variable) per element: (element) for one
    // variable (a map's keys), (index or key, element or value) for two.
    std::vector<std::pair<Value, Value>> items;
    if (range.is_list()) {
      const auto& elems = range.list().elems;
      for (size_t i = 0; i < elems.size(); ++i) {
        items.emplace_back(two_vars ? Value::Int(static_cast<int64_t>(i)) : elems[i], elems[i]);
      }
    } else {
      for (const auto& [k, v] : range.map().entries) items.emplace_back(k, two_vars ? v : k);
    }
    const size_t depth = scope_.locals.size();
    auto bind = [&](const std::pair<Value, Value>& item) {
      scope_.locals.resize(depth);
      scope_.locals.emplace_back(&e.iter_var, item.first);
      if (two_vars) scope_.locals.emplace_back(&e.iter_var2, item.second);
    };
    auto unbind = [&] { scope_.locals.resize(depth); };

    switch (e.macro) {
      case MacroKind::kAll:
      case MacroKind::kExists: {
        const bool decisive = e.macro == MacroKind::kExists;
        Value result = Value::Bool(!decisive);
        for (const auto& item : items) {
          bind(item);
          Value p = Eval(*e.args[0]);
          unbind();
          if (p.is_bool()) {
            if (p.bool_value() == decisive) return p;
          } else if (!result.is_error()) {
            result = NeedsBool(p, decisive ? "exists()" : "all()");  // kept unless something decides
          }
        }
        return result;
      }
      case MacroKind::kExistsOne: {
        int64_t count = 0;
        for (const auto& item : items) {
          bind(item);
          Value p = Eval(*e.args[0]);
          unbind();
          if (!p.is_bool()) return NeedsBool(p, "exists_one()");
          if (p.bool_value()) ++count;
        }
        return Value::Bool(count == 1);
      }
      case MacroKind::kFilter:
      case MacroKind::kMap:
      case MacroKind::kTransformList:
      case MacroKind::kTransformMap: {
        const Expr* filter = e.macro == MacroKind::kFilter ? e.args[0].get()
                             : e.args.size() > 1           ? e.args[1].get()
                                                           : nullptr;
        std::vector<Value> out;
        std::vector<std::pair<Value, Value>> out_map;
        for (const auto& item : items) {
          bind(item);
          if (filter != nullptr) {
            Value keep = Eval(*filter);
            if (!keep.is_bool()) {
              unbind();
              return NeedsBool(keep, "filter()");
            }
            if (!keep.bool_value()) {
              unbind();
              continue;
            }
          }
          if (e.macro == MacroKind::kFilter) {
            unbind();
            out.push_back(item.second);
            continue;
          }
          Value t = Eval(*e.args[0]);
          unbind();
          if (t.is_error()) return t;
          if (e.macro == MacroKind::kTransformMap) {
            out_map.emplace_back(item.first, std::move(t));
          } else {
            out.push_back(std::move(t));
          }
        }
        return e.macro == MacroKind::kTransformMap ? Value::Map(std::move(out_map)) : Value::List(std::move(out));
      }
    }
    return Value::Error("unknown macro");
  }

  const PolicySet& set_;
  const CompileOptions& options_;
  const ExprObserver* observer_;
  Decision& decision_;
  std::map<std::string, Value> globals_;
  std::map<std::string, int> param_index_;  // package.name -> set_.params index
  std::map<std::string, int> let_index_;    // package.name -> set_.lets index
  std::vector<Value> params_;
  std::vector<Value> pkg_lets_;
  std::vector<uint8_t> pkg_let_state_;
  Scope scope_;
};

}  // namespace

Decision EvaluateReference(const CheckedPolicySet& policy, const Plan& plan, const CompileOptions& options,
                           const ExprObserver* observer) {
  Decision decision;
  EvalScope plan_scope(plan.root);  // for the plan-aware built-ins
  Walker walker(policy.set, plan, options, observer, decision);
  walker.Run(plan);
  // The verdict (docs/language.md section 4), written out independently of
  // Decision::Finish: errors and deny violations deny; approvals ask.
  bool deny = !decision.errors.empty();
  bool approval = false;
  std::vector<std::string> approvers;
  for (const Violation& v : decision.violations) {
    deny = deny || v.effect == Effect::kDeny;
    if (v.effect == Effect::kRequireApproval) {
      approval = true;
      approvers.insert(approvers.end(), v.approvers.begin(), v.approvers.end());
    }
  }
  std::sort(approvers.begin(), approvers.end());
  approvers.erase(std::unique(approvers.begin(), approvers.end()), approvers.end());
  decision.approvers = std::move(approvers);
  decision.verdict = deny ? Verdict::kDeny : approval ? Verdict::kNeedsApproval : Verdict::kAllow;
  return decision;
}

}  // namespace gavel
