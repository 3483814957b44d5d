// Plan-aware built-ins (see builtins_plan.h).
//
// Steps are identified by id: a step value whose id is not a step of the
// plan in scope is an error. Closures (`upstream`, `downstream`) follow the
// edges of `depends_on` and `inputs` (`data_sources`: `inputs` only, data
// flow without mere ordering) with an iterative depth-first search
// over the graph EvalScope builds once per evaluation, and list the steps
// in plan order, without the step itself. Each step's result is kept for
// the rest of the evaluation (EvalScope::Result).
//
// `g.covers(step)`, least privilege (fail closed): each of the grant's lists
// must match the step. An empty list matches nothing, except that a step
// whose field is empty (no verb, no resource kind, no namespace, no cluster)
// is covered by an empty list or by one holding `*`; `actions` must always
// match (an empty `actions` covers no step). The grant must be valid over
// the whole of [starts_at, starts_at + duration].
#include "engine/builtins_plan.h"

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/builtins_net.h"
#include "engine/eval_scope.h"
#include "engine/operators.h"
#include "engine/schema.h"

namespace gavel {
namespace {

bool IsMessageOf(const Value& v, const MessageType& type) { return v.is_message() && v.message().type == &type; }

// The scope's plan, or an error naming the function.
EvalScope* PlanScope(std::string_view fn, Value* error) {
  EvalScope* scope = EvalScope::Current();
  if (scope == nullptr || !scope->has_plan()) {
    *error = Value::Error(absl::StrCat(std::string(fn), "() needs a plan: it is only defined while evaluating one"));
    return nullptr;
  }
  return scope;
}

// The position of `step` in the plan in scope, or -1 with *error set.
int StepPosition(std::string_view fn, const Value* args, size_t argc, EvalScope** scope_out, Value* error) {
  if (argc != 1 || !IsMessageOf(args[0], Schema::Get().step)) {
    *error = NoSuchOverload(fn, args, argc);
    return -1;
  }
  EvalScope* scope = PlanScope(fn, error);
  if (scope == nullptr) return -1;
  const int pos = scope->PositionOf(args[0].message());
  if (pos < 0) {
    *error = Value::Error(absl::StrCat(std::string(fn), "(): step `", args[0].message().fields[kStepId].str(),
                                       "` is not a step of the plan"));
    return -1;
  }
  *scope_out = scope;
  return pos;
}

// The steps reachable from `start` over `edges`, in plan order, without it.
Value Closure(EvalScope& scope, const std::vector<std::vector<int>>& edges, int start) {
  const std::vector<Value>& steps = scope.steps();
  std::vector<char>& seen = scope.Seen();
  std::vector<int>& stack = scope.Stack();
  stack.assign(1, start);
  seen[start] = 1;
  size_t count = 0;
  while (!stack.empty()) {
    int node = stack.back();
    stack.pop_back();
    for (int to : edges[node]) {
      if (!seen[to]) {
        seen[to] = 1;
        ++count;
        stack.push_back(to);
      }
    }
  }
  seen[start] = 0;
  Value list = scope.NewStepList();
  std::vector<Value>& out = EvalScope::ListElems(list);
  out.reserve(count);
  for (size_t i = 0; i < steps.size(); ++i) {
    if (seen[i]) out.push_back(Value::Borrow(steps[i]));
  }
  return list;
}

// The steps in [begin, end), as a list.
Value StepRange(EvalScope& scope, std::vector<Value>::const_iterator begin, std::vector<Value>::const_iterator end) {
  Value list = scope.NewStepList();
  std::vector<Value>& out = EvalScope::ListElems(list);
  out.reserve(static_cast<size_t>(end - begin));
  for (auto it = begin; it != end; ++it) out.push_back(Value::Borrow(*it));
  return list;
}

// `fn` of the step in args[0]: computed once per step and evaluation (the
// result depends on the plan and the step only), then shared.
Value StepFunction(EvalScope::StepFn fn, std::string_view name, const Value* args, size_t argc) {
  Value error;
  EvalScope* scope = nullptr;
  const int i = StepPosition(name, args, argc, &scope, &error);
  if (i < 0) return error;
  Value& result = scope->Result(fn, i);
  if (!result.is_null()) return result;
  const std::vector<Value>& steps = scope->steps();
  const auto at = [&](size_t pos) { return steps.begin() + static_cast<std::ptrdiff_t>(pos); };
  switch (fn) {
    case EvalScope::kBefore: result = StepRange(*scope, steps.begin(), at(i)); break;
    case EvalScope::kAfter: result = StepRange(*scope, at(i + 1), steps.end()); break;
    case EvalScope::kUpstream: result = Closure(*scope, scope->graph().up, i); break;
    case EvalScope::kDownstream: result = Closure(*scope, scope->graph().down, i); break;
    case EvalScope::kDataSources: result = Closure(*scope, scope->graph().inputs, i); break;
    case EvalScope::kNumStepFns: break;
  }
  return result;
}

Value FnBefore(const Value* args, size_t argc) { return StepFunction(EvalScope::kBefore, "before", args, argc); }
Value FnAfter(const Value* args, size_t argc) { return StepFunction(EvalScope::kAfter, "after", args, argc); }
Value FnUpstream(const Value* args, size_t argc) { return StepFunction(EvalScope::kUpstream, "upstream", args, argc); }
Value FnDataSources(const Value* args, size_t argc) {
  return StepFunction(EvalScope::kDataSources, "data_sources", args, argc);
}
Value FnDownstream(const Value* args, size_t argc) {
  return StepFunction(EvalScope::kDownstream, "downstream", args, argc);
}

bool IsStar(const std::string& pattern) { return pattern.size() == 1 && pattern[0] == '*'; }

// A grant's glob list (actions, namespaces), each pattern made ready when
// matching first reaches it (a list is usually left at its first match).
class GlobList {
 public:
  void Reset(const Value& patterns) {
    patterns_ = &patterns.list().elems;
    made_.clear();
  }
  const GlobMatcher& At(size_t k) {
    while (made_.size() <= k) made_.emplace_back((*patterns_)[made_.size()].str());
    return made_[k];
  }

