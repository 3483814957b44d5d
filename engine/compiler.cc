// Code generation: checked AST to bytecode chunks. See compiler.h.
#include "engine/compiler.h"

#include <algorithm>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins_impl.h"
#include "engine/operators.h"
#include "engine/prepare.h"
#include "engine/schema.h"
#include "engine/suggest.h"

namespace gavel {

bool ValueHasType(const Value& v, const Type& t) {
  switch (t.kind()) {
    case TypeKind::kDyn: return true;
    case TypeKind::kNull: return v.is_null();
    case TypeKind::kBool: return v.is_bool();
    case TypeKind::kInt: return v.is_int();
    case TypeKind::kUint: return v.is_uint();
    case TypeKind::kDouble: return v.is_double();
    case TypeKind::kString: return v.is_string();
    case TypeKind::kBytes: return v.is_bytes();
    case TypeKind::kTimestamp: return v.is_timestamp();
    case TypeKind::kDuration: return v.is_duration();
    case TypeKind::kType: return v.is_type();
    case TypeKind::kList:
      if (!v.is_list()) return false;
      for (const Value& e : v.list().elems) {
        if (!ValueHasType(e, t.elem())) return false;
      }
      return true;
    case TypeKind::kMap:
      if (!v.is_map()) return false;
      for (const auto& [k, val] : v.map().entries) {
        if (!ValueHasType(k, t.key()) || !ValueHasType(val, t.value())) return false;
      }
      return true;
    case TypeKind::kMessage: return v.is_message() && v.message().type == t.message();
    default: return false;
  }
}

namespace {

// A value as shown in an error message: short, on one line.
std::string Shown(const Value& v) {
  std::string s = v.DebugString();
  constexpr size_t kMax = 60;
  if (s.size() > kMax) s = absl::StrCat(s.substr(0, kMax), "...");
  return absl::StrCat("`", s, "`");
}

// ConvertParamValue below; `path` names the part being converted (`p[1]`),
// `top` whether it is the whole value.
bool ConvertPart(const Value& v, const Type& t, const std::string& path, bool top, Value* out, std::string* why) {
  auto mismatch = [&]() {
    *why = top ? absl::StrCat("was given ", KindName(v.kind()), " ", Shown(v))
               : absl::StrCat("`", path, "` is ", KindName(v.kind()), " ", Shown(v), ", not ", t.ToString());
    return false;
  };
  auto parse = [&](Value parsed, const char* what) {
    if (parsed.is_error()) {
      *why = absl::StrCat(top ? "was given " : absl::StrCat("`", path, "` is "), Shown(v), ", not a ", what, ": ",
                          parsed.error_message());
      return false;
    }
    *out = std::move(parsed);
    return true;
  };
  switch (t.kind()) {
    case TypeKind::kDyn:
      *out = v;
      return true;
    case TypeKind::kDouble:
      // YAML and JSON write 2 for 2.0.
      if (v.is_int()) *out = Value::Double(static_cast<double>(v.int_value()));
      else if (v.is_uint()) *out = Value::Double(static_cast<double>(v.uint_value()));
      else if (v.is_double()) *out = v;
      else return mismatch();
      return true;
    case TypeKind::kUint:
      if (v.is_int() && v.int_value() >= 0) *out = Value::Uint(static_cast<uint64_t>(v.int_value()));
      else if (v.is_uint()) *out = v;
      else return mismatch();
      return true;
    case TypeKind::kBytes:
      if (v.is_string()) *out = Value::Bytes(v.str());
      else if (v.is_bytes()) *out = v;
      else return mismatch();
      return true;
    case TypeKind::kDuration:
      if (v.is_string()) return parse(builtins_internal::ParseDurationText(v.str()), "duration");
      if (!v.is_duration()) return mismatch();
      *out = v;
      return true;
    case TypeKind::kTimestamp:
      if (v.is_string()) return parse(builtins_internal::ParseTimestampText(v.str()), "timestamp");
      if (!v.is_timestamp()) return mismatch();
      *out = v;
      return true;
    case TypeKind::kList: {
      if (!v.is_list()) return mismatch();
      std::vector<Value> elems;
      const std::vector<Value>& given = v.list().elems;
      for (size_t i = 0; i < given.size(); ++i) {
        Value e;
        if (!ConvertPart(given[i], t.elem(), absl::StrCat(path, "[", i, "]"), false, &e, why)) return false;
        elems.push_back(std::move(e));
      }
      *out = Value::List(std::move(elems));
      return true;
    }
    case TypeKind::kMap: {
      if (!v.is_map()) return mismatch();
      std::vector<std::pair<Value, Value>> entries;
      for (const auto& [k, val] : v.map().entries) {
        const std::string at = absl::StrCat(path, "[", k.DebugString(), "]");
        Value key, value;
        if (!ConvertPart(k, t.key(), absl::StrCat("key of ", at), false, &key, why)) return false;
        if (!ConvertPart(val, t.value(), at, false, &value, why)) return false;
        entries.emplace_back(std::move(key), std::move(value));
      }
      *out = Value::Map(std::move(entries));
      return true;
    }
    default:
      if (!ValueHasType(v, t)) return mismatch();
      *out = v;
      return true;
  }
}

}  // namespace

bool ConvertParamValue(const Value& given, const Type& type, std::string_view name, Value* out, std::string* why) {
  return ConvertPart(given, type, std::string(name), true, out, why);
}

namespace {

struct OpFor {
  const char* name;
  Op op;
};
constexpr OpFor kOperatorOps[] = {
    {ops::kAdd, Op::ADD}, {ops::kSub, Op::SUB}, {ops::kMul, Op::MUL}, {ops::kDiv, Op::DIV},
    {ops::kMod, Op::MOD}, {ops::kNeg, Op::NEG}, {ops::kNot, Op::NOT}, {ops::kEq, Op::EQ},
    {ops::kNe, Op::NE},   {ops::kLt, Op::LT},   {ops::kLe, Op::LE},   {ops::kGt, Op::GT},
    {ops::kGe, Op::GE},   {ops::kIn, Op::IN},   {ops::kIndex, Op::INDEX},
};

class Compiler {
 public:
  Compiler(const PolicySet& set, Program& program, Diagnostics& diags)
      : set_(set), program_(program), diags_(diags) {}

