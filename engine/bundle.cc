// The bundle format, format 1 (docs/bundles.md has the byte layout):
//
//   header  magic (8) | format u32 | body size u64 | CRC-32C of the body u32
//   body    writer version | engine fingerprint u32 | sections 1..8, each
//           id u8 | size u32 | contents
//   trailer sections (id u8 | size u32 | contents) after the body, outside
//           the checksum: 1 = signature (algorithm u8 | key id (8) |
//           Ed25519 signature (64) over header and body); others skipped
//
// Fixed-width integers are little-endian; the others in the body are LEB128
// varints (signed ones zigzag-encoded); doubles are their 8 IEEE bytes, so
// NaN payloads and infinities survive.
#include "engine/bundle.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/builtins.h"
#include "engine/compiler.h"
#include "engine/cost.h"
#include "engine/crc32c.h"
#include "engine/operators.h"
#include "engine/program.h"
#include "engine/program_verifier.h"
#include "engine/schema.h"
#include "engine/sha256.h"
#include "gavel/gavel.h"

namespace gavel {
namespace {

// A tripwire: a field added to the compiled program must be written and
// read here (and the format version incremented), or bundles drop it.
// Not written on purpose: Program::cost_budget (the loader's option),
// CompiledRule::cost_bound (recomputed from the bytecode on load) and what
// PrepareProgram derives (Chunk::exec_begin, Program::exec,
// Program::max_code_size and Program::index; prepare.h). Chunk::code_begin
// is not written either: each chunk's instructions are written with it, and
// the reader appends them to Program::code in chunk order.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Program) == 304 + sizeof(ExecIndex) && sizeof(Chunk) == 32 && sizeof(Instr) == 12 &&
                  sizeof(CompiledRule) == 384 && sizeof(CompiledRule::Part) == 40 && sizeof(CompiledPackage) == 80,
              "the compiled program changed: update engine/bundle.cc, docs/bundles.md and kBundleFormat");
#endif

constexpr size_t kHeaderSize = 24;
// Deeper values are refused (the reader and Value's destructor recurse).
constexpr int kMaxValueDepth = 128;

enum SectionId : uint8_t {
  kSources = 1, kConstants, kRegexes, kParams, kPackages, kPackageLets, kChunks, kRules,
};
constexpr const char* kSectionNames[] = {"", "sources", "constants", "regexes", "params",
                                         "packages", "package_lets", "chunks", "rules"};
constexpr int kNumSections = 8;

// Trailer sections.
constexpr uint8_t kSignatureSection = 1;
constexpr uint8_t kEd25519 = 1;  // the signature's algorithm byte
constexpr size_t kSignatureSectionSize = 1 + kKeyIdSize + kEd25519SignatureSize;

enum ValueTag : uint8_t {
  kTagNull, kTagFalse, kTagTrue, kTagInt, kTagUint, kTagDouble, kTagString, kTagBytes,
  kTagList, kTagMap, kTagTimestamp, kTagDuration, kTagType, kTagError, kTagMessage,
};

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutFixed(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void PatchFixed(std::string* out, size_t at, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) (*out)[at + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}
uint64_t GetFixed(std::string_view in, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<unsigned char>(in[at + i])} << (8 * i);
  return v;
}

// ---------------------------------------------------------------------------
// Writing.

class Writer {
 public:
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void Bool(bool b) { U8(b ? 1 : 0); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7F) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Signed(int64_t v) { Varint(ZigZag(v)); }
  void Str(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Strs(const std::vector<std::string>& v) {
    Varint(v.size());
    for (const auto& s : v) Str(s);
  }
  // A section: its id, then its size (filled in by End), then its contents.
  size_t Begin(SectionId id) {
    U8(id);
    PutFixed(&out_, 0, 4);
    return out_.size();
  }
  bool End(size_t contents_at) {
    const size_t size = out_.size() - contents_at;
    if (size > UINT32_MAX) return false;
    PatchFixed(&out_, contents_at - 4, size, 4);
    return true;
  }
  std::string& out() { return out_; }

 private:
  std::string out_;
};

absl::Status WriteValue(Writer& w, const Value& v) {
  switch (v.kind()) {
    case ValueKind::kNull: w.U8(kTagNull); break;
    case ValueKind::kBool: w.U8(v.bool_value() ? kTagTrue : kTagFalse); break;
    case ValueKind::kInt: w.U8(kTagInt); w.Signed(v.int_value()); break;
    case ValueKind::kUint: w.U8(kTagUint); w.Varint(v.uint_value()); break;
    case ValueKind::kDouble: {
      uint64_t bits = 0;
      const double d = v.double_value();
      std::memcpy(&bits, &d, sizeof bits);
      w.U8(kTagDouble);
      PutFixed(&w.out(), bits, 8);
      break;
    }
    case ValueKind::kString: w.U8(kTagString); w.Str(v.str()); break;
    case ValueKind::kBytes: w.U8(kTagBytes); w.Str(v.str()); break;
    case ValueKind::kType: w.U8(kTagType); w.Str(v.str()); break;
    case ValueKind::kError: w.U8(kTagError); w.Str(v.error_message()); break;
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      w.U8(v.is_timestamp() ? kTagTimestamp : kTagDuration);
      w.Signed(v.time_rep().seconds);
      w.Signed(v.time_rep().nanos);
      break;
    case ValueKind::kList:
      w.U8(kTagList);
      w.Varint(v.list().elems.size());
      for (const Value& e : v.list().elems) {
        if (absl::Status st = WriteValue(w, e); !st.ok()) return st;
      }
      break;
    case ValueKind::kMap:
      w.U8(kTagMap);
      w.Varint(v.map().entries.size());
      for (const auto& [k, val] : v.map().entries) {
        if (absl::Status st = WriteValue(w, k); !st.ok()) return st;
        if (absl::Status st = WriteValue(w, val); !st.ok()) return st;
      }
      break;
    case ValueKind::kMessage: {
      const MessageData& m = v.message();
      const auto& known = MessageTypes();
      if (std::find(known.begin(), known.end(), m.type) == known.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("a bundle cannot hold a value of message type `", m.type->full_name, "`"));
      }
      w.U8(kTagMessage);
      w.Str(m.type->full_name);
      w.Varint(m.present);
      w.Varint(m.fields.size());
      for (const Value& f : m.fields) {
        if (absl::Status st = WriteValue(w, f); !st.ok()) return st;
      }
      break;
    }
  }
  return absl::OkStatus();
}

// Source files by pointer: 0 for none, else index + 1.
class SourceIndex {
 public:
  explicit SourceIndex(const Program& p) {
    for (size_t i = 0; i < p.sources.size(); ++i) index_[p.sources[i].get()] = i + 1;
  }
  absl::StatusOr<uint64_t> Of(const SourceFile* f) const {
    if (f == nullptr) return 0;
    auto it = index_.find(f);
    if (it == index_.end()) return absl::InternalError(absl::StrCat("`", f->name(), "` is not a source of the policy"));
    return it->second;
  }

