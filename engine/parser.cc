// The parser: tokens to a PolicyFile. Recursive descent for the declarations
// and for CEL's grammar (langdef.md), with macros expanded on the way.
//
// Error handling: a syntax error is reported to Diagnostics and then unwinds
// (a SyntaxAbort exception, private to this file) to the nearest recovery
// point: the next clause of a rule, or the next top-level declaration. So
// one run reports one error per broken declaration or clause, and all of
// them. Literal errors (bad escapes, out-of-range numbers) are reported
// without unwinding. Expression nesting is bounded by ParseLimits::max_depth,
// so neither the parser's recursion nor the depth of the tree it builds
// (which later stages walk recursively) depends on the input beyond that.
#include "engine/parser.h"

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/lexer.h"
#include "engine/suggest.h"

namespace gavel {
namespace {

// absl::StrCat takes absl::string_view, which is not std::string_view here.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct SyntaxAbort {};

constexpr std::string_view kTopLevelWords[] = {"rule", "param", "package", "default"};

bool IsTopLevelWord(std::string_view w) {
  return std::find(std::begin(kTopLevelWords), std::end(kTopLevelWords), w) !=
         std::end(kTopLevelWords);
}

// Clauses of a rule, in their required order.
enum class Clause : int { kNone = -1, kEffect = 0, kFor, kLet, kWhen, kUnless, kMessage };

const char* ClauseName(Clause c) {
  switch (c) {
    case Clause::kEffect: return "effect";
    case Clause::kFor: return "for";
    case Clause::kLet: return "let";
    case Clause::kWhen: return "when";
    case Clause::kUnless: return "unless";
    case Clause::kMessage: return "message";
    case Clause::kNone: break;
  }
  return "?";
}

bool IsEffectWord(std::string_view w) {
  return w == "deny" || w == "warn" || w == "permit" || w == "require_approval";
}

bool IsClauseWord(std::string_view w) {
  return w == "for" || w == "let" || w == "when" || w == "unless" || w == "message";
}

class Parser {
 public:
  Parser(const SourceFile& file, LexResult lex, Diagnostics& diags, const ParseLimits& limits,
         const char* eof_desc)
      : file_(file),
        toks_(std::move(lex.tokens)),
        docs_(std::move(lex.docs)),
        diags_(diags),
        limits_(limits),
        eof_desc_(eof_desc) {}

  void ParseFile(PolicyFile* pf);
  ExprPtr ParseStandalone(bool* had_error);

 private:
  // ---- Tokens ----
  const Token& Peek(size_t k = 0) const {
    size_t i = std::min(pos_ + k, toks_.size() - 1);
    return toks_[i];
  }
  const Token& Next() {
    const Token& t = toks_[pos_];
    if (pos_ + 1 < toks_.size()) ++pos_;
    return t;
  }
  bool At(TokenKind k) const { return Peek().kind == k; }
  bool AtWord(std::string_view w) const {
    return Peek().kind == TokenKind::kIdent && Peek().text == w;
  }
  const Token& Prev() const { return toks_[pos_ == 0 ? 0 : pos_ - 1]; }

  std::string Describe(const Token& t) const;

  // ---- Errors ----
  void Report(uint32_t offset, uint32_t length, std::string msg,
              const char* code = codes::kSyntax) {
    if (code == codes::kSyntax && reported_any_ && offset == last_syntax_offset_) return;
    if (code == codes::kSyntax) {
      reported_any_ = true;
      last_syntax_offset_ = offset;
    }
    diags_.Add(Location{&file_, offset}, code, std::move(msg), length);
  }
  void Report(const Token& t, std::string msg) {
    // A bad character was reported by the lexer already.
    if (t.kind == TokenKind::kError) return;
    Report(t.offset, std::max<uint32_t>(t.length, 1), std::move(msg));
  }
  [[noreturn]] void Fail(const Token& t, std::string msg) {
    Report(t, std::move(msg));
    throw SyntaxAbort{};
  }
  [[noreturn]] void FailAt(uint32_t offset, uint32_t length, std::string msg) {
    Report(offset, length, std::move(msg));
    throw SyntaxAbort{};
  }
  const Token& Expect(TokenKind k, std::string_view what) {
    if (!At(k)) Fail(Peek(), absl::StrCat("expected ", AV(what), ", found ", Describe(Peek())));
    return Next();
  }
  // A name for a param, let, for variable: an identifier CEL allows.
  const Token& ExpectName(std::string_view after) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdent) {
      Fail(t, absl::StrCat("expected a name after ", AV(after), ", found ", Describe(t)));
    }
    if (IsReservedWord(t.text)) {
      Report(t, absl::StrCat("reserved identifier `", t.text, "`"));
      Next();  // so recovery does not take it for a clause keyword
      throw SyntaxAbort{};
    }
    return Next();
  }

  // ---- Depth ----
  class Depth {
   public:
    explicit Depth(Parser* p) : p_(p) {}
    ~Depth() { p_->depth_ -= n_; }
    void Add(const Token& at) {
      ++n_;
      if (++p_->depth_ > p_->limits_.max_depth) {
        p_->FailAt(at.offset, std::max<uint32_t>(at.length, 1),
                   absl::StrCat("expression nests deeper than ", p_->limits_.max_depth,
                                " levels"));
      }
    }

   private:
    Parser* p_;
    int n_ = 0;
  };

  // ---- Declarations ----
  std::string DocOf(const Token& t) const;
  void ParseDecl(PolicyFile* pf);
  void ParsePackage(PolicyFile* pf, std::string doc);
  void ParseParam(PolicyFile* pf, std::string doc);
  LetDecl ParseLet(std::string doc);
  void ParseDefault(PolicyFile* pf);
  std::vector<Annotation> ParseAnnotations();
  void ParseRule(PolicyFile* pf, std::string doc, std::vector<Annotation> annotations);
  void ParseRuleBody(RuleDecl* r);
  void ParseClause(RuleDecl* r, Clause c, bool keep);
  void ParseEffect(RuleDecl* r, bool keep);
  void ParseMessage(const Token& t, std::vector<MessagePart>* out);
  ExprPtr ParseInterpolation(uint32_t begin, uint32_t end);
  bool SyncInRule(size_t start);
  void SyncTopLevel(size_t start);
  void SyncAfterRuleHeader();
  Clause ClassifyClause(const Token& t) const;
  bool AtTopLevelStart() const;
  Type ParseType();

