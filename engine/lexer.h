// The lexer of the policy language: CEL's tokens plus `@` and `=`, with
// literal values decoded (escapes, integer ranges, UTF-8 checks). Policy
// keywords (`rule`, `when`, ...) are ordinary identifiers here; the parser
// gives them meaning by context. Comments are skipped; `///` doc comments
// that start a line are kept on the side and attached to the next token.
#ifndef GAVEL_ENGINE_LEXER_H_
#define GAVEL_ENGINE_LEXER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/source.h"

namespace gavel {

enum class TokenKind : uint8_t {
  kEof,
  kError,  // a character the language does not use (already reported)
  kIdent,
  kInt,
  kUint,
  kDouble,
  kString,
  kBytes,
  kTrue,
  kFalse,
  kNull,
  kIn,
  kLParen,
  kRParen,
  kLBracket,
  kRBracket,
  kLBrace,
  kRBrace,
  kComma,
  kDot,
  kColon,
  kQuestion,
  kAt,
  kAssign,  // =
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kPercent,
  kBang,
  kEqEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAndAnd,
  kOrOr,
};

// A short description for messages: "identifier", "`(`", "string literal".
const char* TokenKindName(TokenKind kind);

struct EscapeError {
  uint32_t offset = 0;  // of the backslash, in the SourceFile
  uint32_t length = 1;
  std::string message;  // "invalid escape sequence `\\q`"
};

struct Token {
  TokenKind kind = TokenKind::kEof;
  uint32_t offset = 0;  // byte offset in the SourceFile
  uint32_t length = 0;  // bytes of source text (0 for kEof)
  bool first_on_line = false;  // nothing but whitespace/comments before it on its line

  // kIdent: the name. kString: the decoded UTF-8 text. kBytes: the raw bytes.
  std::string text;
  bool quoted = false;      // kIdent written in backticks: `content-type` (a field name only)
  int64_t int_value = 0;    // kInt
  uint64_t uint_value = 0;  // kUint
  double double_value = 0;  // kDouble
  // kInt: the literal is exactly 2^63 (int_value holds INT64_MIN); it is
  // valid only right after a unary minus, which the parser checks.
  bool int_min_magnitude = false;

  // kString/kBytes: the shape of the literal, so the parser can re-read the
  // raw text (message interpolation).
  bool raw = false;        // r"..."
  bool triple = false;     // """...""" or '''...'''
  uint8_t prefix_len = 0;  // bytes of r/b/rb prefix
  char quote = 0;          // ' or "
  bool terminated = true;  // false: unterminated (already reported)
  // kString/kBytes: an invalid escape sequence. Not reported by the lexer:
  // the parser reports it where the literal is used as a value (a message
  // string is decoded piecewise instead, around its `{expr}` parts).
  std::optional<EscapeError> escape_error;

  // `///` comments directly before this token: [doc_begin, doc_end) of
  // LexResult::docs.
  uint32_t doc_begin = 0;
  uint32_t doc_end = 0;

  uint32_t end() const { return offset + length; }
  // The byte range of a string literal's contents, between the quotes.
  uint32_t content_begin() const { return offset + prefix_len + (triple ? 3 : 1); }
  uint32_t content_end() const {
    if (!terminated) return offset + length;
    return offset + length - (triple ? 3 : 1);
  }
};

struct DocComment {
  uint32_t offset = 0;
  std::string text;  // after `///` and one optional space
};

struct LexResult {
  std::vector<Token> tokens;  // always ends with kEof
  std::vector<DocComment> docs;
};

// Tokenizes bytes [begin, end) of `file` (offsets stay absolute). Errors
// (bad characters, unterminated strings, invalid escapes, out-of-range
// numbers) go to `diags`; the lexer always produces a token stream.
LexResult Lex(const SourceFile& file, uint32_t begin, uint32_t end, Diagnostics& diags);
inline LexResult Lex(const SourceFile& file, Diagnostics& diags) {
  return Lex(file, 0, static_cast<uint32_t>(file.text().size()), diags);
}

// Decodes the escape sequences of a (non-raw) string or bytes literal body.
// `text` starts at byte `offset` of its file (for error locations). For
// strings the result is UTF-8; for bytes, \x and octal escapes are single
// bytes and \u/\U are invalid. On an invalid escape, returns false and
// fills `*error` (to be reported with codes::kInvalidLiteral).
bool DecodeEscapes(std::string_view text, uint32_t offset, bool bytes, std::string* out,
                   EscapeError* error);

// True for identifiers CEL reserves (`for`, `let`, `package`, ...).
bool IsReservedWord(std::string_view word);

// True when `s` is valid UTF-8 (no surrogates, no overlongs, <= U+10FFFF).
bool IsValidUtf8(std::string_view s);

}  // namespace gavel

#endif  // GAVEL_ENGINE_LEXER_H_
