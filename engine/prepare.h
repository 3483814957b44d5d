// Derives, from a program's canonical bytecode, what makes it fast to run:
// the superinstructions the VM executes (Chunk::exec), the rule index that
// sends each step only to the rules that can fire on it, the conditions
// whose results are shared between rules, the conditions simple enough to
// test without the VM, and the stack size. Run once per
// compiled policy (CompiledPolicy's constructor), after verification for a
// bundle; nothing it derives is written to a bundle.
#ifndef GAVEL_ENGINE_PREPARE_H_
#define GAVEL_ENGINE_PREPARE_H_

#include "engine/program.h"

namespace gavel {

void PrepareProgram(Program& program);

// A step predicate's value on `step`: 1 true, 0 false, -1 when a field is
// not of the kind the comparison needs (then run the chunk: it knows the
// error or the dynamic comparison to make).
// Inline: the evaluator calls it for most (rule, step) pairs.
inline int TestStepPredicate(const StepPredicate& pred, const Value& step) {
  for (const StepPredicate::Atom& atom : pred.atoms) {
    const Value* v = FollowPath(atom, step);
    if (v == nullptr) return -1;
    bool result = false;
    if (atom.op == Op::RETURN) {
      if (!v->is_bool()) return -1;
      result = v->bool_value();
    } else {
      if (!v->is_string()) return -1;
      const std::string_view s = v->str();
      for (std::string_view t : atom.texts) {
        if (t == s) {
          result = true;
          break;
        }
      }
      if (atom.op == Op::NE) result = !result;
    }
    if (result == pred.any) return result;  // decided: true for ||, false for &&
  }
  return !pred.any;
}

}  // namespace gavel

#endif  // GAVEL_ENGINE_PREPARE_H_
