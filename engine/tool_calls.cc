// Tool-call transcripts to plans (tool_calls.h). Transcripts are parsed with
// simdjson's DOM; the plan is written as JSON text and decoded by
// DecodePlanJson, so it is checked exactly as a plan file would be.
#include "engine/tool_calls.h"

#include <simdjson.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins_net.h"
#include "engine/decision.h"

namespace gavel {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

constexpr size_t kMaxDepth = 64;

// Debian's Abseil has its own string_view.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }
bool Blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return absl::ascii_isspace(static_cast<unsigned char>(c)); });
}
std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = absl::ascii_tolower(static_cast<unsigned char>(c));
  return out;
}

const char* TypeName(element_type t) {
  switch (t) {
    case element_type::ARRAY: return "an array";
    case element_type::OBJECT: return "an object";
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE: return "a number";
    case element_type::STRING: return "a string";
    case element_type::BOOL: return "a boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "a value";
}

std::string Member(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : absl::StrCat(AV(path), ".", AV(key));
}
std::string Index(std::string_view path, size_t i) { return absl::StrCat(AV(path), "[", i, "]"); }

// The member `key` of an object, if present.
bool Get(element obj, std::string_view key, element* out) {
  simdjson::dom::object o;
  if (obj.get_object().get(o)) return false;
  return !o.at_key(key).get(*out);
}

class Extractor {
 public:
  Extractor(ToolCallFormat format, std::vector<ToolCall>* out) : format_(format), out_(out) {}

  // `prefix`: "line N: " for JSONL, else empty.
  absl::Status Document(element root, std::string prefix) {
    prefix_ = std::move(prefix);
    switch (format_) {
      case ToolCallFormat::kOpenAI: return OpenAIRoot(root);
      case ToolCallFormat::kAnthropic: return AnthropicRoot(root);
      case ToolCallFormat::kMcp: return McpRoot(root);
    }
    return absl::InvalidArgumentError("unknown tool call format");
  }

 private:
  absl::Status Error(std::string_view path, std::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix_, path.empty() ? "" : absl::StrCat(AV(path), ": "), AV(message)));
  }

  absl::Status String(element obj, std::string_view path, std::string_view key, bool required, std::string* out) {
    element e;
    if (!Get(obj, key, &e)) {
      return required ? Error(path, absl::StrCat("missing `", AV(key), "`")) : absl::OkStatus();
    }
    std::string_view s;
    if (e.get_string().get(s)) {
      return Error(Member(path, key), absl::StrCat("expected a string, got ", TypeName(e.type())));
    }
    *out = std::string(s);
    return absl::OkStatus();
  }

  absl::Status Add(std::string id, std::string name, std::string arguments, std::string where) {
    if (name.empty()) return Error(where, "the tool name is empty");
    out_->push_back(ToolCall{std::move(id), std::move(name), std::move(arguments), prefix_ + where});
    return absl::OkStatus();
  }

  // Arguments given as an object (or absent: none).
  absl::Status ObjectArgs(element obj, std::string_view path, std::string_view key, std::string* out) {
    element e;
    if (!Get(obj, key, &e) || e.type() == element_type::NULL_VALUE) {
      *out = "{}";
      return absl::OkStatus();
    }
    if (e.type() != element_type::OBJECT) {
      return Error(Member(path, key), absl::StrCat("the arguments are a JSON object, not ", TypeName(e.type())));
    }
    *out = simdjson::minify(e);
    return absl::OkStatus();
  }

  // OpenAI's arguments: a string holding a JSON object (an object is taken too).
  absl::Status StringArgs(element obj, std::string_view path, std::string_view key, std::string* out) {
    element e;
    if (!Get(obj, key, &e) || e.type() != element_type::STRING) return ObjectArgs(obj, path, key, out);
    std::string_view text;
    if (e.get_string().get(text)) text = {};
    if (Blank(text)) {
      *out = "{}";
      return absl::OkStatus();
    }
    simdjson::dom::parser parser;
    element args;
    if (auto err = parser.allocate(text.size() + 64, kMaxDepth); err) {
      return Error(Member(path, key), simdjson::error_message(err));
    }
    simdjson::padded_string padded(text.data(), text.size());
    if (auto err = parser.parse(padded).get(args); err) {
      return Error(Member(path, key), absl::StrCat("not valid JSON: ", simdjson::error_message(err)));
    }
    if (args.type() != element_type::OBJECT) {
      return Error(Member(path, key),
                   absl::StrCat("the arguments are a JSON object, not ", TypeName(args.type())));
    }
    *out = simdjson::minify(args);
    return absl::OkStatus();
  }

  template <class F>
  absl::Status Each(element arr, std::string_view path, F&& f) {
    simdjson::dom::array a;
    if (arr.get_array().get(a)) return Error(path, absl::StrCat("expected an array, got ", TypeName(arr.type())));
    size_t i = 0;
    for (element e : a) {
      absl::Status st = f(e, Index(path, i++));
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }

  // --- OpenAI ---------------------------------------------------------------

  absl::Status OpenAIRoot(element root) {
    if (root.type() == element_type::ARRAY) {
      return Each(root, "", [&](element e, const std::string& p) { return OpenAIItem(e, p); });
    }
    if (root.type() != element_type::OBJECT) {
      return Error("", absl::StrCat("an OpenAI transcript is an object or an array, not ", TypeName(root.type())));
    }
    element e;
    if (Get(root, "choices", &e)) {
      return Each(e, "choices", [&](element choice, const std::string& p) {
        element message;
        if (!Get(choice, "message", &message)) return Error(p, "missing `message`");
        return OpenAIItem(message, Member(p, "message"));
      });
    }
    if (Get(root, "messages", &e)) {
      return Each(e, "messages", [&](element m, const std::string& p) { return OpenAIItem(m, p); });
    }
    if (Get(root, "output", &e)) {
      return Each(e, "output", [&](element m, const std::string& p) { return OpenAIItem(m, p); });
    }
    if (Get(root, "tool_calls", &e) || Get(root, "role", &e) || Get(root, "type", &e)) return OpenAIItem(root, "");
    return Error("", "not an OpenAI chat completion, message or Responses output: expected `choices`, "
                     "`messages`, `output`, `tool_calls` or a `function_call` item");
  }

  // A chat message (its `tool_calls`) or a Responses item (`function_call`);
  // anything else (user and tool messages, text, reasoning) has no calls.
  absl::Status OpenAIItem(element item, const std::string& path) {
    if (item.type() != element_type::OBJECT) {
      return Error(path, absl::StrCat("expected a message object, got ", TypeName(item.type())));
    }
    std::string type;
    if (absl::Status st = String(item, path, "type", false, &type); !st.ok()) return st;
    if (type == "function_call") {
      std::string id, name, args;
      absl::Status st = String(item, path, "call_id", false, &id);
      if (st.ok() && id.empty()) st = String(item, path, "id", false, &id);
      if (st.ok()) st = String(item, path, "name", true, &name);
      if (st.ok()) st = StringArgs(item, path, "arguments", &args);
      if (!st.ok()) return st;
      return Add(std::move(id), std::move(name), std::move(args), path);
    }
    element calls;
    if (!Get(item, "tool_calls", &calls) || calls.type() == element_type::NULL_VALUE) return absl::OkStatus();
    return Each(calls, Member(path, "tool_calls"), [&](element call, const std::string& p) -> absl::Status {
      if (call.type() != element_type::OBJECT) {
        return Error(p, absl::StrCat("expected a tool call object, got ", TypeName(call.type())));
      }
      std::string id, call_type, name, args;
      absl::Status st = String(call, p, "id", false, &id);
      if (st.ok()) st = String(call, p, "type", false, &call_type);
      if (!st.ok()) return st;
      if (!call_type.empty() && call_type != "function") {
        return Error(Member(p, "type"), absl::StrCat("unsupported tool call type `", call_type, "` (only `function`)"));
      }
      element function;
      if (!Get(call, "function", &function)) return Error(p, "missing `function`");
      const std::string fpath = Member(p, "function");
      if (function.type() != element_type::OBJECT) {
        return Error(fpath, absl::StrCat("expected an object, got ", TypeName(function.type())));
      }
      st = String(function, fpath, "name", true, &name);
      if (st.ok()) st = StringArgs(function, fpath, "arguments", &args);
      if (!st.ok()) return st;
      return Add(std::move(id), std::move(name), std::move(args), p);
    });
  }

  // --- Anthropic ------------------------------------------------------------

  absl::Status AnthropicRoot(element root) {
    if (root.type() == element_type::ARRAY) {
      return Each(root, "", [&](element e, const std::string& p) { return AnthropicMessage(e, p); });
    }
    if (root.type() != element_type::OBJECT) {
      return Error("", absl::StrCat("an Anthropic transcript is an object or an array, not ", TypeName(root.type())));
    }
    element e;
    if (Get(root, "messages", &e)) {
      return Each(e, "messages", [&](element m, const std::string& p) { return AnthropicMessage(m, p); });
    }
    if (Get(root, "content", &e)) return AnthropicMessage(root, "");
    return Error("", "not an Anthropic message: expected `content` (or `messages`)");
  }

  absl::Status AnthropicMessage(element m, const std::string& path) {
    if (m.type() != element_type::OBJECT) {
      return Error(path, absl::StrCat("expected a message object, got ", TypeName(m.type())));
    }
    element content;
    if (!Get(m, "content", &content)) return Error(path, "missing `content`");
    if (content.type() == element_type::STRING) return absl::OkStatus();  // plain text
    return Each(content, Member(path, "content"), [&](element block, const std::string& p) -> absl::Status {
      if (block.type() != element_type::OBJECT) {
        return Error(p, absl::StrCat("expected a content block, got ", TypeName(block.type())));
      }
      std::string type;
      if (absl::Status st = String(block, p, "type", true, &type); !st.ok()) return st;
      // Server tools (web search, code execution) act too: they are steps.
      if (type != "tool_use" && type != "server_tool_use") return absl::OkStatus();
      std::string id, name, args;
      absl::Status st = String(block, p, "id", false, &id);
      if (st.ok()) st = String(block, p, "name", true, &name);
      if (st.ok()) st = ObjectArgs(block, p, "input", &args);
      if (!st.ok()) return st;
      return Add(std::move(id), std::move(name), std::move(args), p);
    });
  }

  // --- MCP ------------------------------------------------------------------

  absl::Status McpRoot(element root) {
    if (root.type() == element_type::ARRAY) {
      return Each(root, "", [&](element e, const std::string& p) { return McpMessage(e, p); });
    }
    return McpMessage(root, "");
  }

  absl::Status McpMessage(element m, const std::string& path) {
    if (m.type() != element_type::OBJECT) {
      return Error(path, absl::StrCat("expected a JSON-RPC message object, got ", TypeName(m.type())));
    }
    element e;
    if (!Get(m, "jsonrpc", &e) && !Get(m, "method", &e)) {
      return Error(path, "not a JSON-RPC message: expected `jsonrpc` and `method`");
    }
    std::string method;
    if (absl::Status st = String(m, path, "method", false, &method); !st.ok()) return st;
    if (method != "tools/call") return absl::OkStatus();  // responses, notifications, other requests
    std::string id;
    if (Get(m, "id", &e)) {
      if (e.type() == element_type::STRING) {
        std::string_view s;
        if (e.get_string().get(s)) s = {};
        id = std::string(s);
      } else if (e.type() == element_type::INT64 || e.type() == element_type::UINT64) {
        id = simdjson::minify(e);
      } else if (e.type() != element_type::NULL_VALUE) {
        return Error(Member(path, "id"), absl::StrCat("a JSON-RPC id is a string or an integer, not ", TypeName(e.type())));
      }
    }
    element params;
    if (!Get(m, "params", &params)) return Error(path, "a `tools/call` request needs `params`");
    const std::string ppath = Member(path, "params");
    if (params.type() != element_type::OBJECT) {
      return Error(ppath, absl::StrCat("expected an object, got ", TypeName(params.type())));
    }
    std::string name, args;
    absl::Status st = String(params, ppath, "name", true, &name);
    if (st.ok()) st = ObjectArgs(params, ppath, "arguments", &args);
    if (!st.ok()) return st;
    return Add(std::move(id), std::move(name), std::move(args), path);
  }

  ToolCallFormat format_;
  std::vector<ToolCall>* out_;
  std::string prefix_;
};

