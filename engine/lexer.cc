// The lexer: bytes to tokens, with literal values decoded.
#include "engine/lexer.h"

#include <charconv>
#include <cstdlib>
#include <cmath>
#include <cstdint>
#include <limits>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gavel {
namespace {

// absl::StrCat takes absl::string_view, which is not std::string_view here.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not valid.
size_t Utf8SeqLen(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  size_t n;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// `c` for messages: printable ASCII as is, anything else as \xNN.
std::string ShowChar(std::string_view s, size_t i) {
  size_t n = Utf8SeqLen(s, i);
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (n > 1) return std::string(s.substr(i, n));
  if (c >= 0x20 && c < 0x7F) return std::string(1, static_cast<char>(c));
  return absl::StrFormat("\\x%02x", c);
}

class LexerImpl {
 public:
  LexerImpl(const SourceFile& file, uint32_t begin, uint32_t end, Diagnostics& diags)
      : file_(file), src_(file.text()), pos_(begin), end_(end), diags_(diags) {
    if (end_ > src_.size()) end_ = static_cast<uint32_t>(src_.size());
    if (pos_ > end_) pos_ = end_;
  }

  LexResult Run() {
    bool line_start = true;
    for (;;) {
      // Whitespace and comments.
      while (pos_ < end_) {
        char c = src_[pos_];
        if (c == '\n') {
          line_start = true;
          ++pos_;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
          ++pos_;
        } else if (c == '/' && Peek(1) == '/') {
          uint32_t start = pos_;
          bool bad_comment = false;
          while (pos_ < end_ && src_[pos_] != '\n') {
            // Comments are text too (doc comments end up in `gavel doc`): UTF-8.
            const size_t n = static_cast<unsigned char>(src_[pos_]) < 0x80 ? 1 : Utf8SeqLen(src_, pos_);
            if (n == 0) {
              if (!bad_comment) Error(pos_, "invalid UTF-8 in a comment", 1, codes::kSyntax);
              bad_comment = true;  // once per comment
              ++pos_;
            } else {
              pos_ += static_cast<uint32_t>(n);
            }
          }
          if (line_start && pos_ - start >= 3 && src_[start + 2] == '/' &&
              (pos_ - start == 3 || src_[start + 3] != '/')) {
            std::string_view body(src_.data() + start + 3, pos_ - start - 3);
            if (!body.empty() && body.front() == ' ') body.remove_prefix(1);
            if (!body.empty() && body.back() == '\r') body.remove_suffix(1);
            result_.docs.push_back(DocComment{start, std::string(body)});
          }
        } else {
          break;
        }
      }
      Token tok;
      tok.offset = pos_;
      tok.first_on_line = line_start;
      line_start = false;
      tok.doc_begin = doc_mark_;
      tok.doc_end = static_cast<uint32_t>(result_.docs.size());
      doc_mark_ = tok.doc_end;
      if (pos_ >= end_) {
        tok.kind = TokenKind::kEof;
        result_.tokens.push_back(std::move(tok));
        break;
      }
      LexToken(tok);
      tok.length = pos_ - tok.offset;
      result_.tokens.push_back(std::move(tok));
    }
    return std::move(result_);
  }

 private:
  char Peek(uint32_t k) const { return pos_ + k < end_ ? src_[pos_ + k] : '\0'; }

  void Error(uint32_t offset, std::string msg, uint32_t length = 1,
             const char* code = codes::kSyntax) {
    diags_.Add(Location{&file_, offset}, code, std::move(msg), length);
  }

  void LexToken(Token& tok) {
    char c = src_[pos_];
    if (IsIdentStart(c)) {
      uint32_t start = pos_;
      while (pos_ < end_ && IsIdentChar(src_[pos_])) ++pos_;
      std::string_view word(src_.data() + start, pos_ - start);
      char next = pos_ < end_ ? src_[pos_] : '\0';
      if ((next == '"' || next == '\'') && word.size() <= 2) {
        bool raw = false, bytes = false, ok = true;
        for (char p : word) {
          if ((p == 'r' || p == 'R') && !raw) {
            raw = true;
          } else if ((p == 'b' || p == 'B') && !bytes) {
            bytes = true;
          } else {
            ok = false;
          }
        }
        if (ok) {
          LexString(tok, static_cast<uint8_t>(word.size()), raw, bytes);
          return;
        }
      }
      if (word == "true") {
        tok.kind = TokenKind::kTrue;
      } else if (word == "false") {
        tok.kind = TokenKind::kFalse;
      } else if (word == "null") {
        tok.kind = TokenKind::kNull;
      } else if (word == "in") {
        tok.kind = TokenKind::kIn;
      } else {
        tok.kind = TokenKind::kIdent;
        tok.text = std::string(word);
      }
      return;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(Peek(1)))) {
      LexNumber(tok);
      return;
    }
    if (c == '"' || c == '\'') {
      LexString(tok, 0, false, false);
      return;
    }
    auto op = [&](TokenKind k, uint32_t n) {
      tok.kind = k;
      pos_ += n;
    };
    char n1 = Peek(1);
    switch (c) {
      case '(': return op(TokenKind::kLParen, 1);
      case ')': return op(TokenKind::kRParen, 1);
      case '[': return op(TokenKind::kLBracket, 1);
      case ']': return op(TokenKind::kRBracket, 1);
      case '{': return op(TokenKind::kLBrace, 1);
      case '}': return op(TokenKind::kRBrace, 1);
      case ',': return op(TokenKind::kComma, 1);
      case '.': return op(TokenKind::kDot, 1);
      case ':': return op(TokenKind::kColon, 1);
      case '?': return op(TokenKind::kQuestion, 1);
      case '@': return op(TokenKind::kAt, 1);
      case '+': return op(TokenKind::kPlus, 1);
      case '-': return op(TokenKind::kMinus, 1);
      case '*': return op(TokenKind::kStar, 1);
      case '/': return op(TokenKind::kSlash, 1);
      case '%': return op(TokenKind::kPercent, 1);
      case '=': return n1 == '=' ? op(TokenKind::kEqEq, 2) : op(TokenKind::kAssign, 1);
      case '!': return n1 == '=' ? op(TokenKind::kNe, 2) : op(TokenKind::kBang, 1);
      case '<': return n1 == '=' ? op(TokenKind::kLe, 2) : op(TokenKind::kLt, 1);
      case '>': return n1 == '=' ? op(TokenKind::kGe, 2) : op(TokenKind::kGt, 1);
      case '`': {
        // A quoted field name: `content-type`, `foo.txt` (CEL 0.x: letters,
        // digits, `_`, `.`, `-`, `/` and spaces).
        uint32_t start = pos_ + 1, p = start;
        while (p < end_ && src_[p] != '`' && src_[p] != '\n') ++p;
        if (p >= end_ || src_[p] != '`' || p == start) {
          Error(pos_, "unterminated or empty quoted identifier");
          return op(TokenKind::kError, 1);
        }
        tok.kind = TokenKind::kIdent;
        tok.text = std::string(src_.data() + start, p - start);
        tok.quoted = true;
        pos_ = p + 1;
        return;
      }
      case '&':
        if (n1 == '&') return op(TokenKind::kAndAnd, 2);
        Error(pos_, "unexpected character `&`; did you mean `&&`?");
        return op(TokenKind::kError, 1);
      case '|':
        if (n1 == '|') return op(TokenKind::kOrOr, 2);
        Error(pos_, "unexpected character `|`; did you mean `||`?");
        return op(TokenKind::kError, 1);
      default:
        break;
    }
    // Anything else: one error per character (a whole UTF-8 sequence).
    size_t n = Utf8SeqLen(std::string_view(src_.data(), end_), pos_);
    if (n == 0) n = 1;
    Error(pos_, absl::StrCat("unexpected character `", ShowChar(std::string_view(src_.data(), end_), pos_), "`"),
          static_cast<uint32_t>(n));
    op(TokenKind::kError, static_cast<uint32_t>(n));
  }

  void LexNumber(Token& tok) {
    uint32_t start = pos_;
    if (src_[pos_] == '0' && (Peek(1) == 'x' || Peek(1) == 'X')) {
      pos_ += 2;
      uint32_t digits = pos_;
      while (pos_ < end_ && IsHexDigit(src_[pos_])) ++pos_;
      if (pos_ == digits) {
        Error(start, "expected hexadecimal digits after `0x`", 2, codes::kInvalidLiteral);
        tok.kind = TokenKind::kInt;
        return;
      }
      FinishInt(tok, start, std::string_view(src_.data() + digits, pos_ - digits), 16);
      return;
    }
    bool is_double = false;
    while (pos_ < end_ && IsDigit(src_[pos_])) ++pos_;
    uint32_t int_end = pos_;
    if (Peek(0) == '.' && IsDigit(Peek(1))) {
      is_double = true;
      ++pos_;
      while (pos_ < end_ && IsDigit(src_[pos_])) ++pos_;
    }
    if (Peek(0) == 'e' || Peek(0) == 'E') {
      uint32_t k = 1;
      if (Peek(1) == '+' || Peek(1) == '-') k = 2;
      if (IsDigit(Peek(k))) {
        is_double = true;
        pos_ += k;
        while (pos_ < end_ && IsDigit(src_[pos_])) ++pos_;
      }
    }
    if (!is_double) {
      FinishInt(tok, start, std::string_view(src_.data() + start, int_end - start), 10);
      return;
    }
    tok.kind = TokenKind::kDouble;
    std::string_view text(src_.data() + start, pos_ - start);
    double d = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
    if (ec == std::errc::result_out_of_range) {
      // from_chars reports underflow and overflow alike; underflow to zero is
      // harmless, overflow is not a usable literal.
      std::string copy(text);
      double v = std::strtod(copy.c_str(), nullptr);
      if (std::isinf(v)) {
        Error(start, absl::StrCat("double literal `", AV(text), "` is out of range"),
              static_cast<uint32_t>(text.size()), codes::kInvalidLiteral);
        v = 0;
      }
      d = v;
    } else if (ec != std::errc() || ptr != text.data() + text.size()) {
      Error(start, absl::StrCat("invalid double literal `", AV(text), "`"),
            static_cast<uint32_t>(text.size()), codes::kInvalidLiteral);
      d = 0;
    }
    tok.double_value = d;
  }

  void FinishInt(Token& tok, uint32_t start, std::string_view digits, int base) {
    bool is_uint = false;
    if (Peek(0) == 'u' || Peek(0) == 'U') {
      is_uint = true;
      ++pos_;
    }
    std::string_view text(src_.data() + start, pos_ - start);
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
    bool overflow = ec != std::errc() || ptr != digits.data() + digits.size();
    if (is_uint) {
      tok.kind = TokenKind::kUint;
      if (overflow) {
        Error(start, absl::StrCat("unsigned integer literal `", AV(text), "` is out of range"),
              static_cast<uint32_t>(text.size()), codes::kInvalidLiteral);
        v = 0;
      }
      tok.uint_value = v;
      return;
    }
    tok.kind = TokenKind::kInt;
    constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!overflow && v == kMax + 1) {
      tok.int_min_magnitude = true;
      tok.int_value = std::numeric_limits<int64_t>::min();
      return;
    }
    if (overflow || v > kMax) {
      Error(start, absl::StrCat("integer literal `", AV(text), "` is out of range"),
            static_cast<uint32_t>(text.size()), codes::kInvalidLiteral);
      v = 0;
    }
    tok.int_value = static_cast<int64_t>(v);
  }

