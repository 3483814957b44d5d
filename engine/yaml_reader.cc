// YAML settings files read into Diagnostics. See yaml_reader.h.
#include "engine/yaml_reader.h"

#include <yaml-cpp/depthguard.h>

#include <algorithm>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lexer.h"
#include "engine/suggest.h"
#include "engine/yaml_scalar.h"

namespace gavel {

std::string Backticked(std::string_view s) {
  constexpr size_t kMax = 80;
  if (s.size() > kMax) return absl::StrCat("`", std::string(s.substr(0, kMax)), "...`");
  return absl::StrCat("`", std::string(s), "`");
}

bool IsQuoted(const YAML::Node& n) { return n.Tag() == "!" || n.Tag() == "tag:yaml.org,2002:str"; }

bool IsNullNode(const YAML::Node& n) {
  return !n.IsDefined() || n.IsNull() || (n.IsScalar() && !IsQuoted(n) && IsYamlNull(n.Scalar()));
}

std::string Describe(const YAML::Node& n) {
  if (IsNullNode(n)) return "null";
  if (n.IsSequence()) return "a sequence";
  if (n.IsMap()) return "a mapping";
  return Backticked(n.Scalar());
}

YamlReader::YamlReader(std::shared_ptr<const SourceFile> source, std::string_view noun, const char* code,
                       int max_depth, Diagnostics& diags)
    : source_(std::move(source)), noun_(noun), code_(code), max_depth_(max_depth), diags_(diags),
      budget_(4 * source_->text().size() + 1024) {}

bool YamlReader::Load(YAML::Node* root) {
  const std::string& text = source_->text();
  if (!IsValidUtf8(text)) {
    Error(At(0), codes::kSyntax, absl::StrCat("the ", noun_, " is not valid UTF-8"));
    return false;
  }
  size_t offset = 0;
  if (absl::Status st = PrescanYaml(text, max_depth_, &offset); !st.ok()) {
    Error(At(offset), codes::kSyntax, absl::StrCat("values nest deeper than ", max_depth_, " levels"));
    return false;
  }
  try {
    bool has_second = false;
    YAML::Mark second;
    YAML::Node first = LoadFirstYamlDocument(text, &has_second, &second);
    if (has_second) {
      Error(At(second, 0), codes::kSyntax,
            absl::StrCat("a ", noun_, " is one YAML document, this file has more than one"));
      return false;
    }
    *root = first;
  } catch (const YAML::DeepRecursion& e) {
    Error(At(e.mark, 0), codes::kSyntax, absl::StrCat("values nest deeper than ", max_depth_, " levels"));
    return false;
  } catch (const YAML::Exception& e) {
    Error(At(e.mark, 0), codes::kSyntax, absl::StrCat("invalid YAML: ", e.msg));
    return false;
  }
  return true;
}

Location YamlReader::At(size_t offset) const {
  return Location{source_.get(), static_cast<uint32_t>(std::min(offset, source_->text().size()))};
}

Location YamlReader::At(const YAML::Mark& m, size_t fallback) const {
  return m.is_null() || m.pos < 0 ? At(fallback) : At(static_cast<size_t>(m.pos));
}

Location YamlReader::At(const YAML::Node& n, Location near) const {
  YAML::Mark m = n.Mark();
  return m.is_null() || m.pos < 0 ? near : At(static_cast<size_t>(m.pos));
}

uint32_t YamlReader::Width(const YAML::Node& n) {
  return n.IsScalar() && !IsQuoted(n) ? static_cast<uint32_t>(n.Scalar().size()) : 1;
}

void YamlReader::Mapping(const YAML::Node& map, std::string_view what, std::span<const char* const> known,
                         MemberFn f) {
  const std::vector<std::string> names(known.begin(), known.end());
  Members(map, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      Error(At(k, Location{}), codes::kUnknownField,
            absl::StrCat("unknown key ", Backticked(key), " in ", std::string(what), DidYouMeanHint(key, names),
                         "; expected one of `", absl::StrJoin(names, "`, `"), "`"),
            Width(k));
      return;
    }
    f(key, k, v);
  });
}

