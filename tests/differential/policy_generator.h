// Seeded random policies and plans for the differential test
// (tests/differential_test.cc, docs/differential.md). Policies are built
// from the type each position needs, so they type-check by construction;
// plans draw from small vocabularies that the policies also use, so rules
// actually fire. The same seed gives the same text.
#ifndef GAVEL_TESTS_DIFFERENTIAL_POLICY_GENERATOR_H_
#define GAVEL_TESTS_DIFFERENTIAL_POLICY_GENERATOR_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/value.h"

namespace gavel::differential {

struct GeneratedPolicy {
  // One or more files: (name, text). Packages may span files.
  std::vector<std::pair<std::string, std::string>> files;
  std::vector<std::string> packages;
  // Param overrides ("pkg.param" -> value) to pass as CompileOptions.
  std::map<std::string, Value> param_overrides;
  // Packages to run in dryrun.
  std::vector<std::string> dryrun_packages;
};

// A well-typed random policy set.
GeneratedPolicy GeneratePolicy(uint64_t seed);

// A random plan as JSON text (acyclic depends_on/inputs, unique ids).
std::string GeneratePlanJson(uint64_t seed);

}  // namespace gavel::differential

#endif  // GAVEL_TESTS_DIFFERENTIAL_POLICY_GENERATOR_H_
