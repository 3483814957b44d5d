// Least-privilege grant synthesis (`gavel grant`): from a plan, the
// narrowest, shortest-lived grant that covers every step by `g.covers(step)`
// (builtins_plan.cc), and its printed forms: one JSON object in the plan
// schema's Grant form (an `agent.grants` entry), and Kubernetes RBAC YAML
// (grant_rbac.cc).
//
// The grant follows covers() exactly, field by field:
//   - actions: the steps' actions, each as a glob that matches only itself
//     (GlobLiteral); a step without an action needs the pattern "".
//   - verbs, resources (kinds), namespaces (globs, escaped), clusters (the
//     step's resource.cluster, else context.cluster): the values the steps
//     use. covers() lets an empty list stand for "no value" only, so when
//     some steps have a value and others none, the only list covering both
//     is ["*"]; when no step has a value, the list is empty.
//   - not_before: the earliest step start (starts_at, else context.now, as
//     covers() takes it) minus the margin; expires_at: the latest step end
//     (start + duration; a step without a duration lasts
//     default_duration, 0 as covers() assumes) plus the margin.
// With a zero margin, removing any list element or moving either bound in
// by any amount leaves some step uncovered (tests/grant_synthesis_test.cc).
#ifndef GAVEL_ENGINE_GRANT_SYNTHESIS_H_
#define GAVEL_ENGINE_GRANT_SYNTHESIS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/plan.h"
#include "engine/value.h"

namespace gavel {

struct GrantOptions {
  std::string id;                  // the grant's id; empty: "<plan id>-grant", or "gavel-grant"
  TimeRep margin{300, 0};          // before the first start and after the last end; not negative
  TimeRep default_duration{0, 0};  // for steps without a duration; not negative
};

// A grant in the Grant form. The lists are sorted and deduplicated, ready to
// print; actions and namespaces are globs (escaped literals, or "*").
struct SynthesizedGrant {
  std::string id;
  std::vector<std::string> actions, verbs, resources, namespaces, clusters;
  TimeRep not_before, expires_at;
};

// InvalidArgument, with the path of the offending field, for a plan the
// grant cannot be computed from: no steps; a step without starts_at in a
// plan without context.now; a negative duration; validity past year 9999.
absl::StatusOr<SynthesizedGrant> SynthesizeGrant(const Plan& plan, const GrantOptions& options = {});

// One JSON object (two-space indent, trailing newline) that decodes as an
// `agent.grants` entry: id, actions, verbs, resources, namespaces, clusters,
// not_before, expires_at.
std::string GrantToJson(const SynthesizedGrant& grant);

// Kubernetes RBAC (see grant_rbac.cc): per cluster, a Role and RoleBinding
// per namespace and a ClusterRole and ClusterRoleBinding for cluster-scoped
// kinds and cluster-wide steps, bound to the plan's agent, with the
// validity as annotations. InvalidArgument when a step needs a binding and
// the plan has no agent.id.
absl::StatusOr<std::string> GrantToRbacYaml(const Plan& plan, const SynthesizedGrant& grant);

// A glob (builtins_net.h) that matches exactly `name`: `*`, `?`, `[` and `\`
// escaped with `\`.
std::string GlobLiteral(std::string_view name);

}  // namespace gavel

#endif  // GAVEL_ENGINE_GRANT_SYNTHESIS_H_
