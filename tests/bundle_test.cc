// Compiled bundles (engine/bundle.h): every case and the standard policies
// decide the same after a round trip; truncated, corrupt, foreign and
// crafted bundles are rejected, and what the verifier lets through cannot
// crash the VM.
#include "engine/bundle.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "engine/builtins.h"
#include "engine/builtins_net.h"
#include "engine/crc32c.h"
#include "engine/program.h"
#include "engine/program_verifier.h"
#include "engine/schema.h"
#include "gavel/gavel.h"
#include "tests/case_loader.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHeader = 24;  // docs/bundles.md: magic, format, body size, checksum

std::string Bundle(const CompiledPolicy& policy) {
  absl::StatusOr<std::string> bytes = WriteBundle(policy);
  INFO(bytes.status());
  REQUIRE(bytes.ok());
  return *bytes;
}

std::shared_ptr<const CompiledPolicy> Load(const std::string& bytes) {
  auto loaded = ReadBundle(bytes, "test.bundle");
  INFO(loaded.status());
  REQUIRE(loaded.ok());
  return *loaded;
}

std::shared_ptr<const CompiledPolicy> Compile(std::vector<std::shared_ptr<const SourceFile>> sources,
                                              const CompileOptions& options = {}) {
  Diagnostics diags;
  auto policy = CompilePolicy(sources, diags, options);
  INFO(diags.Format());
  REQUIRE(policy != nullptr);
  return policy;
}

std::shared_ptr<const CompiledPolicy> StandardPolicies() {
  auto sources = ReadPolicySources({std::string(GAVEL_SOURCE_DIR) + "/policies"});
  REQUIRE(sources.ok());
  return Compile(*sources);
}

std::vector<std::string> ExamplePlans() {
  std::vector<std::string> plans;
  for (const auto& e : fs::directory_iterator(fs::path(GAVEL_SOURCE_DIR) / "examples" / "plans")) {
    const std::string ext = e.path().extension().string();
    if (ext == ".json" || ext == ".yaml") plans.push_back(e.path().string());
  }
  std::sort(plans.begin(), plans.end());
  return plans;
}

// The body's checksum made valid again after an edit.
void Reseal(std::string& b) {
  uint64_t size = 0;
  for (int i = 0; i < 8; ++i) size |= uint64_t{static_cast<unsigned char>(b[12 + i])} << (8 * i);
  const uint32_t crc = Crc32c(std::string_view(b).substr(kHeader, size));
  for (int i = 0; i < 4; ++i) b[20 + i] = static_cast<char>((crc >> (8 * i)) & 0xFF);
}

uint64_t Bits(double d) {
  uint64_t u;
  std::memcpy(&u, &d, sizeof u);
  return u;
}

// Same kind and payload; doubles bit for bit (NaN payloads, -0.0).
bool Identical(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case ValueKind::kNull: return true;
    case ValueKind::kBool: return a.bool_value() == b.bool_value();
    case ValueKind::kInt: return a.int_value() == b.int_value();
    case ValueKind::kUint: return a.uint_value() == b.uint_value();
    case ValueKind::kDouble: return Bits(a.double_value()) == Bits(b.double_value());
    case ValueKind::kTimestamp:
    case ValueKind::kDuration:
      return a.time_rep().seconds == b.time_rep().seconds && a.time_rep().nanos == b.time_rep().nanos;
    case ValueKind::kList:
      if (a.list().elems.size() != b.list().elems.size()) return false;
      for (size_t i = 0; i < a.list().elems.size(); ++i) {
        if (!Identical(a.list().elems[i], b.list().elems[i])) return false;
      }
      return true;
    case ValueKind::kMap:
      if (a.map().entries.size() != b.map().entries.size()) return false;
      for (size_t i = 0; i < a.map().entries.size(); ++i) {
        if (!Identical(a.map().entries[i].first, b.map().entries[i].first) ||
            !Identical(a.map().entries[i].second, b.map().entries[i].second)) {
          return false;
        }
      }
      return true;
    case ValueKind::kMessage:
      if (a.message().type != b.message().type || a.message().present != b.message().present) return false;
      for (size_t i = 0; i < a.message().fields.size(); ++i) {
        if (!Identical(a.message().fields[i], b.message().fields[i])) return false;
      }
      return true;
    default: return a.str() == b.str();
  }
}

// CRC-32C bit by bit, as the definition says.
uint32_t ReferenceCrc32c(std::string_view data) {
  uint32_t crc = ~0u;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
  }
  return ~crc;
}

