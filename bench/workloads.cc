// See workloads.h. The rule kinds mirror policies/: each generated rule is a
// variant of a standard rule with its constants changed, so a policy of N
// rules costs what N standard rules cost.
#include "bench/workloads.h"

#include <string>
#include <vector>

namespace gavel::bench {
namespace {

// SplitMix64: tiny, portable, deterministic.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  int Below(int n) { return static_cast<int>(Next() % static_cast<uint64_t>(n)); }

 private:
  uint64_t state_;
};

std::string Num(int i) { return std::to_string(i); }

const char* const kNamespaces[] = {"payments", "billing", "search", "checkout", "ledger", "web"};
const char* const kActions[] = {"kubectl.get", "kubectl.patch", "kubectl.delete", "http.post", "velero.backup",
                                "kubectl.apply"};

std::string Rule(int i, Random& rnd) {
  const std::string n = Num(i);
  const std::string ns = kNamespaces[rnd.Below(6)];
  switch (i % 6) {
    case 0:  // air-gap egress
      return "rule egress_" + n + " {\n  deny\n  for step in plan.steps\n"
             "  when step.action == \"http.post\" && step.network.egress\n"
             "  unless step.network.ip.in_cidr([\"10." + Num(i % 250) + ".0.0/16\", \"192.168.0.0/16\"])\n"
             "      || step.network.host.glob(\"*." + ns + ".svc.cluster.local\")\n"
             "  message \"step {step.id} reaches {step.network.host}\"\n}\n";
    case 1:  // namespace scope
      return "rule scope_" + n + " {\n  deny\n  for step in plan.steps\n"
             "  when step.resource.namespace != \"\" && step.resource.namespace != \"kube-system-" + n + "\"\n"
             "  unless agent.grants.exists(g, g.namespaces.exists(p, step.resource.namespace.glob(p)))\n"
             "  message \"step {step.id} touches {step.resource.namespace}\"\n}\n";
    case 2:  // change window
      return "rule window_" + n + " {\n  require_approval(\"sre-" + ns + "\")\n  for step in plan.steps\n"
             "  when step.verb in [\"delete\", \"patch\", \"apply\"] && step.resource.namespace == \"" + ns + "\"\n"
             "  unless context.now.within(\"Mon-Fri 0" + Num(6 + i % 3) + ":00-17:00\", \"Europe/Berlin\")\n"
             "  message \"step {step.id} changes " + ns + " outside the change window\"\n}\n";
    case 3:  // grant coverage
      return "rule covered_" + n + " {\n  deny\n  for step in plan.steps\n"
             "  when step.resource.kind != \"Lease" + n + "\"\n"
             "  unless agent.grants.exists(g, g.covers(step))\n"
             "  message \"no grant covers step {step.id}\"\n}\n";
    case 4:  // ordering: backup before delete
      return "rule backup_" + n + " {\n  deny\n  for step in plan.steps\n"
             "  when step.verb == \"delete\" && step.resource.kind == \"PersistentVolumeClaim\"\n"
             "  unless step.before().exists(s, s.action == \"velero.backup\" && s.resource.namespace == "
             "step.resource.namespace)\n"
             "  message \"step {step.id} deletes {step.resource.name} without a backup\"\n}\n";
    default:  // data flow: secrets do not leave
      return "rule exfil_" + n + " {\n  deny\n  for step in plan.steps\n"
             "  when step.network.egress\n"
             "  unless !step.upstream().exists(s, s.resource.kind == \"Secret\" && s.resource.namespace == \"" + ns +
             "\")\n  message \"step {step.id} may send a secret of " + ns + " out\"\n}\n";
  }
}

}  // namespace

std::string GeneratePolicy(int rules, uint64_t seed) {
  Random rnd(seed);
  std::string out = "package w\n\n";
  for (int i = 0; i < rules; ++i) out += Rule(i, rnd) + "\n";
  return out;
}

std::string GeneratePlanJson(int steps, uint64_t seed) {
  Random rnd(seed);
  std::string out =
      "{\"id\": \"plan-" + Num(steps) + "\", \"agent\": {\"id\": \"agent-bench\", \"grants\": [{\"id\": \"g1\", "
      "\"actions\": [\"kubectl.*\", \"velero.backup\"], \"verbs\": [\"get\", \"patch\", \"delete\", \"apply\", "
      "\"backup\"], \"resources\": [\"*\"], \"namespaces\": [\"payments\", \"billing\", \"search\", \"checkout\", "
      "\"ledger\"], \"clusters\": [\"prod-eu-1\"], \"not_before\": \"2026-11-26T09:00:00Z\", \"expires_at\": "
      "\"2026-11-26T18:00:00Z\"}]}, \"context\": {\"environment\": \"prod\", \"cluster\": \"prod-eu-1\", "
      "\"airgapped\": true, \"now\": \"2026-11-26T10:00:00Z\"}, \"steps\": [";
  for (int i = 0; i < steps; ++i) {
    const std::string id = "s" + Num(i);
    const int a = rnd.Below(6);
    const std::string ns = kNamespaces[rnd.Below(6)];
    const char* kind = rnd.Below(3) == 0 ? "PersistentVolumeClaim" : (rnd.Below(2) ? "Deployment" : "Secret");
    std::string step = "{\"id\": \"" + id + "\", \"action\": \"" + kActions[a] + "\", ";
    if (a == 3) {
      step += "\"verb\": \"post\", \"network\": {\"host\": \"api." + ns + ".svc.cluster.local\", \"ip\": \"10." +
              Num(rnd.Below(4)) + ".0." + Num(rnd.Below(250)) + "\", \"port\": 443, \"egress\": true}";
    } else {
      const char* verb = a == 0 ? "get" : a == 1 ? "patch" : a == 2 ? "delete" : a == 4 ? "backup" : "apply";
      step += std::string("\"verb\": \"") + verb + "\", \"resource\": {\"kind\": \"" + kind + "\", \"namespace\": \"" +
              ns + "\", \"name\": \"r" + Num(i) + "\"}";
    }
    if (i > 0 && rnd.Below(3) == 0) step += ", \"inputs\": [\"s" + Num(rnd.Below(i)) + "\"]";
    step += ", \"duration\": \"2m\"}";
    out += (i ? ", " : "") + step;
  }
  return out + "]}";
}

}  // namespace gavel::bench
