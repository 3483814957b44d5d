// The formatter: tokens as written, with canonical whitespace between them.
//
// Layout (docs/language.md, "Formatting"): declarations start at column 0,
// rule clauses at column 2, `}` of a rule at column 0. Inside an expression
// the user's line breaks are kept; a continued line is indented 4 more than
// its clause, and the contents of a bracket that ends its line are indented
// 2 more than the bracket's line (the closing bracket goes back to it).
// Within a line: one space around binary operators, `=`, `?` and `:` of a
// conditional; none inside brackets, before `,` `.` `)` or after unary
// operators. Comments stay where they are: a trailing comment one space after
// its token, a comment on its own line indented like the line that follows.
// Runs of blank lines become one.
#include "engine/formatter.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lexer.h"
#include "engine/parser.h"

namespace gavel {
namespace {

bool IsEffectWord(std::string_view w) {
  return w == "deny" || w == "warn" || w == "permit" || w == "require_approval";
}
bool IsClauseWord(std::string_view w) {
  return w == "for" || w == "let" || w == "when" || w == "unless" || w == "message";
}
bool IsOpener(TokenKind k) {
  return k == TokenKind::kLParen || k == TokenKind::kLBracket || k == TokenKind::kLBrace;
}
bool IsCloser(TokenKind k) {
  return k == TokenKind::kRParen || k == TokenKind::kRBracket || k == TokenKind::kRBrace;
}

struct Comment {
  std::string text;
  bool own_line = false;  // nothing but whitespace before it on its line
  int newlines_before = 0;
};

// What lies between a token and the one before it.
struct Gap {
  std::vector<Comment> comments;
  int newlines_before = 0;  // between the last comment (or token) and the token
};

// The role a token played, for the spacing of the next one.
struct Emitted {
  TokenKind kind = TokenKind::kEof;
  bool keyword = false;     // a declaration or clause word
  bool call_word = false;   // require_approval: `(` follows without a space
  bool unary = false;       // `-` as negation
  bool map_brace = false;   // `{` of a map literal
  bool type_angle = false;  // `<` of `list<string>`
};

class Formatter {
 public:
  Formatter(const SourceFile& file, std::vector<Token> tokens) : src_(file.text()), toks_(std::move(tokens)) {
    ScanGaps();
  }

  std::string Run() {
    for (size_t i = 0; i < toks_.size(); ++i) Step(i);
    if (!out_.empty()) out_ += '\n';
    return std::move(out_);
  }

 private:
  struct Frame {
    bool block = false;  // the bracket ends its line: contents indented
    int outer = 0;       // indent of the bracket's line
    int questions = 0;   // unmatched `?` inside it
  };
  enum class RuleHeader { kNone, kName, kBrace };
  enum class ParamState { kNone, kName, kColon, kType };

  void ScanGaps() {
    gaps_.resize(toks_.size());
    for (size_t i = 0; i < toks_.size(); ++i) {
      uint32_t p = i == 0 ? 0 : toks_[i - 1].end();
      uint32_t end = toks_[i].offset;
      Gap& g = gaps_[i];
      int nl = 0;
      bool line_start = i == 0;
      while (p < end) {
        char c = src_[p];
        if (c == '\n') {
          ++nl;
          line_start = true;
          ++p;
        } else if (c == '/' && p + 1 < end && src_[p + 1] == '/') {
          uint32_t q = p;
          while (q < end && src_[q] != '\n') ++q;
          std::string text(src_.data() + p, q - p);
          bool doc = text.rfind("///", 0) == 0;
          // Doc text is the rule's default message: keep it byte for byte.
          while (!text.empty() && (text.back() == '\r' || (!doc && (text.back() == ' ' || text.back() == '\t')))) {
            text.pop_back();
          }
          g.comments.push_back(Comment{std::move(text), line_start, nl});
          nl = 0;
          line_start = false;
          p = q;
        } else {
          ++p;
        }
      }
      g.newlines_before = nl;
    }
  }

  int& Questions() { return stack_.empty() ? top_questions_ : stack_.back().questions; }

