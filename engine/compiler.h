// The compiler: a checked PolicySet to a Program. Constant sub-expressions
// fold to constants (constant_folding.cc), constant regexes compile once,
// params resolve to their values, and every condition, let and message part
// becomes a chunk of bytecode (opcodes.def).
#ifndef GAVEL_ENGINE_COMPILER_H_
#define GAVEL_ENGINE_COMPILER_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "engine/checker.h"
#include "engine/policy.h"
#include "engine/program.h"

namespace gavel {

// `options.params` overrides param defaults, by "package.param";
// `options.enforcement` sets the enforcement of packages. Errors (a param
// without a value, a value of the wrong type, an unknown param or package)
// go to `diags`, at the locations in `options` when it has them; returns null
// if there were any.
std::unique_ptr<Program> CompileProgram(const PolicySet& set, const CompileOptions& options, Diagnostics& diags);

// Compiles one checked standalone expression into a program whose chunk 0
// computes it (for tools, tests and the conformance runner).
std::unique_ptr<Program> CompileExpression(const Expr& e, std::shared_ptr<const SourceFile> source,
                                           Diagnostics& diags);

// Constant folding: the value of `e` if it depends on nothing but literals,
// params (`params[i]`) and pure built-ins, and does not fail. Otherwise false.
bool FoldConstant(const Expr& e, const std::vector<Value>& params, Value* out);

// Whether a runtime value fits a declared param type.
bool ValueHasType(const Value& v, const Type& t);

// Converts a param value given from outside the policy (the config, the C
// API, Python) to the param's declared type: ints widen to double (and, when
// not negative, to uint), strings parse as durations (`90m`) and timestamps
// (RFC 3339) and become bytes, element by element inside lists and maps.
// When it does not fit, returns false and sets `why` to the first part that
// does not: "was given string `\"x\"`", "`p[1]` is int `42`, not string".
bool ConvertParamValue(const Value& given, const Type& type, std::string_view name, Value* out, std::string* why);

}  // namespace gavel

#endif  // GAVEL_ENGINE_COMPILER_H_