absl::Status ParseOne(simdjson::dom::parser& parser, std::string_view text, element* out) {
  if (auto err = parser.allocate(text.size() + 64, kMaxDepth); err) {
    return absl::InvalidArgumentError(simdjson::error_message(err));
  }
  simdjson::padded_string padded(text.data(), text.size());
  if (auto err = parser.parse(padded).get(*out); err) {
    if (err == simdjson::DEPTH_ERROR) return absl::InvalidArgumentError(absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", simdjson::error_message(err)));
  }
  return absl::OkStatus();
}

// --- Mapping ---------------------------------------------------------------

enum class Want { kString, kPort, kBool };

// What a mapped field resolves to for one call: absent (null) or a value.
// "where: " for messages about a call; empty for a call at the root.
std::string At(const ToolCall& call) { return call.where.empty() ? "" : absl::StrCat(call.where, ": "); }

absl::Status Resolve(const MappedValue& mv, element args, Want want, const ToolCall& call, std::string_view field,
                     Value* out) {
  *out = Value::Null();
  if (mv.kind == MappedValue::Kind::kConstant) {
    *out = mv.constant;
    return absl::OkStatus();
  }
  if (mv.kind != MappedValue::Kind::kPath) return absl::OkStatus();
  element e = args;
  bool found = true;
  for (const MappedValue::Segment& s : mv.path) {
    element next;
    if (!s.key.empty()) {
      found = Get(e, s.key, &next);
    } else {
      simdjson::dom::array a;
      found = !e.get_array().get(a) && !a.at(s.index).get(next);
    }
    if (!found) break;
    e = next;
  }
  if (!found || e.type() == element_type::NULL_VALUE) {
    *out = mv.fallback;
    return absl::OkStatus();
  }
  auto bad = [&](const char* wanted) {
    return absl::InvalidArgumentError(absl::StrCat(At(call), "tool `", call.name, "`: ", AV(field), " comes from `",
                                                   mv.path_text, "`, which is ", TypeName(e.type()),
                                                   ", not ", wanted));
  };
  switch (want) {
    case Want::kString:
      if (e.type() == element_type::STRING) {
        std::string_view s;
        if (e.get_string().get(s)) s = {};
        *out = Value::CopyString(s);
      } else if (e.type() == element_type::INT64 || e.type() == element_type::UINT64) {
        *out = Value::String(simdjson::minify(e));
      } else {
        return bad("a string");
      }
      return absl::OkStatus();
    case Want::kPort: {
      int64_t port = -1;
      if (e.type() == element_type::INT64) {
        if (e.get_int64().get(port)) port = -1;
      } else if (e.type() == element_type::STRING) {
        std::string_view s;
        if (e.get_string().get(s)) s = {};
        if (!s.empty() && s.size() <= 5 && std::all_of(s.begin(), s.end(), absl::ascii_isdigit)) {
          port = std::stoll(std::string(s));
        }
      }
      if (port < 0 || port > 65535) return bad("a port (0 to 65535)");
      *out = Value::Int(port);
      return absl::OkStatus();
    }
    case Want::kBool:
      if (e.type() != element_type::BOOL) return bad("a boolean");
      {
        bool b = false;
        if (e.get_bool().get(b)) b = false;
        *out = Value::Bool(b);
      }
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

struct Endpoint {
  std::string scheme, host, ip;
  int64_t port = -1;
};

bool IsIpLiteral(std::string_view h) {
  if (h.find(':') != std::string_view::npos) return true;  // IPv6
  return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) { return absl::ascii_isdigit(c) || c == '.'; });
}

// scheme://[user@]host[:port][/path...]; without a scheme, host[:port][/...].
absl::Status ParseUrl(std::string_view url, Endpoint* out) {
  std::string_view rest = url;
  if (size_t p = rest.find("://"); p != std::string_view::npos) {
    out->scheme = Lower(rest.substr(0, p));
    rest = rest.substr(p + 3);
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  std::string_view host = rest, port;
  if (rest.starts_with("[")) {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return absl::InvalidArgumentError("unterminated `[` in the host");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return absl::InvalidArgumentError("no host");
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), absl::ascii_isdigit) ||
        std::stoll(std::string(port)) > 65535) {
      return absl::InvalidArgumentError(absl::StrCat("invalid port `", AV(port), "`"));
    }
    out->port = std::stoll(std::string(port));
  } else if (out->scheme == "https" || out->scheme == "wss") {
    out->port = 443;
  } else if (out->scheme == "http" || out->scheme == "ws") {
    out->port = 80;
  }
  if (IsIpLiteral(host)) {
    out->ip = std::string(host);
  } else {
    out->host = Lower(host);
  }
  return absl::OkStatus();
}

