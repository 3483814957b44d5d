// Evaluates every rule of a compiled policy over a plan and assembles the
// decision: the rule loop around the VM. Runtime errors fail closed, except
// in a package in dryrun, whose findings are only reported (warnings).
#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/cost.h"
#include "engine/eval_scope.h"
#include "engine/operators.h"
#include "engine/policy.h"
#include "engine/prepare.h"
#include "engine/program.h"
#include "engine/schema.h"
#include "engine/thread_lease.h"
#include "engine/vm.h"

namespace gavel {
namespace {

// The step an element is (for reports), or none. Read only when something
// is reported: most elements report nothing, and the reads are pointer chases.
class StepRef {
 public:
  StepRef() = default;
  explicit StepRef(const Value& elem) : elem_(&elem) {}
  const std::string& id() const {
    static const std::string* const none = new std::string();
    const MessageData* m = step();
    return m ? m->fields[kStepId].str() : *none;
  }
  int64_t index() const {
    const MessageData* m = step();
    return m ? m->fields[kStepIndex].int_value() : -1;
  }

 private:
  const MessageData* step() const {
    // Kept: Schema::Get() is a call into another file, on every finding.
    static const MessageType* const step_type = &Schema::Get().step;
    if (elem_ == nullptr || !elem_->is_message() || elem_->message().type != step_type) return nullptr;
    return &elem_->message();
  }
  const Value* elem_ = nullptr;  // an element of the rule's range, which outlives the reports' making
};

// A shared condition's state (Workspace::memo_set).
constexpr char kMemoFalse = 1, kMemoTrue = 2, kMemoValue = 3;

// What an evaluation needs besides the policy and the plan, kept per thread
// and reused, so that a warm evaluation allocates only for what it reports.
struct Workspace {
  EvalContext ctx;
  Frame frame;
  std::vector<std::vector<char>> permitted;  // per package
  std::vector<std::vector<int>> guard_steps;  // per rule guard: the positions of the steps it accepts
  // Per predicate column (ExecIndex::columns), each step's code (StepCell).
  std::vector<uint32_t> cells;
  // Per predicate (ExecIndex::predicates), its bits over the steps
  // (TestStepPredicateBits: `holds`, then `unknown`, words_per_pred each),
  // made by the first rule that needs them (pred_ready) and shared by the
  // rules with the same `when`.
  std::vector<uint64_t> pred_bits;
  std::vector<char> pred_ready;
  size_t pred_words = 0;
  std::vector<uint64_t> accepted;  // the steps a rule's guard accepts, as bits
  // With the steps' codes and ExecIndex::guards_by_column: per guard, the
  // steps it accepts as bits (pred_words words each), made from the codes;
  // guard_steps is then not filled.
  bool guards_as_bits = false;
  std::vector<uint64_t> guard_bits;
  // Shared conditions' results (ExecIndex::chunk_memo), by memo slot and
  // step position; `memo_used` lists the entries to clear at the end.
  std::vector<Value> memo;
  std::vector<char> memo_set;  // 0 (not yet), or kMemoFalse, kMemoTrue, kMemoValue (in memo)
  // The same kMemoTrue states of the per-step slots as bitsets, by memo
  // slot (memo_words words each): a rule skips the steps its shared
  // `unless` is known to excuse a word at a time.
  std::vector<uint64_t> memo_true;
  size_t memo_words = 0;
  std::vector<uint32_t> memo_used;
  // Per memo slot with a key path (ExecIndex::memo_key): results by the
  // string at that path (it points into the plan).
  std::vector<absl::flat_hash_map<std::string_view, Value>> keyed;
  // The previous evaluation's findings and their text: the next reserves as much.
  size_t last_violations = 0, last_warnings = 0, last_text = 0;
  std::string message;  // the message being built, before the decision keeps it
  // Per step position: its id as kept in this evaluation's decision (null
  // data: not yet).
  std::vector<std::string_view> step_text;
  // Per message shape (ExecIndex::message_shape) and step position: the
  // text a rule of that shape wrote for that step in this evaluation (null
  // data: none yet), and the entries to clear at the end.
  std::vector<std::string_view> shape_text;
  std::vector<uint32_t> shape_used;
  EvalScope::Storage scope;  // the plan functions' graph and results
};

// This thread's workspace, or a fresh one when it is in use (an evaluation
// inside an evaluation). Clears what refers to the plan when done.
class WorkspaceLease {
 public:
  WorkspaceLease() : ws_(&*lease_) {}
  ~WorkspaceLease() { Clear(); }
  // Drops what refers to the plan. Called before the evaluation's EvalScope
  // ends too, so that the lists it made are unique then and kept for reuse.
  void Clear() {
    if (cleared_) return;
    cleared_ = true;
    EvalContext& ctx = ws_->ctx;
    for (Value& g : ctx.globals) g.Clear();
    for (Value& v : ctx.pkg_lets) v.Clear();
    for (Value& v : ws_->frame.slots) v.Clear();
    for (uint32_t i : ws_->memo_used) {
      ws_->memo[i].Clear();
      ws_->memo_set[i] = 0;
    }
    ws_->memo_used.clear();
    for (auto& results : ws_->keyed) results.clear();  // keeps the memory of small tables
    for (uint32_t i : ws_->shape_used) ws_->shape_text[i] = std::string_view();  // views into the decision
    ws_->shape_used.clear();
  }
  WorkspaceLease(const WorkspaceLease&) = delete;
  WorkspaceLease& operator=(const WorkspaceLease&) = delete;
  Workspace& operator*() const { return *ws_; }