  // The indent of a line that continues an expression, starting with `t`.
  int ContinuationIndent(const Token& t) const {
    if (!stack_.empty() && stack_.back().block) {
      return IsCloser(t.kind) ? stack_.back().outer : stack_.back().outer + 2;
    }
    int base = unit_base_;
    for (auto it = stack_.rbegin(); it != stack_.rend(); ++it) {
      if (it->block) {
        base = it->outer + 2;
        break;
      }
    }
    return base + 4;
  }

  void NewLine(int indent, bool blank) {
    if (!out_.empty()) {
      out_ += '\n';
      if (blank && !after_rule_open_) out_ += '\n';
    }
    out_.append(static_cast<size_t>(indent), ' ');
    line_indent_ = indent;
  }

  static bool OperandEnd(const Emitted& p) {
    switch (p.kind) {
      case TokenKind::kIdent: return !p.keyword;
      case TokenKind::kInt:
      case TokenKind::kUint:
      case TokenKind::kDouble:
      case TokenKind::kString:
      case TokenKind::kBytes:
      case TokenKind::kTrue:
      case TokenKind::kFalse:
      case TokenKind::kNull:
      case TokenKind::kRParen:
      case TokenKind::kRBracket:
      case TokenKind::kRBrace:
        return true;
      default:
        return false;
    }
  }

  bool NeedSpace(const Emitted& p, const Token& c, bool c_ternary_colon, bool c_type_angle) const {
    switch (p.kind) {
      case TokenKind::kLParen:
      case TokenKind::kLBracket:
      case TokenKind::kDot:
      case TokenKind::kBang:
      case TokenKind::kAt:
        return false;
      case TokenKind::kLBrace:
        if (p.map_brace) return false;
        break;
      case TokenKind::kMinus:
        if (p.unary) return false;
        break;
      case TokenKind::kLt:
        if (p.type_angle) return false;
        break;
      default:
        break;
    }
    switch (c.kind) {
      case TokenKind::kRParen:
      case TokenKind::kRBracket:
      case TokenKind::kRBrace:
      case TokenKind::kComma:
        return false;
      case TokenKind::kDot:
        return !OperandEnd(p);
      case TokenKind::kColon:
        return c_ternary_colon;
      case TokenKind::kLParen:
        return !(p.kind == TokenKind::kIdent && (!p.keyword || p.call_word));
      case TokenKind::kLBracket:
        return !OperandEnd(p);
      case TokenKind::kLt:
      case TokenKind::kGt:
        return !c_type_angle;
      default:
        return true;
    }
  }

  void EmitComments(const Gap& g, int indent) {
    for (const Comment& cm : g.comments) {
      if (!cm.own_line && !out_.empty()) {
        out_ += ' ';
      } else {
        NewLine(indent, cm.newlines_before >= 2);
      }
      out_ += cm.text;
      after_rule_open_ = false;
    }
  }