  // Compiles `e` into a new chunk; returns its index.
  int CompileChunk(const Expr& e, const SourceFile* source, int num_slots) {
    Chunk chunk;
    chunk.source = source;
    chunk.num_slots = num_slots;
    chunk_ = &chunk;
    code_.clear();
    offsets_.clear();
    Emit(e);
    Add(Op::RETURN, 0, 0, e.offset);
    chunk_ = nullptr;
    program_.SetCode(chunk, code_, offsets_);
    program_.chunks.push_back(chunk);
    return static_cast<int>(program_.chunks.size()) - 1;
  }

  // rule let slot -> chunk, for the rule being compiled
  std::vector<std::pair<int, int>>* rule_lets = nullptr;

 private:
  int Add(Op op, int32_t a, int32_t b, uint32_t offset) {
    code_.push_back(Instr{op, a, b});
    offsets_.push_back(offset);
    return static_cast<int>(code_.size()) - 1;
  }
  int Here() const { return static_cast<int>(code_.size()); }
  // Points the a (or b) operand of the jump at `at` to the current end.
  void PatchA(int at) { code_[at].a = Here() - (at + 1); }
  void PatchB(int at) { code_[at].b = Here() - (at + 1); }
  // Equal strings, ints, bools and lists of strings share one constant, so
  // that the same condition in two rules compiles to the same bytecode
  // (engine/prepare.h shares its result).
  int Const(Value v) {
    std::string key;
    if (DedupKey(v, &key)) {
      auto [it, inserted] = const_index_.emplace(std::move(key), static_cast<int>(program_.constants.size()));
      if (!inserted) return it->second;
    }
    program_.constants.push_back(std::move(v));
    return static_cast<int>(program_.constants.size()) - 1;
  }
  static bool DedupKey(const Value& v, std::string* key) {
    switch (v.kind()) {
      case ValueKind::kString: *key = absl::StrCat("s", v.str().size(), ":", v.str()); return true;
      case ValueKind::kInt: *key = absl::StrCat("i", v.int_value()); return true;
      // assign(1, c), not `= "c"`: GCC 12 warns falsely (-Wrestrict) on the latter.
      case ValueKind::kBool: key->assign(1, v.bool_value() ? 't' : 'f'); return true;
      case ValueKind::kList:
        key->assign(1, 'l');
        for (const Value& e : v.list().elems) {
          if (!e.is_string()) return false;
          absl::StrAppend(key, e.str().size(), ":", e.str());
        }
        return true;
      default: return false;
    }
  }
  int NameConst(const std::string& name) { return Const(Value::String(name)); }