  // ---- Expressions ----
  ExprPtr ParseExpr();
  ExprPtr ParseOr();
  ExprPtr ParseAnd();
  ExprPtr ParseRelation();
  ExprPtr ParseAddition();
  ExprPtr ParseMultiplication();
  ExprPtr ParseUnary();
  ExprPtr ParseMember();
  ExprPtr ParsePrimary();
  std::vector<ExprPtr> ParseArgs(uint32_t* close_end);
  ExprPtr ParseList();
  ExprPtr ParseMap();
  ExprPtr MakeLiteral(const Token& t);
  ExprPtr MakeGlobalCall(const Token& name_tok, std::string name, uint32_t offset,
                         std::vector<ExprPtr> args, uint32_t end);
  ExprPtr MakeMethodCall(ExprPtr target, const Token& name_tok, std::vector<ExprPtr> args,
                         uint32_t end);
  void ReportEscapeError(const Token& t);

  static ExprPtr NewExpr(ExprKind kind, uint32_t offset, uint32_t length) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->offset = offset;
    e->length = std::max<uint32_t>(length, 1);
    return e;
  }
  static ExprPtr Binary(const char* op, const Token& at, ExprPtr lhs, ExprPtr rhs) {
    auto e = NewExpr(ExprKind::kCall, at.offset, at.length);
    e->name = op;
    e->args.push_back(std::move(lhs));
    e->args.push_back(std::move(rhs));
    return e;
  }

  const SourceFile& file_;
  std::vector<Token> toks_;
  std::vector<DocComment> docs_;
  Diagnostics& diags_;
  ParseLimits limits_;
  const char* eof_desc_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool in_rule_ = false;  // clause keywords end expressions
  bool seen_package_ = false;
  bool seen_default_ = false;
  bool reported_any_ = false;
  uint32_t last_syntax_offset_ = 0;
};

std::string Parser::Describe(const Token& t) const {
  switch (t.kind) {
    case TokenKind::kEof:
      return eof_desc_;
    case TokenKind::kIdent:
      return absl::StrCat("`", t.text, "`");
    case TokenKind::kInt:
    case TokenKind::kUint:
    case TokenKind::kDouble:
    case TokenKind::kString:
    case TokenKind::kBytes:
    case TokenKind::kError: {
      std::string_view raw(file_.text().data() + t.offset, t.length);
      size_t nl = raw.find_first_of("\r\n");
      bool cut = false;
      if (nl != std::string_view::npos) {
        raw = raw.substr(0, nl);
        cut = true;
      }
      if (raw.size() > 32) {
        raw = raw.substr(0, 32);
        // Do not cut a UTF-8 sequence in half.
        while (!raw.empty() && (static_cast<unsigned char>(raw.back()) & 0xC0) == 0x80) {
          raw.remove_suffix(1);
        }
        if (!raw.empty() && static_cast<unsigned char>(raw.back()) >= 0xC0) raw.remove_suffix(1);
        cut = true;
      }
      return absl::StrCat("`", AV(raw), cut ? "...`" : "`");
    }
    default:
      break;
  }
  return TokenKindName(t.kind);
}

std::string Parser::DocOf(const Token& t) const {
  std::string doc;
  for (uint32_t i = t.doc_begin; i < t.doc_end && i < docs_.size(); ++i) {
    if (!doc.empty()) doc.push_back('\n');
    doc += docs_[i].text;
  }
  return doc;
}

// ---------------------------------------------------------------------------
// Declarations

void Parser::ParseFile(PolicyFile* pf) {
  while (!At(TokenKind::kEof)) {
    size_t start = pos_;
    try {
      ParseDecl(pf);
    } catch (const SyntaxAbort&) {
      depth_ = 0;
      in_rule_ = false;
      SyncTopLevel(start);
    }
    if (pos_ == start && !At(TokenKind::kEof)) Next();  // always make progress
  }
}

bool Parser::AtTopLevelStart() const {
  const Token& t = Peek();
  if (!t.first_on_line) return false;
  if (t.kind == TokenKind::kAt) return true;
  return t.kind == TokenKind::kIdent && IsTopLevelWord(t.text);
}

void Parser::SyncTopLevel(size_t start) {
  if (pos_ == start) Next();
  int braces = 0;
  while (!At(TokenKind::kEof)) {
    const Token& t = Peek();
    if (t.first_on_line) {
      if (AtTopLevelStart()) return;
      if (t.doc_begin != t.doc_end) return;
      if (braces <= 0 && t.kind == TokenKind::kIdent && t.text == "let") return;
    }
    if (t.kind == TokenKind::kLBrace) ++braces;
    if (t.kind == TokenKind::kRBrace) --braces;
    Next();
  }
}

void Parser::ParseDecl(PolicyFile* pf) {
  const Token& t = Peek();
  std::string doc = DocOf(t);
  if (t.kind == TokenKind::kAt) {
    std::vector<Annotation> annotations = ParseAnnotations();
    if (!AtWord("rule")) {
      Report(annotations.front().offset, 1,
             absl::StrCat("annotations are allowed only before a `rule`, found ",
                          Describe(Peek())));
      return;
    }
    std::string more = DocOf(Peek());
    if (!more.empty()) doc = doc.empty() ? more : absl::StrCat(doc, "\n", more);
    ParseRule(pf, std::move(doc), std::move(annotations));
    return;
  }
  if (t.kind == TokenKind::kIdent) {
    if (t.text == "package") return ParsePackage(pf, std::move(doc));
    if (t.text == "param") return ParseParam(pf, std::move(doc));
    if (t.text == "let") {
      Next();
      pf->lets.push_back(ParseLet(std::move(doc)));
      return;
    }
    if (t.text == "rule") return ParseRule(pf, std::move(doc), {});
    if (t.text == "default") return ParseDefault(pf);
  }
  Fail(t, absl::StrCat("expected a declaration (`package`, `param`, `let`, `rule` or `default`), found ",
                       Describe(t)));
}