 private:
  const std::vector<Value>* patterns_ = nullptr;
  std::vector<GlobMatcher> made_;  // views into the plan
};

// The glob lists of the plan's grants, kept for the rest of the evaluation
// (EvalScope::serial): covers() asks a grant about every step, and most
// patterns are literals or `prefix*`.
class GrantGlobs {
 public:
  struct Lists {
    const MessageData* grant = nullptr;
    GlobList actions, namespaces;
  };
  // The lists of `grant`, or null when it is not one of the plan's grants
  // (one an expression built may not outlive the call: never kept).
  Lists* For(const EvalScope& scope, const MessageData& grant) {
    if (scope.serial() != serial_) {
      serial_ = scope.serial();
      used_ = 0;
    }
    for (size_t k = 0; k < used_; ++k) {
      if (lists_[k].grant == &grant) return &lists_[k];
    }
    if (used_ == kMaxGrants || !scope.has_plan() || !IsPlanGrant(scope, grant)) return nullptr;
    if (lists_.size() == used_) lists_.emplace_back();
    Lists& lists = lists_[used_++];  // reused: its vectors keep their memory
    lists.grant = &grant;
    lists.actions.Reset(grant.fields[kGrantActions]);
    lists.namespaces.Reset(grant.fields[kGrantNamespaces]);
    return &lists;
  }

 private:
  static constexpr size_t kMaxGrants = 64;  // more are matched pattern by pattern