 private:
  ThreadLease<Workspace> lease_;
  Workspace* ws_;
  bool cleared_ = false;
};

// The guard's field of a step; "" where its path does not lead to a string.
const std::string& GuardedField(const Value& step, RuleGuard::Field field) {
  static const std::string* const empty = new std::string();
  const Value* v = FollowPath(GuardPath(field), step);
  return v != nullptr && v->is_string() ? v->str() : *empty;
}

// Reads the steps' predicate codes, and puts the rule index to work: the
// guards (and so the rules) that accept each step, from the codes when
// every guard has a column, else by one hash lookup per step and guarded
// field. Also sizes the memo.
void IndexSteps(const ExecIndex& index, const std::vector<Value>& steps, Workspace& ws) {
  // A plan of a step or two reads each path about once anyway: there the
  // predicates read the plan (no cells).
  ws.cells.clear();
  if (steps.size() > 2) {
    ws.cells.resize(index.columns.size() * steps.size());
    uint32_t* cell = ws.cells.data();
    for (const ExecIndex::Column& column : index.columns) {
      for (const Value& step : steps) *cell++ = StepCell(column, step);
    }
    // Room for the predicates' bits (RuleRunner::Run), made when first needed.
    ws.pred_words = (steps.size() + 63) / 64;
    ws.pred_ready.assign(index.predicates.size(), 0);
    const size_t bits = 2 * ws.pred_words * index.predicates.size();
    if (ws.pred_bits.size() < bits) ws.pred_bits.resize(bits);
  }
  ws.guards_as_bits = !ws.cells.empty() && index.guards_by_column;
  if (ws.guards_as_bits) {
    // The guards' steps from the codes of their columns, 64 at a time.
    const size_t n = steps.size(), words = ws.pred_words;
    ws.guard_bits.resize(index.guards.size() * words);
    for (size_t g = 0; g < index.guards.size(); ++g) {
      const RuleGuard& guard = index.guards[g];
      const uint32_t* codes = ws.cells.data() + static_cast<size_t>(guard.column) * n;
      for (size_t w = 0; w < words; ++w) {
        uint64_t unknown;
        AtomBits(Op::IN, guard.ids.data(), guard.ids.size(), codes + 64 * w, std::min<size_t>(64, n - 64 * w),
                 &ws.guard_bits[g * words + w], &unknown);
      }
    }
  } else {
    if (ws.guard_steps.size() < index.guards.size()) ws.guard_steps.resize(index.guards.size());
    for (size_t g = 0; g < index.guards.size(); ++g) ws.guard_steps[g].clear();
    for (int f = 0; f < 3 && !index.guards.empty(); ++f) {
      const auto& by_value = index.by_value[f];
      if (by_value.empty()) continue;
      for (size_t i = 0; i < steps.size(); ++i) {
        if (!steps[i].is_message()) continue;
        auto it = by_value.find(GuardedField(steps[i], static_cast<RuleGuard::Field>(f)));
        if (it == by_value.end()) continue;
        for (int g : it->second) ws.guard_steps[g].push_back(static_cast<int>(i));
      }
    }
  }
  const size_t memo_size = index.memo_per_step.size() * std::max<size_t>(steps.size(), 1);
  if (ws.memo.size() < memo_size) {
    ws.memo.resize(memo_size);
    ws.memo_set.resize(memo_size, 0);
  }
  ws.memo_words = (steps.size() + 63) / 64;
  ws.memo_true.assign(index.memo_per_step.size() * ws.memo_words, 0);
  // Room to share messages, within a bound (beyond it, each finding writes its own).
  constexpr size_t kMaxSharedMessages = size_t{1} << 16;
  const size_t shapes = static_cast<size_t>(index.num_message_shapes) * steps.size();
  if (shapes <= kMaxSharedMessages && ws.shape_text.size() < shapes) ws.shape_text.resize(shapes);
}

class RuleRunner {
 public:
  RuleRunner(EvalContext& ctx, Workspace& ws, size_t num_steps, Decision& decision, std::vector<Permit>* permits)
      : ctx_(ctx), ws_(ws), index_(ctx.program->index), num_steps_(num_steps), decision_(decision),
        permits_(permits), frame_(ws.frame) {}

