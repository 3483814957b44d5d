// Static cost bounds from the bytecode. A chunk runs each instruction at
// most once per run, except inside loops: the verifier guarantees every
// backward jump goes to a loop head (ITER_NEXT/ITER_NEXT2) and loops nest,
// so an instruction inside d loops runs at most (n+1)^d times (each loop
// takes at most n elements; its head runs once more to exit). A let runs at
// most once per rule element (rule lets) or per evaluation (package lets),
// so each LOAD of a let adds its chunk's bound once.
#include "engine/cost.h"

#include <algorithm>
#include <limits>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/program.h"

namespace gavel {
namespace {

constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();

uint64_t SatAdd(uint64_t a, uint64_t b) { return a > kMax - b ? kMax : a + b; }
uint64_t SatMul(uint64_t a, uint64_t b) {
  uint64_t r = 0;
  return __builtin_mul_overflow(a, b, &r) ? kMax : r;
}

// A CostBound while it is built: inline up to degree 3 (no allocation for
// the chunks of a bundle being loaded, almost all of degree 0 or 1).
using Poly = absl::InlinedVector<uint64_t, 4>;

void AddTo(Poly& to, const Poly& p) {
  if (to.size() < p.size()) to.resize(p.size(), 0);
  for (size_t i = 0; i < p.size(); ++i) to[i] = SatAdd(to[i], p[i]);
}

Poly Mul(const Poly& a, const Poly& b) {
  if (a.empty() || b.empty()) return {};
  Poly r(a.size() + b.size() - 1, 0);
  for (size_t i = 0; i < a.size(); ++i) {
    for (size_t j = 0; j < b.size(); ++j) r[i + j] = SatAdd(r[i + j], SatMul(a[i], b[j]));
  }
  return r;
}

// (n+1)^d, memoized by d.
const Poly& LoopFactor(std::vector<Poly>& memo, size_t d) {
  if (memo.empty()) memo.push_back({1});
  while (memo.size() <= d) memo.push_back(Mul(memo.back(), {1, 1}));
  return memo[d];
}

class BoundBuilder {
 public:
  explicit BoundBuilder(const Program& p) : p_(p), chunks_(p.chunks.size()) {}

  void Run() {
    // Let chunks come before the chunks that load them (verified).
    for (size_t c = 0; c < p_.chunks.size(); ++c) chunks_[c] = Chunk(static_cast<int>(c));
  }

  CostBound Rule(const CompiledRule& r) {
    Poly element;
    auto add = [&](int c) {
      if (c >= 0 && static_cast<size_t>(c) < chunks_.size()) AddTo(element, chunks_[c]);
    };
    add(r.when_chunk);
    add(r.unless_chunk);
    for (const CompiledRule::Part& part : r.message) add(part.chunk);
    if (r.range_chunk < 0) return element.empty() ? CostBound{0} : CostBound(element.begin(), element.end());
    Poly total;
    if (static_cast<size_t>(r.range_chunk) < chunks_.size()) AddTo(total, chunks_[r.range_chunk]);
    AddTo(total, {0, 1});                  // a map range becomes its keys
    AddTo(total, Mul(element, {0, 1}));    // at most n elements
    return CostBound(total.begin(), total.end());
  }

 private:
  // An instruction's cost, c0 + c1 * n (no allocation: this runs for
  // every instruction of a program when a bundle loads).
  struct Linear {
    uint64_t c0 = 0, c1 = 0;
  };

