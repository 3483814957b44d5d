// A decoded plan written back as JSON, in the schema's field names and
// order (docs/plans.md): what `gavel plan` prints, and what DecodePlanJson
// reads back to the same plan. Only fields that were set are written (so
// has() keeps its answer); timestamps are RFC 3339 strings, durations
// protobuf JSON strings ("300s").
#ifndef GAVEL_ENGINE_PLAN_WRITER_H_
#define GAVEL_ENGINE_PLAN_WRITER_H_

#include <string>

#include "engine/plan.h"

namespace gavel {

// With `indent` > 0, one member per line indented by that many spaces per
// level, and a final newline; with 0, one line without a newline.
std::string PlanToJson(const Plan& plan, int indent = 2);

// Any engine value (a message, a map, a list, a scalar) as JSON.
std::string ValueToJson(const Value& value, int indent = 0);

}  // namespace gavel

#endif  // GAVEL_ENGINE_PLAN_WRITER_H_