TEST_CASE("CRC-32C") {
  CHECK(Crc32c("123456789") == 0xE3069283u);
  CHECK(Crc32c("") == 0u);
  std::string data;
  uint32_t x = 12345;
  for (int i = 0; i < 1000; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 24));
  }
  for (size_t n : {1, 7, 8, 9, 63, 64, 65, 999, 1000}) {
    INFO(n);
    CHECK(Crc32c(std::string_view(data).substr(0, n)) == ReferenceCrc32c(std::string_view(data).substr(0, n)));
    CHECK(Crc32c(std::string_view(data).substr(1, n - 1)) == ReferenceCrc32c(std::string_view(data).substr(1, n - 1)));
  }
  const std::string text = "the quick brown fox jumps over the lazy dog, twice over";
  CHECK(Crc32c(text.substr(13), Crc32c(text.substr(0, 13))) == Crc32c(text));
}

TEST_CASE("every case decides the same from its bundle") {
  int evaluated = 0;
  for (const fs::path& path : testing::CaseFiles()) {
    INFO(path.filename().string());
    YAML::Node c = YAML::LoadFile(path.string());
    Diagnostics diags;
    auto policy = CompilePolicy(testing::CaseSources(c), diags);
    if (policy == nullptr) continue;  // a case about compile errors
    absl::Status verified = VerifyProgram(policy->program());
    INFO(verified);
    CHECK(verified.ok());
    const std::string bytes = Bundle(*policy);
    auto loaded = Load(bytes);
    // Everything written reads back: writing again gives the same bytes.
    CHECK(Bundle(*loaded) == bytes);
    CHECK(loaded->program().Disassemble() == policy->program().Disassemble());
    absl::StatusOr<Plan> plan = testing::CasePlan(c);
    if (!plan.ok()) continue;
    ++evaluated;
    CHECK(Evaluate(*loaded, *plan).ToJson(path.filename().string()) ==
          Evaluate(*policy, *plan).ToJson(path.filename().string()));
  }
  CHECK(evaluated > 100);
}

TEST_CASE("the standard policies decide every example plan the same from their bundle") {
  auto policy = StandardPolicies();
  const std::string bytes = Bundle(*policy);
  auto loaded = Load(bytes);
  CHECK(loaded->program().rules.size() == policy->program().rules.size());
  const auto plans = ExamplePlans();
  REQUIRE(plans.size() >= 8);
  for (const std::string& path : plans) {
    INFO(path);
    auto plan = ReadPlanFile(path);
    REQUIRE(plan.ok());
    const std::string want = Evaluate(*policy, *plan).ToJson(path);
    CHECK(Evaluate(*loaded, *plan).ToJson(path) == want);
  }
  // Locations point into the bundled sources, as they did into the files.
  const CompiledRule& rule = loaded->program().rules[0];
  REQUIRE(rule.location.file != nullptr);
  CHECK(rule.location.ToString() == policy->program().rules[0].location.ToString());
}

TEST_CASE("params of every kind and package enforcement round trip") {
  auto source = std::make_shared<SourceFile>("params.gavel", R"(package p
param names: list<string> = ["a"]
param limits: map<string, int> = {"x": 1}
param ratio: double = 0.5
param max: uint = 1u
param raw: bytes = b"x"
param window: duration = duration("1h")
param since: timestamp = timestamp("2024-01-01T00:00:00Z")
param on: bool = true
param anything: dyn = 1

rule r {
  deny
  for step in plan.steps
  when on && step.id in names && ratio < 1.0 && max > 0u && size(raw) > 0 && window < duration("1s")
       && since < timestamp("2030-01-01T00:00:00Z") && limits["x"] == 1
  message "step {step.id}: {names} {limits} {ratio} {max} {window} {since} {anything}"
}
)");
  CompileOptions options;
  options.params["p.names"] = Value::List({Value::String("s1"), Value::String(std::string("s\0x", 3))});
  options.params["p.limits"] = Value::Map({{Value::String("x"), Value::Int(1)}, {Value::String("y"), Value::Int(-7)}});
  options.params["p.ratio"] = Value::Double(-0.0);
  options.params["p.max"] = Value::Uint(std::numeric_limits<uint64_t>::max());
  options.params["p.window"] = Value::String("-1.5s");
  options.params["p.since"] = Value::String("0001-01-01T00:00:00Z");
  options.params["p.anything"] = Value::Map({{Value::Int(-1), Value::Null()},
                                             {Value::Uint(2), Value::List({Value::TypeValue("int")})},
                                             {Value::Bool(true), Value::Double(std::nan("0x123"))},
                                             {Value::String("k"), Value::Bytes(std::string("\0\xff", 2))}});
  options.enforcement["p"] = Enforcement::kDryrun;
  auto policy = Compile({source}, options);
  auto loaded = Load(Bundle(*policy));
  const Program& a = policy->program();
  const Program& b = loaded->program();
  REQUIRE(a.params.size() == b.params.size());
  for (size_t i = 0; i < a.params.size(); ++i) {
    INFO(a.param_names[i] << " = " << a.params[i].DebugString() << " vs " << b.params[i].DebugString());
    CHECK(a.param_names[i] == b.param_names[i]);
    CHECK(Identical(a.params[i], b.params[i]));
  }
  REQUIRE(b.packages.size() == 1);
  CHECK(b.packages[0].enforcement == Enforcement::kDryrun);
  auto plan = DecodePlanJson(R"({"steps": [{"id": "s1"}, {"id": "s2"}]})");
  REQUIRE(plan.ok());
  const std::string want = Evaluate(*policy, *plan).ToJson("p");
  CHECK(want.find("\"dryrun\"") != std::string::npos);
  CHECK(Evaluate(*loaded, *plan).ToJson("p") == want);
}

