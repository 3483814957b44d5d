// The bytecode verifier. See program_verifier.h for what it guarantees.
#include "engine/program_verifier.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins_net.h"
#include "engine/schema.h"

namespace gavel {
namespace {

// Loop checks cost (instructions x nesting); a crafted program could make
// them quadratic, so the work is bounded (real programs are far below).
constexpr int64_t kMaxWork = int64_t{1} << 26;

bool IsIterNext(Op op) { return op == Op::ITER_NEXT || op == Op::ITER_NEXT2; }

class Verifier {
 public:
  explicit Verifier(const Program& p) : p_(p), writes_at_(p.chunks.size() + 1, 0) {
    for (const auto& s : p.sources) sources_.insert(s.get());
  }

  absl::Status Run() {
    if (p_.params.size() != p_.param_names.size()) {
      return Fail(absl::StrCat(p_.params.size(), " params but ", p_.param_names.size(), " param names"));
    }
    for (size_t i = 0; i < p_.regexes.size(); ++i) {
      if (p_.regexes[i] == nullptr || !p_.regexes[i]->ok()) return Fail(absl::StrCat("regex ", i, " is invalid"));
    }
    for (size_t i = 0; i < p_.packages.size(); ++i) {
      const auto e = static_cast<int>(p_.packages[i].enforcement);
      if (e != static_cast<int>(Enforcement::kDeny) && e != static_cast<int>(Enforcement::kDryrun)) {
        return Fail(absl::StrCat("package ", i, ": unknown enforcement ", e));
      }
    }
    for (size_t i = 0; i < p_.package_lets.size(); ++i) {
      if (!ValidChunk(p_.package_lets[i])) {
        return Fail(absl::StrCat("package let ", i, ": chunk ", p_.package_lets[i], " out of range"));
      }
    }
    // In index order: a chunk only runs let chunks of lower index, whose
    // write sets are then known.
    for (size_t c = 0; c < p_.chunks.size(); ++c) {
      if (absl::Status st = CheckChunk(static_cast<int>(c)); !st.ok()) return st;
    }
    for (size_t r = 0; r < p_.rules.size(); ++r) {
      if (absl::Status st = CheckRule(p_.rules[r]); !st.ok()) {
        return Fail(absl::StrCat("rule ", r, " (`", p_.rules[r].qualified, "`): ", st.message()));
      }
    }
    return absl::OkStatus();
  }

