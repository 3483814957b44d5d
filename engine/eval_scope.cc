// See eval_scope.h.
#include "engine/eval_scope.h"

#include <utility>

#include "engine/schema.h"

namespace gavel {
namespace {

thread_local EvalScope* current_scope = nullptr;
thread_local uint64_t scopes_made = 0;  // EvalScope::serial

const std::vector<Value>& EmptySteps() {
  static const std::vector<Value>* empty = new std::vector<Value>();
  return *empty;
}

// What the spare lists may hold, in elements (a Value is 24 bytes): 1.5 MiB.
constexpr size_t kMaxSpareCapacity = 64 * 1024;

const Value& NullValue() {
  static const Value* null = new Value();
  return *null;
}

}  // namespace

EvalScope::EvalScope(Value plan_root, Storage* storage, const StepRefs* refs)
    : prev_(current_scope), root_(std::move(plan_root)), refs_(refs), serial_(++scopes_made), storage_(storage) {
  if (storage_ == nullptr) {
    own_storage_ = std::make_unique<Storage>();
    storage_ = own_storage_.get();
  }
  current_scope = this;
}

EvalScope::~EvalScope() {
  current_scope = prev_;
  // Leave the storage empty for the next scope: the results refer to this
  // plan. Only this plan's entries can be set (Result() is indexed by its
  // steps; a larger earlier plan's tail was cleared by its own scope).
  const size_t n = steps().size();
  std::vector<Value>& spare = storage_->spare_lists;
  for (int fn = 0; fn < kNumStepFns; ++fn) {
    if (!used_[fn]) continue;
    std::vector<Value>& results = storage_->results[fn];
    for (size_t i = 0; i < n && i < results.size(); ++i) {
      Value& r = results[i];
      // Kept for reuse when nothing else holds it (unique), within a
      // bound: a plan of many steps must not leave the thread holding much.
      if (r.is_list() && r.unique() &&
          storage_->spare_capacity + r.list().elems.capacity() + 1 <= kMaxSpareCapacity) {
        storage_->spare_capacity += r.list().elems.capacity() + 1;
        ListElems(r).clear();
        const_cast<ListData&>(r.list()).owner.Clear();
        spare.push_back(std::move(r));
      }
      r.Clear();
    }
  }
  if (storage_->ids_built) storage_->graph.ids.clear();  // its keys point into this plan
  storage_->graph_built = storage_->ids_built = false;
}

EvalScope* EvalScope::Current() { return current_scope; }

Value EvalScope::NewList() {
  std::vector<Value>& spare = storage_->spare_lists;
  if (spare.empty()) return Value::List({});
  Value list = std::move(spare.back());
  spare.pop_back();
  storage_->spare_capacity -= list.list().elems.capacity() + 1;
  return list;
}

Value EvalScope::NewStepList() {
  Value list = NewList();
  Value& owner = const_cast<ListData&>(list.list()).owner;
  owner = root_;
  owner.Own();
  return list;
}

std::vector<Value>& EvalScope::ListElems(Value& list) {
  // In place: the list is unique (NewList's, not yet shared), as the VM's
  // accumulators are (vm.cc, Append).
  return const_cast<ListData&>(list.list()).elems;
}

const std::vector<Value>& EvalScope::steps() const {
  if (!has_plan()) return EmptySteps();
  const Value& steps = root_.message().fields[kPlanSteps];
  return steps.is_list() ? steps.list().elems : EmptySteps();
}

const Value& EvalScope::context() const {
  if (!has_plan()) return NullValue();
  return root_.message().fields[kPlanContext];
}

const absl::flat_hash_map<std::string_view, int>& EvalScope::Ids() {
  auto& ids = storage_->graph.ids;
  if (storage_->ids_built) return ids;
  const std::vector<Value>& all = steps();
  ids.clear();
  ids.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) ids.emplace(all[i].message().fields[kStepId].str(), static_cast<int>(i));
  storage_->ids_built = true;
  return ids;
}

const EvalScope::StepGraph& EvalScope::graph() {
  StepGraph* g = &storage_->graph;
  if (storage_->graph_built) return *g;
  const std::vector<Value>& all = steps();
  const int n = static_cast<int>(all.size());
  // Reused: clear() keeps the vectors' memory.
  for (auto* edges : {&g->up, &g->down, &g->inputs}) {
    if (edges->size() < static_cast<size_t>(n)) edges->resize(n);
    for (int i = 0; i < n; ++i) (*edges)[i].clear();
  }
  auto add = [&](int from, int to, bool input) {
    g->up[from].push_back(to);
    g->down[to].push_back(from);
    if (input) g->inputs[from].push_back(to);
  };
  const StepRefs* refs = refs_;
  const size_t size = static_cast<size_t>(n);
  if (refs != nullptr && (refs->first.size() != size + 1 || refs->inputs.size() != size)) {
    refs = nullptr;  // not this plan's: look the ids up
  }
  for (int i = 0; i < n; ++i) {
    if (refs != nullptr) {
      // Resolved by the decoder, which also rejected cycles and unknown ids.
      for (uint32_t k = refs->first[i]; k < refs->first[i + 1] && k < refs->targets.size(); ++k) {
        const uint32_t to = refs->targets[k];
        if (to < size && to != static_cast<uint32_t>(i)) add(i, static_cast<int>(to), k >= refs->inputs[i]);
      }
      continue;
    }
    const MessageData& step = all[i].message();
    for (int field : {kStepDependsOn, kStepInputs}) {
      for (const Value& ref : step.fields[field].list().elems) {
        // The decoders reject unknown ids and cycles; skip them anyway.
        const auto& ids = Ids();
        auto it = ref.is_string() ? ids.find(ref.str()) : ids.end();
        if (it == ids.end() || it->second == i) continue;
        add(i, it->second, field == kStepInputs);
      }
    }
  }
  storage_->graph_built = true;
  return *g;
}

int EvalScope::PositionOf(const MessageData& step) {
  const std::vector<Value>& all = steps();
  // Usually the very step of the plan (the rule loop borrows it), whose
  // index is its position (the decoders check); else found by its id.
  const Value& index = step.fields[kStepIndex];
  if (index.is_int() && index.int_value() >= 0 && index.int_value() < static_cast<int64_t>(all.size())) {
    const Value& at = all[static_cast<size_t>(index.int_value())];
    if (at.is_message() && &at.message() == &step) return static_cast<int>(index.int_value());
  }
  const auto& ids = Ids();
  auto it = ids.find(step.fields[kStepId].str());
  return it == ids.end() ? -1 : it->second;
}

Value& EvalScope::Result(StepFn fn, int pos) {
  std::vector<Value>& results = storage_->results[fn];
  if (results.size() < steps().size()) results.resize(steps().size());
  used_[fn] = true;
  return results[static_cast<size_t>(pos)];
}

std::vector<char>& EvalScope::Seen() {
  storage_->seen.assign(steps().size(), 0);
  return storage_->seen;
}

}  // namespace gavel
