// The plan schema (proto/gavel/v1/plan.proto) as the engine sees it: one
// table that drives the checker (field types, "did you mean"), the plan
// decoders (JSON, YAML, protobuf) and the VM (fields by index).
#ifndef GAVEL_ENGINE_SCHEMA_H_
#define GAVEL_ENGINE_SCHEMA_H_

#include <string>
#include <string_view>
#include <vector>

#include "engine/types.h"

namespace gavel {

struct FieldDesc {
  std::string name;  // snake_case, as in the proto and in JSON/YAML plans
  int index = 0;     // position in MessageType::fields and in ObjectData
  Type type;         // list(...), map(string, dyn), a message, a scalar
  std::string doc;
};

struct MessageType {
  std::string name;       // "Step"
  std::string full_name;  // "gavel.v1.Step"
  std::vector<FieldDesc> fields;

  const FieldDesc* Find(std::string_view field) const;
  std::vector<std::string> FieldNames() const;
};

// Field indices, so C++ code can reach plan fields without a lookup.
// They must follow the order of the tables in schema.cc.
enum PlanField { kPlanId, kPlanCreatedAt, kPlanLabels, kPlanAgent, kPlanContext, kPlanSteps };
enum AgentField { kAgentId, kAgentDelegatedBy, kAgentSession, kAgentGrants };
enum GrantField {
  kGrantId, kGrantActions, kGrantVerbs, kGrantResources, kGrantNamespaces,
  kGrantClusters, kGrantNotBefore, kGrantExpiresAt, kGrantIssuedBy
};
enum ContextField {
  kContextEnvironment, kContextAirgapped, kContextCluster, kContextRegion,
  kContextNow, kContextLabels, kContextAttrs
};
enum StepField {
  kStepId, kStepIndex, kStepAction, kStepVerb, kStepResource, kStepNetwork,
  kStepArgs, kStepStartsAt, kStepDuration, kStepDependsOn, kStepInputs, kStepLabels
};
enum ResourceField { kResourceKind, kResourceGroup, kResourceNamespace, kResourceName, kResourceCluster };
enum NetworkField { kNetworkHost, kNetworkIp, kNetworkPort, kNetworkProtocol, kNetworkEgress };

struct Schema {
  MessageType plan, agent, grant, context, step, resource, network;

  static const Schema& Get();
  // By short name ("Step") or full name ("gavel.v1.Step"); null if unknown.
  const MessageType* FindMessage(std::string_view name) const;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_SCHEMA_H_