  Poly Chunk(int c) {
    const std::span<const Instr> code = p_.Code(c);
    const int64_t n = static_cast<int64_t>(code.size());
    // Loop depth of each instruction: +1 from a head to its last back edge.
    // Most chunks have no loop (no backward JUMP): all at depth 0.
    const bool loops = std::any_of(code.begin(), code.end(), [](const Instr& in) {
      return in.op == Op::JUMP && in.a < 0;
    });
    std::vector<int64_t>& delta = delta_;
    if (loops) {
      std::vector<int64_t>& loop_end = loop_end_;
      loop_end.assign(n, -1);
      for (int64_t pc = 0; pc < n; ++pc) {
        const int64_t target = pc + 1 + code[pc].a;
        if (code[pc].op == Op::JUMP && target <= pc && target >= 0) loop_end[target] = std::max(loop_end[target], pc);
      }
      delta.assign(n + 1, 0);
      for (int64_t pc = 0; pc < n; ++pc) {
        if (loop_end[pc] >= 0) {
          ++delta[pc];
          --delta[loop_end[pc] + 1];
        }
      }
    }
    // Instruction costs by depth, then one multiplication per depth.
    std::vector<Linear>& by_depth = by_depth_;
    by_depth.assign(1, Linear{});
    Poly once;  // lets: at most once per run of the chunk
    int64_t depth = 0;
    for (int64_t pc = 0; pc < n; ++pc) {
      if (loops) depth += delta[pc];
      const size_t d = static_cast<size_t>(std::max<int64_t>(depth, 0));
      if (by_depth.size() <= d) by_depth.resize(d + 1);
      const Linear cost = InstrCost(code[pc]);
      by_depth[d].c0 = SatAdd(by_depth[d].c0, cost.c0);
      by_depth[d].c1 = SatAdd(by_depth[d].c1, cost.c1);
      const Instr& in = code[pc];
      if ((in.op == Op::LOAD_PKG_LET || in.op == Op::LOAD_RULE_LET) && in.b >= 0 && in.b < c) {
        AddTo(once, chunks_[in.b]);
      }
    }
    Poly total = once;
    for (size_t d = 0; d < by_depth.size(); ++d) {
      const Linear& k = by_depth[d];
      if (k.c0 == 0 && k.c1 == 0) continue;  // no instruction at this depth
      const Poly linear = k.c1 == 0 ? Poly{k.c0} : Poly{k.c0, k.c1};
      AddTo(total, d == 0 ? linear : Mul(linear, LoopFactor(memo_, d)));
    }
    return total;
  }

  static Linear InstrCost(const Instr& in) {
    switch (in.op) {
      case Op::CALL:
        // Each list/map argument and a list/map result: at most n elements.
        if (CollectionSizedBuiltin(in.a)) return {1, static_cast<uint64_t>(std::max(in.b, 0)) + 1};
        return {1, 0};
      case Op::ITER_INIT: return {1, 1};  // a map becomes the list of its keys
      default: return {1, 0};
    }
  }

  const Program& p_;
  std::vector<Poly> chunks_;
  std::vector<Poly> memo_;
  std::vector<int64_t> loop_end_, delta_;  // Chunk()'s scratch
  std::vector<Linear> by_depth_;
};

}  // namespace

const std::vector<char>& CollectionSizedBuiltins() {
  static const std::vector<char> sized = [] {
    const auto& all = BuiltinTable::Get().all();
    std::vector<char> out(all.size(), 0);
    auto collection = [](const Type& t) {
      switch (t.kind()) {
        case TypeKind::kList: case TypeKind::kMap: case TypeKind::kDyn: case TypeKind::kParam: return true;
        default: return false;
      }
    };
    for (size_t i = 0; i < all.size(); ++i) {
      // size() reads a stored length: constant work on any input.
      if (all[i].name == "size") continue;
      for (const Overload& o : all[i].overloads) {
        bool any = collection(o.result);
        for (const Type& t : o.params) any = any || collection(t);
        if (any) out[i] = 1;
      }
    }
    return out;
  }();
  return sized;
}

bool CollectionSizedBuiltin(int id) {
  const std::vector<char>& sized = CollectionSizedBuiltins();
  return id >= 0 && static_cast<size_t>(id) < sized.size() && sized[id];
}

void ComputeCostBounds(Program& program) {
  BoundBuilder b(program);
  b.Run();
  for (CompiledRule& r : program.rules) {
    r.cost_bound = b.Rule(r);
    while (r.cost_bound.size() > 1 && r.cost_bound.back() == 0) r.cost_bound.pop_back();
  }
}

uint64_t EvalCostBound(const CostBound& bound, uint64_t n) {
  uint64_t r = 0;
  for (size_t i = bound.size(); i-- > 0;) r = SatAdd(SatMul(r, n), bound[i]);
  return r;
}

std::string CostOrder(const CostBound& bound) {
  size_t d = bound.size();
  while (d > 0 && bound[d - 1] == 0) --d;
  if (d <= 1) return "O(1)";
  if (d == 2) return "O(n)";
  return absl::StrCat("O(n^", d - 1, ")");
}

std::string CostFormula(const CostBound& bound) {
  std::string out;
  for (size_t i = bound.size(); i-- > 0;) {
    const uint64_t c = bound[i];
    if (c == 0) continue;
    if (!out.empty()) out += " + ";
    const std::string k = c == kMax ? "inf" : absl::StrCat(c);
    if (i == 0) out += k;
    else out += absl::StrCat(c == 1 ? "" : k, "n", i == 1 ? "" : absl::StrCat("^", i));
  }
  return out.empty() ? "0" : out;
}

}  // namespace gavel
