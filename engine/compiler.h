// The compiler: a checked PolicySet to a Program. Constant sub-expressions
// fold to constants (constant_folding.cc), constant regexes compile once,
// params resolve to their values, and every condition, let and message part
// becomes a chunk of bytecode (opcodes.def).
#ifndef GAVEL_ENGINE_COMPILER_H_
#define GAVEL_ENGINE_COMPILER_H_

#include <map>
#include <memory>
#include <string>

#include "engine/checker.h"
#include "engine/program.h"

namespace gavel {

// `param_values` overrides param defaults, by "package.param". Errors (a
// param without a value, a value of the wrong type) go to `diags`; returns
// null if there were any.
std::unique_ptr<Program> CompileProgram(const PolicySet& set, const std::map<std::string, Value>& param_values,
                                        Diagnostics& diags);

// Compiles one checked standalone expression into a program whose chunk 0
// computes it (for tools, tests and the conformance runner).
std::unique_ptr<Program> CompileExpression(const Expr& e, std::shared_ptr<const SourceFile> source,
                                           Diagnostics& diags);

// Constant folding: the value of `e` if it depends on nothing but literals,
// params (`params[i]`) and pure built-ins, and does not fail. Otherwise false.
bool FoldConstant(const Expr& e, const std::vector<Value>& params, Value* out);

// Whether a runtime value fits a declared param type.
bool ValueHasType(const Value& v, const Type& t);

}  // namespace gavel

#endif  // GAVEL_ENGINE_COMPILER_H_