// ---------------------------------------------------------------------------
// Programs built by hand: one valid, then one flaw at a time.

std::unique_ptr<Program> HandProgram() {
  auto p = std::make_unique<Program>();
  auto src = std::make_shared<SourceFile>("hand.gavel", "package hand\nrule r { deny when true }\n");
  p->sources.push_back(src);
  p->packages.push_back(CompiledPackage{"hand", false, "", Enforcement::kDeny});
  p->constants = {Value::Bool(true), Value::List({Value::Int(1), Value::Int(2)}), Value::String("id"),
                  Value::Int(0)};
  p->params = {Value::Int(5)};
  p->param_names = {"hand.five"};
  Chunk when;
  when.source = src.get();
  when.num_slots = 6;
  p->SetCode(when, std::vector<Instr>{{Op::CONST, 0, 0}, {Op::RETURN, 0, 0}}, std::vector<uint32_t>{30, 30});
  p->chunks.push_back(std::move(when));
  CompiledRule r;
  r.package = "hand";
  r.name = "r";
  r.qualified = "hand.r";
  r.location = Location{src.get(), 18};
  r.location_text = r.location.ToString();
  r.when_chunk = 0;
  r.num_slots = 6;
  r.package_index = 0;
  p->rules.push_back(std::move(r));
  return p;
}

// Gives the chunk new code (appended: the old stays, unused).
void SetCode(Program& p, int chunk, const std::vector<Instr>& code) {
  p.SetCode(p.chunks[chunk], code, std::vector<uint32_t>(code.size(), 0));
}

// Writes the program (the writer does not verify) and loads it back.
absl::StatusOr<std::shared_ptr<const CompiledPolicy>> RoundTrip(const std::function<void(Program&)>& flaw) {
  auto p = HandProgram();
  flaw(*p);
  CompiledPolicy policy(std::move(p));
  absl::StatusOr<std::string> bytes = WriteBundle(policy);
  if (!bytes.ok()) return bytes.status();
  return ReadBundle(*bytes, "crafted.bundle");
}

void CheckRejected(const std::function<void(Program&)>& flaw, const std::string& why) {
  auto loaded = RoundTrip(flaw);
  INFO("want: " << why << "\ngot: " << loaded.status());
  REQUIRE(!loaded.ok());
  CHECK(loaded.status().code() == absl::StatusCode::kInvalidArgument);
  const std::string message(loaded.status().message());
  CHECK(message.rfind("crafted.bundle: ", 0) == 0);
  CHECK(message.find(why) != std::string::npos);
}

Decision EvaluateSteps(const CompiledPolicy& policy) {
  auto plan = DecodePlanJson(R"({"steps": [{"id": "s1", "resource": {"kind": "Pod"}}]})");
  REQUIRE(plan.ok());
  return Evaluate(policy, *plan);
}

// all() over [1, 2] as the compiler emits it (slots 0..3), with `body` as
// the predicate (it must leave one value on the stack).
std::vector<Instr> AllLoop(std::vector<Instr> body) {
  const int32_t n = static_cast<int32_t>(body.size());
  std::vector<Instr> code = {{Op::CONST, 1, 0}, {Op::ITER_INIT, 0, 6 + n}, {Op::CONST, 0, 0},
                             {Op::STORE_LOCAL, 3, 0}, {Op::ITER_NEXT, 0, 2 + n}};
  code.insert(code.end(), body.begin(), body.end());
  code.push_back({Op::ACC_ALL, 3, 1});
  code.push_back({Op::JUMP, -(3 + n), 0});
  code.push_back({Op::LOAD_LOCAL, 3, 0});
  code.push_back({Op::RETURN, 0, 0});
  return code;
}

TEST_CASE("a chunk whose code is outside the program's is refused, not read") {
  auto p = HandProgram();
  p->chunks[0].code_size = 5;  // the program holds 2 instructions
  absl::Status verified = VerifyProgram(*p);
  CHECK(verified.message() == "chunk 0: instructions 0..+5 of 2 (2 source offsets)");
  CompiledPolicy policy(std::move(p));  // prepared without reading the chunk
  CHECK(WriteBundle(policy).status().message() == "a chunk's code is outside the program's");

  auto q = HandProgram();
  q->offsets.pop_back();  // one source offset missing
  CHECK(VerifyProgram(*q).message() == "chunk 0: instructions 0..+2 of 2 (1 source offsets)");
}