  void LexString(Token& tok, uint8_t prefix_len, bool raw, bool bytes) {
    uint32_t start = pos_ - prefix_len;
    tok.offset = start;
    char q = src_[pos_];
    tok.kind = bytes ? TokenKind::kBytes : TokenKind::kString;
    tok.raw = raw;
    tok.quote = q;
    tok.prefix_len = prefix_len;
    tok.triple = Peek(1) == q && Peek(2) == q;
    pos_ += tok.triple ? 3 : 1;
    uint32_t content = pos_;
    uint32_t content_end = 0;
    bool terminated = false;
    while (pos_ < end_) {
      char c = src_[pos_];
      if (tok.triple) {
        if (c == q && Peek(1) == q && Peek(2) == q) {
          content_end = pos_;
          pos_ += 3;
          terminated = true;
          break;
        }
        if (c == '\\' && !raw && pos_ + 1 < end_) {
          pos_ += 2;
          continue;
        }
        ++pos_;
      } else {
        if (c == q) {
          content_end = pos_;
          ++pos_;
          terminated = true;
          break;
        }
        if (c == '\n' || c == '\r') break;
        if (c == '\\' && !raw && pos_ + 1 < end_ && src_[pos_ + 1] != '\n' &&
            src_[pos_ + 1] != '\r') {
          pos_ += 2;
          continue;
        }
        ++pos_;
      }
    }
    if (!terminated) {
      tok.terminated = false;
      Error(start, bytes ? "unterminated bytes literal" : "unterminated string literal",
            pos_ - start);
      return;
    }
    std::string_view body(src_.data() + content, content_end - content);
    if (!IsValidUtf8(body)) {
      // Point at the first bad byte.
      size_t i = 0;
      while (i < body.size()) {
        size_t n = Utf8SeqLen(body, i);
        if (n == 0) break;
        i += n;
      }
      Error(content + static_cast<uint32_t>(i),
            bytes ? "invalid UTF-8 in bytes literal" : "invalid UTF-8 in string literal", 1,
            codes::kInvalidLiteral);
      return;
    }
    if (raw) {
      tok.text = std::string(body);
      return;
    }
    std::string out;
    EscapeError err;
    if (DecodeEscapes(body, content, bytes, &out, &err)) {
      tok.text = std::move(out);
    } else {
      tok.escape_error = std::move(err);
    }
  }

