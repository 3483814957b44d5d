// Tests of `gavel fmt` (engine/formatter.h): the layout of small cases, and
// over every policy in the repository (policies/, tests/data/, the policies
// of tests/cases/*.yaml) that formatting keeps the program the same, keeps
// every comment, and is idempotent.
#include "engine/formatter.h"

#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lexer.h"
#include "engine/parser.h"
#include "engine/policy.h"
#include "engine/program.h"
#include "tests/case_loader.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;

std::string Fmt(const std::string& text) {
  Diagnostics diags;
  auto r = FormatPolicy(std::make_shared<SourceFile>("t.gavel", text), diags);
  INFO("input:\n" << text << "\ndiagnostics:\n" << diags.Format());
  REQUIRE(r.ok());
  INFO("formatted:\n" << *r);
  // Idempotent.
  Diagnostics again_diags;
  auto again = FormatPolicy(std::make_shared<SourceFile>("t.gavel", *r), again_diags);
  REQUIRE(again.ok());
  CHECK(*again == *r);
  return *r;
}

// Everything a compiled policy set does, without source locations: the
// bytecode, the constants, and what each rule reports.
std::string Fingerprint(const CompiledPolicy& policy) {
  const Program& p = policy.program();
  std::string out = p.Disassemble();
  for (size_t i = 0; i < p.params.size(); ++i) {
    absl::StrAppend(&out, "param ", p.param_names[i], " = ", p.params[i].DebugString(), "\n");
  }
  for (int c : p.package_lets) absl::StrAppend(&out, "package let chunk ", c, "\n");
  for (const CompiledPackage& pkg : p.packages) absl::StrAppend(&out, "package ", pkg.name, " ", pkg.default_deny, "\n");
  for (const CompiledRule& r : p.rules) {
    absl::StrAppend(&out, "rule ", r.qualified, " ", EffectName(r.effect), " ", r.severity, " [",
                    absl::StrJoin(r.tags, ","), "] [", absl::StrJoin(r.approvers, ","), "] doc=[", r.doc,
                    "] range=", r.range_chunk, " steps=", r.over_steps, " when=", r.when_chunk,
                    " unless=", r.unless_chunk, " message=", r.has_message);
    for (const auto& [slot, chunk] : r.lets) absl::StrAppend(&out, " let ", slot, ":", chunk);
    for (const auto& part : r.message) absl::StrAppend(&out, " part[", part.text, "|", part.chunk, "]");
    out += "\n";
  }
  return out;
}

// The result of compiling a set: its fingerprint, or its error messages
// (codes and messages, without locations).
std::string CompileOutcome(const std::vector<std::shared_ptr<const SourceFile>>& sources) {
  Diagnostics diags;
  auto policy = CompilePolicy(sources, diags);
  if (policy) return Fingerprint(*policy);
  std::string out = "errors:\n";
  for (const Diagnostic* d : diags.Sorted()) absl::StrAppend(&out, d->code, ": ", d->message, "\n");
  return out;
}

std::vector<std::string> Comments(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    // Good enough for these files: no `//` inside their strings.
    size_t at = line.find("//");
    if (at == std::string::npos || line.find('"') < at) continue;
    std::string c = line.substr(at);
    while (!c.empty() && (c.back() == ' ' || c.back() == '\r')) c.pop_back();
    out.push_back(c);
  }
  return out;
}