  static bool IsPlanGrant(const EvalScope& scope, const MessageData& grant) {
    const Value& agent = scope.plan().message().fields[kPlanAgent];
    if (!agent.is_message()) return false;
    const Value& grants = agent.message().fields[kAgentGrants];
    if (!grants.is_list()) return false;
    for (const Value& g : grants.list().elems) {
      if (g.is_message() && &g.message() == &grant) return true;
    }
    return false;
  }

  uint64_t serial_ = 0;
  std::vector<Lists> lists_;  // [0, used_): this evaluation's
  size_t used_ = 0;
};

// Whether one of the grant's `patterns` matches `value` (see the top of the
// file); as globs when `globs` (the same patterns) is given. Sets *error
// for a glob from the plan that does not parse.
bool ListMatches(const Value& patterns, std::string_view value, GlobList* globs, bool empty_value_exception,
                 std::string_view field, Value* error) {
  const std::vector<Value>& elems = patterns.list().elems;
  if (value.empty() && empty_value_exception) {
    if (elems.empty()) return true;
    for (const Value& p : elems) {
      if (IsStar(p.str())) return true;
    }
    return false;
  }
  for (size_t k = 0; k < elems.size(); ++k) {
    const std::string& pattern = elems[k].str();
    if (IsStar(pattern)) return true;
    if (globs == nullptr) {
      if (SameText(pattern, value)) return true;
      continue;
    }
    const GlobMatcher& glob = globs->At(k);
    if (glob.simple()) {
      if (glob.MatchSimple(value)) return true;
      continue;
    }
    absl::StatusOr<bool> matched = glob.Match(value);
    if (!matched.ok()) {
      *error = Value::Error(
          absl::StrCat("covers(): grant ", std::string(field), ": ", std::string(matched.status().message())));
      return false;
    }
    if (*matched) return true;
  }
  return false;
}

const std::string& StringField(const Value& message, int field) {
  static const std::string* empty = new std::string();
  if (!message.is_message()) return *empty;
  const Value& v = message.message().fields[field];
  return v.is_string() ? v.str() : *empty;
}

Value FnCovers(const Value* args, size_t argc) {
  const Schema& schema = Schema::Get();
  if (argc != 2 || !IsMessageOf(args[0], schema.grant) || !IsMessageOf(args[1], schema.step)) {
    return NoSuchOverload("covers", args, argc);
  }
  const MessageData& grant = args[0].message();
  const MessageData& step = args[1].message();
  const Value& resource = step.fields[kStepResource];
  EvalScope* scope = EvalScope::Current();
  const Value* context = scope != nullptr && scope->has_plan() ? &scope->context() : nullptr;

  std::string_view cluster = StringField(resource, kResourceCluster);
  if (cluster.empty() && context != nullptr) cluster = StringField(*context, kContextCluster);

  thread_local GrantGlobs kept_globs;
  GrantGlobs::Lists* kept = scope != nullptr ? kept_globs.For(*scope, grant) : nullptr;
  GlobList actions, namespaces;  // when none are kept (allocate only then)
  if (kept == nullptr) {
    actions.Reset(grant.fields[kGrantActions]);
    namespaces.Reset(grant.fields[kGrantNamespaces]);
  }
  Value error;
  bool ok = ListMatches(grant.fields[kGrantActions], step.fields[kStepAction].str(),
                        kept ? &kept->actions : &actions, false, "actions", &error) &&
            ListMatches(grant.fields[kGrantVerbs], step.fields[kStepVerb].str(), nullptr, true, "verbs", &error) &&
            ListMatches(grant.fields[kGrantResources], StringField(resource, kResourceKind), nullptr, true,
                        "resources", &error) &&
            ListMatches(grant.fields[kGrantNamespaces], StringField(resource, kResourceNamespace),
                        kept ? &kept->namespaces : &namespaces, true, "namespaces", &error) &&
            ListMatches(grant.fields[kGrantClusters], cluster, nullptr, true, "clusters", &error);
  if (error.is_error()) return error;
  if (!ok) return Value::Bool(false);

  const bool has_start = grant.has(kGrantNotBefore), has_end = grant.has(kGrantExpiresAt);
  if (!has_start && !has_end) return Value::Bool(true);
  // When the step runs: its starts_at, else the decision's time; compared
  // as the plan holds them (seconds, nanos: no conversions).
  const Value* start;
  if (step.has(kStepStartsAt)) {
    start = &step.fields[kStepStartsAt];
  } else if (context != nullptr && context->is_message() && context->message().has(kContextNow)) {
    start = &context->message().fields[kContextNow];
  } else {
    return Value::Error(absl::StrCat("covers(): step `", step.fields[kStepId].str(),
                                     "` has no starts_at and the plan has no context.now"));
  }
  if (has_start && CompareTime(start->time_rep(), grant.fields[kGrantNotBefore].time_rep()) < 0) {
    return Value::Bool(false);
  }
  if (has_end) {
    const Value end = OpAdd(*start, step.fields[kStepDuration]);  // range-checked
    if (end.is_error()) return end;
    if (CompareTime(grant.fields[kGrantExpiresAt].time_rep(), end.time_rep()) < 0) return Value::Bool(false);
  }
  return Value::Bool(true);
}

Value FnTtl(const Value* args, size_t argc) {
  if (argc != 1 || !IsMessageOf(args[0], Schema::Get().grant)) return NoSuchOverload("ttl", args, argc);
  const MessageData& grant = args[0].message();
  if (!grant.has(kGrantExpiresAt)) {
    return Value::Error(absl::StrCat("ttl(): grant `", grant.fields[kGrantId].str(), "` has no expires_at"));
  }
  Value error;
  EvalScope* scope = PlanScope("ttl", &error);
  if (scope == nullptr) return error;
  const Value& context = scope->context();
  if (!context.is_message() || !context.message().has(kContextNow)) {
    return Value::Error("ttl(): the plan has no context.now");
  }
  return OpSub(grant.fields[kGrantExpiresAt], context.message().fields[kContextNow]);
}

}  // namespace

void AddPlanBuiltins(std::vector<Builtin>* table) {
  const Schema& schema = Schema::Get();
  const Type step = Type::Message(&schema.step);
  const Type steps = Type::List(step);
  const Type grant = Type::Message(&schema.grant);
  auto method = [](const char* id, std::vector<Type> params, Type result) {
    return Overload{id, true, std::move(params), std::move(result)};
  };
  table->push_back(Builtin{"before", {method("step_before", {step}, steps)}, &FnBefore,
                           "step.before(): the steps earlier in plan.steps, in plan order"});
  table->push_back(Builtin{"after", {method("step_after", {step}, steps)}, &FnAfter,
                           "step.after(): the steps later in plan.steps, in plan order"});
  table->push_back(Builtin{"upstream", {method("step_upstream", {step}, steps)}, &FnUpstream,
                           "step.upstream(): the steps this one depends on or takes inputs from, transitively, "
                           "in plan order"});
  table->push_back(Builtin{"downstream", {method("step_downstream", {step}, steps)}, &FnDownstream,
                           "step.downstream(): the steps that depend on or take inputs from this one, "
                           "transitively, in plan order"});
  table->push_back(Builtin{"data_sources", {method("step_data_sources", {step}, steps)}, &FnDataSources,
                           "step.data_sources(): the steps whose outputs flow into this one, over `inputs` only, "
                           "transitively, in plan order"});
  table->push_back(Builtin{"covers", {method("grant_covers_step", {grant, step}, Type::Bool())}, &FnCovers,
                           "g.covers(step): whether the grant's actions, verbs, kinds, namespaces and clusters match "
                           "the step and the grant is valid over all of [starts_at, starts_at + duration]"});
  table->push_back(Builtin{"ttl", {method("grant_ttl", {grant}, Type::Duration())}, &FnTtl,
                           "g.ttl(): the duration from context.now until the grant's expires_at"});
}

}  // namespace gavel
