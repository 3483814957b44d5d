// The grant as Kubernetes RBAC YAML (`gavel grant --format k8s`).
//
// Rules come from the steps themselves, which is finer than the grant's
// lists: a Role holds, per (apiGroup, resource), only the verbs the steps in
// its namespace use on that resource, not every verb times every kind; and
// get, update, patch and delete on named objects are limited to those
// resourceNames (unless a step uses the verb on an unnamed object).
//   - Steps without resource.kind are not Kubernetes API calls: left out,
//     and named in a header comment.
//   - A step's kind maps to its apiGroup and resource through kKinds (core
//     kinds and their groups; kind or resource name, any case). The step's
//     resource.group wins over the table. An unknown kind is namespaced, its
//     resource the lowercase plural (Certificate -> certificates, Policy ->
//     policies), its group the step's or the core group "" (with a comment).
//   - Cluster-scoped kinds, and namespaced kinds in steps without a
//     namespace (a cluster-wide list, say), go into a ClusterRole and
//     ClusterRoleBinding; the others into a Role and RoleBinding in their
//     namespace.
//   - Plan verbs that are RBAC verbs stay; kubectl verbs map through kVerbs
//     (apply -> create, get, patch; scale -> get, patch on `<resource>/scale`);
//     a step without a verb needs `*` (as covers() says); any other verb is
//     kept as written (RBAC takes custom verbs).
//   - Each object is grouped by cluster (the step's resource.cluster, else
//     context.cluster), annotated with gavel.dev/cluster, and bound to the
//     agent: `system:serviceaccount:NS:NAME` is that ServiceAccount, any
//     other agent.id a User.
// RBAC has no expiry: the validity goes into gavel.dev/not-before and
// gavel.dev/expires-at annotations, and a gavel.dev/grant label lets the
// objects be deleted together.
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/builtins_impl.h"
#include "engine/decision.h"
#include "engine/grant_synthesis.h"
#include "engine/schema.h"