  void Step(size_t i) {
    const Token& c = toks_[i];
    const Gap& g = gaps_[i];
    if (c.kind == TokenKind::kEof) {
      EmitComments(g, in_rule_ ? 2 : 0);
      return;
    }
    bool after_dot = i > 0 && toks_[i - 1].kind == TokenKind::kDot;
    bool word = c.kind == TokenKind::kIdent && !c.quoted && !after_dot;
    bool unit_start = false, clause_start = false, rule_open = false, rule_close = false;
    if (!in_rule_) {
      if (stack_.empty()) {
        if (c.kind == TokenKind::kAt) {
          unit_start = true;
        } else if (word && (c.text == "rule" || c.text == "let")) {
          unit_start = true;
        } else if (word && c.first_on_line &&
                   (c.text == "package" || c.text == "param" || c.text == "default")) {
          unit_start = true;
        }
      }
      rule_open = rule_header_ == RuleHeader::kBrace && c.kind == TokenKind::kLBrace;
    } else if (stack_.empty() && c.kind == TokenKind::kRBrace) {
      rule_close = true;
    } else if (word && (IsClauseWord(c.text) ||
                        (IsEffectWord(c.text) && stack_.empty() &&
                         (c.first_on_line || prev_.kind == TokenKind::kLBrace)))) {
      clause_start = true;
    }

    Emitted cur;
    cur.kind = c.kind;
    bool keyword_deny = !in_rule_ && prev_.keyword && prev_text_ == "default" && word;
    cur.keyword = unit_start || clause_start || keyword_deny;
    cur.call_word = clause_start && c.text == "require_approval";

    if (unit_start) {
      stack_.clear();
      top_questions_ = 0;
      unit_base_ = 0;
      param_ = c.text == "param" ? ParamState::kName : ParamState::kNone;
      if (c.kind == TokenKind::kIdent && c.text == "rule") rule_header_ = RuleHeader::kName;
    } else if (clause_start) {
      stack_.clear();
      top_questions_ = 0;
      unit_base_ = 2;
    }

    // Colons and angles: what they mean decides their spacing.
    bool ternary_colon = false, type_angle = false;
    if (c.kind == TokenKind::kColon) {
      if (param_ == ParamState::kColon) {
        param_ = ParamState::kType;
      } else if (Questions() > 0) {
        --Questions();
        ternary_colon = true;
      }
    } else if (c.kind == TokenKind::kQuestion) {
      ++Questions();
    } else if ((c.kind == TokenKind::kLt || c.kind == TokenKind::kGt) && param_ == ParamState::kType) {
      type_angle = true;
    }
    cur.type_angle = type_angle;
    cur.unary = c.kind == TokenKind::kMinus && !OperandEnd(prev_);
    cur.map_brace = c.kind == TokenKind::kLBrace && !rule_open;

    // Line breaks: forced at declarations and clauses, kept as written
    // inside expressions.
    bool newline = false;
    int indent = 0;
    if (unit_start) {
      newline = true;
    } else if (clause_start) {
      newline = true;
      indent = 2;
    } else if (rule_close) {
      newline = true;
    } else if (rule_open) {
      newline = !g.comments.empty();
      indent = 4;
    } else if (c.first_on_line) {
      newline = true;
      indent = ContinuationIndent(c);
    }
    if (out_.empty() && g.comments.empty()) newline = true;  // the first line

    // Comments before a closer belong to the block it closes.
    int comment_indent = indent;
    if (rule_close) {
      comment_indent = 2;
    } else if (IsCloser(c.kind) && !stack_.empty() && stack_.back().block && newline) {
      comment_indent = stack_.back().outer + 2;
    }
    EmitComments(g, comment_indent);
    if (newline) {
      NewLine(indent, g.newlines_before >= 2 && !rule_close);
    } else if (NeedSpace(prev_, c, ternary_colon, type_angle)) {
      out_ += ' ';
    }
    out_.append(src_.data() + c.offset, c.length);
    after_rule_open_ = false;

    // State after the token.
    if (rule_open) {
      in_rule_ = true;
      rule_header_ = RuleHeader::kNone;
      after_rule_open_ = true;
    } else if (rule_close) {
      in_rule_ = false;
      unit_base_ = 0;
    } else if (IsOpener(c.kind)) {
      bool block = i + 1 < toks_.size() && toks_[i + 1].kind != TokenKind::kEof && toks_[i + 1].first_on_line;
      stack_.push_back(Frame{block, line_indent_, 0});
    } else if (IsCloser(c.kind)) {
      if (!stack_.empty()) stack_.pop_back();
    }
    if (rule_header_ == RuleHeader::kName && !unit_start && c.kind == TokenKind::kIdent) {
      rule_header_ = RuleHeader::kBrace;
    }
    if (param_ == ParamState::kName && !unit_start && c.kind == TokenKind::kIdent) {
      param_ = ParamState::kColon;
    } else if (param_ == ParamState::kType && c.kind == TokenKind::kAssign) {
      param_ = ParamState::kNone;
    }
    prev_ = cur;
    prev_text_ = c.kind == TokenKind::kIdent ? c.text : std::string();
  }