TEST_CASE("source offsets of every varint length read back") {
  // 1 to 4 bytes, each at the edges of its length (the reader reads up to
  // three inline, longer ones out of line).
  const std::vector<uint32_t> offsets = {0, 127, 128, 16383, 16384, 2097151, 2097152, 4194303};
  auto p = std::make_unique<Program>();
  auto src = std::make_shared<SourceFile>("big.gavel", std::string(offsets.back() + 1, ' '));
  p->sources.push_back(src);
  p->packages.push_back(CompiledPackage{"big", false, "", Enforcement::kDeny});
  p->constants = {Value::Bool(true)};
  for (size_t i = 0; i < offsets.size(); i += 2) {
    Chunk chunk;
    chunk.source = src.get();
    p->SetCode(chunk, std::vector<Instr>{{Op::CONST, 0, 0}, {Op::RETURN, 0, 0}},
               std::vector<uint32_t>{offsets[i], offsets[i + 1]});
    p->chunks.push_back(chunk);
  }
  CompiledRule r;
  r.package = "big";
  r.name = "r";
  r.qualified = "big.r";
  r.when_chunk = 0;
  r.package_index = 0;
  p->rules.push_back(std::move(r));
  CompiledPolicy policy(std::move(p));
  absl::StatusOr<std::string> bytes = WriteBundle(policy);
  REQUIRE(bytes.ok());
  auto loaded = ReadBundle(*bytes, "big.bundle");
  INFO(loaded.status());
  REQUIRE(loaded.ok());
  CHECK((*loaded)->program().offsets == offsets);
}

TEST_CASE("a hand-built program loads and runs") {
  auto loaded = RoundTrip([](Program&) {});
  INFO(loaded.status());
  REQUIRE(loaded.ok());
  CHECK(EvaluateSteps(**loaded).verdict == Verdict::kDeny);
  auto looped = RoundTrip([](Program& p) { SetCode(p, 0, AllLoop({{Op::CONST, 0, 0}})); });
  INFO(looped.status());
  REQUIRE(looped.ok());
  CHECK(EvaluateSteps(**looped).verdict == Verdict::kDeny);
}

