// Kubernetes resource quantities, as in the Kubernetes CEL library:
// quantity(s), isQuantity(s) and the methods isLessThan, isGreaterThan,
// compareTo, add, sub, asInteger, asApproximateFloat, isInteger, sign.
//
// A quantity is represented at run time as its canonical text, a string (no
// new value kind): quantity("2Gi") is "2147483648", quantity("500m") is
// "0.5". The methods take strings as receivers and arguments and parse both
// sides on each call. See builtins_quantity.cc for the syntax and semantics.
#ifndef GAVEL_ENGINE_BUILTINS_QUANTITY_H_
#define GAVEL_ENGINE_BUILTINS_QUANTITY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/builtins.h"

namespace gavel {

// Appends the quantity entries to the built-in table.
void AddQuantityBuiltins(std::vector<Builtin>* table);

// An exact quantity in nano units (10^-9).
struct Quantity {
  __extension__ using Nanos = __int128;
  Nanos nanos = 0;
};

// Kubernetes quantity text: `500m`, `2Gi`, `1.5`, `1e3`, `-1E-3`, `.5k`.
// Errors (InvalidArgument) read like "invalid quantity `2GB`: unknown suffix `GB`".
absl::StatusOr<Quantity> ParseQuantity(std::string_view text);

// The canonical text: a plain decimal number, no exponent, no suffix, no
// trailing fractional zeros, `-` only if negative: "2147483648", "0.5",
// "-0.000000001". Equal quantities have equal canonical text, and the
// canonical text parses back to the same quantity.
std::string CanonicalQuantity(const Quantity& q);

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUILTINS_QUANTITY_H_