  // Runs rule r over its elements; for permit rules, marks the steps it
  // permits in `permitted` instead of reporting anything.
  void Run(size_t r, std::vector<char>* permitted) {
    // The rule index: a rule whose guard accepts no step of the plan has
    // nothing to do (the length it would note is the plan's, noted anyway).
    if (const int guard = index_.rule_guard[r]; guard >= 0 && !GuardAcceptsAny(guard)) return;
    const CompiledRule& rule = ctx_.program->rules[r];
    frame_.ReuseFor(rule.num_slots);
    // What every finding of the rule needs, found once per rule.
    rule_shape_ = index_.message_shape[r];
    rule_dryrun_ = rule.effect != Effect::kWarn && Dryrun(rule);
    rule_message_cost_ = 0;
    for (const CompiledRule::Part& part : rule.message) {
      if (part.chunk >= 0) rule_message_cost_ += ctx_.program->chunks[part.chunk].code_size;
    }
    if (rule.range_chunk < 0) {
      Element(rule, StepRef{}, -1, permitted);
      CheckBudget(rule, StepRef{});
      return;
    }
    const bool over_steps = index_.over_steps[r];
    Value range;
    if (over_steps) {
      // What the range chunk computes: plan.steps, borrowed.
      range = Value::Borrow(ctx_.globals[kGlobalPlan].message().fields[kPlanSteps]);
    } else {
      range = RunChunk(ctx_, rule.range_chunk, frame_);
      if (CheckBudget(rule, StepRef{})) return;
    }
    if (range.is_map()) {
      ctx_.cost += range.map().entries.size();  // engine/cost.h
      // A rule over a map ranges over its keys, as CEL's macros do.
      std::vector<Value> keys;
      for (const auto& kv : range.map().entries) keys.push_back(kv.first);
      range = Value::List(std::move(keys));
    }
    if (!range.is_list()) {
      Error(rule, StepRef{}, range.is_error() ? range.error_message()
                                             : absl::StrCat("`for` needs a list, got ", KindName(range.kind())));
      return;
    }
    const std::vector<Value>& elems = range.list().elems;
    ctx_.NoteLength(elems.size());
    // A `when` the evaluator tests natively is tested first: most steps
    // stop there, before the frame and the reports are touched.
    const int when_pred = over_steps && rule.when_chunk >= 0 ? index_.chunk_coded_predicate[rule.when_chunk] : -1;
    // A shared `unless` (ExecIndex::chunk_memo) already known to hold for
    // the step excuses it before anything is set up (what Element would
    // find, charged the same: a shared result costs nothing).
    const int unless_slot = over_steps && rule.unless_chunk >= 0 ? index_.chunk_memo[rule.unless_chunk] : -1;
    const char* unless_known = nullptr;  // by step position, or one for the evaluation
    size_t unless_stride = 0;
    if (unless_slot >= 0) {
      unless_known = ws_.memo_set.data() + static_cast<size_t>(unless_slot) * std::max<size_t>(num_steps_, 1);
      unless_stride = index_.memo_per_step[unless_slot] ? 1 : 0;
    }
    // What is left to do for a step once its `when` predicate, if any,
    // has held (`when_holds`) or could not decide.
    auto run_element = [&](size_t pos, bool when_holds) {
      const Value& elem = elems[pos];
      if (unless_known != nullptr && unless_known[pos * unless_stride] == kMemoTrue &&
          (when_holds || rule.when_chunk < 0)) {
        return !CheckBudget(rule, StepRef(elem));
      }
      for (const auto& [slot, chunk] : rule.lets) frame_.let_ready[slot] = 0;
      // The elements of a borrowed list (plan.steps) outlive the loop.
      frame_.slots[rule.iter_slot].AssignFrom(elem, range.borrowed());
      const StepRef step = StepRef(elem);
      Element(rule, step, over_steps ? static_cast<int64_t>(pos) : -1, permitted, when_holds);
      return !CheckBudget(rule, step);
    };
    auto visit = [&](size_t pos) {
      if (when_pred < 0) return run_element(pos, false);
      const StepPredicate& pred = index_.predicates[when_pred];
      const int holds = ws_.cells.empty() ? TestStepPredicate(pred, elems[pos])
                                          : TestStepPredicateCells(pred, ws_.cells.data(), num_steps_, pos);
      if (holds >= 0) ctx_.cost += pred.cost;
      if (holds == 0) return !CheckBudget(rule, StepRef(elems[pos]));
      return run_element(pos, holds == 1);
    };
    const int guard = index_.rule_guard[r];
    if (guard >= 0 && (when_pred < 0 || ws_.cells.empty())) {
      // The rule index: only the steps the rule's guard accepts (listed
      // from its bits first when it has them: a second loop, over the
      // bits, measured W1 8% slower).
      if (ws_.guards_as_bits) GuardStepsFromBits(guard);
      for (int pos : ws_.guard_steps[guard]) {
        if (!visit(static_cast<size_t>(pos))) return;
      }
      return;
    }
    if (when_pred >= 0 && !ws_.cells.empty()) {
      // The predicate tested on all steps at once, as bitsets; the steps it
      // rejects (most) are charged and skipped a word at a time.
      const StepPredicate& pred = index_.predicates[when_pred];
      const size_t words = ws_.pred_words;
      uint64_t* const holds = ws_.pred_bits.data() + 2 * words * static_cast<size_t>(when_pred);
      const uint64_t* const unknown = holds + words;
      if (!ws_.pred_ready[when_pred]) {
        ws_.pred_ready[when_pred] = 1;
        TestStepPredicateBits(pred, ws_.cells.data(), elems.size(), holds, holds + words);
      }
      // With a guard, the steps it does not accept are not the rule's at
      // all (not tested, not charged), as on the rule index's path above.
      const uint64_t* accepted;
      if (guard >= 0 && ws_.guards_as_bits) {
        accepted = ws_.guard_bits.data() + static_cast<size_t>(guard) * words;
      } else {
        ws_.accepted.assign(words, guard >= 0 ? 0 : ~uint64_t{0});
        if (guard >= 0) {
          for (int pos : ws_.guard_steps[guard]) ws_.accepted[pos / 64] |= uint64_t{1} << (pos % 64);
        }
        accepted = ws_.accepted.data();
      }
      const uint64_t charge = pred.cost;
      const uint64_t budget = ctx_.budget;
      // Kept in a register across the rejected steps, not in ctx_ (memory).
      uint64_t cost = ctx_.cost;
      // Charges the rejected steps `mask` of word w; false when the budget
      // runs out at one of them (reported at that step, as a step-by-step
      // loop would).
      auto reject = [&](size_t w, uint64_t mask) {
        if (mask == 0) return true;
        const uint64_t total = charge * static_cast<uint64_t>(std::popcount(mask));
        if (cost <= budget && total <= budget - cost) {
          cost += total;
          return true;
        }
        for (; mask != 0; mask &= mask - 1) {
          cost += charge;
          if (cost > budget) {
            ctx_.cost = cost;
            CheckBudget(rule, StepRef(elems[w * 64 + static_cast<size_t>(std::countr_zero(mask))]));
            return false;
          }
        }
        return true;
      };
      // The steps where the rule's shared `unless` is known to hold: those
      // where the `when` holds too are excused (charged as rejected, as
      // run_element would).
      const uint64_t* excused = nullptr;
      uint64_t excused_all = 0;  // unless_stride 0: one result for the evaluation
      if (unless_known != nullptr && unless_stride == 1) {
        excused = ws_.memo_true.data() + static_cast<size_t>(unless_slot) * ws_.memo_words;
      } else if (unless_known != nullptr && unless_known[0] == kMemoTrue) {
        excused_all = ~uint64_t{0};
      }
      for (size_t w = 0; w < words; ++w) {
        const size_t m = std::min<size_t>(64, elems.size() - w * 64);
        const uint64_t all = (m == 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1) & accepted[w];
        const uint64_t skip = excused != nullptr ? excused[w] : excused_all;
        uint64_t run = ((holds[w] & ~skip) | unknown[w]) & all;
        uint64_t rejected = all & ~run;  // not yet charged
        for (; run != 0; run &= run - 1) {
          const int b = std::countr_zero(run);
          const uint64_t bit = uint64_t{1} << b;
          if (!reject(w, rejected & (bit - 1))) return;
          rejected &= ~(bit - 1);
          if ((unknown[w] & bit) == 0) cost += charge;
          ctx_.cost = cost;
          if (!run_element(w * 64 + static_cast<size_t>(b), (holds[w] & bit) != 0)) return;
          cost = ctx_.cost;
        }
        if (!reject(w, rejected)) return;
      }
      ctx_.cost = cost;
      return;
    }
    for (size_t pos = 0; pos < elems.size(); ++pos) {
      if (!visit(pos)) return;
    }
  }