TEST_CASE("crafted bundles with a valid checksum are rejected by verification") {
  using P = Program&;
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 99, 0}, {Op::RETURN, 0, 0}}); },
                "chunk 0, instruction 0 (CONST): constant 99 out of range (4 constants)");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_LOCAL, 6, 0}, {Op::RETURN, 0, 0}}); }, "slot 6 out of range");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_LOCAL, -1, 0}, {Op::RETURN, 0, 0}}); }, "slot -1 out of range");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::STORE_LOCAL, 0, 0}, {Op::CONST, 0, 0}, {Op::RETURN, 0, 0}}); },
                "pops 1 values from a stack of 0");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::ADD, 0, 0}, {Op::RETURN, 0, 0}}); },
                "(ADD): pops 2 values from a stack of 1");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::RETURN, 0, 0}}); }, "(RETURN): pops 1 values from a stack of 0");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}}); }, "(CONST): continues at 1, outside the chunk");
  CheckRejected([](P p) { SetCode(p, 0, {}); }, "chunk 0 is empty");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::JUMP, 5, 0}, {Op::RETURN, 0, 0}}); },
                "jump to 7, outside the chunk");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::JUMP, -1, 0}, {Op::RETURN, 0, 0}}); },
                "backward jump to 1, not a loop head");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::AND, -2, 0}, {Op::RETURN, 0, 0}}); },
                "only JUMP may go backward");
  CheckRejected(
      [](P p) {  // `c ? 1 : (1, 1)`: the paths meet with different depths
        SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::COND, 2, 4}, {Op::CONST, 3, 0}, {Op::JUMP, 2, 0}, {Op::CONST, 3, 0},
                       {Op::CONST, 3, 0}, {Op::RETURN, 0, 0}});
      },
      "by another path");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_PARAM, 1, 0}, {Op::RETURN, 0, 0}}); },
                "param 1 out of range (1 params)");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_GLOBAL, 3, 0}, {Op::RETURN, 0, 0}}); }, "global 3 out of range");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_PKG_LET, 0, 0}, {Op::RETURN, 0, 0}}); },
                "package let 0 out of range (0 lets)");
  CheckRejected(
      [](P p) {  // a package let that runs itself
        p.package_lets = {0};
        SetCode(p, 0, {{Op::LOAD_PKG_LET, 0, 0}, {Op::RETURN, 0, 0}});
      },
      "let chunk 0 is not before chunk 0");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_RULE_LET, 0, 0}, {Op::RETURN, 0, 0}}); },
                "let chunk 0 is not a chunk before chunk 0");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_GLOBAL, 0, 0}, {Op::FIELD, 40, 2}, {Op::RETURN, 0, 0}}); },
                "no message has field `id` at index 40");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LOAD_GLOBAL, 0, 0}, {Op::SELECT, 0, 0}, {Op::RETURN, 0, 0}}); },
                "constant 0 is not a field name");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::CALL, 1 << 20, 1}, {Op::RETURN, 0, 0}}); },
                "no built-in function 1048576");
  CheckRejected(
      [](P p) {
        const int size = BuiltinTable::Get().Find("size");
        SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::CALL, size, 3}, {Op::RETURN, 0, 0}});
      },
      "`size` does not take 3 arguments");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 2, 0}, {Op::MATCHES_RE, 0, 0}, {Op::RETURN, 0, 0}}); },
                "regex 0 out of range (0 regexes)");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::LIST, -1, 0}, {Op::RETURN, 0, 0}}); }, "negative count -1");
  CheckRejected([](P p) { SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::MAP, 1, 0}, {Op::RETURN, 0, 0}}); },
                "pops 2 values from a stack of 1");
  CheckRejected([](P p) { p.offsets[p.chunks[0].code_begin] = 1000; }, "offset 1000 past the end of `hand.gavel`");
  CheckRejected([](P p) { p.chunks[0].num_slots = kMaxFrameSlots + 1; }, "65537 slots");

  // Loops: each would run forever (or exit nowhere) if it were let through.
  CheckRejected([](P p) { SetCode(p, 0, AllLoop({{Op::CONST, 3, 0}, {Op::STORE_LOCAL, 1, 0}, {Op::CONST, 0, 0}})); },
                "writes slot 1 of the loop at instruction 4");
  CheckRejected([](P p) { SetCode(p, 0, AllLoop({{Op::CONST, 1, 0}, {Op::ITER_INIT, 0, 4}, {Op::CONST, 0, 0}})); },
                "writes slot 0 of the loop at instruction 4");
  // A let run inside a loop writes what its chunk writes: chunk 0 writes
  // the loop's position slot (1), chunk 1 only slot 4 (free).
  auto let_in_loop = [](int let_chunk) {
    return [let_chunk](P p) {
      p.chunks.push_back(p.chunks[0]);
      p.chunks.push_back(p.chunks[0]);
      SetCode(p, 0, {{Op::CONST, 0, 0}, {Op::STORE_LOCAL, 1, 0}, {Op::CONST, 0, 0}, {Op::RETURN, 0, 0}});
      SetCode(p, 1, {{Op::CONST, 0, 0}, {Op::STORE_LOCAL, 4, 0}, {Op::CONST, 0, 0}, {Op::RETURN, 0, 0}});
      SetCode(p, 2, AllLoop({{Op::LOAD_RULE_LET, 5, let_chunk}}));
      p.rules[0].when_chunk = 2;
    };
  };
  CheckRejected(let_in_loop(0), "writes slot 1 of the loop at instruction 4");
  auto accepted = RoundTrip(let_in_loop(1));
  INFO(accepted.status());
  CHECK(accepted.ok());
  CheckRejected(
      [](P p) {
        auto code = AllLoop({{Op::CONST, 0, 0}});
        code[4].b = 0;  // ITER_NEXT exits into its own body
        SetCode(p, 0, code);
      },
      "loop exits inside its body");
  CheckRejected(
      [](P p) {
        auto code = AllLoop({{Op::CONST, 0, 0}});
        code[7].a -= 1;  // the back edge lands before the loop head
        SetCode(p, 0, code);
      },
      "not a loop head");

  // Rules.
  CheckRejected([](P p) { p.rules[0].when_chunk = 1; }, "`when` chunk 1 out of range");
  CheckRejected([](P p) { p.rules[0].package_index = 1; }, "package 1 out of range");
  CheckRejected([](P p) { p.rules[0].num_slots = 2; }, "`when` chunk 0 needs 6 slots, the rule has 2");
  CheckRejected(
      [](P p) {
        p.rules[0].range_chunk = 0;
        p.rules[0].iter_slot = 6;
      },
      "`for` slot 6 out of range (6 slots)");
  CheckRejected([](P p) { p.rules[0].lets = {{7, 0}}; }, "let slot 7 out of range");
  CheckRejected([](P p) { p.rules[0].message = {{"x", 3}}; }, "message chunk 3 out of range");
  CheckRejected([](P p) { p.rules[0].location.offset = 500; }, "location offset 500 past the end");

  // Malformed contents, caught while reading.
  CheckRejected([](P p) { p.code[p.chunks[0].code_begin].op = static_cast<Op>(200); },
                "malformed bundle: section `chunks`: unknown opcode 200");
  CheckRejected([](P p) { p.rules[0].effect = static_cast<Effect>(9); },
                "malformed bundle: section `rules`: unknown effect 9");
  CheckRejected([](P p) { p.regexes.push_back(std::make_unique<RE2>("(", RE2::Quiet)); },
                "malformed bundle: section `regexes`: regex 0 `(`");
  CheckRejected([](P p) { p.constants.push_back(Value::Timestamp(TimeRep{int64_t{1} << 60, 0})); },
                "section `constants`: timestamp");
  CheckRejected([](P p) { p.constants.push_back(Value::Duration(TimeRep{1, 1500000000})); }, "nanos 1500000000");
  CheckRejected(
      [](P p) {
        p.constants.push_back(Value::Map({{Value::Int(1), Value::Null()}, {Value::Uint(1), Value::Null()}}));
      },
      "duplicate map key 1u");
  CheckRejected([](P p) { p.params[0] = Value::Map({{Value::List({}), Value::Null()}}); },
                "section `params`: map key of kind list");
  CheckRejected(
      [](P p) { p.constants.push_back(Value::Message(&CidrMessageType(), {Value::Int(1), Value::Int(8)}, 3)); },
      "field `ip` of a `net.CIDR` value is int");
  CheckRejected([](P p) { p.constants.push_back(Value::Message(&CidrMessageType(), {Value::String("x")}, 1)); },
                "malformed `net.CIDR` value");
  CheckRejected(
      [](P p) {
        Value v = Value::Int(1);
        for (int i = 0; i < 200; ++i) v = Value::List({v});
        p.constants.push_back(v);
      },
      "value nested deeper than 128 levels");
}

