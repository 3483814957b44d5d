// See eval_scope.h.
#include "engine/eval_scope.h"

#include <utility>

#include "engine/schema.h"

namespace gavel {
namespace {

thread_local EvalScope* current_scope = nullptr;

const std::vector<Value>& EmptySteps() {
  static const std::vector<Value>* empty = new std::vector<Value>();
  return *empty;
}

const Value& NullValue() {
  static const Value* null = new Value();
  return *null;
}

}  // namespace

EvalScope::EvalScope(Value plan_root) : prev_(current_scope), root_(std::move(plan_root)) {
  current_scope = this;
}

EvalScope::~EvalScope() { current_scope = prev_; }

EvalScope* EvalScope::Current() { return current_scope; }

const std::vector<Value>& EvalScope::steps() const {
  if (!has_plan()) return EmptySteps();
  const Value& steps = root_.message().fields[kPlanSteps];
  return steps.is_list() ? steps.list().elems : EmptySteps();
}

const Value& EvalScope::context() const {
  if (!has_plan()) return NullValue();
  return root_.message().fields[kPlanContext];
}

const EvalScope::StepGraph& EvalScope::graph() {
  if (graph_) return *graph_;
  auto g = std::make_unique<StepGraph>();
  const std::vector<Value>& all = steps();
  const int n = static_cast<int>(all.size());
  g->up.resize(n);
  g->down.resize(n);
  g->inputs.resize(n);
  g->ids.reserve(n);
  for (int i = 0; i < n; ++i) g->ids.emplace(all[i].message().fields[kStepId].str(), i);
  for (int i = 0; i < n; ++i) {
    const MessageData& step = all[i].message();
    for (int field : {kStepDependsOn, kStepInputs}) {
      for (const Value& ref : step.fields[field].list().elems) {
        // The decoders reject unknown ids and cycles; skip them anyway.
        auto it = ref.is_string() ? g->ids.find(ref.str()) : g->ids.end();
        if (it == g->ids.end() || it->second == i) continue;
        g->up[i].push_back(it->second);
        g->down[it->second].push_back(i);
        if (field == kStepInputs) g->inputs[i].push_back(it->second);
      }
    }
  }
  graph_ = std::move(g);
  return *graph_;
}

}  // namespace gavel
