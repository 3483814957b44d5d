// Constant folding: evaluates sub-expressions that need no plan at compile
// time, with the same operator and built-in implementations the VM uses, so
// folding can never change a result. Errors are not folded: they stay in the
// program and surface at run time, where they fail closed.
#include <cstring>

#include "engine/builtins.h"
#include "engine/compiler.h"
#include "engine/operators.h"

namespace gavel {

bool FoldConstant(const Expr& e, const std::vector<Value>& params, Value* out) {
  switch (e.kind) {
    case ExprKind::kLiteral:
      *out = e.literal;
      return true;
    case ExprKind::kIdent:
      if (e.ref == RefKind::kParam && e.ref_index >= 0 && e.ref_index < static_cast<int>(params.size())) {
        *out = params[e.ref_index];
        return true;
      }
      if (e.ref == RefKind::kTypeName) {
        *out = Value::TypeValue(e.name);
        return true;
      }
      return false;
    case ExprKind::kList: {
      std::vector<Value> elems;
      for (const auto& a : e.args) {
        Value v;
        if (!FoldConstant(*a, params, &v)) return false;
        elems.push_back(std::move(v));
      }
      *out = Value::List(std::move(elems));
      return true;
    }
    case ExprKind::kMap: {
      std::vector<std::pair<Value, Value>> entries;
      for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
        Value k, v;
        if (!FoldConstant(*e.args[i], params, &k) || !FoldConstant(*e.args[i + 1], params, &v)) return false;
        if (!k.is_bool() && !k.is_int() && !k.is_uint() && !k.is_string()) return false;  // a runtime error
        for (const auto& [ek, ev] : entries) {
          if (ValuesEqual(ek, k)) return false;  // duplicate key: a runtime error
        }
        entries.emplace_back(std::move(k), std::move(v));
      }
      *out = Value::Map(std::move(entries));
      return true;
    }
    case ExprKind::kSelect: {
      if (e.ref == RefKind::kVariable) return false;  // a qualified variable name
      Value operand;
      if (!FoldConstant(*e.target, params, &operand)) return false;
      Value r = e.test_only ? OpHas(operand, e.name) : OpSelect(operand, e.name);
      if (r.is_error()) return false;
      *out = std::move(r);
      return true;
    }
    case ExprKind::kCall: {
      const std::string& n = e.name;
      if (n == ops::kAnd || n == ops::kOr) {
        Value a, b;
        bool fa = FoldConstant(*e.args[0], params, &a);
        bool fb = FoldConstant(*e.args[1], params, &b);
        const bool is_and = n == ops::kAnd;
        // A decisive constant on either side decides, whatever the other is.
        if ((fa && a.is_bool() && a.bool_value() != is_and) || (fb && b.is_bool() && b.bool_value() != is_and)) {
          *out = Value::Bool(!is_and);
          return true;
        }
        if (fa && fb && a.is_bool() && b.is_bool()) {
          *out = Value::Bool(is_and);
          return true;
        }
        return false;
      }
      if (n == ops::kConditional) {
        Value c;
        if (!FoldConstant(*e.args[0], params, &c) || !c.is_bool()) return false;
        return FoldConstant(*e.args[c.bool_value() ? 1 : 2], params, out);
      }
      if (e.ref_index < 0) return false;
      std::vector<Value> args;
      if (e.target) {
        Value t;
        if (!FoldConstant(*e.target, params, &t)) return false;
        args.push_back(std::move(t));
      }
      for (const auto& a : e.args) {
        Value v;
        if (!FoldConstant(*a, params, &v)) return false;
        args.push_back(std::move(v));
      }
      const Builtin& fn = BuiltinTable::Get().at(e.ref_index);
      if (fn.fn == nullptr) return false;
      Value r = fn.fn(args.data(), args.size());
      // A message (a `net.CIDR`) stays a call: constants are plain values,
      // which a bundle can hold.
      if (r.is_error() || r.is_message()) return false;
      *out = std::move(r);
      return true;
    }
    case ExprKind::kComprehension:
      return false;
  }
  return false;
}

}  // namespace gavel
