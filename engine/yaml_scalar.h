// YAML 1.2 core schema scalars and a nesting guard, shared by every reader
// of YAML (plans, gavel.yaml): plain scalars resolve to null, bool, int,
// float or string the same way everywhere.
#ifndef GAVEL_ENGINE_YAML_SCALAR_H_
#define GAVEL_ENGINE_YAML_SCALAR_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <yaml-cpp/yaml.h>

#include "absl/status/status.h"

namespace gavel {

enum class YamlInt { kOk, kNotInt, kOutOfRange };

// [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+ into an int64. `approx` (if not
// null) gets the value as a double, also when it is out of range.
YamlInt ParseYamlInt(std::string_view s, int64_t* out, double* approx);
// Core schema floats, including .inf and .nan.
bool ParseYamlFloat(std::string_view s, double* out);
// true/True/TRUE, false/False/FALSE (not YAML 1.1's yes/no/on/off).
bool ParseYamlBool(std::string_view s, bool* out);
// "", ~, null/Null/NULL.
bool IsYamlNull(std::string_view s);

// yaml-cpp parses recursively: a cheap scan of the text that rejects nesting
// deeper than `max_depth` (flow collections and block indentation) before
// yaml-cpp sees it. Errors say "yaml: line L, column C: ..."; `error_offset`
// (if not null) gets the byte offset of the error.
absl::Status PrescanYaml(std::string_view text, int max_depth, size_t* error_offset = nullptr);

// The first YAML document of `text` (null when there is none), and whether
// a second one follows (`second`: where it starts). Throws what yaml-cpp
// throws. In place of YAML::LoadAll, which loops forever, allocating, on
// some malformed input in yaml-cpp 0.7 (a stray `,` or `[`: upstream issues
// 1040 and 1319, found here by tests/fuzz): every pass is bounded.
YAML::Node LoadFirstYamlDocument(const std::string& text, bool* has_second, YAML::Mark* second);

}  // namespace gavel

#endif  // GAVEL_ENGINE_YAML_SCALAR_H_
