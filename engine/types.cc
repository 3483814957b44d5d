// Type spelling and assignability.
#include "engine/types.h"

#include "absl/strings/str_cat.h"
#include "engine/schema.h"

namespace gavel {

Type Type::List(Type elem) {
  Type t(TypeKind::kList);
  t.params_.push_back(std::move(elem));
  return t;
}

Type Type::Map(Type key, Type value) {
  Type t(TypeKind::kMap);
  t.params_.push_back(std::move(key));
  t.params_.push_back(std::move(value));
  return t;
}

Type Type::Message(const MessageType* message) {
  Type t(TypeKind::kMessage);
  t.message_ = message;
  return t;
}

Type Type::Param(int id) {
  Type t(TypeKind::kParam);
  t.param_id_ = id;
  return t;
}

Type Type::TypeOf(Type t) {
  Type r(TypeKind::kType);
  r.params_.push_back(std::move(t));
  return r;
}

std::string Type::ToString() const {
  switch (kind_) {
    case TypeKind::kDyn: return "dyn";
    case TypeKind::kNull: return "null_type";
    case TypeKind::kBool: return "bool";
    case TypeKind::kInt: return "int";
    case TypeKind::kUint: return "uint";
    case TypeKind::kDouble: return "double";
    case TypeKind::kString: return "string";
    case TypeKind::kBytes: return "bytes";
    case TypeKind::kList: return absl::StrCat("list(", params_[0].ToString(), ")");
    case TypeKind::kMap:
      return absl::StrCat("map(", params_[0].ToString(), ", ", params_[1].ToString(), ")");
    case TypeKind::kTimestamp: return "google.protobuf.Timestamp";
    case TypeKind::kDuration: return "google.protobuf.Duration";
    case TypeKind::kType: return params_.empty() ? "type" : absl::StrCat("type(", params_[0].ToString(), ")");
    case TypeKind::kMessage: return message_ ? message_->full_name : "message";
    case TypeKind::kError: return "*error*";
    case TypeKind::kParam: return std::string(1, static_cast<char>('A' + param_id_));
  }
  return "?";
}

bool Type::operator==(const Type& other) const {
  return kind_ == other.kind_ && params_ == other.params_ && message_ == other.message_ &&
         param_id_ == other.param_id_;
}

bool Type::IsAssignableFrom(const Type& from) const {
  if (is_dyn() || from.is_dyn() || is_error() || from.is_error()) return true;
  if (kind_ != from.kind_) return false;
  if (kind_ == TypeKind::kMessage) return message_ == from.message_;
  if (params_.size() != from.params_.size()) return true;  // type vs type(T)
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].IsAssignableFrom(from.params_[i])) return false;
  }
  return true;
}

}  // namespace gavel