  // guard_steps[guard] from the guard's bits (guards_as_bits).
  void GuardStepsFromBits(int guard) {
    if (ws_.guard_steps.size() <= static_cast<size_t>(guard)) ws_.guard_steps.resize(guard + 1);
    std::vector<int>& steps = ws_.guard_steps[guard];
    steps.clear();
    const uint64_t* accepted = ws_.guard_bits.data() + static_cast<size_t>(guard) * ws_.pred_words;
    for (size_t w = 0; w < ws_.pred_words; ++w) {
      for (uint64_t bits = accepted[w]; bits != 0; bits &= bits - 1) {
        steps.push_back(static_cast<int>(w * 64) + std::countr_zero(bits));
      }
    }
  }

  // Whether the guard accepts a step of the plan.
  bool GuardAcceptsAny(int guard) const {
    if (!ws_.guards_as_bits) return !ws_.guard_steps[guard].empty();
    const uint64_t* accepted = ws_.guard_bits.data() + static_cast<size_t>(guard) * ws_.pred_words;
    return std::any_of(accepted, accepted + ws_.pred_words, [](uint64_t w) { return w != 0; });
  }

  // Past the budget, the evaluation stops with one error, whatever the
  // package's enforcement: the verdict fails closed.
  // Inlined on every element; the report is out of line.
  bool CheckBudget(const CompiledRule& rule, const StepRef& step) {
    return ctx_.OverBudget() && ReportBudget(rule, step);
  }
  bool stopped() const { return budget_reported_; }

