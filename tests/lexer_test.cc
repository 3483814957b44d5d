// Tests of the lexer: token kinds, literal decoding, comments, errors.
#include "engine/lexer.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gavel {
namespace {

struct Lexed {
  SourceFile file;
  Diagnostics diags;
  LexResult result;
  explicit Lexed(std::string text) : file("t.gavel", std::move(text)) {
    result = Lex(file, diags);
  }
  const std::vector<Token>& tokens() const { return result.tokens; }
  const Token& tok(size_t i) const { return result.tokens.at(i); }
  // "line:col: code: message" of every diagnostic.
  std::vector<std::string> errors() const {
    std::vector<std::string> out;
    for (const auto& d : diags.items()) {
      out.push_back(std::to_string(d.location.line()) + ":" + std::to_string(d.location.column()) +
                    ": " + d.code + ": " + d.message);
    }
    return out;
  }
};

std::vector<TokenKind> Kinds(const std::string& text) {
  Lexed l(text);
  std::vector<TokenKind> out;
  for (const auto& t : l.tokens()) out.push_back(t.kind);
  return out;
}

// Lexes one literal and checks it is exactly one token with no errors.
Token One(const std::string& text) {
  Lexed l(text);
  INFO(text);
  REQUIRE(l.errors().empty());
  REQUIRE(l.tokens().size() == 2);
  CHECK(l.tok(0).offset == 0);
  CHECK(l.tok(0).length == text.size());
  return l.tok(0);
}

std::string StringValue(const std::string& text) {
  Token t = One(text);
  INFO(text);
  REQUIRE(t.kind == TokenKind::kString);
  REQUIRE_FALSE(t.escape_error.has_value());
  return t.text;
}

std::string BytesValue(const std::string& text) {
  Token t = One(text);
  INFO(text);
  REQUIRE(t.kind == TokenKind::kBytes);
  REQUIRE_FALSE(t.escape_error.has_value());
  return t.text;
}

// The deferred escape error of a single string/bytes token.
std::string EscapeErrorOf(const std::string& text, uint32_t* offset = nullptr) {
  Lexed l(text);
  INFO(text);
  REQUIRE(l.errors().empty());
  REQUIRE(l.tokens().size() == 2);
  REQUIRE(l.tok(0).escape_error.has_value());
  if (offset) *offset = l.tok(0).escape_error->offset;
  return l.tok(0).escape_error->message;
}

using K = TokenKind;

TEST_CASE("lexer: punctuation and operators", "[lexer]") {
  CHECK(Kinds("( ) [ ] { } , . : ? @ = + - * / % ! == != < <= > >= && ||") ==
        std::vector<K>{K::kLParen, K::kRParen, K::kLBracket, K::kRBracket, K::kLBrace,
                       K::kRBrace, K::kComma,  K::kDot,      K::kColon,    K::kQuestion,
                       K::kAt,     K::kAssign, K::kPlus,     K::kMinus,    K::kStar,
                       K::kSlash,  K::kPercent, K::kBang,    K::kEqEq,     K::kNe,
                       K::kLt,     K::kLe,     K::kGt,       K::kGe,       K::kAndAnd,
                       K::kOrOr,   K::kEof});
  // No spaces needed.
  CHECK(Kinds("a<=b!=c") == std::vector<K>{K::kIdent, K::kLe, K::kIdent, K::kNe, K::kIdent, K::kEof});
  CHECK(Kinds("!!a") == std::vector<K>{K::kBang, K::kBang, K::kIdent, K::kEof});
  CHECK(Kinds("") == std::vector<K>{K::kEof});
  CHECK(Kinds("   \n\t\r\f  ") == std::vector<K>{K::kEof});
}

TEST_CASE("lexer: identifiers and keywords", "[lexer]") {
  Lexed l("foo _bar baz9 true false null in rule when for");
  std::vector<K> kinds;
  for (const auto& t : l.tokens()) kinds.push_back(t.kind);
  CHECK(kinds == std::vector<K>{K::kIdent, K::kIdent, K::kIdent, K::kTrue, K::kFalse, K::kNull,
                                K::kIn, K::kIdent, K::kIdent, K::kIdent, K::kEof});
  CHECK(l.tok(0).text == "foo");
  CHECK(l.tok(1).text == "_bar");
  CHECK(l.tok(2).text == "baz9");
  CHECK(l.tok(7).text == "rule");
  CHECK(l.tok(2).offset == 9);
  CHECK(l.tok(2).length == 4);
  // Prefix letters are identifiers unless a quote follows.
  CHECK(Kinds("r b rb br rx") ==
        std::vector<K>{K::kIdent, K::kIdent, K::kIdent, K::kIdent, K::kIdent, K::kEof});
  CHECK(Kinds("rr'x'") == std::vector<K>{K::kIdent, K::kString, K::kEof});
  CHECK(IsReservedWord("for"));
  CHECK(IsReservedWord("namespace"));
  CHECK_FALSE(IsReservedWord("when"));
  CHECK_FALSE(IsReservedWord("in"));  // an operator token, not an identifier
}

TEST_CASE("lexer: integer literals", "[lexer]") {
  Token t = One("0");
  CHECK(t.kind == K::kInt);
  CHECK(t.int_value == 0);
  CHECK(One("42").int_value == 42);
  CHECK(One("007").int_value == 7);
  CHECK(One("0x1F").int_value == 31);
  CHECK(One("0XfF").int_value == 255);
  CHECK(One("9223372036854775807").int_value == std::numeric_limits<int64_t>::max());
  t = One("42u");
  CHECK(t.kind == K::kUint);
  CHECK(t.uint_value == 42);
  CHECK(One("42U").kind == K::kUint);
  CHECK(One("0x10u").uint_value == 16);
  CHECK(One("18446744073709551615u").uint_value == std::numeric_limits<uint64_t>::max());
  CHECK(One("0xFFFFFFFFFFFFFFFFu").uint_value == std::numeric_limits<uint64_t>::max());
  // 2^63: flagged for the parser, which accepts it only after a minus.
  t = One("9223372036854775808");
  CHECK(t.kind == K::kInt);
  CHECK(t.int_min_magnitude);
  CHECK(t.int_value == std::numeric_limits<int64_t>::min());
  CHECK(One("0x8000000000000000").int_min_magnitude);
}

TEST_CASE("lexer: integer literals out of range", "[lexer]") {
  CHECK(Lexed("9223372036854775809").errors() ==
        std::vector<std::string>{
            "1:1: invalid_literal: integer literal `9223372036854775809` is out of range"});
  CHECK(Lexed("x + 99999999999999999999").errors() ==
        std::vector<std::string>{
            "1:5: invalid_literal: integer literal `99999999999999999999` is out of range"});
  CHECK(Lexed("18446744073709551616u").errors() ==
        std::vector<std::string>{"1:1: invalid_literal: unsigned integer literal "
                                 "`18446744073709551616u` is out of range"});
  CHECK(Lexed("0x10000000000000000").errors() ==
        std::vector<std::string>{
            "1:1: invalid_literal: integer literal `0x10000000000000000` is out of range"});
  CHECK(Lexed("0x").errors() ==
        std::vector<std::string>{"1:1: invalid_literal: expected hexadecimal digits after `0x`"});
}

TEST_CASE("lexer: double literals", "[lexer]") {
  Token t = One("1.5");
  CHECK(t.kind == K::kDouble);
  CHECK(t.double_value == 1.5);
  CHECK(One("1e3").double_value == 1000.0);
  CHECK(One("1E+2").double_value == 100.0);
  CHECK(One("1e-3").double_value == 0.001);
  CHECK(One(".5").double_value == 0.5);
  CHECK(One("0.0").double_value == 0.0);
  CHECK(One("0e+0").double_value == 0.0);
  CHECK(One("2.5e2").double_value == 250.0);
  CHECK(One("1e-400").double_value == 0.0);  // underflow is fine
  // CEL requires digits after the dot: `1.` is an int and a dot.
  CHECK(Kinds("1.") == std::vector<K>{K::kInt, K::kDot, K::kEof});
  CHECK(Kinds("1.x") == std::vector<K>{K::kInt, K::kDot, K::kIdent, K::kEof});
  // An exponent needs digits.
  CHECK(Kinds("1e") == std::vector<K>{K::kInt, K::kIdent, K::kEof});
  CHECK(Lexed("1e999").errors() ==
        std::vector<std::string>{"1:1: invalid_literal: double literal `1e999` is out of range"});
}

TEST_CASE("lexer: string literals and escapes", "[lexer]") {
  CHECK(StringValue("\"\"").empty());
  CHECK(StringValue("''").empty());
  CHECK(StringValue("\"abc\"") == "abc");
  CHECK(StringValue("'abc'") == "abc");
  CHECK(StringValue("'\"\"'") == "\"\"");
  CHECK(StringValue("\"it's\"") == "it's");
  CHECK(StringValue(R"("\a\b\f\n\r\t\v")") == "\a\b\f\n\r\t\v");
  CHECK(StringValue(R"("\\ \' \" \` \?")") == "\\ ' \" ` ?");
  CHECK(StringValue(R"("\x41\X42")") == "AB");
  CHECK(StringValue(R"("\xFF")") == "\xC3\xBF");  // code point 255, as UTF-8
  CHECK(StringValue(R"("\101\060")") == "A0");
  CHECK(StringValue(R"("\303\277")") == "\xC3\x83\xC2\xBF");  // code points 195, 191
  CHECK(StringValue(R"("\377")") == "\xC3\xBF");
  CHECK(StringValue(R"("\u00e9")") == "\xC3\xA9");
  CHECK(StringValue(R"("\u20AC")") == "\xE2\x82\xAC");
  CHECK(StringValue(R"("\U0001F600")") == "\xF0\x9F\x98\x80");
  CHECK(StringValue(R"("\U0010FFFF")") == "\xF4\x8F\xBF\xBF");
  CHECK(StringValue("'h\xC3\xA9llo'") == "h\xC3\xA9llo");  // raw UTF-8 in the source
}

TEST_CASE("lexer: triple-quoted and raw strings", "[lexer]") {
  CHECK(StringValue("'''x''x'''") == "x''x");
  CHECK(StringValue("\"\"\"a\nb\"\"\"") == "a\nb");
  CHECK(StringValue("'''a\\nb'''") == "a\nb");
  CHECK(StringValue("'''it\\'''s'''") == "it'''s");
  CHECK(StringValue(R"(r"\\")") == "\\\\");
  CHECK(StringValue(R"(R'\n\d')") == "\\n\\d");
  CHECK(StringValue("r'''a\\'''") == "a\\");
  CHECK(StringValue("r\"\"\"\"\"\"") == "");
  Token t = One(R"(r"a\")");
  CHECK(t.raw);
  CHECK(t.prefix_len == 1);
  CHECK(t.quote == '"');
  CHECK(t.content_begin() == 2);
  CHECK(t.content_end() == 4);
  t = One("'''abc'''");
  CHECK(t.triple);
  CHECK(t.content_begin() == 3);
  CHECK(t.content_end() == 6);
}

TEST_CASE("lexer: bytes literals", "[lexer]") {
  CHECK(BytesValue("b\"abc\"") == "abc");
  CHECK(BytesValue("B'abc'") == "abc");
  CHECK(BytesValue(R"(b"\xFF")") == std::string(1, '\xFF'));
  CHECK(BytesValue(R"(b"\377")") == std::string(1, '\xFF'));
  CHECK(BytesValue(R"(b"\303\277")") == "\xC3\xBF");
  CHECK(BytesValue("b'\xC3\xBF'") == "\xC3\xBF");  // UTF-8 of the source text
  CHECK(BytesValue(R"(b"\000")") == std::string(1, '\0'));
  CHECK(BytesValue(R"(rb"\x")") == "\\x");
  CHECK(BytesValue(R"(bR'\n')") == "\\n");
  CHECK(BytesValue(R"(Rb'\n')") == "\\n");
  CHECK(BytesValue(R"(BR'\n')") == "\\n");
  CHECK(BytesValue("b'''a\nb'''") == "a\nb");
  CHECK(One("rb'x'").prefix_len == 2);
}

TEST_CASE("lexer: invalid escapes are deferred errors", "[lexer]") {
  uint32_t off = 0;
  CHECK(EscapeErrorOf(R"("ab\q")", &off) == "invalid escape sequence `\\q`");
  CHECK(off == 3);
  CHECK(EscapeErrorOf(R"("\x4")") == "invalid escape sequence `\\x4`: expected 2 hexadecimal digits");
  CHECK(EscapeErrorOf(R"("\u12")") == "invalid escape sequence `\\u12`: expected 4 hexadecimal digits");
  CHECK(EscapeErrorOf(R"("\U0001F60")") ==
        "invalid escape sequence `\\U0001F60`: expected 8 hexadecimal digits");
  CHECK(EscapeErrorOf(R"("\ud800")") == "escape sequence `\\ud800` is not a valid unicode code point");
  CHECK(EscapeErrorOf(R"("\uDFFF")") == "escape sequence `\\uDFFF` is not a valid unicode code point");
  CHECK(EscapeErrorOf(R"("\U00110000")") ==
        "escape sequence `\\U00110000` is not a valid unicode code point");
  CHECK(EscapeErrorOf(R"(b"\u0041")") == "escape sequence `\\u0041` is not allowed in a bytes literal");
  CHECK(EscapeErrorOf(R"("\400")") == "invalid escape sequence `\\4`");
  CHECK(EscapeErrorOf(R"("\08")") == "invalid escape sequence `\\08`: expected three octal digits");
  CHECK(EscapeErrorOf(R"("\1")") == "invalid escape sequence `\\1`: expected three octal digits");
  CHECK(EscapeErrorOf("'''\\\n'''") == "invalid escape sequence `\\\\x0a`");
}

TEST_CASE("lexer: DecodeEscapes directly", "[lexer]") {
  std::string out;
  EscapeError err;
  CHECK(DecodeEscapes("a\\tb", 10, false, &out, &err));
  CHECK(out == "a\tb");
  CHECK_FALSE(DecodeEscapes("ab\\", 10, false, &out, &err));
  CHECK(err.offset == 12);
  CHECK_FALSE(DecodeEscapes("x\\z", 100, false, &out, &err));
  CHECK(err.offset == 101);
  CHECK(err.length == 2);
}

TEST_CASE("lexer: unterminated strings and newlines", "[lexer]") {
  CHECK(Lexed("\"abc").errors() ==
        std::vector<std::string>{"1:1: syntax_error: unterminated string literal"});
  CHECK(Lexed("x = 'ab\ncd'").errors() ==
        std::vector<std::string>{"1:5: syntax_error: unterminated string literal",
                                 "2:3: syntax_error: unterminated string literal"});
  CHECK(Lexed("'''abc''").errors() ==
        std::vector<std::string>{"1:1: syntax_error: unterminated string literal"});
  CHECK(Lexed("b'abc").errors() ==
        std::vector<std::string>{"1:1: syntax_error: unterminated bytes literal"});
  CHECK(Lexed("'a\\").errors() ==
        std::vector<std::string>{"1:1: syntax_error: unterminated string literal"});
  CHECK(Lexed("'a\\\nb'").errors().size() == 2);
  Lexed l("'abc\nx");
  REQUIRE(l.tokens().size() == 3);
  CHECK(l.tok(0).kind == K::kString);
  CHECK_FALSE(l.tok(0).terminated);
  CHECK(l.tok(0).length == 4);
  CHECK(l.tok(1).kind == K::kIdent);  // lexing goes on on the next line
}

TEST_CASE("lexer: invalid UTF-8 in literals", "[lexer]") {
  CHECK(Lexed("'ab\xFF'").errors() ==
        std::vector<std::string>{"1:4: invalid_literal: invalid UTF-8 in string literal"});
  CHECK(Lexed("'\xED\xA0\x80'").errors() ==  // an encoded surrogate
        std::vector<std::string>{"1:2: invalid_literal: invalid UTF-8 in string literal"});
  CHECK(Lexed("b'\xC0\x80'").errors() ==  // overlong
        std::vector<std::string>{"1:3: invalid_literal: invalid UTF-8 in bytes literal"});
  CHECK(IsValidUtf8("h\xC3\xA9"));
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // > U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE2\x82"));            // truncated
}

TEST_CASE("lexer: unexpected characters", "[lexer]") {
  Lexed l("a # b");
  CHECK(l.errors() == std::vector<std::string>{"1:3: syntax_error: unexpected character `#`"});
  REQUIRE(l.tokens().size() == 4);
  CHECK(l.tok(1).kind == K::kError);
  CHECK(Lexed("a & b").errors() ==
        std::vector<std::string>{"1:3: syntax_error: unexpected character `&`; did you mean `&&`?"});
  CHECK(Lexed("a | b").errors() ==
        std::vector<std::string>{"1:3: syntax_error: unexpected character `|`; did you mean `||`?"});
  CHECK(Lexed("\xC3\xA9").errors() == std::vector<std::string>{"1:1: syntax_error: unexpected character `\xC3\xA9`"});
  CHECK(Lexed(std::string("\x01", 1)).errors() ==
        std::vector<std::string>{"1:1: syntax_error: unexpected character `\\x01`"});
  // Backticks quote a field name (`x.`content-type``); unterminated, an error.
  CHECK(Lexed("`x`").errors().empty());
  CHECK(Lexed("`x`").tok(0).quoted);
  CHECK(Lexed("`x").errors().size() == 1);
  CHECK(Lexed("\xFF").errors() == std::vector<std::string>{"1:1: syntax_error: unexpected character `\\xff`"});
}

TEST_CASE("lexer: comments and doc comments", "[lexer]") {
  Lexed l(
      "// plain\n"
      "/// first\n"
      "///second\n"
      "////not a doc\n"
      "package a // trailing\n"
      "x /// not a doc either\n"
      "///   indented\r\n"
      "rule");
  REQUIRE(l.result.docs.size() == 3);
  CHECK(l.result.docs[0].text == "first");
  CHECK(l.result.docs[0].offset == 9);
  CHECK(l.result.docs[1].text == "second");
  CHECK(l.result.docs[2].text == "  indented");
  REQUIRE(l.tokens().size() == 5);
  CHECK(l.tok(0).text == "package");
  CHECK(l.tok(0).doc_begin == 0);
  CHECK(l.tok(0).doc_end == 2);
  CHECK(l.tok(1).doc_begin == l.tok(1).doc_end);
  CHECK(l.tok(3).text == "rule");
  CHECK(l.tok(3).doc_begin == 2);
  CHECK(l.tok(3).doc_end == 3);
  CHECK(l.tok(4).kind == K::kEof);
  CHECK(l.errors().empty());
  // A comment at the end of input without a newline.
  CHECK(Kinds("a // x") == std::vector<K>{K::kIdent, K::kEof});
  // Division is not a comment.
  CHECK(Kinds("a / b") == std::vector<K>{K::kIdent, K::kSlash, K::kIdent, K::kEof});
}

TEST_CASE("lexer: first_on_line", "[lexer]") {
  Lexed l("a b\n  c // x\n// y\nd");
  REQUIRE(l.tokens().size() == 5);
  CHECK(l.tok(0).first_on_line);
  CHECK_FALSE(l.tok(1).first_on_line);
  CHECK(l.tok(2).first_on_line);
  CHECK(l.tok(3).first_on_line);
}

TEST_CASE("lexer: a sub-range keeps absolute offsets", "[lexer]") {
  SourceFile f("t", "message \"x {a.b + 1} y\"");
  Diagnostics d;
  LexResult r = Lex(f, 12, 19, d);
  REQUIRE(r.tokens.size() == 6);
  CHECK(r.tokens[0].text == "a");
  CHECK(r.tokens[0].offset == 12);
  CHECK(r.tokens[2].text == "b");
  CHECK(r.tokens[2].offset == 14);
  CHECK(r.tokens[4].kind == K::kInt);
  CHECK(r.tokens[4].offset == 18);
  CHECK(r.tokens[5].kind == K::kEof);
  CHECK(r.tokens[5].offset == 19);
  // A string cut by the end of the range is unterminated.
  Diagnostics d2;
  LexResult r2 = Lex(f, 8, 12, d2);
  CHECK(d2.size() == 1);
}

TEST_CASE("lexer: token names", "[lexer]") {
  CHECK(std::string(TokenKindName(K::kRParen)) == "`)`");
  CHECK(std::string(TokenKindName(K::kEof)) == "end of input");
  CHECK(std::string(TokenKindName(K::kString)) == "string literal");
}

}  // namespace
}  // namespace gavel
