// See plan_writer.h.
#include "engine/plan_writer.h"

#include "absl/strings/str_cat.h"
#include "engine/builtins_impl.h"
#include "engine/decision.h"
#include "engine/schema.h"

namespace gavel {
namespace {

using builtins_internal::FormatDouble;
using builtins_internal::FormatDuration;
using builtins_internal::FormatTimestamp;

class Writer {
 public:
  explicit Writer(int indent) : indent_(indent) {}

  void Write(const Value& v, int level) {
    switch (v.kind()) {
      case ValueKind::kNull: out_ += "null"; return;
      case ValueKind::kBool: out_ += v.bool_value() ? "true" : "false"; return;
      case ValueKind::kInt: absl::StrAppend(&out_, v.int_value()); return;
      case ValueKind::kUint: absl::StrAppend(&out_, v.uint_value()); return;
      case ValueKind::kDouble: {
        std::string d = FormatDouble(v.double_value());
        // NaN and infinities have no JSON form: written as strings.
        if (d == "NaN" || d == "+Inf" || d == "-Inf") {
          AppendJsonString(&out_, d);
        } else {
          out_ += d;
        }
        return;
      }
      case ValueKind::kTimestamp: AppendJsonString(&out_, FormatTimestamp(v.time_rep())); return;
      case ValueKind::kDuration: AppendJsonString(&out_, FormatDuration(v.time_rep())); return;
      case ValueKind::kString:
      case ValueKind::kBytes:
      case ValueKind::kType:
      case ValueKind::kError: AppendJsonString(&out_, v.str()); return;
      case ValueKind::kList: {
        const auto& elems = v.list().elems;
        if (elems.empty()) {
          out_ += "[]";
          return;
        }
        out_ += "[";
        for (size_t i = 0; i < elems.size(); ++i) {
          if (i > 0) out_ += ",";
          Break(level + 1);
          Write(elems[i], level + 1);
        }
        Break(level);
        out_ += "]";
        return;
      }
      case ValueKind::kMap: {
        const auto& entries = v.map().entries;
        if (entries.empty()) {
          out_ += "{}";
          return;
        }
        out_ += "{";
        for (size_t i = 0; i < entries.size(); ++i) {
          if (i > 0) out_ += ",";
          Break(level + 1);
          const Value& k = entries[i].first;
          if (k.is_string()) {
            AppendJsonString(&out_, k.str());
          } else {
            Writer key(0);
            key.Write(k, 0);
            AppendJsonString(&out_, key.out_);
          }
          out_ += indent_ > 0 ? ": " : ":";
          Write(entries[i].second, level + 1);
        }
        Break(level);
        out_ += "}";
        return;
      }
      case ValueKind::kMessage: {
        const MessageData& m = v.message();
        out_ += "{";
        bool first = true;
        for (const FieldDesc& f : m.type->fields) {
          if (!m.has(f.index)) continue;
          if (!first) out_ += ",";
          first = false;
          Break(level + 1);
          AppendJsonString(&out_, f.name);
          out_ += indent_ > 0 ? ": " : ":";
          Write(m.fields[f.index], level + 1);
        }
        if (!first) Break(level);
        out_ += "}";
        return;
      }
    }
  }

  std::string& out() { return out_; }

 private:
  void Break(int level) {
    if (indent_ <= 0) return;
    out_ += "\n";
    out_.append(static_cast<size_t>(level * indent_), ' ');
  }

  int indent_;
  std::string out_;
};

}  // namespace

std::string ValueToJson(const Value& value, int indent) {
  Writer w(indent);
  w.Write(value, 0);
  return std::move(w.out());
}

std::string PlanToJson(const Plan& plan, int indent) {
  std::string out = ValueToJson(plan.root, indent);
  if (indent > 0) out += "\n";
  return out;
}

}  // namespace gavel
