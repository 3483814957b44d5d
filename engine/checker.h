// The checker: resolves every name, types every expression against the plan
// schema and the built-in table, and reports all errors of all files with
// "did you mean" suggestions. It annotates the AST in place (Expr::type,
// ref, ref_index, slots) for the compiler.
#ifndef GAVEL_ENGINE_CHECKER_H_
#define GAVEL_ENGINE_CHECKER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/ast.h"
#include "engine/source.h"

namespace gavel {

// Parsed files plus the tables the checker builds over them; the compiler
// reads both.
struct PolicySet {
  std::vector<PolicyFile> files;

  struct ParamEntry {
    int file;
    int index;              // in files[file].params
    std::string qualified;  // package.name
  };
  struct LetEntry {
    int file;
    int index;              // in files[file].lets
  };
  struct PackageEntry {
    std::string name;
    bool default_deny = false;
    Location default_location;
  };
  std::vector<ParamEntry> params;    // Expr::ref_index of kParam
  std::vector<LetEntry> lets;        // Expr::ref_index of kPackageLet
  std::vector<PackageEntry> packages;
  std::vector<int> file_package;     // package index of each file
};

// Returns true when no error was found.
bool CheckPolicySet(PolicySet& set, Diagnostics& diags);

// Type-checks a standalone expression with no plan in scope beyond the
// globals (plan, context, agent). Used by tests and tools.
bool CheckExpression(Expr& expr, const SourceFile& source, Diagnostics& diags);

// What a standalone expression may refer to besides the globals.
struct ExpressionEnv {
  // Declared variables, by qualified name ("x", "a.b.c"). A name that
  // resolves to one gets RefKind::kVariable with its index here.
  std::vector<std::pair<std::string, Type>> variables;
  // The namespace names resolve in, as CEL says: in container "a.b", the
  // name `x` is looked up as `a.b.x`, then `a.x`, then `x`; `.x` only as `x`.
  std::string container;
  // Unchecked evaluation: unknown names and functions and overload
  // mismatches are not compile errors but fail at run time (the checker
  // still resolves what it can). Syntax errors are still reported.
  bool defer_type_errors = false;
};

bool CheckExpression(Expr& expr, const SourceFile& source, Diagnostics& diags, const ExpressionEnv& env);

// Known annotation names and severity levels.
bool IsSeverity(std::string_view s);

}  // namespace gavel

#endif  // GAVEL_ENGINE_CHECKER_H_