void YamlReader::Members(const YAML::Node& map, MemberFn f) {
  std::set<std::string> seen;
  for (const auto& kv : map) {
    if (!Spend(kv.first)) return;
    if (!kv.first.IsScalar() || IsNullNode(kv.first)) {
      Error(At(kv.first, At(map.Mark(), 0)), code_, absl::StrCat("keys are strings, not ", Describe(kv.first)));
      continue;
    }
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) {
      Error(At(kv.first, Location{}), codes::kDuplicate, absl::StrCat("duplicate key ", Backticked(key)),
            Width(kv.first));
      continue;
    }
    f(key, kv.first, kv.second);
  }
}

bool YamlReader::ReadParams(const YAML::Node& key, const YAML::Node& v,
                            absl::FunctionRef<void(const std::string& name, Value value, Location at)> f) {
  if (IsNullNode(v)) return false;
  if (!v.IsMap()) {
    Error(At(v, key), code_, absl::StrCat("`params` maps `package.param` names to values, not ", Describe(v)));
    return false;
  }
  Members(v, [&](const std::string& name, const YAML::Node& k, const YAML::Node& value) {
    Location at = At(k, Location{});
    const size_t dot = name.find('.');
    if (dot == 0 || dot == std::string::npos || dot + 1 == name.size()) {
      Error(at, code_, absl::StrCat("param ", Backticked(name), " needs its package: write `package.param`"), Width(k));
      return;
    }
    Value converted;
    if (ToValue(value, at, 0, &converted)) f(name, std::move(converted), at);
  });
  return true;
}

bool YamlReader::Spend(const YAML::Node& n) {
  if (budget_ > 0) {
    --budget_;
    return true;
  }
  if (!over_budget_) {
    over_budget_ = true;
    Error(At(n, At(0)), code_,
          absl::StrCat("the ", noun_, " expands (through aliases) to more values than its text could hold"));
  }
  return false;
}

bool YamlReader::ToValue(const YAML::Node& n, Location near, int depth, Value* out) {
  if (!Spend(n)) return false;
  Location at = At(n, near);
  if (depth > max_depth_) {
    Error(at, code_, absl::StrCat("values nest deeper than ", max_depth_, " levels"));
    return false;
  }
  if (!n.IsDefined() || n.IsNull()) {
    *out = Value::Null();
    return true;
  }
  if (n.IsSequence()) {
    std::vector<Value> elems;
    for (const auto& e : n) {
      Value v;
      if (!ToValue(e, at, depth + 1, &v)) return false;
      elems.push_back(std::move(v));
    }
    *out = Value::List(std::move(elems));
    return true;
  }
  if (n.IsMap()) {
    std::vector<std::pair<Value, Value>> entries;
    bool ok = true;
    Members(n, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
      Value v;
      if (!ok || !ToValue(value, at, depth + 1, &v)) {
        ok = false;
        return;
      }
      entries.emplace_back(Value::String(key), std::move(v));
    });
    if (!ok) return false;
    *out = Value::Map(std::move(entries));
    return true;
  }
  const std::string& s = n.Scalar();
  const std::string& tag = n.Tag();
  if (IsQuoted(n)) {
    *out = Value::String(s);
    return true;
  }
  // A plain scalar has the non-specific tag `?`; `!!int 3`, `!!binary ...`
  // and custom tags are not guessed at.
  if (tag != "?" && !tag.empty()) {
    Error(at, code_, absl::StrCat("the tag ", Backticked(tag), " is not supported; quote strings instead"));
    return false;
  }
  bool b;
  int64_t i;
  double d;
  if (IsYamlNull(s)) {
    *out = Value::Null();
  } else if (ParseYamlBool(s, &b)) {
    *out = Value::Bool(b);
  } else if (YamlInt r = ParseYamlInt(s, &i, nullptr); r != YamlInt::kNotInt) {
    if (r == YamlInt::kOutOfRange) {
      Error(at, code_, absl::StrCat("the integer ", Backticked(s), " is out of range (64-bit)"), Width(n));
      return false;
    }
    *out = Value::Int(i);
  } else if (ParseYamlFloat(s, &d)) {
    *out = Value::Double(d);
  } else {
    *out = Value::String(s);
  }
  return true;
}

}  // namespace gavel
