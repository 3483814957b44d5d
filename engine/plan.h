// The plan in the engine's own form, and its decoders (JSON with simdjson,
// YAML with yaml-cpp, binary protobuf). All three are driven by the schema
// table (schema.h): a wrong type or an unknown field in the typed part is an
// error naming its path (`steps[3].resource.namespace`); `args`, `attrs` and
// `labels` are open maps of any JSON value.
#ifndef GAVEL_ENGINE_PLAN_H_
#define GAVEL_ENGINE_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/value.h"

namespace gavel {

// Where something is in a plan file: 1-based line and column (bytes); 0 when
// unknown (protobuf plans, plans built in memory).
struct PlanPosition {
  int line = 0;
  int column = 0;
};

// The references between a plan's steps (`depends_on`, `inputs`) as
// positions in plan.steps, resolved when the decoder checked them: step i's
// are targets[first[i]..first[i + 1]), those from `depends_on` first and
// those from `inputs` from targets[inputs[i]] on. An evaluation builds its
// step graph from them without looking ids up.
struct StepRefs {
  std::vector<uint32_t> first;   // one per step, and one more
  std::vector<uint32_t> inputs;  // one per step
  std::vector<uint32_t> targets;
};

struct Plan {
  Value root;  // a kMessage of type gavel.v1.Plan
  // Filled by the decoders; empty for a plan built otherwise (an
  // evaluation then finds the references by id).
  StepRefs refs;
  // Where each step starts in the text it was decoded from (JSON, YAML), by
  // step position; empty when unknown. Reports use it so that a CI
  // annotation lands on the step's line.
  std::vector<PlanPosition> step_positions;

  const MessageData& message() const { return root.message(); }
  // plan.steps (a list of gavel.v1.Step messages).
  const std::vector<Value>& steps() const;
  // plan.context, plan.agent (messages; defaults when absent).
  const Value& context() const;
  const Value& agent() const;
};

enum class PlanFormat { kJson, kYaml, kProto };

// Limits the decoders enforce; going past one is an InvalidArgument error.
struct PlanLimits {
  int max_depth = 64;                   // JSON/YAML nesting (the root object is level 1)
  size_t max_string_bytes = 1u << 20;   // any string: values and keys
  size_t max_steps = 10000;             // plan.steps
  size_t max_plan_bytes = 16u << 20;    // the whole document (JSON, YAML or protobuf bytes)
  // Not a limit: whether the JSON and YAML decoders record
  // Plan::step_positions. Reports (`gavel lint`) place findings with them;
  // evaluation never reads them, so the C API and Python skip the work
  // (~9% of decoding a 200-step JSON plan).
  bool step_positions = true;
};

// The default limits without step positions: what decoding a plan only to
// evaluate it needs (the C API, Python).
inline PlanLimits EvaluationPlanLimits() {
  PlanLimits limits;
  limits.step_positions = false;
  return limits;
}

// The error for a plan document over limits.max_plan_bytes (OK otherwise);
// every decoder checks it before parsing.
absl::Status CheckPlanSize(std::string_view data, const PlanLimits& limits);

// Timestamps are RFC 3339 strings; durations are protobuf JSON ("300s",
// "1.5s") or unit forms ("5m", "1h30m", "250ms"). Steps without an `index`
// get their position; steps without an `id` get "#<index>". Step ids must be
// unique, and `depends_on`/`inputs` must name steps of the plan.
absl::StatusOr<Plan> DecodePlanJson(std::string_view json, const PlanLimits& limits = {});
absl::StatusOr<Plan> DecodePlanYaml(std::string_view yaml, const PlanLimits& limits = {});
absl::StatusOr<Plan> DecodePlanProto(std::string_view bytes, const PlanLimits& limits = {});
absl::StatusOr<Plan> DecodePlan(std::string_view data, PlanFormat format, const PlanLimits& limits = {});

// Reads a plan file, choosing the decoder by extension: .json, .yaml/.yml,
// .pb/.binpb. Errors start with the file name.
absl::StatusOr<Plan> ReadPlanFile(const std::string& path, const PlanLimits& limits = {});

// Parsers shared by the decoders (and the `timestamp()`/`duration()` built-ins).
absl::StatusOr<TimeRep> ParseTimestamp(std::string_view text);  // RFC 3339
absl::StatusOr<TimeRep> ParseDuration(std::string_view text);   // "300s", "5m", "1h30m"

}  // namespace gavel

#endif  // GAVEL_ENGINE_PLAN_H_
