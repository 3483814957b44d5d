// Name resolution and type checking of policy files. See checker.h.
#include "engine/checker.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/builtins.h"
#include "engine/builtins_net.h"
#include "engine/builtins_quantity.h"
#include "engine/builtins_window.h"
#include "engine/schema.h"
#include "engine/suggest.h"
#include "re2/re2.h"

namespace gavel {
namespace {

struct Binding {
  std::string name;
  RefKind ref;
  int index;
  Type type;
};

const char* const kTypeNames[] = {"bool", "int", "uint", "double", "string", "bytes", "list",
                                  "map", "null_type", "type", "dyn"};

// The type a type name denotes: `int` is type(int), `list` type(list(dyn)).
Type TypeNamed(std::string_view name) {
  if (name == "bool") return Type::Bool();
  if (name == "int") return Type::Int();
  if (name == "uint") return Type::Uint();
  if (name == "double") return Type::Double();
  if (name == "string") return Type::String();
  if (name == "bytes") return Type::Bytes();
  if (name == "list") return Type::List(Type::Dyn());
  if (name == "map") return Type::Map(Type::Dyn(), Type::Dyn());
  if (name == "null_type") return Type::Null();
  if (name == "type") return Type::TypeType();
  if (name == "google.protobuf.Timestamp") return Type::Timestamp();
  if (name == "google.protobuf.Duration") return Type::Duration();
  return Type::Dyn();
}

bool IsNumeric(const Type& t) {
  return t.kind() == TypeKind::kInt || t.kind() == TypeKind::kUint || t.kind() == TypeKind::kDouble;
}

std::string Backtick(std::string_view s) { return absl::StrCat("`", std::string(s), "`"); }

// Binds type parameters of a built-in signature to argument types.
using Bindings = std::map<int, Type>;

bool Unify(const Type& param, const Type& arg, Bindings& b) {
  if (param.kind() == TypeKind::kParam) {
    auto it = b.find(param.param_id());
    if (it == b.end()) {
      b[param.param_id()] = arg;
      return true;
    }
    if (it->second.is_dyn()) {
      it->second = arg;
      return true;
    }
    return it->second.IsAssignableFrom(arg);
  }
  if (arg.is_dyn() || arg.is_error() || param.is_dyn()) return true;
  if (param.kind() != arg.kind()) return false;
  switch (param.kind()) {
    case TypeKind::kList: return Unify(param.elem(), arg.elem(), b);
    case TypeKind::kMap: return Unify(param.key(), arg.key(), b) && Unify(param.value(), arg.value(), b);
    case TypeKind::kMessage: return param.message() == arg.message();
    default: return true;
  }
}

Type Substitute(const Type& t, const Bindings& b) {
  switch (t.kind()) {
    case TypeKind::kParam: {
      auto it = b.find(t.param_id());
      return it == b.end() ? Type::Dyn() : it->second;
    }
    case TypeKind::kList: return Type::List(Substitute(t.elem(), b));
    case TypeKind::kMap: return Type::Map(Substitute(t.key(), b), Substitute(t.value(), b));
    case TypeKind::kType: return t.type_param() ? Type::TypeOf(Substitute(*t.type_param(), b)) : t;
    default: return t;
  }
}

// The common type of two branches or elements: equal types stay, else dyn.
Type Join(const Type& a, const Type& b) {
  if (a.is_error()) return b;
  if (b.is_error()) return a;
  if (a == b) return a;
  if (a.kind() == TypeKind::kNull) return b.kind() == TypeKind::kMessage ? b : Type::Dyn();
  return Type::Dyn();
}

// `a.b.c` as a dotted name, if `e` is a chain of field selections on an
// identifier (not inside has()); `root` is that identifier.
bool QualifiedName(const Expr& e, std::string* out, const Expr** root) {
  if (e.kind == ExprKind::kIdent) {
    *out = e.name;
    *root = &e;
    return true;
  }
  if (e.kind != ExprKind::kSelect || e.test_only || !e.target) return false;
  if (!QualifiedName(*e.target, out, root)) return false;
  *out = absl::StrCat(*out, ".", e.name);
  return true;
}

// Type names that are written qualified.
bool IsQualifiedTypeName(std::string_view name) {
  return name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration";
}

class Checker {
 public:
  Checker(PolicySet& set, Diagnostics& diags) : set_(set), diags_(diags) {}