namespace gavel {
namespace {

using builtins_internal::FormatTimestamp;

struct KindInfo {
  const char* kind;
  const char* group;
  const char* resource;
  bool cluster_scoped;
};

// Built-in kinds of Kubernetes 1.30: kind, apiGroup, resource, scope.
constexpr KindInfo kKinds[] = {
    {"Binding", "", "bindings", false},
    {"ConfigMap", "", "configmaps", false},
    {"Endpoints", "", "endpoints", false},
    {"Event", "", "events", false},
    {"LimitRange", "", "limitranges", false},
    {"Namespace", "", "namespaces", true},
    {"Node", "", "nodes", true},
    {"PersistentVolume", "", "persistentvolumes", true},
    {"PersistentVolumeClaim", "", "persistentvolumeclaims", false},
    {"Pod", "", "pods", false},
    {"PodTemplate", "", "podtemplates", false},
    {"ReplicationController", "", "replicationcontrollers", false},
    {"ResourceQuota", "", "resourcequotas", false},
    {"Secret", "", "secrets", false},
    {"Service", "", "services", false},
    {"ServiceAccount", "", "serviceaccounts", false},
    {"MutatingWebhookConfiguration", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", true},
    {"ValidatingWebhookConfiguration", "admissionregistration.k8s.io", "validatingwebhookconfigurations", true},
    {"CustomResourceDefinition", "apiextensions.k8s.io", "customresourcedefinitions", true},
    {"ControllerRevision", "apps", "controllerrevisions", false},
    {"DaemonSet", "apps", "daemonsets", false},
    {"Deployment", "apps", "deployments", false},
    {"ReplicaSet", "apps", "replicasets", false},
    {"StatefulSet", "apps", "statefulsets", false},
    {"HorizontalPodAutoscaler", "autoscaling", "horizontalpodautoscalers", false},
    {"CronJob", "batch", "cronjobs", false},
    {"Job", "batch", "jobs", false},
    {"CertificateSigningRequest", "certificates.k8s.io", "certificatesigningrequests", true},
    {"Lease", "coordination.k8s.io", "leases", false},
    {"EndpointSlice", "discovery.k8s.io", "endpointslices", false},
    {"Ingress", "networking.k8s.io", "ingresses", false},
    {"IngressClass", "networking.k8s.io", "ingressclasses", true},
    {"NetworkPolicy", "networking.k8s.io", "networkpolicies", false},
    {"PodDisruptionBudget", "policy", "poddisruptionbudgets", false},
    {"ClusterRole", "rbac.authorization.k8s.io", "clusterroles", true},
    {"ClusterRoleBinding", "rbac.authorization.k8s.io", "clusterrolebindings", true},
    {"Role", "rbac.authorization.k8s.io", "roles", false},
    {"RoleBinding", "rbac.authorization.k8s.io", "rolebindings", false},
    {"PriorityClass", "scheduling.k8s.io", "priorityclasses", true},
    {"CSIDriver", "storage.k8s.io", "csidrivers", true},
    {"CSINode", "storage.k8s.io", "csinodes", true},
    {"StorageClass", "storage.k8s.io", "storageclasses", true},
    {"VolumeAttachment", "storage.k8s.io", "volumeattachments", true},
};

struct VerbInfo {
  const char* verb;
  std::vector<const char*> rbac;
  const char* subresource;  // "" for the resource itself
};

// Plan verbs (kubectl's words) and the RBAC verbs they need.
const std::vector<VerbInfo>& Verbs() {
  static const auto* verbs = new std::vector<VerbInfo>{
      {"apply", {"create", "get", "patch"}, ""},  // creates or patches, after a get
      {"cordon", {"get", "patch"}, ""},
      {"describe", {"get"}, ""},
      {"diff", {"get", "patch"}, ""},  // a server-side dry-run patch
      {"drain", {"get", "patch"}, ""},  // the node only; evictions are steps of their own
      {"exec", {"create", "get"}, "exec"},
      {"logs", {"get"}, "log"},
      {"scale", {"get", "patch"}, "scale"},
      {"uncordon", {"get", "patch"}, ""},
  };
  return *verbs;
}

const KindInfo* FindKind(const std::string& kind) {
  for (const KindInfo& k : kKinds) {
    if (kind == k.kind) return &k;
  }
  for (const KindInfo& k : kKinds) {
    if (absl::EqualsIgnoreCase(kind, k.kind) || absl::EqualsIgnoreCase(kind, k.resource)) return &k;
  }
  return nullptr;
}

bool IsVowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

// The resource name Kubernetes derives for a kind: lowercase plural.
std::string Plural(const std::string& kind) {
  std::string r = absl::AsciiStrToLower(kind);
  if (absl::EndsWith(r, "s") || absl::EndsWith(r, "x") || absl::EndsWith(r, "z") || absl::EndsWith(r, "ch") ||
      absl::EndsWith(r, "sh")) {
    return r + "es";
  }
  if (r.size() >= 2 && r.back() == 'y' && !IsVowel(r[r.size() - 2])) return r.substr(0, r.size() - 1) + "ies";
  return r + "s";
}

// A YAML scalar: plain when it cannot be read as anything but that string,
// else double-quoted (JSON escapes are valid YAML).
std::string Scalar(const std::string& s) {
  bool plain = !s.empty() && absl::ascii_isalpha(static_cast<unsigned char>(s[0]));
  for (char c : s) {
    plain = plain && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
                      c == '/');
  }
  static const std::set<std::string>* reserved =
      new std::set<std::string>{"y", "n", "yes", "no", "true", "false", "on", "off", "null"};
  if (plain && reserved->count(absl::AsciiStrToLower(s)) == 0) return s;
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

std::string FlowList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i > 0 ? ", " : "", Scalar(items[i]));
  return out + "]";
}

// A name Kubernetes accepts both as an object name and as a label value:
// lowercase letters, digits, `-` and `.`, starting and ending alphanumeric,
// at most 63 bytes.
std::string KubeName(const std::string& id) {
  std::string out;
  for (char c : absl::AsciiStrToLower(id)) {
    out.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ? c : '-');
  }
  if (out.size() > 63) out.resize(63);
  auto alnum = [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); };
  while (!out.empty() && !alnum(out.back())) out.pop_back();
  size_t start = 0;
  while (start < out.size() && !alnum(out[start])) ++start;
  out.erase(0, start);
  return out.empty() ? "gavel-grant" : out;
}

const std::string& StringField(const Value& message, int field) {
  static const std::string* empty = new std::string();
  if (!message.is_message()) return *empty;
  const Value& v = message.message().fields[field];
  return v.is_string() ? v.str() : *empty;
}

