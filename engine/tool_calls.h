// Adapters from the tool calls of an agent to a plan: each call becomes one
// step, in order, its id the call's id and its args the call's arguments;
// a tool mapping (tool_mapping.h) fills the step's action, verb, resource
// and network from them and gives the plan its agent and context. The
// transcript forms (docs/adapters.md):
//
//   OpenAI     a chat completion, an assistant message with `tool_calls`
//              (`function.arguments` a JSON string), a list of messages,
//              `{"messages": [...]}`, or Responses API `function_call` items
//              (`{"output": [...]}` or a list of items)
//   Anthropic  a message with `content` blocks `{"type": "tool_use", "id",
//              "name", "input"}`, a list of messages, `{"messages": [...]}`
//   MCP        JSON-RPC `tools/call` requests: one, a batch (array), or one
//              per line (JSONL); other messages are skipped
//
// Any of them may also be JSONL (one JSON document per line).
//
//   auto plan = PlanFromToolCalls(text, ToolCallFormat::kOpenAI, *mapping);
//
// Errors name where the problem is: `choices[0].message.tool_calls[1].
// function.arguments: not valid JSON: ...` (with `line N: ` for JSONL).
#ifndef GAVEL_ENGINE_TOOL_CALLS_H_
#define GAVEL_ENGINE_TOOL_CALLS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/plan.h"
#include "engine/tool_mapping.h"

namespace gavel {

enum class ToolCallFormat { kOpenAI, kAnthropic, kMcp };

// "openai", "anthropic", "mcp" (an unknown name is InvalidArgument, listing them).
absl::StatusOr<ToolCallFormat> ParseToolCallFormat(std::string_view name);
const char* ToolCallFormatName(ToolCallFormat format);

// One call, as found in a transcript.
struct ToolCall {
  std::string id;         // the call id (MCP: the request id; numbers as written)
  std::string name;       // the tool
  std::string arguments;  // a JSON object, minified
  std::string where;      // its place in the transcript, for messages
};

// The calls of a transcript, in order.
absl::StatusOr<std::vector<ToolCall>> ExtractToolCalls(std::string_view json_text, ToolCallFormat format);

// The plan of a list of calls, as JSON text (before decoding).
absl::StatusOr<std::string> ToolCallsToPlanJson(const std::vector<ToolCall>& calls, const ToolMapping& mapping);

// ExtractToolCalls, ToolCallsToPlanJson, then DecodePlanJson (which checks
// the result as it checks any plan).
absl::StatusOr<Plan> PlanFromToolCalls(std::string_view json_text, ToolCallFormat format, const ToolMapping& mapping);

}  // namespace gavel

#endif  // GAVEL_ENGINE_TOOL_CALLS_H_