 private:
  std::map<const SourceFile*, uint64_t> index_;
};

std::string WriterVersion() { return GAVEL_VERSION; }

absl::Status TooLarge() { return absl::InvalidArgumentError("a section of the bundle would exceed 4 GiB"); }

}  // namespace

uint32_t EngineFingerprint() {
  static const uint32_t fingerprint = [] {
    std::string s = "ops:";
    for (int i = 0; i < kNumOps; ++i) absl::StrAppend(&s, OpName(static_cast<Op>(i)), ",");
    s += "\nbuiltins:";
    for (const Builtin& b : BuiltinTable::Get().all()) {
      absl::StrAppend(&s, b.name, "(");
      for (const Overload& o : b.overloads) absl::StrAppend(&s, o.id, "/", o.params.size(), ",");
      s += ")";
    }
    s += "\nmessages:";
    for (const MessageType* m : MessageTypes()) {
      absl::StrAppend(&s, m->full_name, "{");
      for (const FieldDesc& f : m->fields) absl::StrAppend(&s, f.name, ":", f.type.ToString(), ",");
      s += "}";
    }
    absl::StrAppend(&s, "\nglobals:", kNumGlobals);
    return Crc32c(s);
  }();
  return fingerprint;
}

absl::StatusOr<std::string> WriteBundle(const CompiledPolicy& policy) {
  const Program& p = policy.program();
  const SourceIndex sources(p);
  // Growing large strings step by step costs page faults: reserve a guess.
  size_t estimate = 4096 + 16 * p.constants.size();
  for (const auto& f : p.sources) estimate += f->name().size() + f->text().size();
  estimate += 8 * p.code.size();
  // One buffer: the header's size and checksum are filled in at the end.
  Writer w;
  w.out().reserve(kHeaderSize + estimate);
  w.out() += kBundleMagic;
  PutFixed(&w.out(), kBundleFormat, 4);
  PutFixed(&w.out(), 0, 8);  // body size
  PutFixed(&w.out(), 0, 4);  // checksum
  w.Str(WriterVersion());
  PutFixed(&w.out(), EngineFingerprint(), 4);

  size_t section = w.Begin(kSources);
  w.Varint(p.sources.size());
  for (const auto& f : p.sources) {
    w.Str(f->name());
    w.Str(f->text());
  }
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kConstants);
  w.Varint(p.constants.size());
  for (const Value& v : p.constants) {
    if (absl::Status st = WriteValue(w, v); !st.ok()) return st;
  }
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kRegexes);
  w.Varint(p.regexes.size());
  for (const auto& re : p.regexes) w.Str(re->pattern());
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kParams);
  w.Varint(p.params.size());
  for (size_t i = 0; i < p.params.size(); ++i) {
    w.Str(i < p.param_names.size() ? p.param_names[i] : "");
    if (absl::Status st = WriteValue(w, p.params[i]); !st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("param ", i, ": ", st.message()));
    }
  }
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kPackages);
  w.Varint(p.packages.size());
  for (const CompiledPackage& pkg : p.packages) {
    w.Str(pkg.name);
    w.Bool(pkg.default_deny);
    w.Str(pkg.default_location);
    w.U8(static_cast<uint8_t>(pkg.enforcement));
  }
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kPackageLets);
  w.Varint(p.package_lets.size());
  for (int c : p.package_lets) w.Signed(c);
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kChunks);
  w.Varint(p.chunks.size());
  for (const Chunk& chunk : p.chunks) {
    absl::StatusOr<uint64_t> src = sources.Of(chunk.source);
    if (!src.ok()) return src.status();
    w.Varint(*src);
    w.Signed(chunk.num_slots);
    // The writer does not verify: a hand-built program may be inconsistent.
    if (!p.CodeInRange(chunk)) return absl::InvalidArgumentError("a chunk's code is outside the program's");
    w.Varint(chunk.code_size);
    for (uint32_t i = chunk.code_begin; i < chunk.code_begin + chunk.code_size; ++i) {
      const Instr& in = p.code[i];
      w.U8(static_cast<uint8_t>(in.op));
      w.Signed(in.a);
      w.Signed(in.b);
      w.Varint(p.offsets[i]);
    }
  }
  if (!w.End(section)) return TooLarge();

  section = w.Begin(kRules);
  w.Varint(p.rules.size());
  for (const CompiledRule& r : p.rules) {
    w.Str(r.package);
    w.Str(r.name);
    w.Str(r.qualified);
    w.U8(static_cast<uint8_t>(r.effect));
    w.Strs(r.approvers);
    w.Str(r.severity);
    w.Strs(r.tags);
    w.Str(r.doc);
    absl::StatusOr<uint64_t> src = sources.Of(r.location.file);
    if (!src.ok()) return src.status();
    w.Varint(*src);
    w.Varint(r.location.offset);
    w.Str(r.location_text);
    w.Signed(r.range_chunk);
    w.Bool(r.over_steps);
    w.Signed(r.iter_slot);
    w.Varint(r.lets.size());
    for (const auto& [slot, chunk] : r.lets) {
      w.Signed(slot);
      w.Signed(chunk);
    }
    w.Signed(r.when_chunk);
    w.Signed(r.unless_chunk);
    w.Varint(r.message.size());
    for (const CompiledRule::Part& part : r.message) {
      w.Str(part.text);
      w.Signed(part.chunk);
    }
    w.Bool(r.has_message);
    w.Signed(r.num_slots);
    w.Signed(r.package_index);
  }
  if (!w.End(section)) return TooLarge();

  std::string& out = w.out();
  const std::string_view body = std::string_view(out).substr(kHeaderSize);
  PatchFixed(&out, 12, body.size(), 8);
  PatchFixed(&out, 20, Crc32c(body), 4);
  return std::move(out);
}