TEST_CASE("message values of known types round trip; others are refused") {
  // cidr(...) makes net.CIDR messages (calls, not folded into constants).
  auto policy = Compile({std::make_shared<SourceFile>("net.gavel", R"(package net
param internal: string = "10.0.0.0/8"
rule r {
  deny
  for step in plan.steps
  let inside = cidr(internal)
  unless inside.contains(step.network.ip) || cidr("fd00::/8").contains(step.network.ip)
  message "{step.id} is outside {inside.ip}/{inside.prefix}"
}
)")});
  auto loaded = Load(Bundle(*policy));
  auto plan = DecodePlanJson(R"({"steps": [{"id": "a", "network": {"ip": "11.0.0.1"}}]})");
  REQUIRE(plan.ok());
  CHECK(Evaluate(*loaded, *plan).ToJson("p") == Evaluate(*policy, *plan).ToJson("p"));

  // As constants (a net.CIDR) and params (a plan message), with their fields checked.
  const Value cidr = Value::Message(&CidrMessageType(), {Value::String("10.0.0.0"), Value::Int(8)}, 3);
  auto with_cidr = RoundTrip([&](Program& p) { p.constants.push_back(cidr); });
  INFO(with_cidr.status());
  REQUIRE(with_cidr.ok());
  CHECK(Identical((*with_cidr)->program().constants.back(), cidr));
  auto step_plan = DecodePlanJson(R"({"steps": [{"id": "s", "verb": "get", "labels": {"a": "b"}}]})");
  REQUIRE(step_plan.ok());
  auto with_step = RoundTrip([&](Program& p) { p.params[0] = step_plan->steps()[0]; });
  INFO(with_step.status());
  REQUIRE(with_step.ok());
  CHECK(Identical((*with_step)->program().params[0], step_plan->steps()[0]));

  // A type no bundle knows cannot be written.
  MessageType local;
  local.name = "Local";
  local.full_name = "test.Local";
  auto p = HandProgram();
  p->params[0] = Value::Message(&local, {}, 0);
  CompiledPolicy unknown(std::move(p));
  auto bytes = WriteBundle(unknown);
  REQUIRE(!bytes.ok());
  CHECK(std::string(bytes.status().message()) == "param 0: a bundle cannot hold a value of message type `test.Local`");
}

TEST_CASE("what verification lets through fails closed at run time") {
  // ITER_NEXT with no ITER_INIT before it: the VM finds no list in the slot.
  auto loaded = RoundTrip([](Program& p) {
    SetCode(p, 0, {{Op::ITER_NEXT, 0, 1}, {Op::JUMP, -2, 0}, {Op::CONST, 0, 0}, {Op::RETURN, 0, 0}});
  });
  INFO(loaded.status());
  REQUIRE(loaded.ok());
  Decision d = EvaluateSteps(**loaded);
  CHECK(d.verdict == Verdict::kDeny);
  REQUIRE(d.errors.size() == 1);
  CHECK(d.errors[0].message.find("corrupt bytecode") != std::string::npos);

  // ACC_APPEND, ACC_PUT, ACC_COUNT on an accumulator of the wrong kind.
  for (Op acc : {Op::ACC_APPEND, Op::ACC_PUT, Op::ACC_COUNT}) {
    auto bad = RoundTrip([acc](Program& p) {
      auto code = AllLoop({{Op::CONST, 0, 0}});
      code[2] = {Op::CONST, 2, 0};  // the accumulator starts as a string
      code[6].op = acc;
      SetCode(p, 0, code);
    });
    INFO(OpName(acc) << ": " << bad.status());
    REQUIRE(bad.ok());
    Decision e = EvaluateSteps(**bad);
    REQUIRE(e.errors.size() == 1);
    CHECK(e.errors[0].message.find("corrupt bytecode") != std::string::npos);
  }

  // A Step field id on the plan message: the VM checks the bounds and
  // selects by name instead.
  const int labels = Schema::Get().step.Find("labels")->index;
  auto field = RoundTrip([labels](Program& p) {
    p.constants.push_back(Value::String("labels"));
    SetCode(p, 0, {{Op::LOAD_GLOBAL, 0, 0}, {Op::FIELD, labels, 4}, {Op::CONST, 0, 0}, {Op::OR, 0, 0},
                   {Op::OR_END, 0, 0}, {Op::RETURN, 0, 0}});
  });
  INFO(field.status());
  REQUIRE(field.ok());
  CHECK(EvaluateSteps(**field).verdict == Verdict::kDeny);
}

TEST_CASE("a condition chunk shared with a rule whose element is in another slot runs as it is") {
  // Rule `a` (element in slot 1) has `when step.resource.kind == "Pod"`,
  // which the engine tests natively on the step. A crafted program gives
  // rule `b` (element in slot 2, run first) the same chunk: for `b` it
  // reads slot 1, still empty, and the VM fails closed with an error. The
  // native test applied to `b`'s element would report s1 instead.
  const Schema& schema = Schema::Get();
  auto craft = [&](Program& p) {
    const int k = static_cast<int>(p.constants.size());
    for (const char* text : {"steps", "resource", "kind", "Pod"}) p.constants.push_back(Value::String(text));
    SetCode(p, 0, {{Op::LOAD_LOCAL, 1, 0}, {Op::FIELD, schema.step.Find("resource")->index, k + 1},
                   {Op::FIELD, schema.resource.Find("kind")->index, k + 2}, {Op::CONST, k + 3, 0},
                   {Op::EQ, 0, 0}, {Op::RETURN, 0, 0}});
    p.chunks.push_back(p.chunks[0]);
    SetCode(p, 1, {{Op::LOAD_GLOBAL, kGlobalPlan, 0}, {Op::FIELD, schema.plan.Find("steps")->index, k},
                   {Op::RETURN, 0, 0}});
    CompiledRule a = p.rules[0];
    a.name = "a";
    a.qualified = "hand.a";
    a.range_chunk = 1;
    a.iter_slot = 1;
    CompiledRule b = a;
    b.name = "b";
    b.qualified = "hand.b";
    b.iter_slot = 2;
    p.rules = {b, a};
  };
  auto plan = DecodePlanJson(R"({"steps": [{"id": "s1", "resource": {"kind": "Pod"}}, {"id": "s2"}]})");
  REQUIRE(plan.ok());
  auto check = [&](const CompiledPolicy& policy) {
    Decision d = Evaluate(policy, *plan);
    INFO(d.ToJson("p"));
    REQUIRE(d.violations.size() == 1);
    CHECK(d.violations[0].rule == "hand.a");
    CHECK(d.violations[0].step == "s1");
    REQUIRE(d.errors.size() == 2);  // b, on each step
    CHECK(d.errors[0].rule == "hand.b");
    CHECK(d.errors[1].rule == "hand.b");
  };
  auto p = HandProgram();
  craft(*p);
  check(CompiledPolicy(std::move(p)));  // prepared as it is
  auto loaded = RoundTrip(craft);       // and verified from a bundle
  INFO(loaded.status());
  REQUIRE(loaded.ok());
  check(**loaded);
}

// ---------------------------------------------------------------------------
// Damaged bundles.

std::string SmallBundle() {
  auto sources = ReadPolicySources({std::string(GAVEL_SOURCE_DIR) + "/policies/airgap.gavel"});
  REQUIRE(sources.ok());
  return Bundle(*Compile(*sources));
}

TEST_CASE("every truncation of a bundle is rejected") {
  const std::string bytes = Bundle(*StandardPolicies());
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto loaded = ReadBundle(std::string_view(bytes).substr(0, n), "cut.bundle");
    INFO(n << " of " << bytes.size() << " bytes");
    REQUIRE(!loaded.ok());
    if (n > kHeader) REQUIRE(std::string(loaded.status().message()).find("cut.bundle: truncated bundle") == 0);
  }
}

TEST_CASE("every single-byte change of a bundle is rejected") {
  const std::string bytes = SmallBundle();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char flip : {0x01, 0xFF}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ flip);
      auto loaded = ReadBundle(damaged);
      INFO("byte " << i << " ^ " << int{flip});
      REQUIRE(!loaded.ok());
      const std::string message(loaded.status().message());
      if (i < 8) {
        CHECK(message == "<bundle>: not a gavel bundle");
      } else if (i < 12) {
        CHECK(message.find("<bundle>: bundle format ") == 0);
      } else if (i < 20) {
        CHECK((message.find("truncated") != std::string::npos || message.find("corrupt") != std::string::npos));
      } else {
        CHECK(message.find("<bundle>: corrupt bundle (checksum mismatch") == 0);
      }
    }
  }
}

