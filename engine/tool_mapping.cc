// The tool mapping file (tool_mapping.h, docs/adapters.md), read with
// yaml_reader.h so that every error has its line, column and caret.
#include "engine/tool_mapping.h"

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/builtins_net.h"
#include "engine/decision.h"
#include "engine/plan.h"
#include "engine/plan_internal.h"
#include "engine/yaml_reader.h"
#include "engine/yaml_scalar.h"

namespace gavel {
namespace {

constexpr int kMaxDepth = 64;

const char* const kTopKeys[] = {"plan", "unmapped", "data_flow", "tools"};
const char* const kPlanKeys[] = {"id", "created_at", "labels", "agent", "context"};
const char* const kToolKeys[] = {"action", "verb", "resource", "network", "data_flow"};
const char* const kResourceKeys[] = {"kind", "group", "namespace", "name", "cluster"};
const char* const kNetworkKeys[] = {"host", "ip", "port", "protocol", "url", "egress"};
const char* const kValueKeys[] = {"path", "default", "value"};

enum class FieldType { kString, kPort, kBool };

const char* FieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kString: return "a string";
    case FieldType::kPort: return "a port (an integer from 0 to 65535)";
    case FieldType::kBool: return "`true` or `false`";
  }
  return "";
}

// `$`, `$.a.b`, `$.items[0]`, `args.a`: a path into a call's arguments.
bool LooksLikePath(std::string_view s) {
  return s == "$" || s == "args" || s.starts_with("$.") || s.starts_with("$[") || s.starts_with("args.") ||
         s.starts_with("args[");
}

bool ParsePath(std::string_view text, std::vector<MappedValue::Segment>* out, std::string* error) {
  std::string_view s = text.starts_with("$") ? text.substr(1) : text.substr(4);  // `$` or `args`
  while (!s.empty()) {
    if (s[0] == '.') {
      size_t end = s.find_first_of(".[", 1);
      std::string_view key = s.substr(1, end == std::string_view::npos ? std::string_view::npos : end - 1);
      if (key.empty()) {
        *error = "a `.` must be followed by a member name";
        return false;
      }
      out->push_back({std::string(key), 0});
      s = end == std::string_view::npos ? std::string_view() : s.substr(end);
    } else if (s[0] == '[') {
      size_t close = s.find(']');
      std::string_view digits = s.substr(1, close == std::string_view::npos ? 0 : close - 1);
      size_t index = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
      if (close == std::string_view::npos || digits.empty() || ec != std::errc() ||
          ptr != digits.data() + digits.size()) {
        *error = "`[` must hold an index (`[0]`) and be closed by `]`";
        return false;
      }
      out->push_back({"", index});
      s = s.substr(close + 1);
    } else {
      *error = "a path goes on with `.name` or `[index]`";
      return false;
    }
  }
  return true;
}

class MappingParser : private YamlReader {
 public:
  MappingParser(std::shared_ptr<const SourceFile> source, Diagnostics& diags)
      : YamlReader(std::move(source), "tool mapping", codes::kConfig, kMaxDepth, diags) {}

  std::shared_ptr<const ToolMapping> Parse() {
    const size_t before = diags().size();
    YAML::Node root;
    if (!Load(&root)) return nullptr;
    if (!root.IsMap()) {
      Error(IsNullNode(root) ? At(0) : At(root.Mark(), 0), codes::kConfig,
            absl::StrCat("a tool mapping is a mapping with `tools` (and `plan`, `unmapped`, `data_flow`), not ",
                         Describe(root)));
      return nullptr;
    }
    mapping_ = std::make_shared<ToolMapping>();
    mapping_->source = source();
    Mapping(root, "the tool mapping", kTopKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {
      if (key == "plan") {
        PlanSection(k, v);
      } else if (key == "unmapped") {
        const std::string text = v.IsScalar() ? v.Scalar() : "";
        if (text == "tool" || text == "error") {
          mapping_->unmapped_is_error = text == "error";
        } else {
          Error(At(v, k), codes::kConfig, absl::StrCat("`unmapped` is `tool` or `error`, not ", Describe(v)),
                Width(v));
        }
      } else if (key == "data_flow") {
        DataFlowValue(k, v, &mapping_->data_flow);
      } else {
        Tools(k, v);
      }
    });
    if (diags().size() != before) return nullptr;
    return mapping_;
  }

 private:
  bool DataFlowValue(const YAML::Node& k, const YAML::Node& v, DataFlow* out) {
    const std::string text = v.IsScalar() ? v.Scalar() : "";
    if (text == "earlier") {
      *out = DataFlow::kEarlier;
    } else if (text == "none") {
      *out = DataFlow::kNone;
    } else {
      Error(At(v, k), codes::kConfig, absl::StrCat("`data_flow` is `earlier` or `none`, not ", Describe(v)), Width(v));
      return false;
    }
    return true;
  }