std::string PolicySetDigest(const Program& p) {
  Writer w;
  w.Str("gavel policy set 1");
  std::vector<const SourceFile*> files;
  for (const auto& f : p.sources) files.push_back(f.get());
  std::sort(files.begin(), files.end(), [](const SourceFile* x, const SourceFile* y) {
    return std::pair(x->name(), x->text()) < std::pair(y->name(), y->text());
  });
  w.Varint(files.size());
  for (const SourceFile* f : files) {
    w.Str(f->name());
    w.Str(f->text());
  }
  std::vector<size_t> params(p.params.size());
  for (size_t i = 0; i < params.size(); ++i) params[i] = i;
  auto param_name = [&](size_t i) { return i < p.param_names.size() ? p.param_names[i] : std::string(); };
  std::stable_sort(params.begin(), params.end(), [&](size_t x, size_t y) { return param_name(x) < param_name(y); });
  w.Varint(params.size());
  for (size_t i : params) {
    w.Str(param_name(i));
    // Only plan messages fail, which params never hold; their text keeps the
    // digest defined anyway.
    if (!WriteValue(w, p.params[i]).ok()) w.Str(p.params[i].DebugString());
  }
  std::vector<std::pair<std::string, uint8_t>> enforcement;
  for (const CompiledPackage& pkg : p.packages) enforcement.emplace_back(pkg.name, static_cast<uint8_t>(pkg.enforcement));
  std::sort(enforcement.begin(), enforcement.end());
  w.Varint(enforcement.size());
  for (const auto& [name, e] : enforcement) {
    w.Str(name);
    w.U8(e);
  }
  return Sha256Digest(w.out());
}