void Parser::ParsePackage(PolicyFile* pf, std::string doc) {
  const Token& kw = Next();
  const Token& first = Peek();
  if (first.kind != TokenKind::kIdent) {
    Fail(first, absl::StrCat("expected a package name after `package`, found ", Describe(first)));
  }
  std::string name = Next().text;
  while (At(TokenKind::kDot)) {
    Next();
    if (!At(TokenKind::kIdent)) {
      Fail(Peek(), absl::StrCat("expected a name after `.` in the package name, found ",
                                Describe(Peek())));
    }
    absl::StrAppend(&name, ".", Next().text);
  }
  if (seen_package_) {
    Report(kw.offset, kw.length, "duplicate `package` declaration", codes::kDuplicate);
    return;
  }
  seen_package_ = true;
  pf->package = std::move(name);
  pf->package_offset = first.offset;
  pf->doc = std::move(doc);
}

void Parser::ParseParam(PolicyFile* pf, std::string doc) {
  Next();  // param
  const Token& name = ExpectName("`param`");
  ParamDecl p;
  p.name = name.text;
  p.offset = name.offset;
  p.doc = std::move(doc);
  Expect(TokenKind::kColon, absl::StrCat("`:` and a type after param `", p.name, "`"));
  uint32_t type_start = Peek().offset;
  p.type = ParseType();
  uint32_t type_end = Prev().end();
  if (type_end > type_start) p.type_text = file_.text().substr(type_start, type_end - type_start);
  if (At(TokenKind::kAssign)) {
    Next();
    p.default_value = ParseExpr();
  }
  pf->params.push_back(std::move(p));
}

Type Parser::ParseType() {
  Depth depth(this);
  depth.Add(Peek());
  const Token& t = Peek();
  if (t.kind != TokenKind::kIdent) {
    Fail(t, absl::StrCat("expected a type, found ", Describe(t)));
  }
  Next();
  const std::string& n = t.text;
  auto expect_gt = [&](std::string_view what) {
    if (At(TokenKind::kGe)) {  // `list<int>= [...]`: split `>=` into `>` `=`
      Token& ge = toks_[pos_];
      ge.kind = TokenKind::kAssign;
      ge.offset += 1;
      ge.length = 1;
      return;
    }
    Expect(TokenKind::kGt, absl::StrCat("`>` to close `", AV(what), "<`"));
  };
  if (n == "bool") return Type::Bool();
  if (n == "int") return Type::Int();
  if (n == "uint") return Type::Uint();
  if (n == "double") return Type::Double();
  if (n == "string") return Type::String();
  if (n == "bytes") return Type::Bytes();
  if (n == "timestamp") return Type::Timestamp();
  if (n == "duration") return Type::Duration();
  if (n == "dyn") return Type::Dyn();
  if (n == "list") {
    Expect(TokenKind::kLt, "`<` after `list` (as in `list<string>`)");
    Type elem = ParseType();
    expect_gt("list");
    return Type::List(std::move(elem));
  }
  if (n == "map") {
    Expect(TokenKind::kLt, "`<` after `map` (as in `map<string, int>`)");
    Type key = ParseType();
    Expect(TokenKind::kComma, "`,` between the key and value types of `map<K, V>`");
    Type value = ParseType();
    expect_gt("map");
    return Type::Map(std::move(key), std::move(value));
  }
  static constexpr std::string_view kNames[] = {"bool",      "int",      "uint", "double",
                                                "string",    "bytes",    "timestamp",
                                                "duration",  "dyn",      "list", "map"};
  static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
      {"str", "string"},    {"integer", "int"}, {"float", "double"}, {"boolean", "bool"},
      {"int64", "int"},     {"uint64", "uint"}, {"array", "list"},   {"object", "map"},
      {"any", "dyn"},       {"number", "double"}};
  std::string_view best;
  for (const auto& [alias, real] : kAliases) {
    if (alias == n) best = real;
  }
  std::string suggestion;
  if (best.empty()) suggestion = DidYouMean(n, std::vector<std::string>(std::begin(kNames), std::end(kNames)));
  if (!suggestion.empty()) best = suggestion;
  std::string msg = absl::StrCat("unknown type `", n, "`");
  if (!best.empty()) absl::StrAppend(&msg, "; did you mean `", AV(best), "`?");
  Report(t.offset, t.length, std::move(msg), codes::kType);
  return Type::Dyn();
}

LetDecl Parser::ParseLet(std::string doc) {
  // `let` already consumed.
  const Token& name = ExpectName("`let`");
  LetDecl l;
  l.name = name.text;
  l.offset = name.offset;
  l.doc = std::move(doc);
  Expect(TokenKind::kAssign, absl::StrCat("`=` after let `", l.name, "`"));
  l.value = ParseExpr();
  return l;
}

void Parser::ParseDefault(PolicyFile* pf) {
  const Token& kw = Next();
  if (AtWord("deny") || AtWord("allow")) {
    bool deny = Peek().text == "deny";
    Next();
    if (seen_default_) {
      Report(kw.offset, kw.length, "duplicate `default` declaration", codes::kDuplicate);
      return;
    }
    seen_default_ = true;
    pf->default_deny = deny;
    pf->default_offset = kw.offset;
    return;
  }
  Fail(Peek(), absl::StrCat("expected `deny` or `allow` after `default`, found ", Describe(Peek())));
}

