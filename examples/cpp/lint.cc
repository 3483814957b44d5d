// lint.cc: `gavel lint --format json` in C++, over gavel.hpp.
//
//   lint POLICY_PATH PLAN_FILE...
//
// Prints one JSON line per plan (the CLI's JSON form); exit code as the CLI's.
#include <gavel/gavel.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: " << argv[0] << " POLICY_PATH PLAN_FILE...\n";
    return 3;
  }
  try {
    gavel::Policy policy = gavel::Policy::CompilePaths({argv[1]});
    bool denied = false, approval = false, invalid = false;
    for (int i = 2; i < argc; ++i) {
      try {
        gavel::Decision d = policy.EvaluateFile(argv[i]);
        denied |= d.verdict() == gavel::Verdict::kDeny;
        approval |= d.verdict() == gavel::Verdict::kNeedsApproval;
        std::cout << d.ToJson(argv[i]) << "\n";
      } catch (const gavel::Error& e) {
        std::cerr << e.what();
        invalid = true;
      }
    }
    if (invalid) return 3;
    if (denied) return 1;
    return approval ? 2 : 0;
  } catch (const gavel::Error& e) {
    std::cerr << e.what();
    return 3;
  }
}
