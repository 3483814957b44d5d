// Writes a generated workload to files, for the peer benchmarks
// (bench/peers/) and for inspection:
//   gavel_workload_dump RULES STEPS DIR   ->  DIR/policy.gavel, DIR/plan.json
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include "bench/workloads.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: gavel_workload_dump RULES STEPS DIR\n";
    return 2;
  }
  const int rules = std::atoi(argv[1]);
  const int steps = std::atoi(argv[2]);
  const std::string dir = argv[3];
  std::ofstream(dir + "/policy.gavel") << gavel::bench::GeneratePolicy(rules);
  std::ofstream(dir + "/plan.json") << gavel::bench::GeneratePlanJson(steps);
  return 0;
}
