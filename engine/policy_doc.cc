// The Markdown policy reference (engine/policy_doc.h). It reads only the
// syntax tree and the source text: params' defaults and rule bodies are shown
// as written (defaults on one line).
#include "engine/policy_doc.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/ast.h"
#include "engine/lexer.h"
#include "engine/parser.h"

namespace gavel {
namespace {

struct ParsedFile {
  PolicyFile ast;
  std::vector<Token> tokens;
};

// A table cell: one line, `|` escaped.
std::string Cell(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

// A code span that survives backticks inside it.
std::string Code(std::string_view s) {
  std::string fence = s.find('`') == std::string_view::npos ? "`" : "``";
  std::string pad = fence.size() > 1 ? " " : "";
  return absl::StrCat(fence, pad, Cell(s), pad, fence);
}

size_t TokenAt(const std::vector<Token>& toks, uint32_t offset) {
  auto it = std::lower_bound(toks.begin(), toks.end(), offset,
                             [](const Token& t, uint32_t off) { return t.offset < off; });
  return static_cast<size_t>(it - toks.begin());
}

// True when `t` begins a new declaration (mirrors the parser's recovery).
bool StartsDeclaration(const Token& t) {
  if (!t.first_on_line) return false;
  if (t.doc_begin != t.doc_end || t.kind == TokenKind::kAt) return true;
  return t.kind == TokenKind::kIdent &&
         (t.text == "rule" || t.text == "param" || t.text == "let" || t.text == "package" || t.text == "default");
}

// A param's default as written, on one line: the tokens after its `=`.
std::string DefaultText(const SourceFile& src, const std::vector<Token>& toks, const ParamDecl& p) {
  if (!p.default_value) return "";
  size_t i = TokenAt(toks, p.offset);
  while (i < toks.size() && toks[i].kind != TokenKind::kAssign && toks[i].kind != TokenKind::kEof) ++i;
  std::string out;
  int depth = 0;
  const Token* prev = nullptr;
  for (++i; i < toks.size() && toks[i].kind != TokenKind::kEof; ++i) {
    const Token& t = toks[i];
    if (depth == 0 && prev != nullptr && StartsDeclaration(t)) break;
    bool open_prev = prev && (prev->kind == TokenKind::kLParen || prev->kind == TokenKind::kLBracket ||
                              prev->kind == TokenKind::kLBrace || prev->kind == TokenKind::kDot ||
                              prev->kind == TokenKind::kBang);
    bool tight = t.kind == TokenKind::kRParen || t.kind == TokenKind::kRBracket || t.kind == TokenKind::kRBrace ||
                 t.kind == TokenKind::kComma || t.kind == TokenKind::kDot || t.kind == TokenKind::kColon ||
                 (t.kind == TokenKind::kLParen && prev && prev->kind == TokenKind::kIdent);
    if (prev != nullptr && !open_prev && !tight) out += ' ';
    out.append(src.text(), t.offset, t.length);
    if (t.kind == TokenKind::kLParen || t.kind == TokenKind::kLBracket || t.kind == TokenKind::kLBrace) ++depth;
    if (t.kind == TokenKind::kRParen || t.kind == TokenKind::kRBracket || t.kind == TokenKind::kRBrace) --depth;
    prev = &t;
  }
  return out;
}

// The text between a rule's braces, without its common indentation.
std::string RuleBody(const SourceFile& src, const std::vector<Token>& toks, const RuleDecl& r) {
  size_t i = TokenAt(toks, r.offset);
  while (i < toks.size() && toks[i].kind != TokenKind::kLBrace && toks[i].kind != TokenKind::kEof) ++i;
  if (i >= toks.size() || toks[i].kind != TokenKind::kLBrace) return "";
  uint32_t begin = toks[i].end();
  int depth = 0;
  size_t j = i;
  for (; j < toks.size() && toks[j].kind != TokenKind::kEof; ++j) {
    if (toks[j].kind == TokenKind::kLBrace) ++depth;
    if (toks[j].kind == TokenKind::kRBrace && --depth == 0) break;
  }
  uint32_t end = toks[j].offset;
  std::vector<std::string> lines = absl::StrSplit(
      absl::string_view(src.text().data() + begin, end - begin), '\n');
  for (auto& l : lines) {
    while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.pop_back();
  }
  while (!lines.empty() && lines.front().empty()) lines.erase(lines.begin());
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  size_t indent = std::string::npos;
  for (const auto& l : lines) {
    if (!l.empty()) indent = std::min(indent, l.find_first_not_of(' '));
  }
  for (auto& l : lines) l = l.size() >= indent ? l.substr(indent) : "";
  return absl::StrJoin(lines, "\n");
}

std::string Severity(const RuleDecl& r) {
  for (const Annotation& a : r.annotations) {
    if (a.name == "severity" && !a.args.empty()) return a.args.front();
  }
  return "medium";
}

std::vector<std::string> Tags(const RuleDecl& r) {
  std::vector<std::string> tags;
  for (const Annotation& a : r.annotations) {
    if (a.name == "tags") tags.insert(tags.end(), a.args.begin(), a.args.end());
  }
  return tags;
}

std::string CodeList(const std::vector<std::string>& items) {
  std::vector<std::string> parts;
  for (const auto& s : items) parts.push_back(Code(s));
  return absl::StrJoin(parts, ", ");
}

void AppendParagraph(std::string* out, std::string_view text) {
  if (text.empty()) return;
  out->append(text);
  *out += "\n\n";
}

void AppendPackage(std::string* out, const std::string& name, const std::vector<const ParsedFile*>& files) {
  absl::StrAppend(out, "## Package `", name, "`\n\n");
  std::vector<std::string> paths;
  bool default_deny = false;
  for (const ParsedFile* f : files) {
    paths.push_back(Code(f->ast.source->name()));
    default_deny = default_deny || f->ast.default_deny;
  }
  for (const ParsedFile* f : files) AppendParagraph(out, f->ast.doc);
  absl::StrAppend(out, "Source: ", absl::StrJoin(paths, ", "), ".", default_deny ? " `default deny`: a step no `permit` rule allows is denied." : "",
                  "\n\n");

  bool any_param = false, any_let = false;
  for (const ParsedFile* f : files) {
    any_param = any_param || !f->ast.params.empty();
    any_let = any_let || !f->ast.lets.empty();
  }
  if (any_param) {
    absl::StrAppend(out, "### Params\n\n| param | type | default | description |\n| --- | --- | --- | --- |\n");
    for (const ParsedFile* f : files) {
      for (const ParamDecl& p : f->ast.params) {
        std::string def = DefaultText(*f->ast.source, f->tokens, p);
        absl::StrAppend(out, "| `", p.name, "` | ", Code(p.type_text.empty() ? p.type.ToString() : p.type_text), " | ",
                        def.empty() ? "(required)" : Code(def), " | ", Cell(p.doc), " |\n");
      }
    }
    *out += "\n";
  }
  if (any_let) {
    absl::StrAppend(out, "### Lets\n\n| let | description |\n| --- | --- |\n");
    for (const ParsedFile* f : files) {
      for (const LetDecl& l : f->ast.lets) absl::StrAppend(out, "| `", l.name, "` | ", Cell(l.doc), " |\n");
    }
    *out += "\n";
  }
  for (const ParsedFile* f : files) {
    for (const RuleDecl& r : f->ast.rules) {
      absl::StrAppend(out, "### Rule `", name.empty() ? "" : name + ".", r.name, "`\n\n");
      AppendParagraph(out, r.doc);
      std::string effect = Code(EffectName(r.effect));
      if (r.effect == Effect::kRequireApproval) {
        std::vector<std::string> who;
        for (const auto& a : r.approvers) who.push_back(Code(a));
        for (const auto& [param, offset] : r.approver_params) who.push_back(absl::StrCat("param `", param, "`"));
        absl::StrAppend(&effect, " by ", absl::StrJoin(who, ", "));
      }
      std::vector<std::string> tags = Tags(r);
      Location loc{f->ast.source.get(), r.offset};
      absl::StrAppend(out, "- effect: ", effect, "\n- severity: `", Severity(r), "`\n");
      if (!tags.empty()) absl::StrAppend(out, "- tags: ", CodeList(tags), "\n");
      absl::StrAppend(out, "- source: `", f->ast.source->name(), ":", loc.line(), "`\n\n");
      absl::StrAppend(out, "```\n", RuleBody(*f->ast.source, f->tokens, r), "\n```\n\n");
    }
  }
}

}  // namespace

absl::StatusOr<std::string> PolicyReferenceMarkdown(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                                                   Diagnostics& diags) {
  size_t before = diags.size();
  std::vector<ParsedFile> files;
  files.reserve(sources.size());
  for (const auto& src : sources) {
    ParsedFile f;
    f.ast = ParsePolicy(src, diags);
    Diagnostics ignored;  // the parser reported them already
    f.tokens = Lex(*src, ignored).tokens;
    files.push_back(std::move(f));
  }
  if (diags.size() != before) return absl::InvalidArgumentError("the policies do not parse");

  // Packages in the order they first appear; a package's files in order.
  std::vector<std::pair<std::string, std::vector<const ParsedFile*>>> packages;
  for (const ParsedFile& f : files) {
    auto it = std::find_if(packages.begin(), packages.end(), [&](const auto& p) { return p.first == f.ast.package; });
    if (it == packages.end()) {
      packages.push_back({f.ast.package, {}});
      it = packages.end() - 1;
    }
    it->second.push_back(&f);
  }
  std::string out = "# Policy reference\n\n";
  absl::StrAppend(&out, "Generated by `gavel doc` from the policies' `///` doc comments. Packages:\n\n");
  for (const auto& [name, pkg_files] : packages) {
    std::string summary;
    if (!pkg_files.empty()) {
      std::string_view doc = pkg_files.front()->ast.doc;
      summary = std::string(doc.substr(0, doc.find("\n\n")));  // the first paragraph
    }
    size_t rules = 0;
    for (const ParsedFile* f : pkg_files) rules += f->ast.rules.size();
    absl::StrAppend(&out, "- [`", name, "`](#package-", name, "): ", rules, rules == 1 ? " rule" : " rules",
                    summary.empty() ? "" : ". ", Cell(summary), "\n");
  }
  out += "\n";
  for (const auto& [name, pkg_files] : packages) AppendPackage(&out, name, pkg_files);
  while (out.size() > 1 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

}  // namespace gavel