TEST_CASE("single-byte changes behind a recomputed checksum never crash") {
  // What a crafted bundle can do: any byte of the body, checksum fixed up.
  // Each is rejected, or loads into a program the VM runs safely.
  const std::string bytes = SmallBundle();
  std::vector<Plan> plans;
  for (const char* name : {"airgap-external-pull.json", "airgap-maintenance.yaml"}) {
    auto plan = ReadPlanFile(absl::StrCat(GAVEL_SOURCE_DIR, "/examples/plans/", name));
    REQUIRE(plan.ok());
    plans.push_back(*std::move(plan));
  }
  int loaded_count = 0;
  for (size_t i = kHeader; i < bytes.size(); ++i) {
    for (unsigned char flip : {0x01, 0xFF}) {
      std::string damaged = bytes;
      damaged[i] = static_cast<char>(damaged[i] ^ flip);
      Reseal(damaged);
      auto loaded = ReadBundle(damaged);
      if (!loaded.ok()) {
        CHECK(loaded.status().code() != absl::StatusCode::kInternal);
        continue;
      }
      ++loaded_count;
      for (const Plan& plan : plans) (void)Evaluate(**loaded, plan);
    }
  }
  // Most bytes are text (sources, messages): those changes load.
  CHECK(loaded_count > 0);
}