 private:
  [[gnu::noinline, gnu::cold]] bool ReportBudget(const CompiledRule& rule, const StepRef& step) {
    if (!budget_reported_) {
      budget_reported_ = true;
      decision_.errors.push_back(EvalError{rule.qualified, step.id(), step.index(),
                                           BudgetExceeded(ctx_.budget).error_message(), rule.location_text});
    }
    return true;
  }

  // A condition's value: shared with the rules that have the same one
  // (ExecIndex::chunk_memo) for this step (`pos`) or this evaluation.
  Value ConditionValue(const CompiledRule& rule, int chunk, int64_t pos) {
    if (const int p = index_.chunk_predicate[chunk]; p >= 0 && pos >= 0) {
      const StepPredicate& pred = index_.predicates[p];
      const Value& step = frame_.slots[rule.iter_slot];
      const int v = pred.calls ? TestStepPredicate<true>(pred, step) : TestStepPredicate(pred, step);
      if (v >= 0) {
        ctx_.cost += pred.cost;  // what the chunk costs at most
        ctx_.NoteLength(pred.noted);
        return Value::Bool(v == 1);
      }
    }
    const int slot = index_.chunk_memo[chunk];
    if (slot < 0 || (index_.memo_per_step[slot] && pos < 0)) return RunChunk(ctx_, chunk, frame_);
    const size_t i =
        static_cast<size_t>(slot) * std::max<size_t>(num_steps_, 1) + (index_.memo_per_step[slot] ? pos : 0);
    if (const char state = ws_.memo_set[i]) return state == kMemoValue ? ws_.memo[i] : Value::Bool(state == kMemoTrue);
    Value v = KeyedResult(rule, chunk, slot);
    if (v.is_bool()) {
      ws_.memo_set[i] = v.bool_value() ? kMemoTrue : kMemoFalse;  // the usual result: no Value to copy back
      if (v.bool_value() && index_.memo_per_step[slot]) {
        const size_t bit = static_cast<size_t>(slot) * ws_.memo_words * 64 + static_cast<size_t>(pos);
        ws_.memo_true[bit / 64] |= uint64_t{1} << (bit % 64);
      }
    } else {
      ws_.memo[i] = v;
      ws_.memo_set[i] = kMemoValue;
    }
    ws_.memo_used.push_back(static_cast<uint32_t>(i));
    return v;
  }