std::vector<Annotation> Parser::ParseAnnotations() {
  std::vector<Annotation> out;
  while (At(TokenKind::kAt)) {
    const Token& at = Next();
    if (!At(TokenKind::kIdent)) {
      Fail(Peek(), absl::StrCat("expected an annotation name after `@`, found ", Describe(Peek())));
    }
    Annotation a;
    a.name = Next().text;
    a.offset = at.offset;
    if (At(TokenKind::kLParen)) {
      Next();
      while (!At(TokenKind::kRParen)) {
        const Token& arg = Peek();
        switch (arg.kind) {
          case TokenKind::kString:
            ReportEscapeError(arg);
            a.args.push_back(arg.text);
            break;
          case TokenKind::kInt:
          case TokenKind::kUint:
          case TokenKind::kDouble:
          case TokenKind::kTrue:
          case TokenKind::kFalse:
            a.args.push_back(file_.text().substr(arg.offset, arg.length));
            break;
          case TokenKind::kIdent:
            a.args.push_back(arg.text);
            break;
          default:
            Fail(arg, absl::StrCat("annotation arguments must be string literals, found ",
                                   Describe(arg)));
        }
        Next();
        if (At(TokenKind::kComma)) {
          Next();
          continue;
        }
        if (!At(TokenKind::kRParen)) {
          Fail(Peek(), absl::StrCat("expected `,` or `)` in the arguments of `@", a.name,
                                    "`, found ", Describe(Peek())));
        }
      }
      Next();  // )
    }
    out.push_back(std::move(a));
  }
  return out;
}

void Parser::ParseRule(PolicyFile* pf, std::string doc, std::vector<Annotation> annotations) {
  Next();  // rule
  const Token& name = Peek();
  RuleDecl r;
  r.doc = std::move(doc);
  r.annotations = std::move(annotations);
  try {
    if (name.kind != TokenKind::kIdent) {
      Fail(name, absl::StrCat("expected a rule name after `rule`, found ", Describe(name)));
    }
    Next();
    r.name = name.text;
    r.offset = name.offset;
    if (!At(TokenKind::kLBrace)) {
      Fail(Peek(), absl::StrCat("expected `{` after rule `", r.name, "`, found ", Describe(Peek())));
    }
  } catch (const SyntaxAbort&) {
    SyncAfterRuleHeader();
    return;
  }
  Next();
  in_rule_ = true;
  ParseRuleBody(&r);
  in_rule_ = false;
  pf->rules.push_back(std::move(r));
}

Clause Parser::ClassifyClause(const Token& t) const {
  if (t.kind != TokenKind::kIdent) return Clause::kNone;
  if (IsEffectWord(t.text)) return Clause::kEffect;
  if (t.text == "for") return Clause::kFor;
  if (t.text == "let") return Clause::kLet;
  if (t.text == "when") return Clause::kWhen;
  if (t.text == "unless") return Clause::kUnless;
  if (t.text == "message") return Clause::kMessage;
  return Clause::kNone;
}

void Parser::ParseRuleBody(RuleDecl* r) {
  std::array<bool, 6> seen{};
  int stage = -1;  // the latest clause seen, in clause order
  Clause latest = Clause::kNone;
  bool effect_missing = false;
  for (;;) {
    const Token& t = Peek();
    size_t start = pos_;
    if (t.kind == TokenKind::kRBrace) {
      if (stage < 0) {
        Report(t, absl::StrCat("rule `", r->name,
                               "` must start with its effect (`deny`, `warn`, `permit` or "
                               "`require_approval`), found `}`"));
      }
      Next();
      return;
    }
    Clause c = ClassifyClause(t);
    if (c == Clause::kNone && stage < 0 && t.kind == TokenKind::kIdent && !AtTopLevelStart()) {
      // A word where the effect belongs: most likely a misspelt effect.
      Report(t, absl::StrCat("unknown effect `", t.text,
                             "`: a rule starts with `deny`, `warn`, `permit` or `require_approval`"));
      stage = 0;
      latest = Clause::kEffect;
      seen[static_cast<int>(Clause::kEffect)] = true;
      if (!SyncInRule(start)) return;
      continue;
    }
    if (c == Clause::kNone) {
      std::string msg = absl::StrCat("expected `}` to close rule `", r->name, "`, found ",
                                     Describe(t));
      if (t.kind == TokenKind::kAssign) msg = "unexpected `=`; did you mean `==`?";
      if (t.kind == TokenKind::kEof || AtTopLevelStart()) {
        Report(t, std::move(msg));
        return;
      }
      Report(t, std::move(msg));
      if (!SyncInRule(start)) return;
      continue;
    }
    int idx = static_cast<int>(c);
    bool keep = true;
    if (stage < 0 && c != Clause::kEffect) {
      Report(t, absl::StrCat("rule `", r->name,
                             "` must start with its effect (`deny`, `warn`, `permit` or "
                             "`require_approval`), found ",
                             Describe(t)));
      effect_missing = true;
      stage = 0;
      latest = Clause::kEffect;
    }
    if (c == Clause::kEffect && effect_missing) {
      // Already reported as missing: take it where it is.
      effect_missing = false;
    } else if (seen[idx] && c != Clause::kLet) {
      Report(t, c == Clause::kEffect
                    ? absl::StrCat("rule `", r->name, "` has more than one effect")
                    : absl::StrCat("duplicate `", ClauseName(c), "` clause in rule `", r->name, "`"));
      keep = false;
    } else if (idx < stage) {
      Report(t, c == Clause::kEffect
                    ? absl::StrCat("the effect must come first in rule `", r->name, "`")
                    : absl::StrCat("`", ClauseName(c), "` clause must come before the `",
                                   ClauseName(latest), "` clause in rule `", r->name, "`"));
      keep = !seen[idx];
    }
    seen[idx] = true;
    if (idx > stage) {
      stage = idx;
      latest = c;
    }
    try {
      ParseClause(r, c, keep);
    } catch (const SyntaxAbort&) {
      depth_ = 0;
      if (!SyncInRule(start)) return;
    }
  }
}