TEST_CASE("other formats, other engines and non-bundles are refused with a clear message") {
  std::string bytes = SmallBundle();

  std::string v2 = bytes;
  v2[8] = 2;
  auto loaded = ReadBundle(v2, "old.bundle");
  REQUIRE(!loaded.ok());
  CHECK(loaded.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(loaded.status().message() ==
        absl::StrCat("old.bundle: bundle format 2 (written by gavel ", GAVEL_VERSION,
                     "); this gavel reads 1; recompile it with `gavel compile`"));

  // The engine fingerprint follows the writer's version in the body.
  std::string other = bytes;
  const size_t fingerprint_at = kHeader + 1 + std::string(GAVEL_VERSION).size();
  other[fingerprint_at] = static_cast<char>(other[fingerprint_at] ^ 0x5A);
  Reseal(other);
  loaded = ReadBundle(other, "other.bundle");
  REQUIRE(!loaded.ok());
  CHECK(loaded.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(std::string(loaded.status().message()).find("other.bundle: bundle written by gavel") == 0);
  CHECK(std::string(loaded.status().message()).find("recompile it with `gavel compile`") != std::string::npos);

  loaded = ReadBundle("package p\nrule r { deny }\n", "p.gavel");
  REQUIRE(!loaded.ok());
  CHECK(loaded.status().message() == "p.gavel: not a gavel bundle");
  CHECK(!ReadBundle("").ok());

  // The trailer after the body is skipped when well formed (room for a
  // signature), rejected when not.
  std::string trailer = bytes + std::string("\x80\x03\0\0\0sig", 8);
  CHECK(ReadBundle(trailer).ok());
  trailer = bytes + std::string("\x80\x09\0\0\0sig", 8);
  loaded = ReadBundle(trailer);
  REQUIRE(!loaded.ok());
  CHECK(std::string(loaded.status().message()).find("<bundle>: malformed bundle: trailer") == 0);
}

TEST_CASE("bundle files") {
  const std::string path = (fs::temp_directory_path() / "gavel_bundle_test.bundle").string();
  {
    std::ofstream out(path, std::ios::binary);
    out << SmallBundle();
  }
  auto loaded = ReadBundleFile(path);
  INFO(loaded.status());
  CHECK(loaded.ok());
  fs::remove(path);
  loaded = ReadBundleFile(path);
  REQUIRE(!loaded.ok());
  CHECK(loaded.status().code() == absl::StatusCode::kNotFound);
  CHECK(std::string(loaded.status().message()).find(path) == 0);
}

}  // namespace
}  // namespace gavel
