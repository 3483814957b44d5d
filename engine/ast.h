// The syntax tree of a policy file: declarations (package, param, let, rule)
// and CEL expressions. The parser builds it; the checker annotates each Expr
// with its type and what its names refer to; the compiler reads it.
#ifndef GAVEL_ENGINE_AST_H_
#define GAVEL_ENGINE_AST_H_

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engine/source.h"
#include "engine/types.h"
#include "engine/value.h"

namespace gavel {

enum class ExprKind : uint8_t {
  kLiteral,        // literal
  kIdent,          // name (dotted names are parsed as Select chains)
  kSelect,         // operand.field; test_only for has(operand.field)
  kCall,           // function(args) or target.function(args); operators too
  kList,           // [args...]
  kMap,            // {args[0]: args[1], args[2]: args[3], ...}
  kComprehension,  // a macro: all, exists, exists_one, map, filter
};

// Operators are calls with CEL's internal names, so one table of overloads
// covers operators and functions alike.
namespace ops {
inline constexpr const char* kAnd = "_&&_";
inline constexpr const char* kOr = "_||_";
inline constexpr const char* kNot = "!_";
inline constexpr const char* kNeg = "-_";
inline constexpr const char* kConditional = "_?_:_";
inline constexpr const char* kAdd = "_+_";
inline constexpr const char* kSub = "_-_";
inline constexpr const char* kMul = "_*_";
inline constexpr const char* kDiv = "_/_";
inline constexpr const char* kMod = "_%_";
inline constexpr const char* kEq = "_==_";
inline constexpr const char* kNe = "_!=_";
inline constexpr const char* kLt = "_<_";
inline constexpr const char* kLe = "_<=_";
inline constexpr const char* kGt = "_>_";
inline constexpr const char* kGe = "_>=_";
inline constexpr const char* kIn = "@in";
inline constexpr const char* kIndex = "_[_]";
}  // namespace ops

enum class MacroKind : uint8_t {
  kAll, kExists, kExistsOne, kMap, kFilter,
  kTransformList,  // l.transformList(i, v, [filter,] f): a list
  kTransformMap,   // m.transformMap(k, v, [filter,] f): a map from the same keys
};

// What a name refers to, filled in by the checker.
enum class RefKind : uint8_t {
  kUnresolved,
  kLocal,      // a for-variable or comprehension variable: ref_index = slot
  kRuleLet,    // a `let` inside a rule: ref_index = slot
  kGlobal,     // plan, context, agent: ref_index = GlobalVar
  kParam,      // a package param: ref_index = index in the policy's params
  kPackageLet, // a package-level let: ref_index = index in the policy's lets
  kTypeName,   // `int`, `string`, ...: a type value
  kVariable,   // a declared variable of a standalone expression: ref_index = index
               // in its ExpressionEnv (an Ident, or a Select chain naming `a.b.c`)
};

enum GlobalVar : int { kGlobalPlan = 0, kGlobalContext = 1, kGlobalAgent = 2, kNumGlobals = 3 };

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  uint32_t offset = 0;  // where the expression starts in its source file
  uint32_t length = 1;  // how many bytes a caret should underline

  Value literal;             // kLiteral
  std::string name;          // kIdent: the name; kSelect: the field; kCall: the function
  std::unique_ptr<Expr> target;  // kSelect: operand; kCall: receiver (or null); kComprehension: range
  std::vector<std::unique_ptr<Expr>> args;  // kCall args, kList elements, kMap keys/values,
                                            // kComprehension: [0] predicate/transform, [1] filter of map(x, p, f)
  bool test_only = false;    // kSelect inside has()
  MacroKind macro = MacroKind::kAll;  // kComprehension
  std::string iter_var;      // kComprehension
  uint32_t iter_var_offset = 0;
  // Two-variable comprehensions (`all(i, v, p)`, transformList, ...):
  // iter_var is the index (list) or key (map), iter_var2 the element or value.
  std::string iter_var2;
  uint32_t iter_var2_offset = 0;

  // Checker annotations.
  Type type;
  RefKind ref = RefKind::kUnresolved;
  int ref_index = -1;  // see RefKind; kSelect on a message: field index; kCall: function id
  int iter_slot = -1;  // kComprehension: first of its slots (4, or 6 with iter_var2)
};

using ExprPtr = std::unique_ptr<Expr>;

struct Annotation {
  std::string name;                 // "severity", "tags"
  std::vector<std::string> args;    // string literal arguments
  uint32_t offset = 0;
};

struct ParamDecl {
  std::string name;
  uint32_t offset = 0;
  Type type;                  // declared type
  std::string type_text;      // as written, for messages
  ExprPtr default_value;      // may be null
  std::string doc;
};

struct LetDecl {
  std::string name;
  uint32_t offset = 0;
  ExprPtr value;
  std::string doc;
  int slot = -1;  // checker: the rule-local slot of a rule let
};

enum class Effect : uint8_t { kDeny, kWarn, kRequireApproval, kPermit };
const char* EffectName(Effect e);  // "deny", "warn", "require_approval", "permit"

// `message "text {expr} text"`: literal and expression parts, in order.
struct MessagePart {
  std::string text;  // used when expr is null
  ExprPtr expr;
};

struct RuleDecl {
  std::string name;
  uint32_t offset = 0;  // of the rule's name
  std::string doc;      // from /// comments
  std::vector<Annotation> annotations;
  Effect effect = Effect::kDeny;
  uint32_t effect_offset = 0;
  std::vector<std::string> approvers;  // require_approval("a", "b")
  // require_approval(p): params of the package (string or list<string>),
  // by name and offset; the compiler adds their values to `approvers`.
  std::vector<std::pair<std::string, uint32_t>> approver_params;

  std::string iter_var;  // empty: a plan-level rule
  uint32_t iter_var_offset = 0;
  ExprPtr iter_range;    // the list after `in`
  std::vector<LetDecl> lets;
  ExprPtr when;          // may be null (always)
  ExprPtr unless;        // may be null (never)
  std::vector<MessagePart> message;  // empty: a default message
  bool has_message = false;

  int iter_slot = -1;    // checker: slot of iter_var
  int num_slots = 0;     // checker: locals the rule needs
};

struct PolicyFile {
  std::shared_ptr<const SourceFile> source;
  std::string package;  // "airgap"; "" if the file has no package line
  uint32_t package_offset = 0;
  bool default_deny = false;
  uint32_t default_offset = 0;
  std::string doc;      // /// comments before `package`
  std::vector<ParamDecl> params;
  std::vector<LetDecl> lets;
  std::vector<RuleDecl> rules;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_AST_H_