// After a broken rule header: skip the rule's body, up to its closing `}`
// (the body's `let` lines are not package lets), or up to the next
// declaration if the body never closes.
void Parser::SyncAfterRuleHeader() {
  int braces = 0;
  while (!At(TokenKind::kEof)) {
    const Token& t = Peek();
    if (AtTopLevelStart() || (t.first_on_line && t.doc_begin != t.doc_end)) return;
    Next();
    if (t.kind == TokenKind::kLBrace) ++braces;
    if (t.kind == TokenKind::kRBrace && --braces <= 0) return;
  }
}

bool Parser::SyncInRule(size_t start) {
  if (pos_ == start) Next();
  int braces = 0;
  while (!At(TokenKind::kEof)) {
    const Token& t = Peek();
    bool after_dot = Prev().kind == TokenKind::kDot && pos_ > 0;
    if (t.kind == TokenKind::kLBrace) {
      ++braces;
    } else if (t.kind == TokenKind::kRBrace) {
      if (braces == 0) return true;
      --braces;
    } else if (AtTopLevelStart()) {
      return false;
    } else if (t.kind == TokenKind::kIdent && !after_dot) {
      if (IsClauseWord(t.text)) return true;
      if (t.first_on_line && IsEffectWord(t.text)) return true;
    }
    Next();
  }
  return false;
}

void Parser::ParseClause(RuleDecl* r, Clause c, bool keep) {
  switch (c) {
    case Clause::kEffect:
      ParseEffect(r, keep);
      return;
    case Clause::kFor: {
      Next();
      const Token& var = ExpectName("`for`");
      Expect(TokenKind::kIn, absl::StrCat("`in` after `for ", var.text, "`"));
      ExprPtr range = ParseExpr();
      if (keep) {
        r->iter_var = var.text;
        r->iter_var_offset = var.offset;
        r->iter_range = std::move(range);
      }
      return;
    }
    case Clause::kLet: {
      Next();
      r->lets.push_back(ParseLet(""));
      return;
    }
    case Clause::kWhen:
    case Clause::kUnless: {
      Next();
      ExprPtr e = ParseExpr();
      if (keep) (c == Clause::kWhen ? r->when : r->unless) = std::move(e);
      return;
    }
    case Clause::kMessage: {
      Next();
      const Token& s = Peek();
      if (s.kind != TokenKind::kString) {
        Fail(s, absl::StrCat("expected a string literal after `message`, found ", Describe(s)));
      }
      Next();
      std::vector<MessagePart> parts;
      ParseMessage(s, &parts);
      if (keep) {
        r->message = std::move(parts);
        r->has_message = true;
      }
      return;
    }
    case Clause::kNone:
      return;
  }
}

void Parser::ParseEffect(RuleDecl* r, bool keep) {
  const Token& t = Next();
  Effect e = Effect::kDeny;
  std::vector<std::string> approvers;
  std::vector<std::pair<std::string, uint32_t>> approver_params;
  if (t.text == "warn") {
    e = Effect::kWarn;
  } else if (t.text == "permit") {
    e = Effect::kPermit;
  } else if (t.text == "require_approval") {
    e = Effect::kRequireApproval;
    Expect(TokenKind::kLParen, "`(` and the approvers after `require_approval`");
    while (!At(TokenKind::kRParen)) {
      const Token& a = Peek();
      if (a.kind == TokenKind::kIdent) {
        // A param of the package, resolved when the policy is compiled.
        approver_params.emplace_back(a.text, a.offset);
      } else if (a.kind != TokenKind::kString) {
        Fail(a, absl::StrCat("approvers must be string literals or param names, found ", Describe(a)));
      } else {
        ReportEscapeError(a);
        if (a.text.empty() && !a.escape_error) Report(a, "an approver must not be empty");
        approvers.push_back(a.text);
      }
      Next();
      if (At(TokenKind::kComma)) {
        Next();
        continue;
      }
      if (!At(TokenKind::kRParen)) {
        Fail(Peek(), absl::StrCat("expected `,` or `)` after an approver, found ", Describe(Peek())));
      }
    }
    const Token& close = Next();
    if (approvers.empty() && approver_params.empty()) {
      Report(t.offset, close.end() - t.offset, "`require_approval` needs at least one approver");
    }
  }
  if (keep) {
    r->effect = e;
    r->effect_offset = t.offset;
    r->approvers = std::move(approvers);
    r->approver_params = std::move(approver_params);
  }
}

// `message "text {expr} text"`. The literal parts are decoded here (not by
// the lexer) because the `{expr}` parts are source text, not string content.
void Parser::ParseMessage(const Token& t, std::vector<MessagePart>* out) {
  if (!t.terminated) return;  // reported by the lexer
  const std::string& src = file_.text();
  const uint32_t b = t.content_begin(), e = t.content_end();
  std::string text;
  bool literal_ok = true;
  uint32_t seg = b;
  auto flush = [&](uint32_t upto) {
    if (upto <= seg) return;
    std::string_view raw(src.data() + seg, upto - seg);
    if (t.raw) {
      text.append(raw);
    } else if (literal_ok) {
      std::string decoded;
      EscapeError err;
      if (DecodeEscapes(raw, seg, /*bytes=*/false, &decoded, &err)) {
        text += decoded;
      } else {
        literal_ok = false;
        Report(err.offset, err.length, err.message, codes::kInvalidLiteral);
      }
    }
  };
  auto push_text = [&] {
    if (text.empty()) return;
    MessagePart p;
    p.text = std::move(text);
    text.clear();
    out->push_back(std::move(p));
  };
  uint32_t i = b;
  while (i < e) {
    char c = src[i];
    if (c == '\\' && !t.raw) {
      i = std::min(i + 2, e);
      continue;
    }
    if (c == '{') {
      if (i + 1 < e && src[i + 1] == '{') {
        flush(i);
        text.push_back('{');
        i += 2;
        seg = i;
        continue;
      }
      flush(i);
      // Find the matching `}`, skipping nested braces and quoted strings.
      uint32_t j = i + 1;
      int nest = 0;
      bool found = false;
      while (j < e) {
        char d = src[j];
        if (d == '\'' || d == '"') {
          uint32_t k = j + 1;
          while (k < e && src[k] != d) k += (src[k] == '\\') ? 2 : 1;
          j = std::min(k + 1, e);
          continue;
        }
        if (d == '{') {
          ++nest;
        } else if (d == '}') {
          if (nest == 0) {
            found = true;
            break;
          }
          --nest;
        }
        ++j;
      }
      if (!found) {
        FailAt(i, 1, "unterminated `{` in message; write `{{` for a literal brace");
      }
      std::string_view inner(src.data() + i + 1, j - i - 1);
      if (inner.find_first_not_of(" \t\r\n\f") == std::string_view::npos) {
        Report(i, j - i + 1, "empty `{}` in message; write `{{` for a literal brace");
      } else {
        push_text();
        ExprPtr expr = ParseInterpolation(i + 1, j);
        if (expr) {
          MessagePart p;
          p.expr = std::move(expr);
          out->push_back(std::move(p));
        }
      }
      i = j + 1;
      seg = i;
      continue;
    }
    if (c == '}') {
      flush(i);
      if (i + 1 < e && src[i + 1] == '}') {
        text.push_back('}');
        i += 2;
      } else {
        Report(i, 1, "unmatched `}` in message; write `}}` for a literal brace");
        i += 1;
      }
      seg = i;
      continue;
    }
    ++i;
  }
  flush(e);
  push_text();
}