void AppendMember(std::string* obj, std::string_view key, const Value& v) {
  if (obj->size() > 1) *obj += ",";
  AppendJsonString(obj, key);
  *obj += ":";
  if (v.is_string()) {
    AppendJsonString(obj, v.str());
  } else if (v.is_int()) {
    absl::StrAppend(obj, v.int_value());
  } else if (v.is_bool()) {
    *obj += v.bool_value() ? "true" : "false";
  } else {
    *obj += "null";
  }
}

}  // namespace

absl::StatusOr<ToolCallFormat> ParseToolCallFormat(std::string_view name) {
  if (name == "openai") return ToolCallFormat::kOpenAI;
  if (name == "anthropic") return ToolCallFormat::kAnthropic;
  if (name == "mcp") return ToolCallFormat::kMcp;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown tool call format `", AV(name), "`: expected `openai`, `anthropic` or `mcp`"));
}

const char* ToolCallFormatName(ToolCallFormat format) {
  switch (format) {
    case ToolCallFormat::kOpenAI: return "openai";
    case ToolCallFormat::kAnthropic: return "anthropic";
    case ToolCallFormat::kMcp: return "mcp";
  }
  return "unknown";
}

absl::StatusOr<std::vector<ToolCall>> ExtractToolCalls(std::string_view json_text, ToolCallFormat format) {
  if (format != ToolCallFormat::kOpenAI && format != ToolCallFormat::kAnthropic && format != ToolCallFormat::kMcp) {
    return absl::InvalidArgumentError("unknown tool call format");
  }
  std::vector<ToolCall> calls;
  Extractor extractor(format, &calls);
  try {
    simdjson::dom::parser parser;
    element root;
    absl::Status whole = ParseOne(parser, json_text, &root);
    if (whole.ok()) {
      if (absl::Status st = extractor.Document(root, ""); !st.ok()) return st;
      return calls;
    }
    // JSONL: one document per line. Taken as such only when the first
    // non-blank line is a document by itself, so that a broken single
    // document reports its own error.
    std::vector<std::pair<int, std::string_view>> lines;
    int number = 0;
    for (std::string_view rest = json_text; !rest.empty();) {
      size_t nl = rest.find('\n');
      std::string_view line = rest.substr(0, nl);
      rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
      ++number;
      if (!Blank(line)) lines.emplace_back(number, line);
    }
    element first;
    if (lines.size() < 2 || !ParseOne(parser, lines[0].second, &first).ok()) return whole;
    for (const auto& [n, line] : lines) {
      element doc;
      const std::string prefix = absl::StrCat("line ", n, ": ");
      if (absl::Status st = ParseOne(parser, line, &doc); !st.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(prefix, st.message()));
      }
      if (absl::Status st = extractor.Document(doc, prefix); !st.ok()) return st;
    }
    return calls;
  } catch (const std::exception& e) {  // allocation failures
    return absl::InvalidArgumentError(e.what());
  }
}