  void Run();
  Type CheckStandalone(Expr& e, const SourceFile& source, const ExpressionEnv* env = nullptr) {
    source_ = &source;
    env_ = env;
    return Check(e);
  }

 private:
  void Error(uint32_t offset, const char* code, std::string message, uint32_t length = 1) {
    diags_.Add(Location{source_, offset}, code, std::move(message), length);
  }
  void ErrorAt(const Expr& e, const char* code, std::string message) {
    Error(e.offset, code, std::move(message), e.length);
  }
  // For errors about a whole expression: from its first byte to its last.
  void ErrorOnWhole(const Expr& e, const char* code, std::string message) {
    uint32_t begin = e.offset, end = e.offset + e.length;
    Extent(e, &begin, &end);
    Error(begin, code, std::move(message), end - begin);
  }
  static void Extent(const Expr& e, uint32_t* begin, uint32_t* end) {
    *begin = std::min(*begin, e.offset);
    *end = std::max(*end, e.offset + e.length);
    if (e.target) Extent(*e.target, begin, end);
    for (const auto& a : e.args) Extent(*a, begin, end);
  }

  void CheckRule(int file, RuleDecl& rule);
  bool CheckLiteralArguments(const Expr& call);
  void CheckApproverParams(const RuleDecl& rule);
  void CheckAnnotations(RuleDecl& rule);
  void ExpectBool(Expr& e, const char* clause);

  Type Check(Expr& e);
  Type CheckIdent(Expr& e);
  Type CheckSelect(Expr& e);
  Type CheckCall(Expr& e);
  Type CheckComprehension(Expr& e);

  int AllocSlots(int n) {
    int s = next_slot_;
    next_slot_ += n;
    max_slot_ = std::max(max_slot_, next_slot_);
    return s;
  }
  std::vector<std::string> VisibleNames() const;
  // The index of the declared variable `name` names in the container, or -1.
  int LookupVariable(std::string_view name) const;
  bool IsLocal(std::string_view name) const {
    for (const Binding& b : scope_) {
      if (b.name == name) return true;
    }
    return false;
  }