ExprPtr Parser::ParseInterpolation(uint32_t begin, uint32_t end) {
  Parser sub(file_, Lex(file_, begin, end, diags_), diags_, limits_, "`}`");
  bool had_error = false;
  return sub.ParseStandalone(&had_error);
}

ExprPtr Parser::ParseStandalone(bool* had_error) {
  if (At(TokenKind::kEof)) {
    Report(Peek(), absl::StrCat("expected an expression, found ", Describe(Peek())));
    *had_error = true;
    return nullptr;
  }
  try {
    ExprPtr e = ParseExpr();
    if (!At(TokenKind::kEof)) {
      const Token& t = Peek();
      Report(t, t.kind == TokenKind::kAssign ? std::string("unexpected `=`; did you mean `==`?")
                                             : absl::StrCat("unexpected ", Describe(t)));
      *had_error = true;
    }
    return e;
  } catch (const SyntaxAbort&) {
    *had_error = true;
    return nullptr;
  }
}

// ---------------------------------------------------------------------------
// Expressions

ExprPtr Parser::ParseExpr() {
  Depth depth(this);
  depth.Add(Peek());
  ExprPtr cond = ParseOr();
  if (!At(TokenKind::kQuestion)) return cond;
  const Token& q = Next();
  ExprPtr yes = ParseOr();
  Expect(TokenKind::kColon, "`:` in the conditional expression");
  ExprPtr no = ParseExpr();
  auto e = NewExpr(ExprKind::kCall, q.offset, q.length);
  e->name = ops::kConditional;
  e->args.push_back(std::move(cond));
  e->args.push_back(std::move(yes));
  e->args.push_back(std::move(no));
  return e;
}

ExprPtr Parser::ParseOr() {
  ExprPtr lhs = ParseAnd();
  Depth depth(this);
  while (At(TokenKind::kOrOr)) {
    const Token& op = Next();
    depth.Add(op);
    lhs = Binary(ops::kOr, op, std::move(lhs), ParseAnd());
  }
  return lhs;
}

ExprPtr Parser::ParseAnd() {
  ExprPtr lhs = ParseRelation();
  Depth depth(this);
  while (At(TokenKind::kAndAnd)) {
    const Token& op = Next();
    depth.Add(op);
    lhs = Binary(ops::kAnd, op, std::move(lhs), ParseRelation());
  }
  return lhs;
}

ExprPtr Parser::ParseRelation() {
  ExprPtr lhs = ParseAddition();
  Depth depth(this);
  for (;;) {
    const char* name = nullptr;
    switch (Peek().kind) {
      case TokenKind::kLt: name = ops::kLt; break;
      case TokenKind::kLe: name = ops::kLe; break;
      case TokenKind::kGt: name = ops::kGt; break;
      case TokenKind::kGe: name = ops::kGe; break;
      case TokenKind::kEqEq: name = ops::kEq; break;
      case TokenKind::kNe: name = ops::kNe; break;
      case TokenKind::kIn: name = ops::kIn; break;
      default: break;
    }
    if (name == nullptr) return lhs;
    const Token& op = Next();
    depth.Add(op);
    lhs = Binary(name, op, std::move(lhs), ParseAddition());
  }
}

ExprPtr Parser::ParseAddition() {
  ExprPtr lhs = ParseMultiplication();
  Depth depth(this);
  while (At(TokenKind::kPlus) || At(TokenKind::kMinus)) {
    const Token& op = Next();
    depth.Add(op);
    lhs = Binary(op.kind == TokenKind::kPlus ? ops::kAdd : ops::kSub, op, std::move(lhs),
                 ParseMultiplication());
  }
  return lhs;
}

ExprPtr Parser::ParseMultiplication() {
  ExprPtr lhs = ParseUnary();
  Depth depth(this);
  for (;;) {
    const char* name = nullptr;
    switch (Peek().kind) {
      case TokenKind::kStar: name = ops::kMul; break;
      case TokenKind::kSlash: name = ops::kDiv; break;
      case TokenKind::kPercent: name = ops::kMod; break;
      default: break;
    }
    if (name == nullptr) return lhs;
    const Token& op = Next();
    depth.Add(op);
    lhs = Binary(name, op, std::move(lhs), ParseUnary());
  }
}