  void Emit(const Expr& e);
  void EmitCall(const Expr& e);
  void EmitComprehension(const Expr& e);

  const PolicySet& set_;
  Program& program_;
  Diagnostics& diags_;
  Chunk* chunk_ = nullptr;
  // The code of the chunk being compiled (appended to the program's at its end).
  std::vector<Instr> code_;
  std::vector<uint32_t> offsets_;
  std::map<std::string, int> const_index_;  // DedupKey -> constant
};

void Compiler::Emit(const Expr& e) {
  Value folded;
  if (e.kind != ExprKind::kLiteral && FoldConstant(e, program_.params, &folded)) {
    Add(Op::CONST, Const(std::move(folded)), 0, e.offset);
    return;
  }
  switch (e.kind) {
    case ExprKind::kLiteral:
      Add(Op::CONST, Const(e.literal), 0, e.offset);
      return;
    case ExprKind::kIdent:
      switch (e.ref) {
        case RefKind::kLocal: Add(Op::LOAD_LOCAL, e.ref_index, 0, e.offset); return;
        case RefKind::kRuleLet: {
          int chunk = -1;
          for (const auto& [slot, c] : *rule_lets) {
            if (slot == e.ref_index) chunk = c;
          }
          Add(Op::LOAD_RULE_LET, e.ref_index, chunk, e.offset);
          return;
        }
        case RefKind::kGlobal: Add(Op::LOAD_GLOBAL, e.ref_index, 0, e.offset); return;
        case RefKind::kParam: Add(Op::LOAD_PARAM, e.ref_index, 0, e.offset); return;
        case RefKind::kPackageLet:
          Add(Op::LOAD_PKG_LET, e.ref_index, program_.package_lets[e.ref_index], e.offset);
          return;
        case RefKind::kTypeName: Add(Op::CONST, Const(Value::TypeValue(e.name)), 0, e.offset); return;
        case RefKind::kVariable: Add(Op::LOAD_VAR, e.ref_index, 0, e.offset); return;
        case RefKind::kUnresolved: break;
      }
      Add(Op::CONST, Const(Value::Error(absl::StrCat("unresolved name `", e.name, "`"))), 0, e.offset);
      return;
    case ExprKind::kSelect:
      if (e.ref == RefKind::kVariable) {  // a qualified variable name `a.b.c`
        Add(Op::LOAD_VAR, e.ref_index, 0, e.offset);
        return;
      }
      Emit(*e.target);
      if (e.test_only) {
        Add(Op::HAS, NameConst(e.name), 0, e.offset);
      } else if (e.target->type.kind() == TypeKind::kMessage && e.ref_index >= 0 &&
                 Schema::Get().FindMessage(e.target->type.message()->full_name) == e.target->type.message()) {
        // By index for the plan's messages; others (`net.CIDR`) by name,
        // as bundles verify field indices against the plan schema only.
        Add(Op::FIELD, e.ref_index, NameConst(e.name), e.offset);
      } else {
        Add(Op::SELECT, NameConst(e.name), 0, e.offset);
      }
      return;
    case ExprKind::kCall:
      EmitCall(e);
      return;
    case ExprKind::kList:
      for (const auto& a : e.args) Emit(*a);
      Add(Op::LIST, static_cast<int32_t>(e.args.size()), 0, e.offset);
      return;
    case ExprKind::kMap:
      for (const auto& a : e.args) Emit(*a);
      Add(Op::MAP, static_cast<int32_t>(e.args.size() / 2), 0, e.offset);
      return;
    case ExprKind::kComprehension:
      EmitComprehension(e);
      return;
  }
}

void Compiler::EmitCall(const Expr& e) {
  const std::string& n = e.name;
  if (n == ops::kAnd || n == ops::kOr) {
    Emit(*e.args[0]);
    int jump = Add(n == ops::kAnd ? Op::AND : Op::OR, 0, 0, e.offset);
    Emit(*e.args[1]);
    Add(n == ops::kAnd ? Op::AND_END : Op::OR_END, 0, 0, e.offset);
    PatchA(jump);
    return;
  }
  if (n == ops::kConditional) {
    Emit(*e.args[0]);
    int cond = Add(Op::COND, 0, 0, e.offset);
    Emit(*e.args[1]);
    int skip = Add(Op::JUMP, 0, 0, e.offset);
    PatchA(cond);
    Emit(*e.args[2]);
    PatchA(skip);
    PatchB(cond);
    return;
  }
  for (const OpFor& o : kOperatorOps) {
    if (n == o.name && !e.target) {
      for (const auto& a : e.args) Emit(*a);
      Add(o.op, 0, 0, e.offset);
      return;
    }
  }
  // A constant pattern is compiled once, here, not per evaluation.
  if (n == "matches" && !e.args.empty()) {
    Value pattern;
    if (FoldConstant(*e.args.back(), program_.params, &pattern) && pattern.is_string()) {
      auto re = std::make_unique<RE2>(pattern.str(), RE2::Quiet);
      if (!re->ok()) {
        diags_.Add(Location{chunk_->source, e.args.back()->offset}, codes::kInvalidRegex,
                   absl::StrCat("invalid regex `", pattern.str(), "`: ", re->error()), e.args.back()->length);
      }
      program_.regexes.push_back(std::move(re));
      // Taken before the operand is emitted: a `matches` inside it adds
      // regexes of its own (found by the differential test).
      const int32_t regex = static_cast<int32_t>(program_.regexes.size()) - 1;
      if (e.target) {
        Emit(*e.target);
      } else {
        Emit(*e.args[0]);
      }
      Add(Op::MATCHES_RE, regex, 0, e.offset);
      return;
    }
  }
  if (e.ref_index < 0) {  // only in unchecked expressions: fails when evaluated
    Add(Op::CONST, Const(Value::Error(absl::StrCat("unbound function: ", n))), 0, e.offset);
    return;
  }
  int argc = 0;
  if (e.target) {
    Emit(*e.target);
    ++argc;
  }
  for (const auto& a : e.args) {
    Emit(*a);
    ++argc;
  }
  Add(Op::CALL, e.ref_index, argc, e.offset);
}

void Compiler::EmitComprehension(const Expr& e) {
  const int s = e.iter_slot;
  const int acc = s + 3;
  const bool two_vars = !e.iter_var2.empty();
  Emit(*e.target);
  int init = Add(two_vars ? Op::ITER_INIT2 : Op::ITER_INIT, s, 0, e.offset);
  switch (e.macro) {
    case MacroKind::kAll: Add(Op::CONST, Const(Value::Bool(true)), 0, e.offset); break;
    case MacroKind::kExists: Add(Op::CONST, Const(Value::Bool(false)), 0, e.offset); break;
    case MacroKind::kExistsOne: Add(Op::CONST, Const(Value::Int(0)), 0, e.offset); break;
    case MacroKind::kMap:
    case MacroKind::kTransformList:
    case MacroKind::kFilter: Add(Op::LIST, 0, 0, e.offset); break;
    case MacroKind::kTransformMap: Add(Op::MAP, 0, 0, e.offset); break;
  }
  Add(Op::STORE_LOCAL, acc, 0, e.offset);
  int loop = Here();
  int next = Add(two_vars ? Op::ITER_NEXT2 : Op::ITER_NEXT, s, 0, e.offset);
  std::vector<int> to_done;
  auto jump_back = [&] { Add(Op::JUMP, loop - (Here() + 1), 0, e.offset); };
  switch (e.macro) {
    case MacroKind::kAll:
    case MacroKind::kExists:
    case MacroKind::kExistsOne:
      Emit(*e.args[0]);
      to_done.push_back(Add(e.macro == MacroKind::kAll      ? Op::ACC_ALL
                            : e.macro == MacroKind::kExists ? Op::ACC_EXISTS
                                                            : Op::ACC_COUNT,
                            acc, 0, e.offset));
      jump_back();
      break;
    case MacroKind::kFilter:
      Emit(*e.args[0]);
      to_done.push_back(Add(Op::TEST_FILTER, acc, 0, e.offset));
      jump_back();  // false: next element
      Add(Op::LOAD_LOCAL, s + 2, 0, e.offset);
      to_done.push_back(Add(Op::ACC_APPEND, acc, 0, e.offset));
      jump_back();
      break;
    case MacroKind::kMap:
    case MacroKind::kTransformList:
    case MacroKind::kTransformMap:
      if (e.args.size() > 1) {
        Emit(*e.args[1]);
        to_done.push_back(Add(Op::TEST_FILTER, acc, 0, e.offset));
        jump_back();
      }
      Emit(*e.args[0]);
      to_done.push_back(Add(e.macro == MacroKind::kTransformMap ? Op::ACC_PUT : Op::ACC_APPEND, acc, 0, e.offset));
      jump_back();
      break;
  }
  PatchB(next);
  for (int at : to_done) PatchB(at);
  Add(Op::LOAD_LOCAL, acc, 0, e.offset);
  if (e.macro == MacroKind::kExistsOne) {
    Add(Op::CONST, Const(Value::Int(1)), 0, e.offset);
    Add(Op::EQ, 0, 0, e.offset);
  }
  PatchB(init);
}

// Locals an expression outside any rule needs: its comprehensions' slots.
int SlotsOf(const Expr& e) {
  int slots = e.kind == ExprKind::kComprehension ? e.iter_slot + (e.iter_var2.empty() ? 4 : 6) : 0;
  if (e.target) slots = std::max(slots, SlotsOf(*e.target));
  for (const auto& a : e.args) slots = std::max(slots, SlotsOf(*a));
  return slots;
}

// require_approval(p): the values of the params the checker resolved. An
// empty list would leave nobody to approve: an error, at the rule.
void AddApproverParams(const RuleDecl& rule, const std::string& package, const Program& program, Location at,
                       std::vector<std::string>& approvers, Diagnostics& diags) {
  for (const auto& [name, offset] : rule.approver_params) {
    const std::string qualified = absl::StrCat(package, ".", name);
    auto it = std::find(program.param_names.begin(), program.param_names.end(), qualified);
    if (it == program.param_names.end()) continue;  // reported by the checker
    const Value& v = program.params[static_cast<size_t>(it - program.param_names.begin())];
    const size_t before = approvers.size();
    if (v.is_string()) {
      approvers.push_back(v.str());
    } else if (v.is_list()) {
      for (const Value& e : v.list().elems) {
        if (e.is_string()) approvers.push_back(e.str());
      }
    }
    const bool empty = approvers.size() == before ||
                       std::any_of(approvers.begin() + static_cast<std::ptrdiff_t>(before), approvers.end(),
                                   [](const std::string& a) { return a.empty(); });
    if (empty) {
      diags.Add(Location{at.file, offset}, codes::kType,
                absl::StrCat("rule `", rule.name, "` needs approvers, but param `", qualified,
                             "` holds none (or an empty name)"),
                name.size());
    }
  }
}

}  // namespace

std::unique_ptr<Program> CompileExpression(const Expr& e, std::shared_ptr<const SourceFile> source,
                                           Diagnostics& diags) {
  auto program = std::make_unique<Program>();
  program->sources.push_back(source);
  PolicySet empty;
  Compiler compiler(empty, *program, diags);
  compiler.CompileChunk(e, source.get(), SlotsOf(e));
  PrepareProgram(*program);
  return program;
}

std::unique_ptr<Program> CompileProgram(const PolicySet& set, const CompileOptions& options, Diagnostics& diags) {
  auto program = std::make_unique<Program>();
  for (const PolicyFile& f : set.files) program->sources.push_back(f.source);
  const size_t errors_before = diags.size();
  Compiler compiler(set, *program, diags);

  // Where a value given in `options` came from (a line of the config), if known.
  auto given_at = [&](const std::map<std::string, Location>& locations, const std::string& name) -> const Location* {
    auto it = locations.find(name);
    return it == locations.end() ? nullptr : &it->second;
  };

  // Params: the given value, else the default, which must be constant.
  std::map<std::string, bool> used;
  std::vector<std::string> declared;
  for (const auto& p : set.params) {
    const PolicyFile& file = set.files[p.file];
    const ParamDecl& decl = file.params[p.index];
    Location loc{file.source.get(), decl.offset};
    declared.push_back(p.qualified);
    Value v;
    auto given = options.params.find(p.qualified);
    if (given != options.params.end()) {
      used[p.qualified] = true;
      std::string why;
      if (!ConvertParamValue(given->second, decl.type, p.qualified, &v, &why)) {
        const Location* at = given_at(options.param_locations, p.qualified);
        diags.Add(at ? *at : loc, codes::kType,
                  absl::StrCat("param `", p.qualified, "` is declared `",
                               decl.type_text.empty() ? decl.type.ToString() : decl.type_text, "` but ", why),
                  at ? p.qualified.size() : decl.name.size());
      }
    } else if (decl.default_value == nullptr) {
      diags.Add(loc, codes::kType, absl::StrCat("param `", p.qualified, "` has no default and no value was given"),
                decl.name.size());
    } else if (!FoldConstant(*decl.default_value, program->params, &v)) {
      diags.Add(Location{file.source.get(), decl.default_value->offset}, codes::kType,
                absl::StrCat("the default of param `", decl.name, "` must be a constant expression"),
                decl.default_value->length);
    }
    program->params.push_back(std::move(v));
    program->param_names.push_back(p.qualified);
  }
  for (const auto& [name, value] : options.params) {
    if (used.count(name)) continue;
    const Location* at = given_at(options.param_locations, name);
    diags.Add(at ? *at : Location{}, codes::kUnknownName,
              absl::StrCat("no param `", name, "` is declared", DidYouMeanHint(name, declared)),
              at ? name.size() : 1);
  }

  std::vector<std::string> package_names;
  for (const PolicySet::PackageEntry& pkg : set.packages) {
    package_names.push_back(pkg.name);
    auto e = options.enforcement.find(pkg.name);
    program->packages.push_back(CompiledPackage{pkg.name, pkg.default_deny,
                                                pkg.default_deny ? pkg.default_location.ToString() : "",
                                                e == options.enforcement.end() ? Enforcement::kDeny : e->second});
  }
  for (const auto& [name, enforcement] : options.enforcement) {
    if (std::find(package_names.begin(), package_names.end(), name) != package_names.end()) continue;
    const Location* at = given_at(options.enforcement_locations, name);
    diags.Add(at ? *at : Location{}, codes::kUnknownName,
              absl::StrCat("enforcement for package `", name, "`, which the policy set does not have",
                           DidYouMeanHint(name, package_names)),
              at ? name.size() : 1);
  }

  // Package lets: chunks with frames of their own. A let uses only earlier
  // lets, so the chunk indices it needs already exist.
  for (const auto& l : set.lets) {
    const PolicyFile& file = set.files[l.file];
    const LetDecl& let = file.lets[l.index];
    // Comprehension slots in a package let are numbered from 0.
    program->package_lets.push_back(compiler.CompileChunk(*let.value, file.source.get(), SlotsOf(*let.value)));
  }

  for (size_t f = 0; f < set.files.size(); ++f) {
    const PolicyFile& file = set.files[f];
    const SourceFile* src = file.source.get();
    for (const RuleDecl& rule : file.rules) {
      CompiledRule r;
      r.package = file.package;
      r.name = rule.name;
      r.qualified = absl::StrCat(file.package, ".", rule.name);
      r.effect = rule.effect;
      r.approvers = rule.approvers;
      AddApproverParams(rule, file.package, *program, Location{src, rule.offset}, r.approvers, diags);
      r.doc = rule.doc;
      r.location = Location{src, rule.offset};
      r.location_text = r.location.ToString();
      r.package_index = set.file_package[f];
      for (const Annotation& a : rule.annotations) {
        if (a.name == "severity" && !a.args.empty()) r.severity = a.args[0];
        if (a.name == "tags") r.tags = a.args;
      }
      r.num_slots = rule.num_slots;
      r.iter_slot = rule.iter_slot;
      compiler.rule_lets = &r.lets;
      if (rule.iter_range) {
        r.range_chunk = compiler.CompileChunk(*rule.iter_range, src, rule.num_slots);
        const Expr& range = *rule.iter_range;
        r.over_steps = range.kind == ExprKind::kSelect && range.name == "steps" && range.target &&
                       range.target->kind == ExprKind::kIdent && range.target->ref == RefKind::kGlobal &&
                       range.target->ref_index == kGlobalPlan;
      }
      for (const LetDecl& let : rule.lets) {
        // Lets see only earlier lets, whose chunks are already in r.lets.
        int chunk = compiler.CompileChunk(*let.value, src, rule.num_slots);
        r.lets.emplace_back(let.slot, chunk);
      }
      if (rule.when) r.when_chunk = compiler.CompileChunk(*rule.when, src, rule.num_slots);
      if (rule.unless) r.unless_chunk = compiler.CompileChunk(*rule.unless, src, rule.num_slots);
      r.has_message = rule.has_message;
      for (const MessagePart& part : rule.message) {
        CompiledRule::Part p;
        if (part.expr) {
          p.chunk = compiler.CompileChunk(*part.expr, src, rule.num_slots);
        } else {
          p.text = part.text;
        }
        r.message.push_back(std::move(p));
      }
      compiler.rule_lets = nullptr;
      program->rules.push_back(std::move(r));
    }
  }
  if (diags.size() != errors_before) return nullptr;
  return program;
}

}  // namespace gavel