// Formats every source of a set (those that parse) and checks the
// properties; returns how many were formatted.
int CheckSet(const std::string& what, const std::vector<std::shared_ptr<const SourceFile>>& sources) {
  std::vector<std::shared_ptr<const SourceFile>> formatted;
  int n = 0;
  for (const auto& src : sources) {
    Diagnostics diags;
    auto r = FormatPolicy(src, diags);
    if (!r.ok()) {
      // Only a file that does not parse may be refused.
      INFO(what << ": " << src->name() << ": " << r.status().message());
      REQUIRE(!diags.empty());
      return 0;
    }
    INFO(what << ": " << src->name() << " formatted:\n" << *r);
    Diagnostics again_diags;
    auto again = FormatPolicy(std::make_shared<SourceFile>(src->name(), *r), again_diags);
    REQUIRE(again.ok());
    CHECK(*again == *r);
    CHECK(Comments(*r) == Comments(src->text()));
    formatted.push_back(std::make_shared<SourceFile>(src->name(), *r));
    ++n;
  }
  INFO(what);
  CHECK(CompileOutcome(formatted) == CompileOutcome(sources));
  return n;
}

std::shared_ptr<const SourceFile> ReadSource(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return std::make_shared<SourceFile>(path.string(), text.str());
}

TEST_CASE("formatter: canonical spacing and indentation") {
  CHECK(Fmt("package   p\nparam  x :list< string > =[ \"a\" ,\"b\" ]\nlet y=x.size()+-1*2\n") ==
        "package p\nparam x: list<string> = [\"a\", \"b\"]\nlet y = x.size() + -1 * 2\n");
  CHECK(Fmt("package p\nparam m: map<string,int> = {\"a\":1,\"b\" : 2}\n") ==
        "package p\nparam m: map<string, int> = {\"a\": 1, \"b\": 2}\n");
  CHECK(Fmt("package p\n@severity( \"high\" ) @tags(\"a\",\"b\") rule r{deny for s in plan.steps when !s.dry_run&&(s.verb==\"x\"||s.index> 2) message \"m {s.id}\"}\n") ==
        "package p\n@severity(\"high\")\n@tags(\"a\", \"b\")\nrule r {\n  deny\n  for s in plan.steps\n"
        "  when !s.dry_run && (s.verb == \"x\" || s.index > 2)\n  message \"m {s.id}\"\n}\n");
  CHECK(Fmt("package p\nrule r {\n        require_approval( \"a\",\"b\" )\n  when plan.steps[0].verb in [\"x\"] ? true : false\n}\n") ==
        "package p\nrule r {\n  require_approval(\"a\", \"b\")\n"
        "  when plan.steps[0].verb in [\"x\"] ? true : false\n}\n");
}

TEST_CASE("formatter: line breaks inside expressions are kept, indentation normalised") {
  CHECK(Fmt("package p\nrule r {\ndeny\nfor s in plan.steps\nwhen s.verb == \"a\"\n&& s.index > 1\n   || s.dry_run\n}\n") ==
        "package p\nrule r {\n  deny\n  for s in plan.steps\n  when s.verb == \"a\"\n      && s.index > 1\n"
        "      || s.dry_run\n}\n");
  // A bracket that ends its line: contents 2 in, the closer back out.
  CHECK(Fmt("package p\nparam x: list<string> = [\n\"a\",\n     \"b\"\n    ]\n") ==
        "package p\nparam x: list<string> = [\n  \"a\",\n  \"b\"\n]\n");
  CHECK(Fmt("package p\nlet l = plan.steps\n.filter(s, s.index > 0)\n   .map(s, s.id)\n") ==
        "package p\nlet l = plan.steps\n    .filter(s, s.index > 0)\n    .map(s, s.id)\n");
}

TEST_CASE("formatter: comments are kept where they are") {
  std::string in =
      "// header\n\n\n/// The package.\npackage p // trailing\n"
      "/// A param.\nparam x: int = 1   // one\n\n\n\n"
      "// before the rule\n@severity(\"low\")\nrule r { // open\n"
      "// first\n  deny   // the effect\n\n\n  when x > 0 &&  // why\n    x < 5\n  // at the end\n}\n// eof\n";
  CHECK(Fmt(in) ==
        "// header\n\n/// The package.\npackage p // trailing\n"
        "/// A param.\nparam x: int = 1 // one\n\n"
        "// before the rule\n@severity(\"low\")\nrule r { // open\n"
        "  // first\n  deny // the effect\n\n  when x > 0 && // why\n      x < 5\n  // at the end\n}\n// eof\n");
}

