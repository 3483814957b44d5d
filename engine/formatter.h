// `gavel fmt`: the canonical layout of a .gavel file (docs/language.md,
// "Formatting"). The formatter works on the token stream, with comments kept
// as trivia between tokens, so every comment survives and the tokens come out
// exactly as written; only whitespace changes. Before returning, it parses
// the result and checks that it means the same as the input (same syntax
// tree, offsets aside): a formatter bug is an error, never a changed policy.
#ifndef GAVEL_ENGINE_FORMATTER_H_
#define GAVEL_ENGINE_FORMATTER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "engine/ast.h"
#include "engine/source.h"

namespace gavel {

// The formatted text of `file`. A file that does not parse is an
// InvalidArgument error, with its diagnostics in `diags`; an Internal error
// means the formatter could not keep the meaning (a bug; the file should be
// left alone).
absl::StatusOr<std::string> FormatPolicy(std::shared_ptr<const SourceFile> file, Diagnostics& diags);

// A dump of a parsed file without source offsets: two files that dump alike
// declare the same packages, params, lets and rules with the same
// expressions (operands in the same order), docs and messages.
std::string DumpPolicyAst(const PolicyFile& file);

}  // namespace gavel

#endif  // GAVEL_ENGINE_FORMATTER_H_
