// The tool mapping: how the tool calls of an agent (OpenAI, Anthropic, MCP;
// see tool_calls.h) become plan steps. A YAML file names each tool (exactly
// or by glob) and says which plan fields its call fills, from constants or
// from the call's arguments; it also gives the plan-level fields a
// transcript does not carry (agent, context). The format is in
// docs/adapters.md; examples/adapters/mapping.yaml maps common tools.
//
//   Diagnostics diags;
//   auto mapping = LoadToolMapping("mapping.yaml", diags);  // null on error
//
// Every error is a Diagnostic located in the YAML (yaml_reader.h).
#ifndef GAVEL_ENGINE_TOOL_MAPPING_H_
#define GAVEL_ENGINE_TOOL_MAPPING_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/source.h"
#include "engine/value.h"

namespace gavel {

// Where a step's data comes from (`inputs`). `kEarlier`: from every earlier
// step, as in a conversation, where each call may carry what any earlier
// result said; `kNone`: from no step.
enum class DataFlow { kEarlier, kNone };

// A field's value: unset, a constant, or a path into the call's arguments
// (`$.namespace`, `args.metadata.name`, `$.items[0]`), with an optional
// constant for when the path is absent.
struct MappedValue {
  enum class Kind { kUnset, kConstant, kPath };
  struct Segment {
    std::string key;  // a member name, or empty for an index
    size_t index = 0;
  };
  Kind kind = Kind::kUnset;
  Value constant;                 // kConstant (string, int or bool, as the field wants)
  std::string path_text;          // kPath, as written
  std::vector<Segment> path;      // kPath, parsed; empty for `$` (all the arguments)
  Value fallback;                 // kPath: `default:`; null when none
  Location location;

  bool set() const { return kind != Kind::kUnset; }
};

// What one tool's calls become.
struct ToolRule {
  std::string pattern;  // the tool name, or a glob over tool names
  bool is_glob = false;
  Location location;
  MappedValue action, verb;
  MappedValue kind, group, ns, name, cluster;          // resource
  MappedValue host, ip, port, protocol, url, egress;   // network
  DataFlow data_flow = DataFlow::kEarlier;
  bool data_flow_set = false;
};

struct ToolMapping {
  std::shared_ptr<const SourceFile> source;  // the YAML, for locations
  // `plan:`: plan-level fields (id, created_at, labels, agent, context) as
  // the members of a JSON object, without braces; empty when none.
  std::string plan_members;
  // `unmapped: tool` (a step with action `tool.<name>`) or `error`.
  bool unmapped_is_error = false;
  DataFlow data_flow = DataFlow::kEarlier;  // `data_flow:` default for every tool
  std::vector<ToolRule> tools;              // in file order

  // The rule for a tool: an exact name first, else the first glob that
  // matches; null for an unmapped tool.
  const ToolRule* Find(std::string_view tool) const;
};

// Parses a mapping; `name` is used in locations. Null (with diagnostics)
// on YAML errors, unknown keys, values of the wrong type, bad paths or
// globs, and plan fields the plan schema rejects.
std::shared_ptr<const ToolMapping> ParseToolMapping(std::string name, std::string text, Diagnostics& diags);
std::shared_ptr<const ToolMapping> LoadToolMapping(const std::string& path, Diagnostics& diags);

}  // namespace gavel

#endif  // GAVEL_ENGINE_TOOL_MAPPING_H_
