// Derives, from a program's canonical bytecode, what makes it fast to run:
// the superinstructions the VM executes (Program::exec), the rule index that
// sends each step only to the rules that can fire on it, the conditions
// whose results are shared between rules, the conditions simple enough to
// test without the VM, and the stack size. Run once per
// compiled policy (CompiledPolicy's constructor), after verification for a
// bundle; nothing it derives is written to a bundle.
#ifndef GAVEL_ENGINE_PREPARE_H_
#define GAVEL_ENGINE_PREPARE_H_

#include <algorithm>
#include <cstdint>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "engine/program.h"
#include "engine/schema.h"

namespace gavel {

void PrepareProgram(Program& program);

// The plan path of a guard's field, from a step.
inline FieldPath GuardPath(RuleGuard::Field field) {
  switch (field) {
    case RuleGuard::kAction: return {1, {kStepAction, 0}};
    case RuleGuard::kVerb: return {1, {kStepVerb, 0}};
    case RuleGuard::kKind: return {2, {kStepResource, kResourceKind}};
  }
  return {};
}

// Whether `code` is a step predicate over the element in slot iter_slot
// that `end_op` ends (RETURN for a chunk); if so, fills *pred.
bool FindPredicate(Program& p, std::span<const Instr> code, int iter_slot, StepPredicate* pred,
                   Op end_op = Op::RETURN);

// A predicate's value from its atoms' values (1 true, 0 false, -1 unknown:
// a field is not of the kind the comparison needs, and the chunk must run,
// as it knows the error or the dynamic comparison to make).
template <class AtomValue>
inline int CombineAtoms(const StepPredicate& pred, AtomValue atom_value) {
  for (const StepPredicate::Atom& atom : pred.atoms) {
    const int result = atom_value(atom);
    if (result < 0) return -1;
    if (result == static_cast<int>(pred.any)) return result;  // decided: true for ||, false for &&
  }
  return !pred.any;
}

// An atom's value on `step`, read from the plan (1, 0, or -1: unknown);
// kCalls for an atom that may be a call (the others skip that test).
template <bool kCalls = false>
inline int AtomOnStep(const StepPredicate::Atom& atom, const Value& step) {
  const Value* v = FollowPath(atom, step);
  if (v == nullptr) return -1;
  if (atom.op == Op::RETURN) return v->is_bool() ? static_cast<int>(v->bool_value()) : -1;
  if (!v->is_string()) return -1;
  const std::string_view s = v->str();
  if constexpr (kCalls) {
    if (atom.op == Op::CALL) return atom.call->TestString(s);
  }
  bool result = false;
  for (std::string_view t : atom.texts) {
    if (t == s) {
      result = true;
      break;
    }
  }
  return static_cast<int>(atom.op == Op::NE ? !result : result);
}

// A step predicate's value on `step`, read from the plan; kCalls for a
// predicate with calls.
// Inline: the evaluator calls it for most (rule, step) pairs.
template <bool kCalls = false>
inline int TestStepPredicate(const StepPredicate& pred, const Value& step) {
  return CombineAtoms(pred, [&](const StepPredicate::Atom& atom) { return AtomOnStep<kCalls>(atom, step); });
}

// TestStepPredicate for a predicate without calls, also adding to *ran
// the instructions its code runs to that value: the atoms up to the one
// that decides (`&&` and `||` stop there), the AND_END (OR_END) after
// each atom run but the first, and every AND (OR), each of which runs,
// jumping past the rest once the value is decided. Unknown: -1, *ran
// unchanged.
inline int TestStepPredicateCounted(const StepPredicate& pred, const Value& step, uint64_t* ran) {
  const size_t n = pred.atoms.size();
  uint64_t atoms = 0;
  for (size_t k = 0; k < n; ++k) {
    const StepPredicate::Atom& atom = pred.atoms[k];
    const int result = AtomOnStep(atom, step);
    if (result < 0) return -1;
    atoms += 1 + static_cast<uint64_t>(atom.depth) + (atom.op == Op::RETURN ? 0 : 2);  // LOAD_LOCAL FIELD.. [CONST op]
    if (result == static_cast<int>(pred.any) || k + 1 == n) {
      *ran += atoms + k + (n - 1);
      return result;
    }
  }
  return !pred.any;  // no atoms: never made
}

// A step's code in a predicate column: the id of the string it holds there
// (0: a string no predicate names), or one of these.
inline constexpr uint32_t kCellFalse = 0xFFFFFFFD, kCellTrue = 0xFFFFFFFE, kCellOther = 0xFFFFFFFF;

inline uint32_t StepCell(const ExecIndex::Column& column, const Value& step) {
  const Value* v = FollowPath(column.path, step);
  if (v == nullptr) return kCellOther;
  if (v->is_bool()) return v->bool_value() ? kCellTrue : kCellFalse;
  if (!v->is_string()) return kCellOther;
  const std::string& s = v->str();
  if (column.ids.empty()) {  // a few strings, most of other lengths: faster than hashing
    for (size_t i = 0; i < column.texts.size(); ++i) {
      if (column.texts[i] == s) return static_cast<uint32_t>(i + 1);
    }
    return 0;
  }
  // Debian's Abseil hashes absl::string_view, not std::string_view.
  auto it = column.ids.find(absl::string_view(s.data(), s.size()));
  return it == column.ids.end() ? 0 : it->second;
}

// An atom's value on a step's code (see TestStepPredicate): its operator
// and strings' ids passed apart, so that a loop over steps keeps them in
// registers.
inline int AtomOnCell(Op op, const uint32_t* ids, size_t num_ids, uint32_t cell) {
  if (op == Op::RETURN) return cell == kCellTrue ? 1 : cell == kCellFalse ? 0 : -1;
  if (cell >= kCellFalse) return -1;
  bool result = false;
  for (size_t i = 0; i < num_ids; ++i) result = result || ids[i] == cell;
  return static_cast<int>(op == Op::NE ? !result : result);
}

// The same value as TestStepPredicate, from the step's codes: `cells` holds
// column c's codes at cells[c * stride + step position].
inline int TestStepPredicateCells(const StepPredicate& pred, const uint32_t* cells, size_t stride, size_t pos) {
  return CombineAtoms(pred, [&](const StepPredicate::Atom& atom) {
    const uint32_t cell = cells[static_cast<size_t>(atom.column) * stride + pos];
    return AtomOnCell(atom.op, atom.ids.data(), atom.ids.size(), cell);
  });
}

// An atom's value on the codes cells[0..m) (m <= 64) as two bit masks
// (bit k: cells[k]): where it is true, and where it is unknown (-1).
// Branch-free: four codes at a time with SSE2 (x86-64's baseline), the
// rest one after another.
inline void AtomBits(Op op, const uint32_t* ids, size_t num_ids, const uint32_t* cells, size_t m, uint64_t* is_true,
                     uint64_t* unknown) {
  uint64_t t = 0, u = 0;
  size_t k = 0;
#if defined(__SSE2__)
  const auto mask4 = [](__m128i v) { return static_cast<uint64_t>(_mm_movemask_ps(_mm_castsi128_ps(v))); };
  const __m128i cell_true = _mm_set1_epi32(static_cast<int>(kCellTrue));
  const __m128i cell_false = _mm_set1_epi32(static_cast<int>(kCellFalse));
  for (; k + 4 <= m; k += 4) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(cells + k));
    const __m128i is_false = _mm_cmpeq_epi32(c, cell_false);
    const __m128i is_flag = _mm_or_si128(is_false, _mm_cmpeq_epi32(c, cell_true));
    const __m128i is_other = _mm_cmpeq_epi32(c, _mm_set1_epi32(static_cast<int>(kCellOther)));
    if (op == Op::RETURN) {
      t |= mask4(_mm_cmpeq_epi32(c, cell_true)) << k;
      u |= (~mask4(is_flag) & 0xF) << k;
    } else {
      __m128i match = _mm_setzero_si128();
      for (size_t i = 0; i < num_ids; ++i) {
        match = _mm_or_si128(match, _mm_cmpeq_epi32(c, _mm_set1_epi32(static_cast<int>(ids[i]))));
      }
      t |= mask4(match) << k;
      u |= mask4(_mm_or_si128(is_flag, is_other)) << k;  // the codes >= kCellFalse
    }
  }
