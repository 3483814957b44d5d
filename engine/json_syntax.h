// Where a JSON text first goes wrong, and why. simdjson rejects bad JSON
// with an error code and no position; the plan decoder then asks this scanner
// for the line, column and a message ("expected `,` or `}` after a member").
#ifndef GAVEL_ENGINE_JSON_SYNTAX_H_
#define GAVEL_ENGINE_JSON_SYNTAX_H_

#include <optional>
#include <string>
#include <string_view>

namespace gavel {

struct JsonSyntaxError {
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes
  std::string message;
};

// The first syntax error of `text` (RFC 8259, UTF-8, numbers that fit a
// double), or the first container nested deeper than `max_depth` (when
// positive; the root is level 1); nullopt when it finds none. Iterative.
std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, int max_depth = 0);

// The first byte of `text` that is not valid UTF-8 ("invalid UTF-8"), for
// decoders of other formats (YAML); nullopt when it is all valid.
std::optional<JsonSyntaxError> FindInvalidUtf8(std::string_view text);

}  // namespace gavel

#endif  // GAVEL_ENGINE_JSON_SYNTAX_H_