absl::StatusOr<std::string> ToolCallsToPlanJson(const std::vector<ToolCall>& calls, const ToolMapping& mapping) {
  std::string out = "{";
  out += mapping.plan_members;
  if (!mapping.plan_members.empty()) out += ",";
  out += "\"steps\":[";
  std::vector<std::string> ids;
  std::vector<bool> flows;  // whether each step takes the earlier steps' data
  simdjson::dom::parser parser;
  for (size_t i = 0; i < calls.size(); ++i) {
    const ToolCall& call = calls[i];
    const std::string id = call.id.empty() ? absl::StrCat("#", i) : call.id;
    const ToolRule* rule = mapping.Find(call.name);
    if (rule == nullptr && mapping.unmapped_is_error) {
      return absl::InvalidArgumentError(absl::StrCat(At(call), "the mapping does not map tool `", call.name,
                                                     "` (and says `unmapped: error`)"));
    }
    element args;
    if (absl::Status st = ParseOne(parser, call.arguments, &args); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(At(call), "arguments: ", st.message()));
    }
    std::string step = "{";
    AppendMember(&step, "id", Value::String(id));
    Value action = Value::String(absl::StrCat("tool.", call.name));
    std::string resource = "{", network = "{";
    DataFlow flow = mapping.data_flow;
    if (rule != nullptr) {
      if (rule->data_flow_set) flow = rule->data_flow;
      Value v;
      auto resolve = [&](const MappedValue& mv, Want want, std::string_view field) {
        return Resolve(mv, args, want, call, field, &v);
      };
      if (absl::Status st = resolve(rule->action, Want::kString, "action"); !st.ok()) return st;
      if (v.is_string()) action = v;
      AppendMember(&step, "action", action);
      if (absl::Status st = resolve(rule->verb, Want::kString, "verb"); !st.ok()) return st;
      if (!v.is_null()) AppendMember(&step, "verb", v);
      const std::pair<const MappedValue*, const char*> rfields[] = {
          {&rule->kind, "kind"}, {&rule->group, "group"}, {&rule->ns, "namespace"},
          {&rule->name, "name"}, {&rule->cluster, "cluster"}};
      for (const auto& [mv, name] : rfields) {
        if (absl::Status st = resolve(*mv, Want::kString, absl::StrCat("resource.", name)); !st.ok()) return st;
        if (!v.is_null()) AppendMember(&resource, name, v);
      }
      Endpoint ep;
      if (absl::Status st = resolve(rule->url, Want::kString, "network.url"); !st.ok()) return st;
      if (v.is_string()) {
        if (absl::Status st = ParseUrl(v.str(), &ep); !st.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(At(call), "tool `", call.name, "`: the url `", v.str(),
                                                         "` (from `", rule->url.path_text, "`): ", st.message()));
        }
      }
      Value host, ip, port, protocol, egress;
      if (absl::Status st = resolve(rule->host, Want::kString, "network.host"); !st.ok()) return st;
      host = v.is_null() && !ep.host.empty() ? Value::String(ep.host) : v;
      if (absl::Status st = resolve(rule->ip, Want::kString, "network.ip"); !st.ok()) return st;
      ip = v.is_null() && !ep.ip.empty() ? Value::String(ep.ip) : v;
      if (absl::Status st = resolve(rule->port, Want::kPort, "network.port"); !st.ok()) return st;
      port = v.is_null() && ep.port >= 0 ? Value::Int(ep.port) : v;
      if (absl::Status st = resolve(rule->protocol, Want::kString, "network.protocol"); !st.ok()) return st;
      protocol = v.is_null() && !ep.scheme.empty() ? Value::String(ep.scheme) : v;
      if (absl::Status st = resolve(rule->egress, Want::kBool, "network.egress"); !st.ok()) return st;
      // A step that names an endpoint leaves the site unless the mapping
      // says otherwise: an unknown destination is taken as external.
      egress = v.is_null() && (!host.is_null() || !ip.is_null()) ? Value::Bool(true) : v;
      if (!host.is_null()) AppendMember(&network, "host", host);
      if (!ip.is_null()) AppendMember(&network, "ip", ip);
      if (!port.is_null()) AppendMember(&network, "port", port);
      if (!protocol.is_null()) AppendMember(&network, "protocol", protocol);
      if (!egress.is_null()) AppendMember(&network, "egress", egress);
    } else {
      AppendMember(&step, "action", action);
    }
    if (resource.size() > 1) absl::StrAppend(&step, ",\"resource\":", resource, "}");
    if (network.size() > 1) absl::StrAppend(&step, ",\"network\":", network, "}");
    absl::StrAppend(&step, ",\"args\":", call.arguments);
    step += ",\"labels\":{\"tool\":";
    AppendJsonString(&step, call.name);
    step += "}";
    // Earlier steps whose data may reach this one: back to the nearest one
    // that itself takes all earlier data (data_sources() is transitive).
    if (flow == DataFlow::kEarlier && i > 0) {
      std::vector<size_t> from;
      for (size_t j = i; j-- > 0;) {
        from.push_back(j);
        if (flows[j]) break;
      }
      step += ",\"inputs\":[";
      for (size_t k = from.size(); k-- > 0;) {
        AppendJsonString(&step, ids[from[k]]);
        if (k > 0) step += ",";
      }
      step += "]";
    }
    step += "}";
    if (i > 0) out += ",";
    out += step;
    ids.push_back(id);
    flows.push_back(flow == DataFlow::kEarlier);
  }
  out += "]}";
  return out;
}

absl::StatusOr<Plan> PlanFromToolCalls(std::string_view json_text, ToolCallFormat format, const ToolMapping& mapping) {
  auto calls = ExtractToolCalls(json_text, format);
  if (!calls.ok()) return calls.status();
  auto json = ToolCallsToPlanJson(*calls, mapping);
  if (!json.ok()) return json.status();
  auto plan = DecodePlanJson(*json);
  if (!plan.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("the plan of the tool calls: ", plan.status().message()));
  }
  // Positions in the plan text would point into text the user never saw.
  plan->step_positions.clear();
  return plan;
}

}  // namespace gavel
