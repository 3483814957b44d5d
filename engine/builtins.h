// The table of built-in functions: one entry per function name with its
// overloads (for the checker) and its implementation (for the VM). One table
// drives the checker, the runtime and docs/language.md, as in OPA.
//
// Operators (`_+_`, `_==_`, `@in`, `_[_]`, ...) are in the table too, so the
// checker types them like any function; the compiler turns them into opcodes.
#ifndef GAVEL_ENGINE_BUILTINS_H_
#define GAVEL_ENGINE_BUILTINS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/types.h"
#include "engine/value.h"

namespace gavel {

// Arguments are never errors: the VM propagates an error argument without
// calling the function (functions are strict). For a receiver-style call
// (`s.contains(t)`) args[0] is the receiver.
using BuiltinFn = Value (*)(const Value* args, size_t argc);

struct Overload {
  std::string id;           // "contains_string"
  bool receiver = false;    // called as target.name(...)
  std::vector<Type> params; // receiver first; Type::Param(0) is the type parameter A
  Type result;
};

// A call site whose arguments after the first are constants, prepared once
// per compiled policy (engine/prepare.h): the CIDR list parsed, the window
// and time zone parsed. The VM passes it the arguments the built-in would
// get, and its result is the built-in's.
class PreparedCall {
 public:
  virtual ~PreparedCall() = default;
  virtual Value Call(const Value* args, size_t argc) const = 0;
  // Whether TestString can decide the call on a string first argument
  // (what step predicates test without the VM: engine/prepare.h).
  virtual bool TestsStrings() const { return false; }
  // Call's result when the first argument is the string `text`: 1 true,
  // 0 false, or -1 when Call must run (an error to report).
  virtual int TestString(std::string_view text) const { return -1; }
};
// Given the constants (the call's arguments after the first), a prepared
// call, or null when there is nothing to gain or the constants are bad
// (the built-in then reports the error at run time, as always).
using PrepareFn = std::unique_ptr<PreparedCall> (*)(const Value* constants, size_t n);

struct Builtin {
  std::string name;
  std::vector<Overload> overloads;
  BuiltinFn fn = nullptr;
  std::string doc;          // one line, for docs and `gavel doc`
  PrepareFn prepare = nullptr;
};

class BuiltinTable {
 public:
  static const BuiltinTable& Get();

  // -1 if there is no function of that name.
  int Find(std::string_view name) const;
  const Builtin& at(int id) const { return builtins_[id]; }
  const std::vector<Builtin>& all() const { return builtins_; }
  // Every name, for "did you mean".
  std::vector<std::string> Names() const;

 private:
  BuiltinTable();
  std::vector<Builtin> builtins_;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUILTINS_H_
