// Static types of the checker: CEL's types plus the plan's message types.
#ifndef GAVEL_ENGINE_TYPES_H_
#define GAVEL_ENGINE_TYPES_H_

#include <string>
#include <vector>

namespace gavel {

struct MessageType;  // schema.h

enum class TypeKind : unsigned char {
  kDyn,  // unknown until run time: open maps, dyn()
  kNull,
  kBool,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kList,      // params[0] = element
  kMap,       // params[0] = key, params[1] = value
  kTimestamp,
  kDuration,
  kType,      // a type value, e.g. `type(1)`
  kMessage,   // a plan message: `message` says which
  kError,     // the type of an expression that failed to check
  kParam,     // a type parameter of a built-in's signature (A, B): param_id()
};

class Type {
 public:
  Type() = default;  // dyn
  explicit Type(TypeKind kind) : kind_(kind) {}

  static Type Dyn() { return Type(TypeKind::kDyn); }
  static Type Null() { return Type(TypeKind::kNull); }
  static Type Bool() { return Type(TypeKind::kBool); }
  static Type Int() { return Type(TypeKind::kInt); }
  static Type Uint() { return Type(TypeKind::kUint); }
  static Type Double() { return Type(TypeKind::kDouble); }
  static Type String() { return Type(TypeKind::kString); }
  static Type Bytes() { return Type(TypeKind::kBytes); }
  static Type Timestamp() { return Type(TypeKind::kTimestamp); }
  static Type Duration() { return Type(TypeKind::kDuration); }
  static Type TypeType() { return Type(TypeKind::kType); }
  static Type Error() { return Type(TypeKind::kError); }
  static Type List(Type elem);
  static Type Map(Type key, Type value);
  static Type Message(const MessageType* message);
  static Type Param(int id);  // type parameters in built-in signatures
  static Type TypeOf(Type t);  // the type of the type value `t`: type(int)

  TypeKind kind() const { return kind_; }
  bool is_dyn() const { return kind_ == TypeKind::kDyn; }
  bool is_error() const { return kind_ == TypeKind::kError; }
  const Type& elem() const { return params_[0]; }   // list
  const Type& key() const { return params_[0]; }    // map
  const Type& value() const { return params_[1]; }  // map
  // kType: the type the value denotes, when known (`type(int)`), else null.
  const Type* type_param() const { return kind_ == TypeKind::kType && !params_.empty() ? &params_[0] : nullptr; }
  const MessageType* message() const { return message_; }
  int param_id() const { return param_id_; }

  // CEL spelling: `int`, `list(string)`, `map(string, dyn)`, `gavel.v1.Step`.
  std::string ToString() const;
  bool operator==(const Type& other) const;

  // True when a value of type `from` may be used where `*this` is expected
  // (dyn on either side is assignable; type parameters must agree).
  bool IsAssignableFrom(const Type& from) const;

 private:
  TypeKind kind_ = TypeKind::kDyn;
  std::vector<Type> params_;
  const MessageType* message_ = nullptr;
  int param_id_ = 0;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_TYPES_H_