  const SourceFile& file_;
  const std::string& src_;
  uint32_t pos_;
  uint32_t end_;
  Diagnostics& diags_;
  LexResult result_;
  uint32_t doc_mark_ = 0;
};

}  // namespace

const char* TokenKindName(TokenKind kind) {
  switch (kind) {
    case TokenKind::kEof: return "end of input";
    case TokenKind::kError: return "invalid character";
    case TokenKind::kIdent: return "identifier";
    case TokenKind::kInt: return "integer literal";
    case TokenKind::kUint: return "unsigned integer literal";
    case TokenKind::kDouble: return "double literal";
    case TokenKind::kString: return "string literal";
    case TokenKind::kBytes: return "bytes literal";
    case TokenKind::kTrue: return "`true`";
    case TokenKind::kFalse: return "`false`";
    case TokenKind::kNull: return "`null`";
    case TokenKind::kIn: return "`in`";
    case TokenKind::kLParen: return "`(`";
    case TokenKind::kRParen: return "`)`";
    case TokenKind::kLBracket: return "`[`";
    case TokenKind::kRBracket: return "`]`";
    case TokenKind::kLBrace: return "`{`";
    case TokenKind::kRBrace: return "`}`";
    case TokenKind::kComma: return "`,`";
    case TokenKind::kDot: return "`.`";
    case TokenKind::kColon: return "`:`";
    case TokenKind::kQuestion: return "`?`";
    case TokenKind::kAt: return "`@`";
    case TokenKind::kAssign: return "`=`";
    case TokenKind::kPlus: return "`+`";
    case TokenKind::kMinus: return "`-`";
    case TokenKind::kStar: return "`*`";
    case TokenKind::kSlash: return "`/`";
    case TokenKind::kPercent: return "`%`";
    case TokenKind::kBang: return "`!`";
    case TokenKind::kEqEq: return "`==`";
    case TokenKind::kNe: return "`!=`";
    case TokenKind::kLt: return "`<`";
    case TokenKind::kLe: return "`<=`";
    case TokenKind::kGt: return "`>`";
    case TokenKind::kGe: return "`>=`";
    case TokenKind::kAndAnd: return "`&&`";
    case TokenKind::kOrOr: return "`||`";
  }
  return "?";
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t n = Utf8SeqLen(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool IsReservedWord(std::string_view w) {
  static constexpr std::string_view kWords[] = {
      "as",  "break",  "const",     "continue", "else", "for",  "function", "if",    "import",
      "let", "loop",   "package",   "namespace", "return", "var", "void",   "while"};
  for (auto k : kWords) {
    if (k == w) return true;
  }
  return false;
}

bool DecodeEscapes(std::string_view s, uint32_t offset, bool bytes, std::string* out,
                   EscapeError* error) {
  out->clear();
  out->reserve(s.size());
  auto fail = [&](size_t at, size_t len, std::string msg) {
    error->offset = offset + static_cast<uint32_t>(at);
    error->length = static_cast<uint32_t>(len);
    error->message = std::move(msg);
    return false;
  };
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c != '\\') {
      out->push_back(c);
      ++i;
      continue;
    }
    if (i + 1 >= s.size()) return fail(i, 1, "invalid escape sequence `\\` at the end of the literal");
    char e = s[i + 1];
    switch (e) {
      case 'a': out->push_back('\a'); i += 2; continue;
      case 'b': out->push_back('\b'); i += 2; continue;
      case 'f': out->push_back('\f'); i += 2; continue;
      case 'n': out->push_back('\n'); i += 2; continue;
      case 'r': out->push_back('\r'); i += 2; continue;
      case 't': out->push_back('\t'); i += 2; continue;
      case 'v': out->push_back('\v'); i += 2; continue;
      case '\\': case '\'': case '"': case '`': case '?':
        out->push_back(e);
        i += 2;
        continue;
      default:
        break;
    }
    if (e == 'x' || e == 'X' || e == 'u' || e == 'U') {
      size_t n = (e == 'x' || e == 'X') ? 2 : (e == 'u' ? 4 : 8);
      size_t k = 0;
      uint32_t cp = 0;
      while (k < n && i + 2 + k < s.size() && IsHexDigit(s[i + 2 + k])) {
        cp = (cp << 4) | static_cast<uint32_t>(HexValue(s[i + 2 + k]));
        ++k;
      }
      std::string_view seq = s.substr(i, 2 + k);
      if (k < n) {
        return fail(i, seq.size(),
                    absl::StrCat("invalid escape sequence `", AV(seq), "`: expected ", n,
                                 " hexadecimal digits"));
      }
      if (n == 2) {
        if (bytes) {
          out->push_back(static_cast<char>(cp));
        } else {
          AppendUtf8(cp, out);
        }
      } else {
        if (bytes) {
          return fail(i, seq.size(),
                      absl::StrCat("escape sequence `", AV(seq), "` is not allowed in a bytes literal"));
        }
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
          return fail(i, seq.size(),
                      absl::StrCat("escape sequence `", AV(seq), "` is not a valid unicode code point"));
        }
        AppendUtf8(cp, out);
      }
      i += 2 + n;
      continue;
    }
    if (e >= '0' && e <= '3') {
      if (i + 3 < s.size() && s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' &&
          s[i + 3] <= '7') {
        uint32_t v = static_cast<uint32_t>((e - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
        if (bytes) {
          out->push_back(static_cast<char>(v));
        } else {
          AppendUtf8(v, out);
        }
        i += 4;
        continue;
      }
      size_t len = 2;
      while (len < 4 && i + len < s.size() && IsDigit(s[i + len])) ++len;
      return fail(i, len,
                  absl::StrCat("invalid escape sequence `", AV(s.substr(i, len)),
                               "`: expected three octal digits"));
    }
    size_t n = Utf8SeqLen(s, i + 1);
    if (n == 0) n = 1;
    return fail(i, 1 + n, absl::StrCat("invalid escape sequence `\\", ShowChar(s, i + 1), "`"));
  }
  return true;
}

LexResult Lex(const SourceFile& file, uint32_t begin, uint32_t end, Diagnostics& diags) {
  return LexerImpl(file, begin, end, diags).Run();
}

}  // namespace gavel