  std::string_view src_;
  std::vector<Token> toks_;
  std::vector<Gap> gaps_;
  std::string out_;
  int line_indent_ = 0;
  int unit_base_ = 0;
  std::vector<Frame> stack_;
  int top_questions_ = 0;
  bool in_rule_ = false;
  bool after_rule_open_ = false;
  RuleHeader rule_header_ = RuleHeader::kNone;
  ParamState param_ = ParamState::kNone;
  Emitted prev_;
  std::string prev_text_;
};

// ---------------------------------------------------------------------------
// The offset-free dump.

void DumpExpr(const Expr* e, std::string* out) {
  if (e == nullptr) {
    *out += "_";
    return;
  }
  switch (e->kind) {
    case ExprKind::kLiteral:
      absl::StrAppend(out, "lit(", e->literal.DebugString(), ")");
      return;
    case ExprKind::kIdent:
      absl::StrAppend(out, "id(", e->name, ")");
      return;
    case ExprKind::kSelect:
      *out += e->test_only ? "has(" : "sel(";
      DumpExpr(e->target.get(), out);
      absl::StrAppend(out, " . ", e->name, ")");
      return;
    case ExprKind::kCall:
      absl::StrAppend(out, "call(", e->name, " ");
      DumpExpr(e->target.get(), out);
      break;
    case ExprKind::kList:
      *out += "list(";
      break;
    case ExprKind::kMap:
      *out += "map(";
      break;
    case ExprKind::kComprehension:
      absl::StrAppend(out, "macro(", static_cast<int>(e->macro), " ", e->iter_var, " ", e->iter_var2, " ");
      DumpExpr(e->target.get(), out);
      break;
  }
  for (const auto& a : e->args) {
    *out += ", ";
    DumpExpr(a.get(), out);
  }
  *out += ")";
}

void DumpLet(const LetDecl& l, std::string* out) {
  absl::StrAppend(out, "  let ", l.name, " doc=[", l.doc, "] = ");
  DumpExpr(l.value.get(), out);
  *out += "\n";
}

}  // namespace

std::string DumpPolicyAst(const PolicyFile& f) {
  std::string out;
  absl::StrAppend(&out, "package ", f.package, " default_deny=", f.default_deny, " doc=[", f.doc, "]\n");
  for (const ParamDecl& p : f.params) {
    absl::StrAppend(&out, "param ", p.name, ": ", p.type.ToString(), " doc=[", p.doc, "] = ");
    DumpExpr(p.default_value.get(), &out);
    out += "\n";
  }
  for (const LetDecl& l : f.lets) DumpLet(l, &out);
  for (const RuleDecl& r : f.rules) {
    absl::StrAppend(&out, "rule ", r.name, " ", EffectName(r.effect), " doc=[", r.doc, "]\n");
    for (const Annotation& a : r.annotations) {
      absl::StrAppend(&out, "  @", a.name, "(", absl::StrJoin(a.args, "|"), ")\n");
    }
    absl::StrAppend(&out, "  approvers ", absl::StrJoin(r.approvers, "|"), " params");
    for (const auto& [name, offset] : r.approver_params) absl::StrAppend(&out, " ", name);
    absl::StrAppend(&out, "\n  for ", r.iter_var, " in ");
    DumpExpr(r.iter_range.get(), &out);
    out += "\n";
    for (const LetDecl& l : r.lets) DumpLet(l, &out);
    out += "  when ";
    DumpExpr(r.when.get(), &out);
    out += "\n  unless ";
    DumpExpr(r.unless.get(), &out);
    absl::StrAppend(&out, "\n  message ", r.has_message, ":");
    for (const MessagePart& m : r.message) {
      if (m.expr) {
        out += " {";
        DumpExpr(m.expr.get(), &out);
        out += "}";
      } else {
        absl::StrAppend(&out, " [", m.text, "]");
      }
    }
    out += "\n";
  }
  return out;
}

absl::StatusOr<std::string> FormatPolicy(std::shared_ptr<const SourceFile> file, Diagnostics& diags) {
  size_t before = diags.size();
  PolicyFile original = ParsePolicy(file, diags);
  if (diags.size() != before) {
    return absl::InvalidArgumentError(absl::StrCat(file->name(), ": does not parse"));
  }
  Diagnostics lex_diags;
  LexResult lex = Lex(*file, lex_diags);
  std::string text = Formatter(*file, std::move(lex.tokens)).Run();

  // The formatted text must mean what the original meant.
  auto formatted = std::make_shared<SourceFile>(file->name(), text);
  Diagnostics check;
  PolicyFile again = ParsePolicy(formatted, check);
  if (!check.empty()) {
    return absl::InternalError(absl::StrCat(file->name(), ": the formatted text does not parse (a formatter bug):\n",
                                            check.Format()));
  }
  if (DumpPolicyAst(again) != DumpPolicyAst(original)) {
    return absl::InternalError(
        absl::StrCat(file->name(), ": formatting would change the policy's meaning (a formatter bug)"));
  }
  return text;
}

}  // namespace gavel