// The verbs RBAC can limit to resourceNames: their requests name the object
// in the URL (create, list, watch and deletecollection do not).
bool Nameable(const std::string& verb) {
  return verb == "get" || verb == "update" || verb == "patch" || verb == "delete";
}

// What the steps do to one (apiGroup, resource): the verbs used on any
// object, and the verbs used only on named objects, with those names.
struct Access {
  std::set<std::string> any;
  std::map<std::string, std::set<std::string>> named;  // verb -> names

  void Add(const std::string& verb, const std::string& name) {
    if (name.empty() || !Nameable(verb)) {
      any.insert(verb);
    } else {
      named[verb].insert(name);
    }
  }
};

// (apiGroup, resource) -> access.
using Rules = std::map<std::pair<std::string, std::string>, Access>;

struct Subject {
  std::string kind, name, ns;
};

struct Emitter {
  std::string out;
  std::string name, label, plan_id, not_before, expires_at;
  Subject subject;

  void Metadata(const std::string& cluster, const std::string& ns) {
    absl::StrAppend(&out, "metadata:\n  name: ", Scalar(name), "\n");
    if (!ns.empty()) absl::StrAppend(&out, "  namespace: ", Scalar(ns), "\n");
    absl::StrAppend(&out, "  labels:\n    app.kubernetes.io/managed-by: gavel\n    gavel.dev/grant: ", Scalar(label),
                    "\n  annotations:\n");
    if (!cluster.empty()) absl::StrAppend(&out, "    gavel.dev/cluster: ", Scalar(cluster), "\n");
    absl::StrAppend(&out, "    gavel.dev/expires-at: ", Scalar(expires_at), "\n");
    absl::StrAppend(&out, "    gavel.dev/not-before: ", Scalar(not_before), "\n");
    if (!plan_id.empty()) absl::StrAppend(&out, "    gavel.dev/plan: ", Scalar(plan_id), "\n");
  }

  void Role(const std::string& cluster, const std::string& ns, const Rules& rules) {
    const char* kind = ns.empty() ? "ClusterRole" : "Role";
    absl::StrAppend(&out, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ", kind, "\n");
    Metadata(cluster, ns);
    out += "rules:\n";
    for (const auto& entry : rules) {
      // Not a structured binding: clang 14 (the fuzz build) cannot capture one in a lambda.
      const auto& resource = entry.first;
      const auto& access = entry.second;
      auto rule = [&](const std::vector<std::string>& verbs, const std::set<std::string>& names) {
        absl::StrAppend(&out, "  - apiGroups: ", FlowList({resource.first}), "\n    resources: ",
                        FlowList({resource.second}), "\n");
        if (!names.empty()) {
          absl::StrAppend(&out, "    resourceNames: ", FlowList({names.begin(), names.end()}), "\n");
        }
        absl::StrAppend(&out, "    verbs: ", FlowList(verbs), "\n");
      };
      // `*` on any object makes every other rule for the resource redundant.
      if (access.any.count("*") > 0) {
        rule({"*"}, {});
        continue;
      }
      std::set<std::string> any = access.any;
      // Verbs used on any object need no named rule; the others are grouped
      // by the names they are used on.
      std::map<std::set<std::string>, std::vector<std::string>> by_names;
      for (const auto& [verb, names] : access.named) {
        if (any.count(verb) == 0) by_names[names].push_back(verb);
      }
      if (!any.empty()) rule({any.begin(), any.end()}, {});
      for (const auto& [names, verbs] : by_names) rule(verbs, names);
    }
    absl::StrAppend(&out, "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ", kind, "Binding\n");
    Metadata(cluster, ns);
    absl::StrAppend(&out, "roleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ", kind, "\n  name: ",
                    Scalar(name), "\nsubjects:\n  - kind: ", subject.kind, "\n");
    if (subject.kind == "User") out += "    apiGroup: rbac.authorization.k8s.io\n";
    absl::StrAppend(&out, "    name: ", Scalar(subject.name), "\n");
    if (!subject.ns.empty()) absl::StrAppend(&out, "    namespace: ", Scalar(subject.ns), "\n");
  }
};

std::string JoinScalars(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) absl::StrAppend(&out, i > 0 ? ", " : "", Scalar(items[i]));
  return out;
}

}  // namespace