ExprPtr Parser::ParseUnary() {
  TokenKind k = Peek().kind;
  if (k != TokenKind::kBang && k != TokenKind::kMinus) return ParseMember();
  Depth depth(this);
  std::vector<const Token*> ops_toks;
  while (At(k)) {
    const Token& op = Next();
    depth.Add(op);
    ops_toks.push_back(&op);
  }
  ExprPtr operand;
  const Token& p = Peek();
  TokenKind after = Peek(1).kind;
  if (k == TokenKind::kMinus && p.kind == TokenKind::kInt && p.int_min_magnitude &&
      after != TokenKind::kDot && after != TokenKind::kLBracket) {
    // -9223372036854775808: the one int literal that needs its minus.
    const Token* minus = ops_toks.back();
    ops_toks.pop_back();
    Next();
    operand = NewExpr(ExprKind::kLiteral, minus->offset, p.end() - minus->offset);
    operand->literal = Value::Int(p.int_value);
  } else {
    operand = ParseMember();
  }
  for (auto it = ops_toks.rbegin(); it != ops_toks.rend(); ++it) {
    auto e = NewExpr(ExprKind::kCall, (*it)->offset, (*it)->length);
    e->name = k == TokenKind::kBang ? ops::kNot : ops::kNeg;
    e->args.push_back(std::move(operand));
    operand = std::move(e);
  }
  return operand;
}

ExprPtr Parser::ParseMember() {
  ExprPtr e = ParsePrimary();
  Depth depth(this);
  for (;;) {
    if (At(TokenKind::kDot)) {
      const Token& dot = Next();
      depth.Add(dot);
      const Token& name = Peek();
      if (name.kind != TokenKind::kIdent) {
        Fail(name, absl::StrCat("expected a field name after `.`, found ", Describe(name)));
      }
      Next();
      if (At(TokenKind::kLParen)) {
        if (name.quoted) Fail(name, "a quoted identifier cannot name a function");
        uint32_t end = 0;
        std::vector<ExprPtr> args = ParseArgs(&end);
        e = MakeMethodCall(std::move(e), name, std::move(args), end);
      } else {
        auto s = NewExpr(ExprKind::kSelect, name.offset, name.length);
        s->name = name.text;
        s->target = std::move(e);
        e = std::move(s);
      }
    } else if (At(TokenKind::kLBracket)) {
      const Token& lb = Next();
      depth.Add(lb);
      ExprPtr index = ParseExpr();
      const Token& rb = Expect(TokenKind::kRBracket, "`]` to close the index");
      auto c = NewExpr(ExprKind::kCall, lb.offset, rb.end() - lb.offset);
      c->name = ops::kIndex;
      c->args.push_back(std::move(e));
      c->args.push_back(std::move(index));
      e = std::move(c);
    } else {
      return e;
    }
  }
}

std::vector<ExprPtr> Parser::ParseArgs(uint32_t* close_end) {
  Expect(TokenKind::kLParen, "`(`");
  std::vector<ExprPtr> args;
  while (!At(TokenKind::kRParen)) {
    args.push_back(ParseExpr());
    if (At(TokenKind::kComma)) {
      Next();
      if (At(TokenKind::kRParen)) {
        Fail(Peek(), "expected an argument after `,`, found `)`");
      }
      continue;
    }
    if (!At(TokenKind::kRParen)) {
      Fail(Peek(), absl::StrCat("expected `,` or `)` in the argument list, found ",
                                Describe(Peek())));
    }
  }
  *close_end = Next().end();
  return args;
}

void Parser::ReportEscapeError(const Token& t) {
  if (t.escape_error) {
    Report(t.escape_error->offset, t.escape_error->length, t.escape_error->message,
           codes::kInvalidLiteral);
  }
}

ExprPtr Parser::MakeLiteral(const Token& t) {
  auto e = NewExpr(ExprKind::kLiteral, t.offset, t.length);
  switch (t.kind) {
    case TokenKind::kInt:
      if (t.int_min_magnitude) {
        Report(t.offset, t.length,
               absl::StrCat("integer literal `", file_.text().substr(t.offset, t.length),
                            "` is out of range"),
               codes::kInvalidLiteral);
        e->literal = Value::Int(0);
      } else {
        e->literal = Value::Int(t.int_value);
      }
      break;
    case TokenKind::kUint: e->literal = Value::Uint(t.uint_value); break;
    case TokenKind::kDouble: e->literal = Value::Double(t.double_value); break;
    case TokenKind::kString:
      ReportEscapeError(t);
      e->literal = Value::String(t.text);
      break;
    case TokenKind::kBytes:
      ReportEscapeError(t);
      e->literal = Value::Bytes(t.text);
      break;
    case TokenKind::kTrue: e->literal = Value::Bool(true); break;
    case TokenKind::kFalse: e->literal = Value::Bool(false); break;
    default: e->literal = Value::Null(); break;
  }
  return e;
}

ExprPtr Parser::ParsePrimary() {
  const Token& t = Peek();
  switch (t.kind) {
    case TokenKind::kInt:
    case TokenKind::kUint:
    case TokenKind::kDouble:
    case TokenKind::kString:
    case TokenKind::kBytes:
    case TokenKind::kTrue:
    case TokenKind::kFalse:
    case TokenKind::kNull:
      Next();
      return MakeLiteral(t);
    case TokenKind::kLParen: {
      Next();
      ExprPtr e = ParseExpr();
      Expect(TokenKind::kRParen, "`)`");
      return e;
    }
    case TokenKind::kLBracket:
      return ParseList();
    case TokenKind::kLBrace:
      return ParseMap();
    case TokenKind::kDot:
    case TokenKind::kIdent: {
      const Token* first = &t;
      if (t.kind == TokenKind::kDot) {
        Next();
        if (!At(TokenKind::kIdent)) {
          Fail(Peek(), absl::StrCat("expected a name after `.`, found ", Describe(Peek())));
        }
      }
      const Token& id = Peek();
      if (id.quoted) Fail(id, "a quoted identifier can only be a field name: `x.`a-b``");
      if (IsReservedWord(id.text)) Fail(id, absl::StrCat("reserved identifier `", id.text, "`"));
      if (first == &id) {
        bool clause = in_rule_ && IsClauseWord(id.text);
        // `rule foo`, `param x`, `default deny` at a line start: a new
        // declaration, not the rest of this expression.
        bool decl = id.first_on_line && IsTopLevelWord(id.text) &&
                    Peek(1).kind == TokenKind::kIdent;
        if (clause || decl) {
          Fail(id, absl::StrCat("expected an expression, found ", Describe(id)));
        }
      }
      Next();
      std::string name = first == &id ? id.text : absl::StrCat(".", id.text);
      if (At(TokenKind::kLParen)) {
        uint32_t end = 0;
        std::vector<ExprPtr> args = ParseArgs(&end);
        return MakeGlobalCall(id, std::move(name), first->offset, std::move(args), end);
      }
      auto e = NewExpr(ExprKind::kIdent, first->offset, id.end() - first->offset);
      e->name = std::move(name);
      return e;
    }
    default:
      Fail(t, absl::StrCat("expected an expression, found ", Describe(t)));
  }
}

