// The plan schema tables. Keep them in the order of the enums in schema.h
// and in step with proto/gavel/v1/plan.proto.
#include "engine/schema.h"

namespace gavel {
namespace {

void Add(MessageType& m, std::string name, Type type, std::string doc) {
  FieldDesc f;
  f.name = std::move(name);
  f.index = static_cast<int>(m.fields.size());
  f.type = std::move(type);
  f.doc = std::move(doc);
  m.fields.push_back(std::move(f));
}

Schema* Build() {
  auto* s = new Schema;
  auto init = [](MessageType& m, const char* name) {
    m.name = name;
    m.full_name = std::string("gavel.v1.") + name;
  };
  init(s->plan, "Plan");
  init(s->agent, "Agent");
  init(s->grant, "Grant");
  init(s->context, "Context");
  init(s->step, "Step");
  init(s->resource, "Resource");
  init(s->network, "Network");

  const Type str = Type::String();
  const Type strs = Type::List(Type::String());
  const Type open = Type::Map(Type::String(), Type::Dyn());

  Add(s->plan, "id", str, "the plan's identifier");
  Add(s->plan, "created_at", Type::Timestamp(), "when the agent made the plan");
  Add(s->plan, "labels", open, "free-form labels");
  Add(s->plan, "agent", Type::Message(&s->agent), "the agent that wants to run the plan");
  Add(s->plan, "context", Type::Message(&s->context), "where and when the plan runs");
  Add(s->plan, "steps", Type::List(Type::Message(&s->step)), "the intended steps, in order");

  Add(s->agent, "id", str, "the agent's identifier");
  Add(s->agent, "delegated_by", str, "the human the agent acts for");
  Add(s->agent, "session", str, "the agent's session");
  Add(s->agent, "grants", Type::List(Type::Message(&s->grant)), "ephemeral, scoped identities");

  Add(s->grant, "id", str, "the grant's identifier");
  Add(s->grant, "actions", strs, "globs over tool names");
  Add(s->grant, "verbs", strs, "verbs the grant allows");
  Add(s->grant, "resources", strs, "resource kinds the grant covers");
  Add(s->grant, "namespaces", strs, "globs over namespaces");
  Add(s->grant, "clusters", strs, "clusters the grant covers");
  Add(s->grant, "not_before", Type::Timestamp(), "start of validity");
  Add(s->grant, "expires_at", Type::Timestamp(), "end of validity");
  Add(s->grant, "issued_by", str, "who issued the grant");

  Add(s->context, "environment", str, "dev, test, prod, ...");
  Add(s->context, "airgapped", Type::Bool(), "whether the site is air-gapped");
  Add(s->context, "cluster", str, "the target cluster");
  Add(s->context, "region", str, "the target region");
  Add(s->context, "now", Type::Timestamp(), "the time of the decision");
  Add(s->context, "labels", open, "free-form labels");
  Add(s->context, "attrs", open, "free-form attributes");

  Add(s->step, "id", str, "the step's identifier, unique in the plan");
  Add(s->step, "index", Type::Int(), "the step's position, from 0");
  Add(s->step, "action", str, "the tool name, e.g. `kubectl.delete`");
  Add(s->step, "verb", str, "get, list, create, patch, apply, delete, ...");
  Add(s->step, "resource", Type::Message(&s->resource), "the resource the step touches");
  Add(s->step, "network", Type::Message(&s->network), "the network endpoint the step reaches");
  Add(s->step, "args", open, "the tool's arguments");
  Add(s->step, "starts_at", Type::Timestamp(), "when the step is planned to start");
  Add(s->step, "duration", Type::Duration(), "how long the step is planned to take");
  Add(s->step, "depends_on", strs, "ids of steps that must run first");
  Add(s->step, "inputs", strs, "ids of steps whose outputs feed this one");
  Add(s->step, "labels", open, "free-form labels");

  Add(s->resource, "kind", str, "e.g. `Deployment`");
  Add(s->resource, "group", str, "API group");
  Add(s->resource, "namespace", str, "namespace");
  Add(s->resource, "name", str, "name");
  Add(s->resource, "cluster", str, "cluster");

  Add(s->network, "host", str, "host name");
  Add(s->network, "ip", str, "IP address");
  Add(s->network, "port", Type::Int(), "port");
  Add(s->network, "protocol", str, "tcp, udp, https, ...");
  Add(s->network, "egress", Type::Bool(), "whether the step leaves the site");
  return s;
}

}  // namespace

const FieldDesc* MessageType::Find(std::string_view field) const {
  for (const auto& f : fields) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

std::vector<std::string> MessageType::FieldNames() const {
  std::vector<std::string> names;
  for (const auto& f : fields) names.push_back(f.name);
  return names;
}

const Schema& Schema::Get() {
  static const Schema* schema = Build();
  return *schema;
}

const MessageType* Schema::FindMessage(std::string_view name) const {
  for (const MessageType* m : {&plan, &agent, &grant, &context, &step, &resource, &network}) {
    if (m->name == name || m->full_name == name) return m;
  }
  return nullptr;
}

}  // namespace gavel