 private:
  static absl::Status Fail(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

  bool ValidChunk(int c) const { return c >= 0 && static_cast<size_t>(c) < p_.chunks.size(); }
  bool OptionalChunk(int c) const { return c == -1 || ValidChunk(c); }

  // A set, not a scan: every chunk and rule asks, and a bundle may hold
  // thousands of files.
  bool KnownSource(const SourceFile* f) const { return f == nullptr || sources_.contains(f); }

  // Whether FIELD a may read field `index` named `name`: some message type
  // of the schema has it there.
  static bool SchemaField(int64_t index, const Value& name) {
    if (!name.is_string() || index < 0) return false;
    for (const MessageType* m : MessageTypes()) {
      if (static_cast<size_t>(index) < m->fields.size() && m->fields[index].name == name.str()) return true;
    }
    return false;
  }

  static bool HasArity(const Builtin& fn, int64_t argc) {
    for (const Overload& o : fn.overloads) {
      if (static_cast<int64_t>(o.params.size()) == argc) return true;
    }
    return false;
  }

  bool StringConstant(int64_t k) const {
    return k >= 0 && static_cast<size_t>(k) < p_.constants.size() && p_.constants[k].is_string();
  }

  // The frame slots `in` writes (with those of the let chunk it runs).
  void Writes(const Instr& in, std::vector<int64_t>* out) const {
    int64_t w[3];
    out->assign(w, w + SlotWrites(in, w));
    if (in.op == Op::LOAD_RULE_LET) {
      out->insert(out->end(), writes_.begin() + writes_at_[in.b], writes_.begin() + writes_at_[in.b + 1]);
    }
  }

  absl::Status CheckChunk(int c) {
    const Chunk& chunk = p_.chunks[c];
    if (!p_.CodeInRange(chunk)) {
      return Fail(absl::StrCat("chunk ", c, ": instructions ", chunk.code_begin, "..+", chunk.code_size, " of ",
                               p_.code.size(), " (", p_.offsets.size(), " source offsets)"));
    }
    const std::span<const Instr> code = p_.Code(chunk);
    const uint32_t* offsets = p_.offsets.data() + chunk.code_begin;
    const int64_t n = static_cast<int64_t>(code.size());
    const int64_t slots = chunk.num_slots;
    auto at = [&](int64_t pc, std::string what) {
      return Fail(absl::StrCat("chunk ", c, ", instruction ", pc, " (", OpName(code[pc].op), "): ", what));
    };
    if (n == 0) return Fail(absl::StrCat("chunk ", c, " is empty"));
    if (slots < 0 || slots > kMaxFrameSlots) return Fail(absl::StrCat("chunk ", c, ": ", slots, " slots"));
    if (!KnownSource(chunk.source)) return Fail(absl::StrCat("chunk ", c, ": source not in the program"));
    for (int64_t pc = 0; pc < n; ++pc) {
      if (static_cast<int>(code[pc].op) >= kNumOps) {
        return Fail(
            absl::StrCat("chunk ", c, ", instruction ", pc, ": unknown opcode ", static_cast<int>(code[pc].op)));
      }
      if (chunk.source != nullptr && offsets[pc] > chunk.source->text().size()) {
        return at(pc, absl::StrCat("offset ", offsets[pc], " past the end of `", chunk.source->name(), "`"));
      }
    }

    // Operands.
    for (int64_t pc = 0; pc < n; ++pc) {
      const Instr& in = code[pc];
      const int64_t a = in.a, b = in.b;
      auto slot = [&](int64_t first, int64_t last) -> absl::Status {
        if (first < 0 || last >= slots) {
          return at(pc, absl::StrCat("slot ", first == last ? absl::StrCat(first) : absl::StrCat(first, "..", last),
                                     " out of range (", slots, " slots)"));
        }
        return absl::OkStatus();
      };
      absl::Status st;
      switch (in.op) {
        case Op::CONST:
          if (a < 0 || static_cast<size_t>(a) >= p_.constants.size()) {
            st = at(pc, absl::StrCat("constant ", a, " out of range (", p_.constants.size(), " constants)"));
          }
          break;
        case Op::LOAD_LOCAL: case Op::STORE_LOCAL: case Op::ACC_ALL: case Op::ACC_EXISTS: case Op::ACC_COUNT:
        case Op::ACC_APPEND: case Op::TEST_FILTER: st = slot(a, a); break;
        case Op::ACC_PUT: st = slot(a - 1, a); break;  // the key is in L[a-1]
        case Op::ITER_INIT: case Op::ITER_INIT2: st = slot(a, a + 1); break;
        case Op::ITER_NEXT: st = slot(a, a + 2); break;
        case Op::ITER_NEXT2: st = slot(a, a + 4); break;
        case Op::LOAD_GLOBAL:
          if (a < 0 || a >= kNumGlobals) st = at(pc, absl::StrCat("global ", a, " out of range"));
          break;
        case Op::LOAD_PARAM:
          if (a < 0 || static_cast<size_t>(a) >= p_.params.size()) {
            st = at(pc, absl::StrCat("param ", a, " out of range (", p_.params.size(), " params)"));
          }
          break;
        case Op::LOAD_PKG_LET:
          if (a < 0 || static_cast<size_t>(a) >= p_.package_lets.size()) {
            st = at(pc, absl::StrCat("package let ", a, " out of range (", p_.package_lets.size(), " lets)"));
          } else if (b != p_.package_lets[a]) {
            st = at(pc, absl::StrCat("chunk ", b, " is not the chunk of package let ", a));
          } else if (b >= c) {
            st = at(pc, absl::StrCat("let chunk ", b, " is not before chunk ", c));
          }
          break;
        case Op::LOAD_RULE_LET:
          if (st = slot(a, a); !st.ok()) break;
          if (b < 0 || b >= c) {
            st = at(pc, absl::StrCat("let chunk ", b, " is not a chunk before chunk ", c));
          } else if (p_.chunks[b].num_slots > slots) {
            st = at(pc, absl::StrCat("let chunk ", b, " needs ", p_.chunks[b].num_slots, " slots, the frame has ",
                                     slots));
          }
          break;
        case Op::FIELD:
          if (!StringConstant(b)) {
            st = at(pc, absl::StrCat("constant ", b, " is not a field name"));
          } else if (!SchemaField(a, p_.constants[b])) {
            st = at(pc, absl::StrCat("no message has field `", p_.constants[b].str(), "` at index ", a));
          }
          break;
        case Op::SELECT: case Op::HAS:
          if (!StringConstant(a)) st = at(pc, absl::StrCat("constant ", a, " is not a field name"));
          break;
        case Op::CALL: {
          const auto& table = BuiltinTable::Get().all();
          if (a < 0 || static_cast<size_t>(a) >= table.size() || table[a].fn == nullptr) {
            st = at(pc, absl::StrCat("no built-in function ", a));
          } else if (!HasArity(table[a], b)) {
            st = at(pc, absl::StrCat("`", table[a].name, "` does not take ", b, " arguments"));
          }
          break;
        }
        case Op::MATCHES_RE:
          if (a < 0 || static_cast<size_t>(a) >= p_.regexes.size()) {
            st = at(pc, absl::StrCat("regex ", a, " out of range (", p_.regexes.size(), " regexes)"));
          }
          break;
        case Op::LIST: case Op::MAP:
          if (a < 0) st = at(pc, absl::StrCat("negative count ", a));
          break;
        default: break;
      }
      if (!st.ok()) return st;
    }

    // Control flow and stack depth, in one pass: every edge but a backward
    // JUMP goes forward, so each instruction's depth is known when reached.
    std::vector<int64_t>& depth = depth_;
    depth.assign(n, -1);
    depth[0] = 0;
    std::vector<int64_t>& loop_end = loop_end_;  // per loop head: its last backward JUMP
    loop_end.assign(n, -1);
    for (int64_t pc = 0; pc < n; ++pc) {
      if (depth[pc] < 0) continue;  // unreachable: never runs
      const Instr& in = code[pc];
      const int64_t d = depth[pc];
      auto edge = [&](int64_t offset, int64_t to_depth) -> absl::Status {
        const int64_t target = pc + 1 + offset;
        if (target < 0 || target >= n) {
          return at(pc, absl::StrCat(offset == 0 ? "continues at " : "jump to ", target, ", outside the chunk"));
        }
        if (target <= pc) {
          if (in.op != Op::JUMP) return at(pc, "only JUMP may go backward");
          if (!IsIterNext(code[target].op)) {
            return at(pc, absl::StrCat("backward jump to ", target, ", not a loop head"));
          }
          if (depth[target] != to_depth) return at(pc, absl::StrCat("stack depth ", to_depth, " at the back edge, ",
                                                                  depth[target], " at the loop head"));
          loop_end[target] = std::max(loop_end[target], pc);
          return absl::OkStatus();
        }
        if (depth[target] >= 0 && depth[target] != to_depth) {
          return at(pc, absl::StrCat("stack depth ", to_depth, " at instruction ", target, ", ", depth[target],
                                     " by another path"));
        }
        depth[target] = to_depth;
        return absl::OkStatus();
      };
      auto need = [&](int64_t k) -> absl::Status {
        if (d < k) return at(pc, absl::StrCat("pops ", k, " values from a stack of ", d));
        return absl::OkStatus();
      };
      auto next = [&](int64_t to_depth) { return edge(0, to_depth); };
      absl::Status st;
      switch (in.op) {
        case Op::CONST: case Op::LOAD_LOCAL: case Op::LOAD_GLOBAL: case Op::LOAD_VAR: case Op::LOAD_PARAM:
        case Op::LOAD_PKG_LET: case Op::LOAD_RULE_LET: st = next(d + 1); break;
        case Op::STORE_LOCAL: if (st = need(1); st.ok()) st = next(d - 1); break;
        case Op::FIELD: case Op::SELECT: case Op::HAS: case Op::NEG: case Op::NOT: case Op::MATCHES_RE:
          if (st = need(1); st.ok()) st = next(d);
          break;
        case Op::INDEX: case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV: case Op::MOD: case Op::EQ:
        case Op::NE: case Op::LT: case Op::LE: case Op::GT: case Op::GE: case Op::IN: case Op::AND_END:
        case Op::OR_END: if (st = need(2); st.ok()) st = next(d - 1); break;
        case Op::CALL: if (st = need(in.b); st.ok()) st = next(d - in.b + 1); break;
        case Op::LIST: if (st = need(in.a); st.ok()) st = next(d - in.a + 1); break;
        case Op::MAP: if (st = need(2 * int64_t{in.a}); st.ok()) st = next(d - 2 * int64_t{in.a} + 1); break;
        case Op::JUMP: st = edge(in.a, d); break;
        case Op::AND: case Op::OR:
          if (st = need(1); !st.ok()) break;
          if (in.a < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.a, d); st.ok()) st = next(d);
          break;
        case Op::COND:
          if (st = need(1); !st.ok()) break;
          if (in.a < 0 || in.b < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.a, d - 1); st.ok()) st = edge(in.b, d);  // b: the error is pushed
          if (st.ok()) st = next(d - 1);
          break;
        case Op::ITER_INIT: case Op::ITER_INIT2:
          if (st = need(1); !st.ok()) break;
          if (in.b < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.b, d); st.ok()) st = next(d - 1);  // b: the error is pushed
          break;
        case Op::ITER_NEXT: case Op::ITER_NEXT2:
          if (in.b < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.b, d); st.ok()) st = next(d);
          break;
        case Op::ACC_ALL: case Op::ACC_EXISTS: case Op::ACC_COUNT: case Op::ACC_APPEND: case Op::ACC_PUT:
          if (st = need(1); !st.ok()) break;
          if (in.b < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.b, d - 1); st.ok()) st = next(d - 1);
          break;
        case Op::TEST_FILTER:
          if (st = need(1); !st.ok()) break;
          if (in.b < 0) { st = at(pc, "only JUMP may go backward"); break; }
          if (st = edge(in.b, d - 1); st.ok()) st = edge(1, d - 1);  // true: skips one instruction
          if (st.ok()) st = next(d - 1);
          break;
        case Op::RETURN: st = need(1); break;
      }
      if (!st.ok()) return st;
    }

    // Termination: each loop (an ITER_NEXT(2) and the body up to its last
    // backward JUMP) exits past its body, is nested in or disjoint from the
    // others, and nothing in its body but the head writes its list or its
    // position, so each pass through the head consumes an element.
    std::vector<int64_t>& open = open_;  // heads of the loops around pc, innermost last
    open.clear();
    std::vector<int64_t>& w = w_;
    const size_t own = writes_.size();  // this chunk's writes: writes_[own...]
    for (int64_t pc = 0; pc < n; ++pc) {
      while (!open.empty() && loop_end[open.back()] < pc) open.pop_back();
      Writes(code[pc], &w);
      work_ += static_cast<int64_t>((open.size() + 1) * (w.size() + 1));
      if (work_ > kMaxWork) return Fail(absl::StrCat("chunk ", c, ": too complex to verify"));
      for (int64_t head : open) {
        const int64_t s = code[head].a;
        for (int64_t x : w) {
          if (x == s || x == s + 1) {
            return at(pc, absl::StrCat("writes slot ", x, " of the loop at instruction ", head));
          }
        }
      }
      if (loop_end[pc] >= 0) {
        if (!open.empty() && loop_end[pc] > loop_end[open.back()]) {
          return at(pc, absl::StrCat("loop overlaps the loop at instruction ", open.back()));
        }
        if (pc + 1 + int64_t{code[pc].b} <= loop_end[pc]) return at(pc, "loop exits inside its body");
        open.push_back(pc);
      }
      // What this chunk writes in its frame, for the chunks that run it as a let.
      writes_.insert(writes_.end(), w.begin(), w.end());
    }
    std::sort(writes_.begin() + own, writes_.end());
    writes_.erase(std::unique(writes_.begin() + own, writes_.end()), writes_.end());
    writes_at_[c + 1] = writes_.size();
    return absl::OkStatus();
  }

  absl::Status CheckRule(const CompiledRule& r) const {
    if (static_cast<int>(r.effect) > static_cast<int>(Effect::kPermit)) {
      return Fail(absl::StrCat("unknown effect ", static_cast<int>(r.effect)));
    }
    if (r.package_index < 0 || static_cast<size_t>(r.package_index) >= p_.packages.size()) {
      return Fail(absl::StrCat("package ", r.package_index, " out of range"));
    }
    if (r.num_slots < 0 || r.num_slots > kMaxFrameSlots) return Fail(absl::StrCat(r.num_slots, " slots"));
    if (!KnownSource(r.location.file)) return Fail("location not in the program's sources");
    if (r.location.file != nullptr && r.location.offset > r.location.file->text().size()) {
      return Fail(
          absl::StrCat("location offset ", r.location.offset, " past the end of `", r.location.file->name(), "`"));
    }
    // Every chunk the rule runs, in the rule's frame.
    std::vector<int> chunks;
    auto use = [&](int c, bool optional, const char* what) -> absl::Status {
      if (optional && c == -1) return absl::OkStatus();
      if (!ValidChunk(c)) return Fail(absl::StrCat(what, " chunk ", c, " out of range"));
      if (p_.chunks[c].num_slots > r.num_slots) {
        return Fail(absl::StrCat(what, " chunk ", c, " needs ", p_.chunks[c].num_slots, " slots, the rule has ",
                                 r.num_slots));
      }
      return absl::OkStatus();
    };
    if (absl::Status st = use(r.range_chunk, true, "`for`"); !st.ok()) return st;
    if (r.range_chunk >= 0 && (r.iter_slot < 0 || r.iter_slot >= r.num_slots)) {
      return Fail(absl::StrCat("`for` slot ", r.iter_slot, " out of range (", r.num_slots, " slots)"));
    }
    for (const auto& [slot, chunk] : r.lets) {
      if (slot < 0 || slot >= r.num_slots) {
        return Fail(absl::StrCat("let slot ", slot, " out of range (", r.num_slots, " slots)"));
      }
      if (absl::Status st = use(chunk, false, "let"); !st.ok()) return st;
    }
    if (absl::Status st = use(r.when_chunk, true, "`when`"); !st.ok()) return st;
    if (absl::Status st = use(r.unless_chunk, true, "`unless`"); !st.ok()) return st;
    for (const CompiledRule::Part& part : r.message) {
      if (absl::Status st = use(part.chunk, true, "message"); !st.ok()) return st;
    }
    return absl::OkStatus();
  }

  const Program& p_;
  absl::flat_hash_set<const SourceFile*> sources_;
  // Per chunk c: the frame slots it may write, writes_[writes_at_[c],
  // writes_at_[c + 1]), in one vector (a vector per chunk was an
  // allocation per chunk of a bundle load). Chunks are checked in order.
  std::vector<int64_t> writes_;
  std::vector<size_t> writes_at_;
  int64_t work_ = 0;
  // CheckChunk()'s scratch, reused from chunk to chunk (a bundle has thousands).
  std::vector<int64_t> depth_, loop_end_, open_, w_;
};

}  // namespace

const std::vector<const MessageType*>& MessageTypes() {
  static const std::vector<const MessageType*> types = [] {
    const Schema& s = Schema::Get();
    return std::vector<const MessageType*>{&s.plan,    &s.agent,    &s.grant,   &s.context,
                                           &s.step,    &s.resource, &s.network, &CidrMessageType()};
  }();
  return types;
}

absl::Status VerifyProgram(const Program& program) { return Verifier(program).Run(); }

}  // namespace gavel