TEST_CASE("formatter: doc comments keep their text") {
  std::string in = "///  Package doc.  \npackage p\n\n///First line.\n///\n/// More.\nrule r {\n deny\n}\n";
  std::string out = Fmt(in);
  CHECK(out == in.substr(0, in.find("rule")) + "rule r {\n  deny\n}\n");
  Diagnostics d1, d2;
  PolicyFile a = ParsePolicy(std::make_shared<SourceFile>("a", in), d1);
  PolicyFile b = ParsePolicy(std::make_shared<SourceFile>("b", out), d2);
  REQUIRE(b.rules.size() == 1);
  CHECK(b.rules[0].doc == "First line.\n\nMore.");
  CHECK(b.doc == a.doc);
}

TEST_CASE("formatter: literals are written as they were") {
  std::string in =
      "package p\nrule r {\n  deny\n  when \"a\\\"b\\n\" == r\"\\d\" && b\"\\xff\" != b'' && '''x\n  y''' != \"\"\n"
      "      && 0x2A == 42 && 7u > 1u && 1.5e3 > .5 && step_x.`content-type` == \"\"\n"
      "  message \"{{lit}} {plan.steps.size()} \\u00e9\"\n}\n";
  std::string out = Fmt(in);
  CHECK(out.find("\"a\\\"b\\n\" == r\"\\d\" && b\"\\xff\" != b''") != std::string::npos);
  CHECK(out.find("'''x\n  y'''") != std::string::npos);
  CHECK(out.find("0x2A == 42 && 7u > 1u && 1.5e3 > .5") != std::string::npos);
  CHECK(out.find(".`content-type`") != std::string::npos);
  CHECK(out.find("\"{{lit}} {plan.steps.size()} \\u00e9\"") != std::string::npos);
}

TEST_CASE("formatter: nested macros, maps and unary operators") {
  CHECK(Fmt("package p\nlet a = plan.steps.all(s,s.args.exists(k,v,k==\"x\"&&-v>-1))\n") ==
        "package p\nlet a = plan.steps.all(s, s.args.exists(k, v, k == \"x\" && -v > -1))\n");
  CHECK(Fmt("package p\nlet m = {}\nlet l = []\nlet n = !!true\nlet i = [1,2][0]-{\"a\":[3]}[\"a\"][0]\n") ==
        "package p\nlet m = {}\nlet l = []\nlet n = !!true\nlet i = [1, 2][0] - {\"a\": [3]}[\"a\"][0]\n");
  CHECK(Fmt("package p\nrule r {\n  deny\n  when (has(plan.agent.id))\n  unless -1 < 0\n}\n") ==
        "package p\nrule r {\n  deny\n  when (has(plan.agent.id))\n  unless -1 < 0\n}\n");
}

TEST_CASE("formatter: a file that does not parse is refused with its diagnostics") {
  Diagnostics diags;
  auto r = FormatPolicy(std::make_shared<SourceFile>("bad.gavel", "package p\nrule r {\n  deny\n  when (\n}\n"), diags);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == absl::StatusCode::kInvalidArgument);
  REQUIRE_FALSE(diags.empty());
  CHECK(diags.items()[0].location.line() >= 4);
}