ExprPtr Parser::ParseList() {
  const Token& lb = Next();
  auto e = NewExpr(ExprKind::kList, lb.offset, 1);
  while (!At(TokenKind::kRBracket)) {
    e->args.push_back(ParseExpr());
    if (At(TokenKind::kComma)) {
      Next();
      continue;
    }
    if (!At(TokenKind::kRBracket)) {
      Fail(Peek(), absl::StrCat("expected `,` or `]` in the list, found ", Describe(Peek())));
    }
  }
  e->length = Next().end() - lb.offset;
  return e;
}

ExprPtr Parser::ParseMap() {
  const Token& lb = Next();
  auto e = NewExpr(ExprKind::kMap, lb.offset, 1);
  while (!At(TokenKind::kRBrace)) {
    e->args.push_back(ParseExpr());
    Expect(TokenKind::kColon, "`:` after the map key");
    e->args.push_back(ParseExpr());
    if (At(TokenKind::kComma)) {
      Next();
      continue;
    }
    if (!At(TokenKind::kRBrace)) {
      Fail(Peek(), absl::StrCat("expected `,` or `}` in the map, found ", Describe(Peek())));
    }
  }
  e->length = Next().end() - lb.offset;
  return e;
}

ExprPtr Parser::MakeGlobalCall(const Token& name_tok, std::string name, uint32_t offset,
                               std::vector<ExprPtr> args, uint32_t end) {
  if (name == "has" && args.size() == 1) {
    ExprPtr arg = std::move(args[0]);
    if (arg->kind != ExprKind::kSelect || arg->test_only) {
      FailAt(arg->offset, arg->length, "has() requires a field selection");
    }
    arg->test_only = true;
    arg->offset = offset;
    arg->length = end - offset;
    return arg;
  }
  auto e = NewExpr(ExprKind::kCall, offset, end - offset);
  e->name = std::move(name);
  e->args = std::move(args);
  return e;
}

ExprPtr Parser::MakeMethodCall(ExprPtr target, const Token& name_tok, std::vector<ExprPtr> args,
                               uint32_t end) {
  const std::string& n = name_tok.text;
  bool macro = false;
  bool two_vars = false;
  MacroKind kind = MacroKind::kAll;
  const bool quantifier = n == "all" || n == "exists" || n == "exists_one" || n == "existsOne";
  auto quantifier_kind = [&] {
    return n == "all" ? MacroKind::kAll : n == "exists" ? MacroKind::kExists : MacroKind::kExistsOne;
  };
  if (args.size() == 2 && (quantifier || n == "filter" || n == "map")) {
    macro = true;
    kind = n == "filter" ? MacroKind::kFilter : n == "map" ? MacroKind::kMap : quantifier_kind();
  } else if (args.size() == 3 && n == "map") {
    macro = true;
    kind = MacroKind::kMap;
  } else if (args.size() == 3 && quantifier) {
    macro = two_vars = true;
    kind = quantifier_kind();
  } else if ((args.size() == 3 || args.size() == 4) && (n == "transformList" || n == "transformMap")) {
    macro = two_vars = true;
    kind = n == "transformList" ? MacroKind::kTransformList : MacroKind::kTransformMap;
  }
  uint32_t offset = name_tok.offset;
  if (!macro) {
    auto e = NewExpr(ExprKind::kCall, offset, end - offset);
    e->name = n;
    e->target = std::move(target);
    e->args = std::move(args);
    return e;
  }
  const int num_vars = two_vars ? 2 : 1;
  for (int i = 0; i < num_vars; ++i) {
    const Expr& var = *args[i];
    if (var.kind != ExprKind::kIdent || var.name.empty() || var.name[0] == '.') {
      FailAt(var.offset, var.length,
             absl::StrCat(i == 0 ? "the first" : "the second", " argument of `", n,
                          "` must be a simple identifier (", two_vars ? "an" : "the", " iteration variable)"));
    }
  }
  if (two_vars && args[0]->name == args[1]->name) {
    FailAt(args[1]->offset, args[1]->length, absl::StrCat("the two variables of `", n, "` must differ"));
  }
  auto e = NewExpr(ExprKind::kComprehension, offset, end - offset);
  e->macro = kind;
  e->iter_var = args[0]->name;
  e->iter_var_offset = args[0]->offset;
  if (two_vars) {
    e->iter_var2 = args[1]->name;
    e->iter_var2_offset = args[1]->offset;
  }
  e->target = std::move(target);
  const size_t first = num_vars;  // the first argument after the variables
  if (args.size() - first == 2) {
    e->args.push_back(std::move(args[first + 1]));  // transform
    e->args.push_back(std::move(args[first]));      // filter
  } else {
    e->args.push_back(std::move(args[first]));
  }
  return e;
}

}  // namespace

PolicyFile ParsePolicy(std::shared_ptr<const SourceFile> source, Diagnostics& diags,
                       const ParseLimits& limits) {
  PolicyFile pf;
  pf.source = source;
  if (!source) return pf;
  Parser p(*source, Lex(*source, diags), diags, limits, "end of file");
  p.ParseFile(&pf);
  return pf;
}

ExprPtr ParseExpression(const SourceFile& source, Diagnostics& diags, const ParseLimits& limits) {
  Parser p(source, Lex(source, diags), diags, limits, "end of input");
  bool had_error = false;
  return p.ParseStandalone(&had_error);
}

}  // namespace gavel