// ---------------------------------------------------------------------------
// Reading.

namespace {

// Reads the body. Every method returns false once anything failed; the
// first failure is kept in error().
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  const std::string& error() const { return error_; }
  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool U8(uint8_t* v) {
    if (pos_ >= data_.size()) return Fail("unexpected end");
    *v = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool Bool(bool* b) {
    uint8_t v = 0;
    if (!U8(&v)) return false;
    if (v > 1) return Fail(absl::StrCat("bool byte ", v));
    *b = v == 1;
    return true;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Varint(uint64_t* v) {
    // Most varints (operands, slots, counts, source offsets) take one to
    // three bytes: read inline, the rest out of line.
    if (remaining() >= 3) {
      const auto* b = reinterpret_cast<const uint8_t*>(data_.data() + pos_);
      if (b[0] < 0x80) {
        *v = b[0];
        pos_ += 1;
        return true;
      }
      if (b[1] < 0x80) {
        *v = (b[0] & 0x7Fu) | uint64_t{b[1]} << 7;
        pos_ += 2;
        return true;
      }
      if (b[2] < 0x80) {
        *v = (b[0] & 0x7Fu) | uint64_t{b[1] & 0x7Fu} << 7 | uint64_t{b[2]} << 14;
        pos_ += 3;
        return true;
      }
    }
    return VarintSlow(v);
  }
  ABSL_ATTRIBUTE_NOINLINE bool VarintSlow(uint64_t* v) {
    uint64_t result = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t byte = 0;
      if (!U8(&byte)) return false;
      if (shift == 63 && byte > 1) return Fail("varint overflows 64 bits");
      result |= uint64_t{byte & 0x7Fu} << shift;
      if ((byte & 0x80) == 0) {
        *v = result;
        return true;
      }
    }
    return Fail("varint longer than 10 bytes");
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Signed(int64_t* v) {
    uint64_t u = 0;
    if (!Varint(&u)) return false;
    *v = UnZigZag(u);
    return true;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Int32(int32_t* v) {
    int64_t x = 0;
    if (!Signed(&x)) return false;
    if (x < INT32_MIN || x > INT32_MAX) return Fail(absl::StrCat("integer ", x, " out of range"));
    *v = static_cast<int32_t>(x);
    return true;
  }
  bool Int(int* v) {
    int32_t x = 0;
    if (!Int32(&x)) return false;
    *v = x;
    return true;
  }
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool Uint32(uint32_t* v) {
    uint64_t x = 0;
    if (!Varint(&x)) return false;
    if (x > UINT32_MAX) return Fail(absl::StrCat("integer ", x, " out of range"));
    *v = static_cast<uint32_t>(x);
    return true;
  }
  bool Fixed(int bytes, uint64_t* v) {
    if (remaining() < static_cast<size_t>(bytes)) return Fail("unexpected end");
    *v = GetFixed(data_, pos_, bytes);
    pos_ += bytes;
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (remaining() < n) return Fail("unexpected end");
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool Str(std::string* s) {
    uint64_t n = 0;
    std::string_view v;
    if (!Varint(&n) || !Bytes(n, &v)) return false;
    s->assign(v);
    return true;
  }
  bool Strs(std::vector<std::string>* v) {
    uint64_t n = 0;
    if (!Count(1, &n)) return false;
    v->resize(n);
    for (auto& s : *v) {
      if (!Str(&s)) return false;
    }
    return true;
  }
  // A count of items each at least `min_bytes` long: never more than what
  // is left could hold, so a crafted count cannot allocate much.
  bool Count(size_t min_bytes, uint64_t* n) {
    if (!Varint(n)) return false;
    if (*n > remaining() / min_bytes) return Fail(absl::StrCat("count ", *n, " larger than what follows"));
    return true;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  std::string error_;
};

// A map key's identity, with numbers compared across int and uint as CEL does.
std::pair<int, std::string> KeyIdentity(const Value& k) {
  switch (k.kind()) {
    case ValueKind::kNull: return {0, ""};
    case ValueKind::kBool: return {1, k.bool_value() ? "1" : "0"};
    case ValueKind::kInt:
      return k.int_value() < 0 ? std::pair<int, std::string>{2, absl::StrCat(k.int_value())}
                               : std::pair<int, std::string>{3, absl::StrCat(k.int_value())};
    case ValueKind::kUint: return {3, absl::StrCat(k.uint_value())};
    default: return {4, k.str()};
  }
}

bool ReadValue(Reader& r, int depth, Value* out) {
  if (depth > kMaxValueDepth) return r.Fail(absl::StrCat("value nested deeper than ", kMaxValueDepth, " levels"));
  uint8_t tag = 0;
  if (!r.U8(&tag)) return false;
  switch (tag) {
    case kTagNull: *out = Value::Null(); return true;
    case kTagFalse: *out = Value::Bool(false); return true;
    case kTagTrue: *out = Value::Bool(true); return true;
    case kTagInt: {
      int64_t v = 0;
      if (!r.Signed(&v)) return false;
      *out = Value::Int(v);
      return true;
    }
    case kTagUint: {
      uint64_t v = 0;
      if (!r.Varint(&v)) return false;
      *out = Value::Uint(v);
      return true;
    }
    case kTagDouble: {
      uint64_t bits = 0;
      if (!r.Fixed(8, &bits)) return false;
      double d = 0;
      std::memcpy(&d, &bits, sizeof d);
      *out = Value::Double(d);
      return true;
    }
    case kTagString: case kTagBytes: case kTagType: case kTagError: {
      std::string s;
      if (!r.Str(&s)) return false;
      *out = tag == kTagString  ? Value::String(std::move(s))
             : tag == kTagBytes ? Value::Bytes(std::move(s))
             : tag == kTagType  ? Value::TypeValue(std::move(s))
                                : Value::Error(std::move(s));
      return true;
    }
    case kTagTimestamp: case kTagDuration: {
      int64_t seconds = 0, nanos = 0;
      if (!r.Signed(&seconds) || !r.Signed(&nanos)) return false;
      if (nanos <= -1000000000 || nanos >= 1000000000) return r.Fail(absl::StrCat("nanos ", nanos, " out of range"));
      // The range-checked constructors normalize: a value that changes was
      // not one gavel writes.
      Value v = tag == kTagTimestamp ? MakeTimestamp(seconds, static_cast<int32_t>(nanos))
                                     : MakeDuration(seconds, static_cast<int32_t>(nanos));
      if (v.is_error() || v.time_rep().seconds != seconds || v.time_rep().nanos != nanos) {
        return r.Fail(absl::StrCat(tag == kTagTimestamp ? "timestamp" : "duration", " (", seconds, "s, ", nanos,
                                   "ns) out of range"));
      }
      *out = std::move(v);
      return true;
    }
    case kTagList: {
      uint64_t n = 0;
      if (!r.Count(1, &n)) return false;
      std::vector<Value> elems(n);
      for (Value& e : elems) {
        if (!ReadValue(r, depth + 1, &e)) return false;
      }
      *out = Value::List(std::move(elems));
      return true;
    }
    case kTagMap: {
      uint64_t n = 0;
      if (!r.Count(2, &n)) return false;
      std::vector<std::pair<Value, Value>> entries(n);
      std::set<std::pair<int, std::string>> keys;
      for (auto& [k, v] : entries) {
        if (!ReadValue(r, depth + 1, &k)) return false;
        switch (k.kind()) {
          case ValueKind::kNull: case ValueKind::kBool: case ValueKind::kInt: case ValueKind::kUint:
          case ValueKind::kString: break;
          default: return r.Fail(absl::StrCat("map key of kind ", KindName(k.kind())));
        }
        if (!keys.insert(KeyIdentity(k)).second) return r.Fail(absl::StrCat("duplicate map key ", k.DebugString()));
        if (!ReadValue(r, depth + 1, &v)) return false;
      }
      *out = Value::Map(std::move(entries));
      return true;
    }
    case kTagMessage: {
      std::string name;
      uint64_t present = 0, n = 0;
      if (!r.Str(&name) || !r.Varint(&present) || !r.Count(1, &n)) return false;
      const MessageType* type = nullptr;
      for (const MessageType* m : MessageTypes()) {
        if (m->full_name == name) type = m;
      }
      if (type == nullptr) return r.Fail(absl::StrCat("unknown message type `", name, "`"));
      const size_t size = type->fields.size();
      if (n != size || (size < 64 && (present >> size) != 0)) {
        return r.Fail(absl::StrCat("malformed `", name, "` value"));
      }
      std::vector<Value> fields(n);
      for (size_t i = 0; i < n; ++i) {
        if (!ReadValue(r, depth + 1, &fields[i])) return false;
        // Built-ins and the evaluator read fields by their declared type.
        if (!ValueHasType(fields[i], type->fields[i].type)) {
          return r.Fail(absl::StrCat("field `", type->fields[i].name, "` of a `", name, "` value is ",
                                     KindName(fields[i].kind())));
        }
      }
      *out = Value::Message(type, std::move(fields), present);
      return true;
    }
    default: return r.Fail(absl::StrCat("unknown value tag ", tag));
  }
}

// Reads the sections of the body into a Program.
class ProgramReader {
 public:
  explicit ProgramReader(Program& p) : p_(p) {}

  bool Section(int id, Reader& r) {
    switch (id) {
      case kSources: return Sources(r);
      case kConstants: return Values(r, &p_.constants);
      case kRegexes: return Regexes(r);
      case kParams: return Params(r);
      case kPackages: return Packages(r);
      case kPackageLets: return PackageLets(r);
      case kChunks: return Chunks(r);
      case kRules: return Rules(r);
    }
    return r.Fail("unknown section");
  }

 private:
  bool Source(Reader& r, const SourceFile** out) {
    uint64_t i = 0;
    if (!r.Varint(&i)) return false;
    if (i > p_.sources.size()) return r.Fail(absl::StrCat("source ", i, " out of range"));
    *out = i == 0 ? nullptr : p_.sources[i - 1].get();
    return true;
  }

  bool Sources(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(2, &n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string name, text;
      if (!r.Str(&name) || !r.Str(&text)) return false;
      p_.sources.push_back(std::make_shared<SourceFile>(std::move(name), std::move(text)));
    }
    return true;
  }

  bool Values(Reader& r, std::vector<Value>* out) {
    uint64_t n = 0;
    if (!r.Count(1, &n)) return false;
    out->resize(n);
    for (Value& v : *out) {
      if (!ReadValue(r, 0, &v)) return false;
    }
    return true;
  }

  bool Regexes(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(1, &n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      std::string pattern;
      if (!r.Str(&pattern)) return false;
      // Compiled again here, with the options the compiler uses.
      auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
      if (!re->ok()) return r.Fail(absl::StrCat("regex ", i, " `", pattern, "`: ", re->error()));
      p_.regexes.push_back(std::move(re));
    }
    return true;
  }

  bool Params(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(2, &n)) return false;
    p_.params.resize(n);
    p_.param_names.resize(n);
    for (uint64_t i = 0; i < n; ++i) {
      if (!r.Str(&p_.param_names[i]) || !ReadValue(r, 0, &p_.params[i])) return false;
    }
    return true;
  }

  bool Packages(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(4, &n)) return false;
    p_.packages.resize(n);
    for (CompiledPackage& pkg : p_.packages) {
      uint8_t enforcement = 0;
      if (!r.Str(&pkg.name) || !r.Bool(&pkg.default_deny) || !r.Str(&pkg.default_location) || !r.U8(&enforcement)) {
        return false;
      }
      if (enforcement > static_cast<uint8_t>(Enforcement::kDryrun)) {
        return r.Fail(absl::StrCat("unknown enforcement ", enforcement));
      }
      pkg.enforcement = static_cast<Enforcement>(enforcement);
    }
    return true;
  }

  bool PackageLets(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(1, &n)) return false;
    p_.package_lets.resize(n);
    for (int& c : p_.package_lets) {
      if (!r.Int(&c)) return false;
    }
    return true;
  }

  bool Chunks(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(3, &n)) return false;
    p_.chunks.resize(n);
    // Each instruction takes at least 4 bytes: no reallocation while reading.
    p_.code.reserve(r.remaining() / 4);
    p_.offsets.reserve(r.remaining() / 4);
    for (Chunk& chunk : p_.chunks) {
      uint64_t size = 0;
      if (!Source(r, &chunk.source) || !r.Int(&chunk.num_slots) || !r.Count(4, &size)) return false;
      const size_t begin = p_.code.size();
      if (size > UINT32_MAX - begin) return r.Fail("more than 2^32 instructions");
      chunk.code_begin = static_cast<uint32_t>(begin);
      chunk.code_size = static_cast<uint32_t>(size);
      p_.code.resize(begin + size);
      p_.offsets.resize(begin + size);
      for (size_t i = begin; i < begin + size; ++i) {
        Instr& in = p_.code[i];
        uint8_t op = 0;
        if (!r.U8(&op)) return false;
        if (op >= kNumOps) return r.Fail(absl::StrCat("unknown opcode ", op));
        in.op = static_cast<Op>(op);
        if (!r.Int32(&in.a) || !r.Int32(&in.b) || !r.Uint32(&p_.offsets[i])) return false;
      }
    }
    return true;
  }

  bool Rules(Reader& r) {
    uint64_t n = 0;
    if (!r.Count(20, &n)) return false;
    p_.rules.resize(n);
    for (CompiledRule& rule : p_.rules) {
      uint8_t effect = 0;
      if (!r.Str(&rule.package) || !r.Str(&rule.name) || !r.Str(&rule.qualified) || !r.U8(&effect) ||
          !r.Strs(&rule.approvers) || !r.Str(&rule.severity) || !r.Strs(&rule.tags) || !r.Str(&rule.doc) ||
          !Source(r, &rule.location.file) || !r.Uint32(&rule.location.offset) || !r.Str(&rule.location_text) ||
          !r.Int(&rule.range_chunk) || !r.Bool(&rule.over_steps) || !r.Int(&rule.iter_slot)) {
        return false;
      }
      if (effect > static_cast<uint8_t>(Effect::kPermit)) return r.Fail(absl::StrCat("unknown effect ", effect));
      rule.effect = static_cast<Effect>(effect);
      uint64_t lets = 0;
      if (!r.Count(2, &lets)) return false;
      rule.lets.resize(lets);
      for (auto& [slot, chunk] : rule.lets) {
        if (!r.Int(&slot) || !r.Int(&chunk)) return false;
      }
      uint64_t parts = 0;
      if (!r.Int(&rule.when_chunk) || !r.Int(&rule.unless_chunk) || !r.Count(2, &parts)) return false;
      rule.message.resize(parts);
      for (CompiledRule::Part& part : rule.message) {
        if (!r.Str(&part.text) || !r.Int(&part.chunk)) return false;
      }
      if (!r.Bool(&rule.has_message) || !r.Int(&rule.num_slots) || !r.Int(&rule.package_index)) return false;
    }
    return true;
  }

  Program& p_;
};

// The writer's version, read where every format keeps it (the start of
// the body) for the message about another format; "" if it is not there.
std::string PeekWriterVersion(std::string_view bytes) {
  if (bytes.size() <= kHeaderSize) return "";
  Reader r(bytes.substr(kHeaderSize));
  std::string version;
  if (!r.Str(&version) || version.empty() || version.size() > 32) return "";
  for (char ch : version) {
    if (ch < 0x20 || ch > 0x7E) return "";
  }
  return version;
}

// The signature in a bundle's trailer, if any.
struct Signature {
  bool present = false;
  std::string_view key_id, bytes;
};

// Reads the trailer: well-formed sections, at most one signature section
// of the one size and algorithm this gavel knows. Other sections are
// skipped. Returns the error, or "".
std::string ReadTrailer(std::string_view trailer_bytes, Signature* signature) {
  Reader trailer(trailer_bytes);
  while (!trailer.done()) {
    uint8_t id = 0;
    uint64_t size = 0;
    std::string_view contents;
    if (!trailer.U8(&id) || !trailer.Fixed(4, &size) || !trailer.Bytes(size, &contents)) return trailer.error();
    if (id != kSignatureSection) continue;
    if (signature->present) return "two signatures";
    if (size != kSignatureSectionSize) {
      return absl::StrCat("signature of ", size, " bytes (", kSignatureSectionSize, " expected)");
    }
    if (static_cast<uint8_t>(contents[0]) != kEd25519) {
      return absl::StrCat("unknown signature algorithm ", static_cast<int>(static_cast<uint8_t>(contents[0])));
    }
    signature->present = true;
    signature->key_id = contents.substr(1, kKeyIdSize);
    signature->bytes = contents.substr(1 + kKeyIdSize);
  }
  return "";
}

// The bytes a signature covers: header and body, when `bytes` holds them.
bool SignedPart(std::string_view bytes, std::string_view* part) {
  if (bytes.size() < kHeaderSize || bytes.substr(0, kBundleMagic.size()) != kBundleMagic) return false;
  const uint64_t body_size = GetFixed(bytes, 12, 8);
  if (body_size > bytes.size() - kHeaderSize) return false;
  *part = bytes.substr(0, kHeaderSize + body_size);
  return true;
}

}  // namespace