TEST_CASE("formatter: the meaning checks notice a swapped operand") {
  auto a = std::make_shared<SourceFile>("a.gavel", "package p\nrule r {\n  deny\n  when plan.steps.size() > 1\n}\n");
  auto b = std::make_shared<SourceFile>("a.gavel", "package p\nrule r {\n  deny\n  when 1 > plan.steps.size()\n}\n");
  auto c = std::make_shared<SourceFile>("a.gavel", "package p\nrule r {\n  deny\n  when 1 < plan.steps.size()\n}\n");
  CHECK(CompileOutcome({a}) != CompileOutcome({b}));
  CHECK(CompileOutcome({b}) != CompileOutcome({c}));
  Diagnostics d;
  CHECK(DumpPolicyAst(ParsePolicy(a, d)) != DumpPolicyAst(ParsePolicy(b, d)));
  CHECK(DumpPolicyAst(ParsePolicy(b, d)) != DumpPolicyAst(ParsePolicy(c, d)));
  // The same program written differently compares equal.
  auto a2 = std::make_shared<SourceFile>("a.gavel", "package p\nrule r { deny when plan.steps.size()>1 }\n");
  CHECK(CompileOutcome({a}) == CompileOutcome({a2}));
  CHECK(DumpPolicyAst(ParsePolicy(a, d)) == DumpPolicyAst(ParsePolicy(a2, d)));
}

TEST_CASE("formatter: every .gavel file of the repository") {
  // Files of one directory form one policy set.
  std::map<fs::path, std::vector<std::shared_ptr<const SourceFile>>> sets;
  for (const char* root : {"policies", "tests/data"}) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(fs::path(GAVEL_SOURCE_DIR) / root)) {
      if (e.is_regular_file() && e.path().extension() == ".gavel") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) sets[f.parent_path()].push_back(ReadSource(f));
  }
  int n = 0;
  for (const auto& [dir, sources] : sets) n += CheckSet(dir.string(), sources);
  CHECK(n >= 10);  // the standard library at least
}

// The standard library is formatted: with its spaces and indentation
// scrambled (line breaks and comments kept), it formats back to itself.
TEST_CASE("formatter: scrambled horizontal whitespace formats back") {
  std::mt19937 rng(42);
  int n = 0;
  for (const auto& e : fs::directory_iterator(fs::path(GAVEL_SOURCE_DIR) / "policies")) {
    if (e.path().extension() != ".gavel") continue;
    auto src = ReadSource(e.path());
    Diagnostics diags;
    LexResult lex = Lex(*src, diags);
    REQUIRE(diags.empty());
    const std::string& text = src->text();
    std::string messy;
    uint32_t pos = 0;
    for (const Token& t : lex.tokens) {
      std::string gap = text.substr(pos, t.offset - pos);
      std::string out;
      bool line_start = pos == 0;
      for (size_t k = 0; k < gap.size(); ++k) {
        char c = gap[k];
        if (c == '/' && k + 1 < gap.size() && gap[k + 1] == '/') {
          size_t end = gap.find('\n', k);
          if (end == std::string::npos) end = gap.size();
          out += gap.substr(k, end - k);
          k = end - 1;
          line_start = false;
        } else if (c == '\n') {
          out += '\n';
          out.append(rng() % 8, ' ');
          line_start = true;
        } else if (c != ' ') {
          out += c;
        } else if (!line_start && (out.empty() || out.back() != ' ')) {
          out.append(1 + rng() % 3, ' ');
        }
      }
      if (gap.empty() && pos != 0 && t.kind != TokenKind::kEof) out.append(rng() % 2, ' ');
      messy += out;
      messy.append(text, t.offset, t.length);
      pos = t.end();
    }
    REQUIRE(messy != text);
    INFO(e.path() << " scrambled:\n" << messy);
    CHECK(Fmt(messy) == text);
    ++n;
  }
  CHECK(n >= 10);
}

TEST_CASE("formatter: every policy of tests/cases") {
  int n = 0, cases = 0;
  for (const auto& path : testing::CaseFiles()) {
    YAML::Node c = YAML::LoadFile(path.string());
    auto sources = testing::CaseSources(c);
    if (sources.empty()) continue;
    ++cases;
    n += CheckSet(path.filename().string(), sources);
  }
  CHECK(cases > 100);
  CHECK(n > 100);
}

}  // namespace
}  // namespace gavel