absl::StatusOr<std::string> GrantToRbacYaml(const Plan& plan, const SynthesizedGrant& grant) {
  const Value& context = plan.context();
  const std::string& context_cluster = StringField(context, kContextCluster);

  // cluster -> namespace ("" for cluster-wide) -> rules.
  std::map<std::string, std::map<std::string, Rules>> scopes;
  std::vector<std::string> skipped;
  std::set<std::string> assumed_core;
  for (const Value& step_value : plan.steps()) {
    const MessageData& step = step_value.message();
    const Value& resource = step.fields[kStepResource];
    const std::string& kind = StringField(resource, kResourceKind);
    if (kind.empty()) {
      skipped.push_back(step.fields[kStepId].str());
      continue;
    }
    const KindInfo* info = FindKind(kind);
    std::string group = StringField(resource, kResourceGroup);
    if (group.empty() && info != nullptr) group = info->group;
    if (group.empty() && info == nullptr) assumed_core.insert(kind);
    std::string name = info != nullptr ? info->resource : Plural(kind);
    const bool cluster_scoped = info != nullptr && info->cluster_scoped;
    const std::string ns = cluster_scoped ? "" : StringField(resource, kResourceNamespace);
    std::string cluster = StringField(resource, kResourceCluster);
    if (cluster.empty()) cluster = context_cluster;

    const std::string& verb = step.fields[kStepVerb].str();
    std::vector<std::string> rbac_verbs{verb.empty() ? "*" : verb};
    for (const VerbInfo& v : Verbs()) {
      if (verb != v.verb) continue;
      rbac_verbs.assign(v.rbac.begin(), v.rbac.end());
      if (*v.subresource != '\0') absl::StrAppend(&name, "/", v.subresource);
    }
    Access& access = scopes[cluster][ns][{group, name}];
    for (const std::string& v : rbac_verbs) access.Add(v, StringField(resource, kResourceName));
  }

  Emitter e;
  e.name = KubeName(grant.id);
  e.label = e.name;
  e.plan_id = plan.message().fields[kPlanId].str();
  e.not_before = FormatTimestamp(grant.not_before);
  e.expires_at = FormatTimestamp(grant.expires_at);

  absl::StrAppend(&e.out, "# Kubernetes RBAC for grant ", Scalar(grant.id), ", valid from ", e.not_before, " to ",
                  e.expires_at, " (gavel grant --format k8s).\n",
                  "# RBAC has no expiry: delete these objects at gavel.dev/expires-at:\n",
                  "#   kubectl delete role,rolebinding,clusterrole,clusterrolebinding -A -l gavel.dev/grant=", e.label,
                  "\n");
  if (scopes.size() > 1 || (scopes.size() == 1 && !scopes.begin()->first.empty())) {
    e.out += "# Apply each object in the cluster its gavel.dev/cluster annotation names.\n";
  }
  if (!skipped.empty()) {
    absl::StrAppend(&e.out, "# Steps without a resource kind (not Kubernetes API calls), not granted here: ",
                    JoinScalars(skipped), "\n");
  }
  for (const std::string& kind : assumed_core) {
    absl::StrAppend(&e.out, "# Kind ", Scalar(kind),
                    " is not a built-in kind and its steps name no group: the core group \"\" is assumed.\n");
  }
  if (scopes.empty()) {
    e.out += "# No step has a resource kind: there is nothing to grant in Kubernetes.\n";
    return e.out;
  }

  const std::string& agent_id = StringField(plan.agent(), kAgentId);
  if (agent_id.empty()) {
    return absl::InvalidArgumentError("agent.id: the plan names no agent, so the RBAC bindings have no subject");
  }
  std::vector<std::string> parts = absl::StrSplit(agent_id, ':');
  if (parts.size() == 4 && parts[0] == "system" && parts[1] == "serviceaccount" && !parts[2].empty() &&
      !parts[3].empty()) {
    e.subject = Subject{"ServiceAccount", parts[3], parts[2]};
  } else {
    e.subject = Subject{"User", agent_id, ""};
  }

  for (const auto& [cluster, namespaces] : scopes) {
    for (const auto& [ns, rules] : namespaces) e.Role(cluster, ns, rules);
  }
  return e.out;
}

}  // namespace gavel