  // The chunk's result, shared between the steps with the same string at
  // the one field path it reads (ExecIndex::memo_key), when it has one
  // and the plan has other steps to share it with.
  Value KeyedResult(const CompiledRule& rule, int chunk, int slot) {
    if (num_steps_ < 2) return RunChunk(ctx_, chunk, frame_);
    const FieldPath& path = index_.memo_key[slot];
    const Value* v = path.depth > 0 ? FollowPath(path, frame_.slots[rule.iter_slot]) : nullptr;
    if (v == nullptr || !v->is_string()) return RunChunk(ctx_, chunk, frame_);
    if (ws_.keyed.size() < index_.memo_key.size()) ws_.keyed.resize(index_.memo_key.size());
    auto [it, inserted] = ws_.keyed[slot].try_emplace(std::string_view(v->str()));
    if (inserted) it->second = RunChunk(ctx_, chunk, frame_);
    return it->second;
  }

  // Evaluates a condition chunk: true, false, or an error reported here.
  bool Condition(const CompiledRule& rule, int chunk, const StepRef& step, int64_t pos, const char* clause,
                 bool* value) {
    Value v = ConditionValue(rule, chunk, pos);
    if (v.is_bool()) {
      *value = v.bool_value();
      return true;
    }
    Error(rule, step, v.is_error() ? v.error_message()
                                   : absl::StrCat("`", clause, "` evaluated to ", KindName(v.kind()), ", not bool"));
    return false;
  }

  void Element(const CompiledRule& rule, const StepRef& step, int64_t pos, std::vector<char>* permitted,
               bool when_holds = false) {
    bool fires = true;
    if (rule.when_chunk >= 0 && !when_holds && !Condition(rule, rule.when_chunk, step, pos, "when", &fires)) return;
    if (!fires) return;
    bool excused = false;
    if (rule.unless_chunk >= 0 && !Condition(rule, rule.unless_chunk, step, pos, "unless", &excused)) return;
    if (excused) return;
    if (rule.effect == Effect::kPermit) {
      const int64_t index = step.index();
      if (permitted && index >= 0 && index < static_cast<int64_t>(permitted->size())) (*permitted)[index] = 1;
      if (permits_) permits_->push_back(Permit{rule.qualified, step.id(), index});
      return;
    }
    // Built in place; its text is kept in the decision's arena.
    const bool dryrun = rule_dryrun_;
    Violation& v = (rule.effect == Effect::kWarn || dryrun ? decision_.warnings : decision_.violations).emplace_back();
    FillRuleText(rule, &v);
    v.effect = rule.effect;
    v.step = StepText(step, pos);
    v.step_index = step.index();
    if (!rule.approvers.empty()) v.approvers = rule.approvers;
    v.dryrun = dryrun;
    std::string_view* shared = SharedMessage(pos);
    if (shared != nullptr && shared->data() != nullptr) {
      // Another rule with this message wrote it for this step: kept once,
      // charged as written (its parts read the same strings).
      ctx_.cost += rule_message_cost_;  // what DirectMessage charges
      v.message = *shared;
    } else if (DirectMessage(rule, &v.message)) {
      if (shared != nullptr) {
        *shared = v.message;
        ws_.shape_used.push_back(static_cast<uint32_t>(shared - ws_.shape_text.data()));
      }
    } else {
      ws_.message.clear();
      Message(rule, &ws_.message);
      v.message = decision_.Keep(ws_.message);
    }
  }

  // Where the message of the running rule for the step at `pos` is shared
  // with the rules of the same message shape, or null when it is not.
  std::string_view* SharedMessage(int64_t pos) {
    if (pos < 0 || rule_shape_ < 0) return nullptr;
    const size_t i = static_cast<size_t>(rule_shape_) * num_steps_ + static_cast<size_t>(pos);
    return i < ws_.shape_text.size() ? &ws_.shape_text[i] : nullptr;
  }

  // The step's id, kept in the decision once per step and evaluation
  // however many findings name it (`pos`: its position in plan.steps).
  std::string_view StepText(const StepRef& step, int64_t pos) {
    if (pos < 0) return decision_.Keep(step.id());
    std::string_view& kept = ws_.step_text[static_cast<size_t>(pos)];
    if (kept.data() == nullptr) kept = decision_.Keep(step.id());
    return kept;
  }