  PolicySet& set_;
  Diagnostics& diags_;
  const SourceFile* source_ = nullptr;
  int package_ = -1;
  std::vector<Binding> scope_;    // innermost last
  int visible_lets_ = 0;          // package lets declared so far (no forward use)
  const ExpressionEnv* env_ = nullptr;  // standalone expressions: declared variables
  int next_slot_ = 0;
  int max_slot_ = 0;
};

void Checker::Run() {
  const Schema& schema = Schema::Get();
  // Packages, params and lets, in file and declaration order.
  std::map<std::string, int> package_index;
  for (size_t f = 0; f < set_.files.size(); ++f) {
    PolicyFile& file = set_.files[f];
    source_ = file.source.get();
    if (file.package.empty()) {
      Error(0, codes::kSyntax, "missing `package` declaration at the top of the file");
    }
    auto [it, inserted] = package_index.emplace(file.package, static_cast<int>(set_.packages.size()));
    if (inserted) set_.packages.push_back(PolicySet::PackageEntry{file.package});
    set_.file_package.push_back(it->second);
    auto& pkg = set_.packages[it->second];
    if (file.default_deny) {
      if (pkg.default_deny) {
        Error(file.default_offset, codes::kDuplicate,
              absl::StrCat("package ", Backtick(file.package), " already says `default deny`"));
      }
      pkg.default_deny = true;
      pkg.default_location = Location{source_, file.default_offset};
    }
  }

  // Params: their defaults are constant expressions of the declared type.
  std::map<std::pair<int, std::string>, Location> declared;  // (package, name) -> where
  auto declare = [&](int pkg, const std::string& name, uint32_t offset, const char* what) {
    auto [it, inserted] = declared.emplace(std::make_pair(pkg, name), Location{source_, offset});
    if (!inserted) {
      Error(offset, codes::kDuplicate,
            absl::StrCat(what, " ", Backtick(name), " is already declared at ", it->second.ToString()),
            name.size());
      return false;
    }
    return true;
  };
  for (size_t f = 0; f < set_.files.size(); ++f) {
    PolicyFile& file = set_.files[f];
    source_ = file.source.get();
    package_ = set_.file_package[f];
    for (size_t i = 0; i < file.params.size(); ++i) {
      ParamDecl& p = file.params[i];
      declare(package_, p.name, p.offset, "param");
      set_.params.push_back({static_cast<int>(f), static_cast<int>(i), absl::StrCat(file.package, ".", p.name)});
      if (p.default_value) {
        scope_.clear();
        next_slot_ = max_slot_ = 0;
        // A default sees no plan and no other declaration: it must be constant.
        Type t = Check(*p.default_value);
        if (!t.is_error() && !p.type.IsAssignableFrom(t)) {
          ErrorAt(*p.default_value, codes::kType,
                  absl::StrCat("param ", Backtick(p.name), " is declared ", Backtick(p.type_text.empty() ? p.type.ToString() : p.type_text),
                               " but its default is ", Backtick(t.ToString())));
        }
      }
    }
  }
  (void)schema;

  // Package lets, then rules: names resolve within the file's package.
  for (size_t f = 0; f < set_.files.size(); ++f) {
    PolicyFile& file = set_.files[f];
    source_ = file.source.get();
    package_ = set_.file_package[f];
    for (size_t i = 0; i < file.lets.size(); ++i) {
      LetDecl& let = file.lets[i];
      declare(package_, let.name, let.offset, "let");
      scope_.clear();
      next_slot_ = max_slot_ = 0;
      Check(*let.value);
      set_.lets.push_back({static_cast<int>(f), static_cast<int>(i)});
      visible_lets_ = static_cast<int>(set_.lets.size());
    }
  }
  visible_lets_ = static_cast<int>(set_.lets.size());

  std::map<std::pair<int, std::string>, Location> rules;
  for (size_t f = 0; f < set_.files.size(); ++f) {
    PolicyFile& file = set_.files[f];
    source_ = file.source.get();
    package_ = set_.file_package[f];
    for (RuleDecl& rule : file.rules) {
      auto [it, inserted] = rules.emplace(std::make_pair(package_, rule.name), Location{source_, rule.offset});
      if (!inserted) {
        Error(rule.offset, codes::kDuplicate,
              absl::StrCat("rule ", Backtick(rule.name), " is already declared at ", it->second.ToString()),
              rule.name.size());
      }
      CheckRule(static_cast<int>(f), rule);
    }
  }
}

bool IsPlanSteps(const Expr& e) {
  return e.kind == ExprKind::kSelect && e.name == "steps" && e.target && e.target->kind == ExprKind::kIdent &&
         e.target->name == "plan" && e.target->ref == RefKind::kGlobal;
}

// CIDR and glob literals are validated now: a typo is a compile error, not
// a rule that fails on every plan.
bool Checker::CheckLiteralArguments(const Expr& call) {
  // ts.within(window, zone), quantity(s) and the quantity methods
  // (q.isLessThan(q2), ...): constant strings must parse.
  static const std::set<std::string, std::less<>> kQuantityMethods = {"isLessThan", "isGreaterThan", "compareTo",
                                                                      "add", "sub"};
  const bool quantity_method = call.target && kQuantityMethods.count(call.name) > 0;
  if (call.name == "within" || call.name == "quantity" || quantity_method) {
    std::vector<const Expr*> operands;
    if (quantity_method) operands.push_back(call.target.get());
    for (const auto& a : call.args) operands.push_back(a.get());
    bool ok = true;
    for (size_t i = 0; i < operands.size(); ++i) {
      const Expr& lit = *operands[i];
      if (lit.kind != ExprKind::kLiteral || !lit.literal.is_string()) continue;
      const std::string& text = lit.literal.str();
      absl::Status status = call.name != "within" ? ParseQuantity(text).status()
                            : i == 0             ? ParseWindow(text).status()
                                                 : ParseTimeZone(text).status();
      if (!status.ok()) {
        ErrorAt(lit, codes::kInvalidLiteral, std::string(status.message()));
        ok = false;
      }
    }
    return ok;
  }
  // cidr(c).contains(ip): a constant address must parse.
  if (call.name == "contains" && call.target && call.target->type.kind() == TypeKind::kMessage &&
      call.target->type.message() == &CidrMessageType() && call.args.size() == 1) {
    const Expr& lit = *call.args[0];
    if (lit.kind != ExprKind::kLiteral || !lit.literal.is_string() || ParseIp(lit.literal.str())) return true;
    const bool block = lit.literal.str().find('/') != std::string::npos;
    ErrorAt(lit, codes::kInvalidLiteral, absl::StrCat("invalid IP address ", Backtick(lit.literal.str()),
                                                      block ? " (for a block, write cidr(...))" : ""));
    return false;
  }
  if (call.args.empty() || (call.name != "in_cidr" && call.name != "cidr" && call.name != "glob")) return true;
  const Expr& arg = *call.args[0];
  std::vector<const Expr*> literals;
  if (arg.kind == ExprKind::kLiteral) literals.push_back(&arg);
  if (arg.kind == ExprKind::kList) {
    for (const auto& a : arg.args) {
      if (a->kind == ExprKind::kLiteral) literals.push_back(a.get());
    }
  }
  bool ok = true;
  for (const Expr* lit : literals) {
    if (!lit->literal.is_string()) continue;
    absl::Status status = call.name == "glob" ? ValidateGlob(lit->literal.str()) : ParseCidr(lit->literal.str()).status();
    if (!status.ok()) {
      ErrorAt(*lit, codes::kInvalidLiteral, std::string(status.message()));
      ok = false;
    }
  }
  return ok;
}

void Checker::CheckAnnotations(RuleDecl& rule) {
  for (const Annotation& a : rule.annotations) {
    if (a.name == "severity") {
      if (a.args.size() != 1 || !IsSeverity(a.args[0])) {
        Error(a.offset, codes::kType,
              absl::StrCat("@severity takes one of `info`, `low`, `medium`, `high`, `critical`",
                           a.args.size() == 1 ? absl::StrCat(", not ", Backtick(a.args[0])) : ""));
      }
    } else if (a.name == "tags") {
      if (a.args.empty()) Error(a.offset, codes::kType, "@tags needs at least one tag");
    } else {
      std::string hint = DidYouMean(a.name, {"severity", "tags"});
      Error(a.offset, codes::kUnknownName,
            absl::StrCat("unknown annotation ", Backtick(absl::StrCat("@", a.name)),
                         hint.empty() ? "" : absl::StrCat(" (did you mean `@", hint, "`?)")));
    }
  }
}

void Checker::ExpectBool(Expr& e, const char* clause) {
  Type t = Check(e);
  if (t.is_error() || t.is_dyn() || t.kind() == TypeKind::kBool) return;
  ErrorOnWhole(e, codes::kType, absl::StrCat("`", clause, "` needs a bool condition, found ", Backtick(t.ToString())));
}

void Checker::CheckRule(int file, RuleDecl& rule) {
  CheckAnnotations(rule);
  CheckApproverParams(rule);
  scope_.clear();
  next_slot_ = max_slot_ = 0;
  if (rule.iter_range) {
    Type range = Check(*rule.iter_range);
    Type elem = Type::Dyn();
    if (range.kind() == TypeKind::kList) {
      elem = range.elem();
    } else if (range.kind() == TypeKind::kMap) {
      elem = range.key();
    } else if (!range.is_dyn() && !range.is_error()) {
      ErrorOnWhole(*rule.iter_range, codes::kType,
              absl::StrCat("`for` needs a list or a map, found ", Backtick(range.ToString())));
    }
    rule.iter_slot = AllocSlots(1);
    scope_.push_back({rule.iter_var, RefKind::kLocal, rule.iter_slot, elem});
  }
  if (rule.effect == Effect::kPermit && (!rule.iter_range || !IsPlanSteps(*rule.iter_range))) {
    Error(rule.effect_offset, codes::kType,
          "a `permit` rule must range over the plan's steps: `for step in plan.steps`", 6);
  }
  for (LetDecl& let : rule.lets) {
    for (const Binding& b : scope_) {
      if (b.name == let.name) {
        Error(let.offset, codes::kDuplicate, absl::StrCat(Backtick(let.name), " is already bound in this rule"),
              let.name.size());
      }
    }
    Type t = Check(*let.value);
    let.slot = AllocSlots(1);
    scope_.push_back({let.name, RefKind::kRuleLet, let.slot, t});
  }
  if (rule.when) ExpectBool(*rule.when, "when");
  if (rule.unless) ExpectBool(*rule.unless, "unless");
  for (MessagePart& part : rule.message) {
    if (part.expr) Check(*part.expr);
  }
  rule.num_slots = max_slot_;
  (void)file;
}

// require_approval(p): p is a param of the rule's package holding one
// approver (string) or several (list<string>).
void Checker::CheckApproverParams(const RuleDecl& rule) {
  for (const auto& [name, offset] : rule.approver_params) {
    const ParamDecl* found = nullptr;
    std::vector<std::string> names;
    for (const auto& p : set_.params) {
      if (set_.file_package[p.file] != package_) continue;
      const ParamDecl& decl = set_.files[p.file].params[p.index];
      names.push_back(decl.name);
      if (decl.name == name) found = &decl;
    }
    if (found == nullptr) {
      std::string hint = DidYouMean(name, names);
      Error(offset, codes::kUnknownName,
            absl::StrCat("approver ", Backtick(name), " is not a param of package ", Backtick(set_.packages[package_].name),
                         hint.empty() ? "" : absl::StrCat(" (did you mean ", Backtick(hint), "?)")),
            name.size());
    } else if (!(found->type == Type::String()) && !(found->type == Type::List(Type::String()))) {
      Error(offset, codes::kType,
            absl::StrCat("approver param ", Backtick(name), " must be a `string` or a `list<string>`, not ",
                         Backtick(found->type.ToString())),
            name.size());
    }
  }
}

std::vector<std::string> Checker::VisibleNames() const {
  std::vector<std::string> names;
  for (const Binding& b : scope_) names.push_back(b.name);
  for (const char* g : {"plan", "context", "agent"}) names.push_back(g);
  for (const auto& p : set_.params) {
    if (set_.file_package[p.file] == package_) names.push_back(set_.files[p.file].params[p.index].name);
  }
  for (int i = 0; i < visible_lets_ && i < static_cast<int>(set_.lets.size()); ++i) {
    const auto& l = set_.lets[i];
    if (set_.file_package[l.file] == package_) names.push_back(set_.files[l.file].lets[l.index].name);
  }
  for (const char* t : kTypeNames) names.push_back(t);
  return names;
}

int Checker::LookupVariable(std::string_view name) const {
  if (env_ == nullptr || env_->variables.empty() || name.empty()) return -1;
  auto find = [&](std::string_view qualified) {
    for (size_t i = 0; i < env_->variables.size(); ++i) {
      if (env_->variables[i].first == qualified) return static_cast<int>(i);
    }
    return -1;
  };
  if (name[0] == '.') return find(name.substr(1));
  std::string container = env_->container;
  while (!container.empty()) {
    int i = find(absl::StrCat(container, ".", std::string(name)));
    if (i >= 0) return i;
    size_t dot = container.rfind('.');
    container = dot == std::string::npos ? "" : container.substr(0, dot);
  }
  return find(name);
}

Type Checker::Check(Expr& e) {
  Type t;
  switch (e.kind) {
    case ExprKind::kLiteral:
      switch (e.literal.kind()) {
        case ValueKind::kNull: t = Type::Null(); break;
        case ValueKind::kBool: t = Type::Bool(); break;
        case ValueKind::kInt: t = Type::Int(); break;
        case ValueKind::kUint: t = Type::Uint(); break;
        case ValueKind::kDouble: t = Type::Double(); break;
        case ValueKind::kString: t = Type::String(); break;
        case ValueKind::kBytes: t = Type::Bytes(); break;
        default: t = Type::Dyn(); break;
      }
      break;
    case ExprKind::kIdent: t = CheckIdent(e); break;
    case ExprKind::kSelect: t = CheckSelect(e); break;
    case ExprKind::kCall: t = CheckCall(e); break;
    case ExprKind::kList: {
      Type elem;
      bool first = true;
      for (auto& a : e.args) {
        Type at = Check(*a);
        elem = first ? at : Join(elem, at);
        first = false;
      }
      t = Type::List(first ? Type::Dyn() : elem);
      break;
    }
    case ExprKind::kMap: {
      Type key, val;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Type kt = Check(*e.args[i]);
        Type vt = Check(*e.args[i + 1]);
        switch (kt.kind()) {
          case TypeKind::kBool: case TypeKind::kInt: case TypeKind::kUint: case TypeKind::kString:
          case TypeKind::kDyn: case TypeKind::kError:
            break;
          default:
            ErrorAt(*e.args[i], codes::kType,
                    absl::StrCat("map keys must be bool, int, uint or string, found ", Backtick(kt.ToString())));
        }
        key = i == 0 ? kt : Join(key, kt);
        val = i == 0 ? vt : Join(val, vt);
      }
      t = Type::Map(key, val);
      break;
    }
    case ExprKind::kComprehension: t = CheckComprehension(e); break;
  }
  e.type = t;
  return t;
}

Type Checker::CheckIdent(Expr& e) {
  for (auto it = scope_.rbegin(); it != scope_.rend(); ++it) {
    if (it->name == e.name) {
      e.ref = it->ref;
      e.ref_index = it->index;
      return it->type;
    }
  }
  if (int v = LookupVariable(e.name); v >= 0) {
    e.ref = RefKind::kVariable;
    e.ref_index = v;
    return env_->variables[v].second;
  }
  const Schema& schema = Schema::Get();
  if (e.name == "plan") {
    e.ref = RefKind::kGlobal;
    e.ref_index = kGlobalPlan;
    return Type::Message(&schema.plan);
  }
  if (e.name == "context") {
    e.ref = RefKind::kGlobal;
    e.ref_index = kGlobalContext;
    return Type::Message(&schema.context);
  }
  if (e.name == "agent") {
    e.ref = RefKind::kGlobal;
    e.ref_index = kGlobalAgent;
    return Type::Message(&schema.agent);
  }
  if (package_ >= 0) {
    for (int i = visible_lets_ - 1; i >= 0; --i) {
      if (i >= static_cast<int>(set_.lets.size())) continue;
      const auto& l = set_.lets[i];
      const LetDecl& let = set_.files[l.file].lets[l.index];
      if (set_.file_package[l.file] == package_ && let.name == e.name) {
        e.ref = RefKind::kPackageLet;
        e.ref_index = i;
        return let.value->type;
      }
    }
    for (size_t i = 0; i < set_.params.size(); ++i) {
      const auto& p = set_.params[i];
      const ParamDecl& param = set_.files[p.file].params[p.index];
      if (set_.file_package[p.file] == package_ && param.name == e.name) {
        e.ref = RefKind::kParam;
        e.ref_index = static_cast<int>(i);
        return param.type;
      }
    }
  }
  for (const char* tn : kTypeNames) {
    if (e.name == tn) {
      e.ref = RefKind::kTypeName;
      return Type::TypeOf(TypeNamed(tn));
    }
  }
  if (IsQualifiedTypeName(e.name)) {
    e.ref = RefKind::kTypeName;
    return Type::TypeOf(TypeNamed(e.name));
  }
  std::string hint = DidYouMean(e.name, VisibleNames());
  ErrorAt(e, codes::kUnknownName,
          absl::StrCat("undeclared name ", Backtick(e.name),
                       hint.empty() ? "" : absl::StrCat(" (did you mean ", Backtick(hint), "?)")));
  return Type::Error();
}

Type Checker::CheckSelect(Expr& e) {
  // `a.b.c` may name a declared variable (the longest name wins; `a.b` is
  // tried when checking the operand).
  std::string qualified;
  const Expr* root = nullptr;
  if (!e.test_only && QualifiedName(e, &qualified, &root) && !IsLocal(root->name)) {
    if (int v = LookupVariable(qualified); v >= 0) {
      e.ref = RefKind::kVariable;
      e.ref_index = v;
      return env_->variables[v].second;
    }
    // `google.protobuf.Timestamp`: a type name, unless its root is a name in scope.
    if (IsQualifiedTypeName(qualified) && LookupVariable(root->name) < 0) {
      e.kind = ExprKind::kIdent;
      e.name = qualified;
      e.target.reset();
      return CheckIdent(e);
    }
  }
  Type operand = Check(*e.target);
  Type result;
  switch (operand.kind()) {
    case TypeKind::kMessage: {
      const FieldDesc* f = operand.message()->Find(e.name);
      if (f == nullptr) {
        std::string hint = DidYouMean(e.name, operand.message()->FieldNames());
        ErrorAt(e, codes::kUnknownField,
                absl::StrCat(Backtick(operand.message()->full_name), " has no field ", Backtick(e.name),
                             hint.empty() ? absl::StrCat(" (fields: ", absl::StrJoin(operand.message()->FieldNames(), ", "), ")")
                                          : absl::StrCat(" (did you mean ", Backtick(hint), "?)")));
        return Type::Error();
      }
      e.ref_index = f->index;
      result = f->type;
      break;
    }
    case TypeKind::kMap:
      if (!operand.key().is_dyn() && operand.key().kind() != TypeKind::kString) {
        ErrorAt(e, codes::kType, absl::StrCat("cannot select field ", Backtick(e.name), " of ", Backtick(operand.ToString())));
        return Type::Error();
      }
      result = operand.value();
      break;
    case TypeKind::kDyn:
    case TypeKind::kError:
      result = operand;
      break;
    default:
      ErrorAt(e, codes::kType,
              absl::StrCat("type ", Backtick(operand.ToString()), " has no field ", Backtick(e.name)));
      return Type::Error();
  }
  return e.test_only ? Type::Bool() : result;
}

Type Checker::CheckCall(Expr& e) {
  // Logical operators and ?: are not functions: they absorb errors.
  if (e.name == ops::kAnd || e.name == ops::kOr || e.name == ops::kNot) {
    for (auto& a : e.args) {
      Type t = Check(*a);
      if (!t.is_dyn() && !t.is_error() && t.kind() != TypeKind::kBool) {
        ErrorOnWhole(*a, codes::kType,
                absl::StrCat("operator `", e.name == ops::kAnd ? "&&" : e.name == ops::kOr ? "||" : "!",
                             "` needs bool operands, found ", Backtick(t.ToString())));
      }
    }
    return Type::Bool();
  }
  if (e.name == ops::kConditional && e.args.size() == 3) {
    Type c = Check(*e.args[0]);
    if (!c.is_dyn() && !c.is_error() && c.kind() != TypeKind::kBool) {
      ErrorOnWhole(*e.args[0], codes::kType, absl::StrCat("the condition of `?:` must be bool, found ", Backtick(c.ToString())));
    }
    Type a = Check(*e.args[1]);
    Type b = Check(*e.args[2]);
    return Join(a, b);
  }

  // `strings.quote(s)`: a function with a qualified name, not a method.
  if (e.target) {
    std::string qualified;
    const Expr* root = nullptr;
    if (QualifiedName(*e.target, &qualified, &root) && !IsLocal(root->name) && LookupVariable(qualified) < 0 &&
        LookupVariable(root->name) < 0) {
      std::string fn = absl::StrCat(qualified, ".", e.name);
      if (BuiltinTable::Get().Find(fn) >= 0) {
        e.name = fn;
        e.target.reset();
      }
    }
  }
  std::vector<Type> args;
  if (e.target) args.push_back(Check(*e.target));
  for (auto& a : e.args) args.push_back(Check(*a));
  const BuiltinTable& table = BuiltinTable::Get();
  int id = table.Find(e.name);
  e.ref_index = id;
  for (const Type& t : args) {
    if (t.is_error()) return Type::Error();  // already reported
  }

  if (id < 0) {
    std::string hint = DidYouMean(e.name, table.Names());
    ErrorAt(e, codes::kUnknownFunction,
            absl::StrCat("unknown function ", Backtick(e.name),
                         hint.empty() ? "" : absl::StrCat(" (did you mean ", Backtick(hint), "?)")));
    return Type::Error();
  }
  e.ref_index = id;
  const Builtin& fn = table.at(id);
  const bool receiver = e.target != nullptr;

  // Equality compares any two values of related types (numbers across kinds).
  if ((e.name == ops::kEq || e.name == ops::kNe) && args.size() == 2) {
    if (args[0].IsAssignableFrom(args[1]) || args[1].IsAssignableFrom(args[0]) ||
        (args[0].kind() == TypeKind::kType && args[1].kind() == TypeKind::kType) ||
        (IsNumeric(args[0]) && IsNumeric(args[1])) || args[0].kind() == TypeKind::kNull ||
        args[1].kind() == TypeKind::kNull) {
      return Type::Bool();
    }
    ErrorOnWhole(e, codes::kType,
            absl::StrCat("cannot compare ", Backtick(args[0].ToString()), " with ", Backtick(args[1].ToString()),
                         " (they are never equal)"));
    return Type::Error();
  }

  bool arity_seen = false;
  for (const Overload& o : fn.overloads) {
    if (o.receiver != receiver || o.params.size() != args.size()) continue;
    arity_seen = true;
    Bindings b;
    bool ok = true;
    for (size_t i = 0; i < args.size() && ok; ++i) ok = Unify(o.params[i], args[i], b);
    if (ok) {
      if (!CheckLiteralArguments(e)) return Type::Error();
      // A constant regex is compiled now, so a bad one is a compile error.
      if (e.name == "matches") {
        const Expr* pattern = e.args.empty() ? nullptr : e.args.back().get();
        if (pattern && pattern->kind == ExprKind::kLiteral && pattern->literal.is_string()) {
          RE2 re(pattern->literal.str(), RE2::Quiet);
          if (!re.ok()) {
            ErrorAt(*pattern, codes::kInvalidRegex,
                    absl::StrCat("invalid regex ", Backtick(pattern->literal.str()), ": ", re.error()));
            return Type::Error();
          }
        }
      }
      return Substitute(o.result, b);
    }
  }
  std::vector<std::string> names;
  for (const Type& t : args) names.push_back(t.ToString());
  std::string shown = receiver ? absl::StrCat(names[0], ".", e.name, "(",
                                              absl::StrJoin(names.begin() + 1, names.end(), ", "), ")")
                               : absl::StrCat(e.name, "(", absl::StrJoin(names, ", "), ")");
  bool other_style = false;
  for (const Overload& o : fn.overloads) other_style |= o.receiver != receiver;
  std::string why;
  if (!arity_seen && other_style) {
    why = receiver ? absl::StrCat(" (call it as `", e.name, "(...)`)") : absl::StrCat(" (call it as `x.", e.name, "(...)`)");
  }
  ErrorOnWhole(e, codes::kType, absl::StrCat("no overload of ", Backtick(e.name), " takes ", Backtick(shown), why));
  return Type::Error();
}

Type Checker::CheckComprehension(Expr& e) {
  Type range = Check(*e.target);
  const bool two_vars = !e.iter_var2.empty();
  Type elem = Type::Dyn();   // the (first) variable
  Type elem2 = Type::Dyn();  // the second variable
  if (range.kind() == TypeKind::kList) {
    elem = two_vars ? Type::Int() : range.elem();
    elem2 = range.elem();
  } else if (range.kind() == TypeKind::kMap) {
    elem = range.key();
    elem2 = range.value();
  } else if (!range.is_dyn() && !range.is_error()) {
    ErrorOnWhole(*e.target, codes::kType,
            absl::StrCat("macros range over lists and maps, not ", Backtick(range.ToString())));
  }
  // Slots: base (range), base+1 (position), base+2 (the variable), base+3
  // (accumulator); with two variables also base+4 (the second), base+5.
  e.iter_slot = AllocSlots(two_vars ? 6 : 4);
  scope_.push_back({e.iter_var, RefKind::kLocal, e.iter_slot + 2, elem});
  if (two_vars) scope_.push_back({e.iter_var2, RefKind::kLocal, e.iter_slot + 4, elem2});
  Type result;
  auto expect_bool = [&](Expr& p) {
    Type t = Check(p);
    if (!t.is_dyn() && !t.is_error() && t.kind() != TypeKind::kBool) {
      ErrorOnWhole(p, codes::kType, absl::StrCat("the predicate must be bool, found ", Backtick(t.ToString())));
    }
  };
  switch (e.macro) {
    case MacroKind::kAll:
    case MacroKind::kExists:
    case MacroKind::kExistsOne:
      expect_bool(*e.args[0]);
      result = Type::Bool();
      break;
    case MacroKind::kFilter:
      expect_bool(*e.args[0]);
      result = Type::List(elem);
      break;
    case MacroKind::kMap:
    case MacroKind::kTransformList:
      if (e.args.size() > 1) expect_bool(*e.args[1]);
      result = Type::List(Check(*e.args[0]));
      break;
    case MacroKind::kTransformMap:
      if (e.args.size() > 1) expect_bool(*e.args[1]);
      result = Type::Map(elem, Check(*e.args[0]));
      break;
  }
  scope_.pop_back();
  if (two_vars) scope_.pop_back();
  return result;
}

}  // namespace

bool IsSeverity(std::string_view s) {
  return s == "info" || s == "low" || s == "medium" || s == "high" || s == "critical";
}

bool CheckPolicySet(PolicySet& set, Diagnostics& diags) {
  size_t before = diags.size();
  Checker(set, diags).Run();
  return diags.size() == before;
}

bool CheckExpression(Expr& expr, const SourceFile& source, Diagnostics& diags) {
  size_t before = diags.size();
  PolicySet empty;
  Checker(empty, diags).CheckStandalone(expr, source);
  return diags.size() == before;
}

bool CheckExpression(Expr& expr, const SourceFile& source, Diagnostics& diags, const ExpressionEnv& env) {
  PolicySet empty;
  if (env.defer_type_errors) {
    Diagnostics ignored;  // what is wrong fails at run time instead
    Checker(empty, ignored).CheckStandalone(expr, source, &env);
    return true;
  }
  size_t before = diags.size();
  Checker(empty, diags).CheckStandalone(expr, source, &env);
  return diags.size() == before;
}

}  // namespace gavel
