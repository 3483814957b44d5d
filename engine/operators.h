// CEL's operators on runtime values: arithmetic with overflow errors,
// heterogeneous numeric comparison, equality, `in`, indexing, field
// selection. Each returns a value or an error value; none throws. Operands
// that are errors propagate (the first one wins), so callers need not check.
#ifndef GAVEL_ENGINE_OPERATORS_H_
#define GAVEL_ENGINE_OPERATORS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/value.h"

namespace gavel {

Value OpAdd(const Value& a, const Value& b);  // numbers, strings, bytes, lists, timestamp+duration, duration+duration
Value OpSub(const Value& a, const Value& b);  // numbers, timestamp-timestamp, timestamp-duration, duration-duration
Value OpMul(const Value& a, const Value& b);
Value OpDiv(const Value& a, const Value& b);  // integer division by zero is an error
Value OpMod(const Value& a, const Value& b);
Value OpNeg(const Value& a);                  // int (overflow on INT64_MIN), double
Value OpNot(const Value& a);                  // bool

Value OpEq(const Value& a, const Value& b);   // bool (errors propagate)
Value OpNe(const Value& a, const Value& b);
Value OpLt(const Value& a, const Value& b);   // numbers across int/uint/double, strings, bytes, bools, timestamps, durations
Value OpLe(const Value& a, const Value& b);
Value OpGt(const Value& a, const Value& b);
Value OpGe(const Value& a, const Value& b);
Value OpIn(const Value& elem, const Value& container);  // list membership or map key
// -1, 0, 1: two timestamps, or two durations, as (seconds, nanos) pairs.
int CompareTime(TimeRep a, TimeRep b);

Value OpIndex(const Value& container, const Value& key);  // list[int|uint|integral double], map[key]
// operand.field: a map key (error `no such key` if absent) or a message field.
Value OpSelect(const Value& operand, std::string_view field);
// has(operand.field): map key present, message field set.
Value OpHas(const Value& operand, std::string_view field);

// CEL equality: numbers compare across kinds (1 == 1u == 1.0), NaN is never
// equal, lists and maps element-wise, messages field-wise.
bool ValuesEqual(const Value& a, const Value& b);

// The error of calling `function` on arguments of these kinds:
// "no such overload: _+_(int, string)".
Value NoSuchOverload(std::string_view function, const Value* args, size_t argc);

// How a value reads inside an interpolated message: strings bare, numbers as
// CEL's string() prints them, lists and maps as `[a, b]` / `{k: v}`.
std::string FormatForMessage(const Value& v);
// Appends what an interpolated part `{expr}` of a rule's message shows: the
// value as FormatForMessage prints it, or `<error: ...>` in place (the rule
// has fired; a part that fails does not hide the finding).
void AppendMessagePart(std::string* out, const Value& v);

// Range-checked constructors: CEL timestamps lie in years 1..9999, durations
// within +-315,576,000,000 seconds; outside, an error value.
Value MakeTimestamp(int64_t seconds, int32_t nanos);
Value MakeDuration(int64_t seconds, int32_t nanos);

}  // namespace gavel

#endif  // GAVEL_ENGINE_OPERATORS_H_