#endif
  if (op == Op::RETURN) {
    for (; k < m; ++k) {
      t |= static_cast<uint64_t>(cells[k] == kCellTrue) << k;
      u |= static_cast<uint64_t>(cells[k] != kCellTrue && cells[k] != kCellFalse) << k;
    }
  } else {
    for (; k < m; ++k) {
      const uint32_t cell = cells[k];
      bool match = false;
      for (size_t i = 0; i < num_ids; ++i) match = match || ids[i] == cell;
      t |= static_cast<uint64_t>(match) << k;
      u |= static_cast<uint64_t>(cell >= kCellFalse) << k;
    }
    if (op == Op::NE) t = ~t;  // the unknown bits are masked by the caller
  }
  *is_true = t;
  *unknown = u;
}

// TestStepPredicateCells at every position of a plan of n steps, as
// bitsets of (n + 63) / 64 words (bit p % 64 of word p / 64: step p): the
// steps where it holds (1) and where it is unknown (-1); the others, 0.
// Atoms are combined 64 steps at a time, in the order CombineAtoms takes
// them, so that a rule's loop skips the steps its `when` rejects a word
// at a time.
inline void TestStepPredicateBits(const StepPredicate& pred, const uint32_t* cells, size_t n, uint64_t* holds,
                                  uint64_t* unknown) {
  for (size_t w = 0, base = 0; base < n; ++w, base += 64) {
    const size_t m = std::min<size_t>(64, n - base);
    uint64_t open = m == 64 ? ~uint64_t{0} : (uint64_t{1} << m) - 1;  // no atom has decided yet
    uint64_t yes = 0, unk = 0;
    for (const StepPredicate::Atom& atom : pred.atoms) {
      if (open == 0) break;
      uint64_t t, u;
      AtomBits(atom.op, atom.ids.data(), atom.ids.size(), cells + static_cast<size_t>(atom.column) * n + base, m, &t,
               &u);
      unk |= open & u;
      const uint64_t decides = open & ~u & (pred.any ? t : ~t);  // true decides ||, false decides &&
      if (pred.any) yes |= decides;
      open &= ~(u | decides);
    }
    holds[w] = pred.any ? yes : open;  // && holds where no atom decided false
    unknown[w] = unk;
  }
}

}  // namespace gavel

#endif  // GAVEL_ENGINE_PREPARE_H_