  // The rule's name, severity and location, kept in the decision once per
  // rule and evaluation however many findings the rule makes.
  void FillRuleText(const CompiledRule& rule, Violation* v) {
    if (text_rule_ != &rule) {
      text_rule_ = &rule;
      rule_text_[0] = decision_.Keep(rule.qualified);
      rule_text_[1] = decision_.Keep(rule.severity);
      rule_text_[2] = decision_.Keep(rule.location_text);
    }
    v->rule = rule_text_[0];
    v->severity = rule_text_[1];
    v->location = rule_text_[2];
  }

  bool Dryrun(const CompiledRule& rule) const {
    return ctx_.program->packages[rule.package_index].enforcement == Enforcement::kDryrun;
  }

  // What a message part that reads a field path of the element reads (as
  // its chunk would), or null: then run the chunk. Not charged.
  const Value* PartRead(const CompiledRule& rule, int chunk) const {
    const int f = index_.part_read[chunk];
    return f < 0 ? nullptr : FollowPath(index_.field_reads[f], frame_.slots[rule.iter_slot]);
  }

  // PartRead, charged as the chunk would be.
  const Value* FieldRead(const CompiledRule& rule, int chunk) {
    const Value* v = PartRead(rule, chunk);
    if (v != nullptr) ctx_.cost += ctx_.program->chunks[chunk].code_size;
    return v;
  }

  // The message written straight into the decision's text, when each part
  // is literal text or reads a string field of the element (most messages):
  // one copy, no buffer. False, nothing charged or kept, for the others.
  bool DirectMessage(const CompiledRule& rule, std::string_view* out) {
    constexpr size_t kMaxParts = ExecIndex::kMaxDirectParts;
    if (!rule.has_message || rule.message.size() > kMaxParts) return false;
    // Left uninitialized (string_views would be zeroed first, on every finding).
    const char* data[kMaxParts];
    size_t sizes[kMaxParts];
    size_t size = 0;
    uint64_t cost = 0;
    for (size_t k = 0; k < rule.message.size(); ++k) {
      const CompiledRule::Part& part = rule.message[k];
      if (part.chunk < 0) {
        data[k] = part.text.data();
        sizes[k] = part.text.size();
      } else {
        const Value* v = PartRead(rule, part.chunk);
        if (v == nullptr || !v->is_string()) return false;
        data[k] = v->str().data();
        sizes[k] = v->str().size();
        cost += ctx_.program->chunks[part.chunk].code_size;
      }
      size += sizes[k];
    }
    ctx_.cost += cost;
    char* text = decision_.AllocateText(size);
    *out = std::string_view(text, size);
    for (size_t k = 0; k < rule.message.size(); ++k) {
      std::memcpy(text, data[k], sizes[k]);
      text += sizes[k];
    }
    return true;
  }

  // Appends the message of the rule's finding to `out`.
  void Message(const CompiledRule& rule, std::string* out) {
    if (!rule.has_message) {
      std::string_view doc = rule.doc;
      doc = doc.substr(0, doc.find('\n'));
      if (doc.empty()) {
        absl::StrAppend(out, "rule `", rule.qualified, "` fired");
      } else {
        out->append(doc);
      }
      return;
    }
    for (const CompiledRule::Part& part : rule.message) {
      if (part.chunk < 0) {
        *out += part.text;
        continue;
      }
      if (const Value* v = FieldRead(rule, part.chunk)) {
        AppendMessagePart(out, *v);
        continue;
      }
      AppendMessagePart(out, RunChunk(ctx_, part.chunk, frame_));
    }
  }

  void Error(const CompiledRule& rule, const StepRef& step, std::string message) {
    if (CheckBudget(rule, step)) return;
    if (Dryrun(rule)) {
      // What would have failed closed (deny) is only reported.
      Violation& v = decision_.warnings.emplace_back();
      FillRuleText(rule, &v);
      v.effect = Effect::kDeny;
      v.step = decision_.Keep(step.id());
      v.step_index = step.index();
      v.message = decision_.Keep(absl::StrCat("runtime error: ", message));
      v.dryrun = true;
      return;
    }
    decision_.errors.push_back(EvalError{rule.qualified, step.id(), step.index(), std::move(message), rule.location_text});
  }