absl::StatusOr<std::string> SignBundle(std::string_view bundle, const SigningKey& key) {
  std::string_view part;
  if (!SignedPart(bundle, &part)) return absl::InvalidArgumentError("not a complete gavel bundle");
  Signature existing;
  if (std::string error = ReadTrailer(bundle.substr(part.size()), &existing); !error.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("malformed bundle: trailer: ", error));
  }
  if (existing.present) {
    return absl::InvalidArgumentError(
        absl::StrCat("the bundle is already signed (key ", HexEncode(existing.key_id), ")"));
  }
  absl::StatusOr<std::string> signature = Sign(key, part);
  if (!signature.ok()) return signature.status();
  std::string out(bundle);
  out.push_back(static_cast<char>(kSignatureSection));
  PutFixed(&out, kSignatureSectionSize, 4);
  out.push_back(static_cast<char>(kEd25519));
  out += key.public_key.id;
  out += *signature;
  return out;
}

absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundle(std::string_view bytes, std::string_view name,
                                                                 const BundleTrust& trust) {
  const std::string who(name);
  auto invalid = [&](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(who, ": ", std::string(what)));
  };

  if (bytes.size() < kBundleMagic.size() && bytes == kBundleMagic.substr(0, bytes.size()) && !bytes.empty()) {
    return invalid(absl::StrCat("truncated bundle (", bytes.size(), " bytes)"));
  }
  if (bytes.substr(0, kBundleMagic.size()) != kBundleMagic) return invalid("not a gavel bundle");
  if (bytes.size() < kHeaderSize) {
    return invalid(absl::StrCat("truncated bundle (", bytes.size(), " bytes, shorter than its header)"));
  }
  const uint64_t format = GetFixed(bytes, 8, 4);
  if (format != kBundleFormat) {
    const std::string writer = PeekWriterVersion(bytes);
    return absl::FailedPreconditionError(
        absl::StrCat(who, ": bundle format ", format,
                     writer.empty() ? "" : absl::StrCat(" (written by gavel ", writer, ")"),
                     "; this gavel reads ", kBundleFormat, "; recompile it with `gavel compile`"));
  }
  const uint64_t body_size = GetFixed(bytes, 12, 8);
  if (body_size > bytes.size() - kHeaderSize) {
    return invalid(absl::StrCat("truncated bundle (", bytes.size(), " bytes, its header says ",
                                body_size > UINT64_MAX - kHeaderSize ? body_size : body_size + kHeaderSize, ")"));
  }
  const std::string_view body = bytes.substr(kHeaderSize, body_size);

  const uint32_t stored = static_cast<uint32_t>(GetFixed(bytes, 20, 4));
  const uint32_t computed = Crc32c(body);
  if (stored != computed) {
    return invalid(absl::StrFormat("corrupt bundle (checksum mismatch: stored %08x, computed %08x)", stored, computed));
  }

  // The signature, before anything of the body is decoded: with trusted
  // keys, only bytes signed by one of them are read further.
  Signature signature;
  if (std::string error = ReadTrailer(bytes.substr(kHeaderSize + body_size), &signature); !error.empty()) {
    return invalid(absl::StrCat("malformed bundle: trailer: ", error));
  }
  if (trust.require_signature && trust.trusted_keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(who, ": a signature is required, but no trusted key was given to check it with"));
  }
  if (!trust.trusted_keys.empty()) {
    auto denied = [&](std::string_view what) {
      return absl::PermissionDeniedError(absl::StrCat(who, ": ", std::string(what)));
    };
    if (!signature.present) {
      if (trust.require_signature) return denied("unsigned bundle; a signature by a trusted key is required");
    } else {
      bool known = false, verified = false;
      for (const PublicKey& key : trust.trusted_keys) {
        if (key.id != signature.key_id) continue;
        known = true;
        verified = verified || Verify(key, bytes.substr(0, kHeaderSize + body_size), signature.bytes);
      }
      const std::string id = HexEncode(signature.key_id);
      if (!known) return denied(absl::StrCat("bundle signed by key ", id, ", which is not a trusted key"));
      if (!verified) {
        return denied(absl::StrCat("bad signature (key ", id,
                                   "): the bundle was changed after it was signed, or the signature is forged"));
      }
    }
  }

  Reader r(body);
  std::string writer;
  uint64_t fingerprint = 0;
  if (!r.Str(&writer) || !r.Fixed(4, &fingerprint)) return invalid(absl::StrCat("malformed bundle: ", r.error()));
  if (fingerprint != EngineFingerprint()) {
    return absl::FailedPreconditionError(absl::StrCat(
        who, ": bundle written by gavel ", writer,
        " for another instruction set, built-in library or plan schema; recompile it with `gavel compile`"));
  }
  auto program = std::make_unique<Program>();
  ProgramReader sections(*program);
  for (int id = 1; id <= kNumSections; ++id) {
    uint8_t got = 0;
    uint64_t size = 0;
    std::string_view contents;
    if (!r.U8(&got) || !r.Fixed(4, &size) || !r.Bytes(size, &contents)) {
      return invalid(absl::StrCat("malformed bundle: section `", kSectionNames[id], "`: ", r.error()));
    }
    if (got != id) {
      return invalid(absl::StrCat("malformed bundle: section ", got, " where `", kSectionNames[id], "` belongs"));
    }
    Reader s(contents);
    if (!sections.Section(id, s) || !s.done()) {
      return invalid(absl::StrCat("malformed bundle: section `", kSectionNames[id], "`: ",
                                  s.error().empty() ? absl::StrCat(s.remaining(), " bytes left over") : s.error()));
    }
  }
  if (!r.done()) return invalid(absl::StrCat("malformed bundle: ", r.remaining(), " bytes after the last section"));

  if (absl::Status st = VerifyProgram(*program); !st.ok()) {
    return invalid(absl::StrCat("invalid bundle: ", st.message()));
  }
  ComputeCostBounds(*program);  // from the verified bytecode (engine/cost.h)
  return std::make_shared<const CompiledPolicy>(std::move(program), Sha256Digest(bytes));
}

absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundleFile(const std::string& path,
                                                                     const BundleTrust& trust) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return ReadBundle(bytes.str(), path, trust);
}

}  // namespace gavel
