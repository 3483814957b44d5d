// "Did you mean": the one place that picks a close name for error messages
// (unknown names, fields, functions, types, plan fields).
#ifndef GAVEL_ENGINE_SUGGEST_H_
#define GAVEL_ENGINE_SUGGEST_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace gavel {

// Edit distance counting a swap of two neighbours as one edit (`stpe`).
size_t EditDistance(std::string_view a, std::string_view b);

// The closest candidate within 1 edit (names of 3 to 5 characters) or 2
// edits (longer names), or "" if none is that close (or the name has fewer
// than 3 characters). Operator names
// (`_+_`, `@in`, ...) are never suggested.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);
// DidYouMean as the end of a message: " (did you mean `name`?)", or "".
std::string DidYouMeanHint(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace gavel

#endif  // GAVEL_ENGINE_SUGGEST_H_