  EvalContext& ctx_;
  Workspace& ws_;
  const ExecIndex& index_;
  size_t num_steps_;
  Decision& decision_;
  std::vector<Permit>* permits_;  // null unless the caller asked
  Frame& frame_;
  bool budget_reported_ = false;
  const CompiledRule* text_rule_ = nullptr;  // whose text rule_text_ holds
  // The running rule's (Run): its message shape (ExecIndex::message_shape),
  // whether its findings are dryrun warnings, what its message charges.
  int rule_shape_ = -1;
  bool rule_dryrun_ = false;
  uint64_t rule_message_cost_ = 0;
  std::string_view rule_text_[3];
};

}  // namespace

Decision Evaluate(const CompiledPolicy& policy, const Plan& plan, std::vector<Permit>* permits) {
  return EvaluateWithCost(policy, plan, nullptr, permits);
}

Decision EvaluateWithCost(const CompiledPolicy& policy, const Plan& plan, CostStats* stats,
                          std::vector<Permit>* permits) {
  const Program& program = policy.program();
  WorkspaceLease lease;
  Workspace& ws = *lease;
  EvalContext& ctx = ws.ctx;
  ctx.program = &program;
  ctx.budget = program.cost_budget;
  ctx.cost = 0;
  ctx.max_len = 0;
  // Borrowed: the plan outlives the evaluation (no reference counting).
  ctx.globals[kGlobalPlan] = Value::Borrow(plan.root);
  ctx.globals[kGlobalContext] = Value::Borrow(plan.context());
  ctx.globals[kGlobalAgent] = Value::Borrow(plan.agent());
  ctx.ReserveStack(program);
  EvalScope scope(Value::Borrow(plan.root), &ws.scope, &plan.refs);  // for the plan-aware built-ins
  ctx.pkg_lets.resize(program.package_lets.size());
  ctx.pkg_let_state.assign(program.package_lets.size(), 0);

  Decision decision;
  decision.violations.reserve(ws.last_violations);
  decision.warnings.reserve(ws.last_warnings);
  decision.ReserveText(ws.last_text);
  const size_t num_steps = plan.steps().size();
  IndexSteps(program.index, plan.steps(), ws);
  ws.step_text.assign(num_steps, std::string_view());
  RuleRunner runner(ctx, ws, num_steps, decision, permits);
  // Per default-deny package: which steps some permit rule allows.
  std::vector<std::vector<char>>& permitted = ws.permitted;
  if (permitted.size() < program.packages.size()) permitted.resize(program.packages.size());
  for (size_t p = 0; p < program.packages.size(); ++p) {
    if (program.packages[p].default_deny) permitted[p].assign(num_steps, 0);
  }
  if (stats) stats->rule_costs.assign(program.rules.size(), 0);
  for (size_t r = 0; r < program.rules.size() && !runner.stopped(); ++r) {
    const CompiledRule& rule = program.rules[r];
    const uint64_t before = ctx.cost;
    if (rule.effect == Effect::kPermit) {
      // Permit rules matter only where the package denies by default.
      if (!program.packages[rule.package_index].default_deny) continue;
      runner.Run(r, &permitted[rule.package_index]);
    } else {
      runner.Run(r, nullptr);
    }
    if (stats) stats->rule_costs[r] = ctx.cost - before;
  }
  if (stats) {
    stats->total = ctx.cost;
    stats->n = std::max<uint64_t>(ctx.max_len, num_steps);
  }
  for (size_t p = 0; p < program.packages.size(); ++p) {
    const CompiledPackage& pkg = program.packages[p];
    if (!pkg.default_deny) continue;
    for (size_t i = 0; i < num_steps; ++i) {
      if (permitted[p][i]) continue;
      const MessageData& step = plan.steps()[i].message();
      const bool dryrun = pkg.enforcement == Enforcement::kDryrun;
      Violation& v = (dryrun ? decision.warnings : decision.violations).emplace_back();
      v.rule = decision.Keep(absl::StrCat(pkg.name, ".default"));
      v.effect = Effect::kDeny;
      v.severity = decision.Keep("high");
      v.step = decision.Keep(step.fields[kStepId].str());
      v.step_index = static_cast<int64_t>(i);
      v.message = decision.Keep(absl::StrCat("step `", step.fields[kStepId].str(), "` (`",
                                             step.fields[kStepAction].str(), "`) is not permitted by package `",
                                             pkg.name, "`"));
      v.location = decision.Keep(pkg.default_location);
      v.dryrun = dryrun;
    }
  }
  ws.last_violations = decision.violations.size();
  ws.last_warnings = decision.warnings.size();
  ws.last_text = decision.text_size();
  decision.Finish();
  lease.Clear();
  return decision;
}

}  // namespace gavel
