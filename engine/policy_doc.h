// `gavel doc`: a Markdown reference of a policy set, from its parsed files
// and their `///` doc comments (docs/cli.md). Per package: its doc, whether
// it is `default deny`, its params (type, default, doc) and lets; per rule,
// in declaration order: effect, severity, tags, approvers, doc, location and
// the source of its body.
#ifndef GAVEL_ENGINE_POLICY_DOC_H_
#define GAVEL_ENGINE_POLICY_DOC_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/source.h"

namespace gavel {

// The reference of `sources` (in the order given). A file that does not parse
// is an InvalidArgument error, with every diagnostic in `diags`.
absl::StatusOr<std::string> PolicyReferenceMarkdown(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                                   Diagnostics& diags);

}  // namespace gavel

#endif  // GAVEL_ENGINE_POLICY_DOC_H_