  // `plan: {agent: ..., context: ...}`: each member is checked by the plan
  // decoder on its own, so that its error lands on its key.
  void PlanSection(const YAML::Node& key, const YAML::Node& v) {
    if (IsNullNode(v)) return;
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig,
            absl::StrCat("`plan` holds plan-level fields (`agent`, `context`, ...), not ", Describe(v)));
      return;
    }
    Mapping(v, "`plan`", kPlanKeys, [&](const std::string& name, const YAML::Node& k, const YAML::Node& value) {
      std::string json;
      if (!ToJson(value, At(k, Location{}), 0, &json)) return;
      std::string member;
      AppendJsonString(&member, name);
      absl::StrAppend(&member, ":", json);
      auto decoded = DecodePlanJson(absl::StrCat("{", member, "}"));
      if (!decoded.ok()) {
        Error(At(k, Location{}), codes::kPlan, absl::StrCat("in `plan`: ", decoded.status().message()), Width(k));
        return;
      }
      if (!mapping_->plan_members.empty()) mapping_->plan_members += ",";
      mapping_->plan_members += member;
    });
  }

  // A YAML value as JSON text: plain scalars typed by the YAML 1.2 core
  // schema, quoted ones as strings.
  bool ToJson(const YAML::Node& n, Location near, int depth, std::string* out) {
    if (!Spend(n)) return false;
    Location at = At(n, near);
    if (depth > kMaxDepth) {
      Error(at, codes::kConfig, absl::StrCat("values nest deeper than ", kMaxDepth, " levels"));
      return false;
    }
    if (!n.IsDefined() || n.IsNull()) {
      *out += "null";
      return true;
    }
    if (n.IsSequence()) {
      *out += "[";
      bool first = true;
      for (const auto& e : n) {
        if (!first) *out += ",";
        first = false;
        if (!ToJson(e, at, depth + 1, out)) return false;
      }
      *out += "]";
      return true;
    }
    if (n.IsMap()) {
      *out += "{";
      bool first = true, ok = true;
      Members(n, [&](const std::string& key, const YAML::Node&, const YAML::Node& value) {
        if (!ok) return;
        if (!first) *out += ",";
        first = false;
        AppendJsonString(out, key);
        *out += ":";
        ok = ToJson(value, at, depth + 1, out);
      });
      *out += "}";
      return ok;
    }
    const std::string& s = n.Scalar();
    bool b;
    int64_t i;
    double d;
    if (IsQuoted(n)) {
      AppendJsonString(out, s);
    } else if (IsYamlNull(s)) {
      *out += "null";
    } else if (ParseYamlBool(s, &b)) {
      *out += b ? "true" : "false";
    } else if (ParseYamlInt(s, &i, nullptr) == YamlInt::kOk) {
      absl::StrAppend(out, i);
    } else if (ParseYamlFloat(s, &d)) {
      *out += plan_internal::FormatDouble(d);
    } else {
      AppendJsonString(out, s);
    }
    return true;
  }

  void Tools(const YAML::Node& key, const YAML::Node& v) {
    if (IsNullNode(v)) return;
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig,
            absl::StrCat("`tools` maps tool names (or globs) to the plan fields their calls fill, not ",
                         Describe(v)));
      return;
    }
    Members(v, [&](const std::string& name, const YAML::Node& k, const YAML::Node& spec) {
      ToolRule rule;
      rule.pattern = name;
      rule.location = At(k, Location{});
      rule.is_glob = name.find_first_of("*?[") != std::string::npos;
      if (rule.is_glob) {
        if (absl::Status st = ValidateGlob(name); !st.ok()) {
          Error(rule.location, codes::kConfig, std::string(st.message()), Width(k));
          return;
        }
      }
      if (spec.IsMap()) {
        Mapping(spec, absl::StrCat("tool ", Backticked(name)), kToolKeys,
                [&](const std::string& field, const YAML::Node& fk, const YAML::Node& fv) {
                  if (field == "action") {
                    Field(fk, fv, FieldType::kString, &rule.action);
                  } else if (field == "verb") {
                    Field(fk, fv, FieldType::kString, &rule.verb);
                  } else if (field == "data_flow") {
                    rule.data_flow_set = DataFlowValue(fk, fv, &rule.data_flow);
                  } else if (field == "resource") {
                    Section(fk, fv, "resource", kResourceKeys, [&](const std::string& f) -> MappedValue* {
                      if (f == "kind") return &rule.kind;
                      if (f == "group") return &rule.group;
                      if (f == "namespace") return &rule.ns;
                      if (f == "name") return &rule.name;
                      return &rule.cluster;
                    });
                  } else {
                    Section(fk, fv, "network", kNetworkKeys, [&](const std::string& f) -> MappedValue* {
                      if (f == "host") return &rule.host;
                      if (f == "ip") return &rule.ip;
                      if (f == "port") return &rule.port;
                      if (f == "protocol") return &rule.protocol;
                      if (f == "url") return &rule.url;
                      return &rule.egress;
                    });
                  }
                });
      } else if (!IsNullNode(spec)) {
        Error(At(spec, k), codes::kConfig,
              absl::StrCat("tool ", Backticked(name), " maps to a mapping of plan fields (`action`, `verb`, ",
                           "`resource`, `network`, `data_flow`), not ", Describe(spec)));
        return;
      }
      mapping_->tools.push_back(std::move(rule));
    });
  }

  template <class Pick>
  void Section(const YAML::Node& key, const YAML::Node& v, const char* what, std::span<const char* const> known,
               Pick pick) {
    if (!v.IsMap()) {
      Error(At(v, key), codes::kConfig, absl::StrCat("`", what, "` is a mapping of its fields, not ", Describe(v)));
      return;
    }
    Mapping(v, absl::StrCat("`", what, "`"), known, [&](const std::string& f, const YAML::Node& fk, const YAML::Node& fv) {
      FieldType type = FieldType::kString;
      if (f == "port") type = FieldType::kPort;
      if (f == "egress") type = FieldType::kBool;
      Field(fk, fv, type, pick(f));
    });
  }

  // A constant of the field's type, or a path (with `default:`).
  bool Constant(const YAML::Node& key, const YAML::Node& v, FieldType type, Value* out) {
    Location at = At(v, key);
    if (!v.IsScalar() || IsNullNode(v)) {
      Error(at, codes::kConfig, absl::StrCat("`", key.Scalar(), "` is ", FieldTypeName(type), ", not ", Describe(v)));
      return false;
    }
    const std::string& s = v.Scalar();
    switch (type) {
      case FieldType::kString: *out = Value::String(s); return true;
      case FieldType::kPort: {
        int64_t i = 0;
        if (!IsQuoted(v) && ParseYamlInt(s, &i, nullptr) == YamlInt::kOk && i >= 0 && i <= 65535) {
          *out = Value::Int(i);
          return true;
        }
        break;
      }
      case FieldType::kBool: {
        bool b = false;
        if (!IsQuoted(v) && ParseYamlBool(s, &b)) {
          *out = Value::Bool(b);
          return true;
        }
        break;
      }
    }
    Error(at, codes::kConfig, absl::StrCat("`", key.Scalar(), "` is ", FieldTypeName(type), ", not ", Describe(v)),
          Width(v));
    return false;
  }

  bool Path(const YAML::Node& v, Location at, MappedValue* out) {
    std::string error;
    out->kind = MappedValue::Kind::kPath;
    out->path_text = v.Scalar();
    if (!ParsePath(out->path_text, &out->path, &error)) {
      Error(at, codes::kConfig, absl::StrCat("invalid argument path ", Backticked(out->path_text), ": ", error),
            Width(v));
      return false;
    }
    return true;
  }

  void Field(const YAML::Node& key, const YAML::Node& v, FieldType type, MappedValue* out) {
    out->location = At(v, key);
    if (v.IsScalar() && !IsNullNode(v) && LooksLikePath(v.Scalar())) {
      Path(v, out->location, out);
      return;
    }
    if (!v.IsMap()) {
      if (Constant(key, v, type, &out->constant)) out->kind = MappedValue::Kind::kConstant;
      return;
    }
    // {path: $.x, default: y} or {value: y}
    bool path = false, fallback = false, value = false;
    Mapping(v, absl::StrCat("`", key.Scalar(), "`"), kValueKeys,
            [&](const std::string& f, const YAML::Node& fk, const YAML::Node& fv) {
              if (f == "path") {
                if (!fv.IsScalar() || !LooksLikePath(fv.Scalar())) {
                  Error(At(fv, fk), codes::kConfig,
                        absl::StrCat("`path` is an argument path such as `$.namespace` or `args.namespace`, not ",
                                     Describe(fv)));
                  return;
                }
                if (Path(fv, At(fv, fk), out)) path = true;
              } else if (f == "default") {
                if (Constant(fk, fv, type, &out->fallback)) fallback = true;
              } else if (Constant(fk, fv, type, &out->constant)) {
                value = true;
              }
            });
    if (value && (path || fallback)) {
      Error(out->location, codes::kConfig, "give `value`, or `path` (with `default`), not both");
    } else if (value) {
      out->kind = MappedValue::Kind::kConstant;
    } else if (!path && out->kind != MappedValue::Kind::kPath) {
      Error(out->location, codes::kConfig, absl::StrCat("`", key.Scalar(), "` needs `path` or `value`"));
      out->kind = MappedValue::Kind::kUnset;
    }
  }

  std::shared_ptr<ToolMapping> mapping_;
};

}  // namespace

const ToolRule* ToolMapping::Find(std::string_view tool) const {
  for (const ToolRule& r : tools) {
    if (!r.is_glob && r.pattern == tool) return &r;
  }
  for (const ToolRule& r : tools) {
    if (r.is_glob && GlobMatch(r.pattern, tool)) return &r;
  }
  return nullptr;
}

std::shared_ptr<const ToolMapping> ParseToolMapping(std::string name, std::string text, Diagnostics& diags) {
  auto source = std::make_shared<SourceFile>(std::move(name), std::move(text));
  return MappingParser(source, diags).Parse();
}

std::shared_ptr<const ToolMapping> LoadToolMapping(const std::string& path, Diagnostics& diags) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": is a directory, not a tool mapping"));
    return nullptr;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.Add(Location{}, codes::kIo, absl::StrCat(path, ": cannot open the tool mapping"));
    return nullptr;
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseToolMapping(path, text.str(), diags);
}

}  // namespace gavel
