// The parser: policy text to a PolicyFile (declarations and CEL expressions).
// Entry points: ParsePolicy for a .gavel file, ParseExpression for a bare
// CEL expression. Every syntax error goes to `diags`, with its location; the
// parser recovers at the next declaration so one run reports them all.
#ifndef GAVEL_ENGINE_PARSER_H_
#define GAVEL_ENGINE_PARSER_H_

#include <memory>

#include "engine/ast.h"
#include "engine/source.h"

namespace gavel {

struct ParseLimits {
  int max_depth = 250;  // nesting of expressions; deeper is a syntax error, not a stack overflow
};

PolicyFile ParsePolicy(std::shared_ptr<const SourceFile> source, Diagnostics& diags,
                       const ParseLimits& limits = {});

// Parses the whole of `source` as one CEL expression. Returns null only when
// nothing could be parsed (diags then says why).
ExprPtr ParseExpression(const SourceFile& source, Diagnostics& diags, const ParseLimits& limits = {});

}  // namespace gavel

#endif  // GAVEL_ENGINE_PARSER_H_
