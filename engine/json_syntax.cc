// A validating JSON scanner that only locates errors (json_syntax.h). It
// runs after simdjson has rejected a text, so it favours clear messages
// over speed; its state is a stack of open containers, not recursion.
#include "engine/json_syntax.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gavel {
namespace {

class Scanner {
 public:
  Scanner(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  std::optional<JsonSyntaxError> Run() {
    // What comes next: a value, or (inside a container) a separator.
    enum class Want { kValue, kKeyOrEnd, kKey, kValueOrEnd, kAfterValue };
    Want want = Want::kValue;
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") return Fail("a byte order mark (JSON text has none)");
    for (;;) {
      SkipSpace();
      if (want == Want::kAfterValue) {
        if (stack_.empty()) {
          if (i_ < s_.size()) return Fail(absl::StrCat("unexpected ", Show(), " after the document"));
          return std::nullopt;
        }
        const bool object = stack_.back() == '{';
        if (i_ >= s_.size()) return Fail(object ? "unexpected end of input (expected `,` or `}`)"
                                                : "unexpected end of input (expected `,` or `]`)");
        const char c = s_[i_];
        if (c == ',') {
          ++i_;
          want = object ? Want::kKey : Want::kValue;
        } else if (c == (object ? '}' : ']')) {
          ++i_;
          stack_.pop_back();
        } else {
          return Fail(absl::StrCat("expected `,` or `", object ? "}" : "]", "` after ",
                                   object ? "a member" : "an element", ", got ", Show()));
        }
        continue;
      }
      if (i_ >= s_.size()) {
        return Fail(want == Want::kKey || want == Want::kKeyOrEnd ? "unexpected end of input (expected a key)"
                    : s_.empty()                                  ? "empty document (expected a JSON value)"
                                                                  : "unexpected end of input (expected a value)");
      }
      const char c = s_[i_];
      if (want == Want::kKeyOrEnd && c == '}') {
        ++i_;
        stack_.pop_back();
        want = Want::kAfterValue;
        continue;
      }
      if (want == Want::kValueOrEnd && c == ']') {
        ++i_;
        stack_.pop_back();
        want = Want::kAfterValue;
        continue;
      }
      if (want == Want::kKey || want == Want::kKeyOrEnd) {
        if (c != '"') return Fail(absl::StrCat("expected a key (a string in double quotes), got ", Show()));
        if (auto err = String()) return err;
        SkipSpace();
        if (i_ >= s_.size()) return Fail("unexpected end of input (expected `:`)");
        if (s_[i_] != ':') return Fail(absl::StrCat("expected `:` after a key, got ", Show()));
        ++i_;
        want = Want::kValue;
        continue;
      }
      // A value.
      if (c == '{' || c == '[') {
        if (max_depth_ > 0 && stack_.size() >= static_cast<size_t>(max_depth_)) {
          return Fail(absl::StrCat("nesting deeper than ", max_depth_, " levels"));
        }
        stack_.push_back(c);
        ++i_;
        want = c == '{' ? Want::kKeyOrEnd : Want::kValueOrEnd;
        continue;
      }
      if (c == '"') {
        if (auto err = String()) return err;
      } else if (c == '-' || (c >= '0' && c <= '9')) {
        if (auto err = Number()) return err;
      } else if (!Word("true") && !Word("false") && !Word("null")) {
        for (std::string_view w : {"NaN", "Infinity", "-Infinity"}) {
          if (s_.substr(i_, w.size()) == w) return Fail(absl::StrCat("`", std::string(w), "` is not JSON (numbers are finite)"));
        }
        return Fail(absl::StrCat("expected a value, got ", Show()));
      }
      want = Want::kAfterValue;
    }
  }

  // The whole text as UTF-8 (FindInvalidUtf8).
  std::optional<JsonSyntaxError> Utf8() {
    while (i_ < s_.size()) {
      const size_t n = static_cast<unsigned char>(s_[i_]) < 0x80 ? 1 : Utf8Length();
      if (n == 0) return Fail("invalid UTF-8");
      i_ += n;
    }
    return std::nullopt;
  }

 private:
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  bool Word(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return false;
    i_ += w.size();
    return true;
  }

  // The byte at i_ for a message: `x`, or 0xNN outside printable ASCII.
  std::string Show() const {
    if (i_ >= s_.size()) return "the end of input";
    const unsigned char c = static_cast<unsigned char>(s_[i_]);
    if (c >= 0x21 && c < 0x7f) return absl::StrCat("`", std::string(1, static_cast<char>(c)), "`");
    return absl::StrFormat("byte 0x%02x", c);
  }

  std::optional<JsonSyntaxError> Fail(std::string message) const { return Fail(i_, std::move(message)); }
  std::optional<JsonSyntaxError> Fail(size_t at, std::string message) const {
    JsonSyntaxError e;
    e.line = 1;
    size_t line_start = 0;
    for (size_t k = 0; k < at && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++e.line;
        line_start = k + 1;
      }
    }
    e.column = static_cast<int>(at - line_start) + 1;
    e.message = std::move(message);
    return e;
  }

  // Four hex digits at s_[at..].
  bool Hex4(size_t at, uint32_t* out) const {
    if (at + 4 > s_.size()) return false;
    uint32_t v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char h = s_[k];
      const int d = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10 : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    *out = v;
    return true;
  }

  // Length of the valid UTF-8 sequence at i_, or 0.
  size_t Utf8Length() const {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s_[k]); };
    const unsigned char c = b(i_);
    size_t n;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) n = 2, cp = c & 0x1F;
    else if ((c & 0xF0) == 0xE0) n = 3, cp = c & 0x0F;
    else if ((c & 0xF8) == 0xF0) n = 4, cp = c & 0x07;
    else return 0;
    if (i_ + n > s_.size()) return 0;
    for (size_t k = 1; k < n; ++k) {
      if ((b(i_ + k) & 0xC0) != 0x80) return 0;
      cp = (cp << 6) | (b(i_ + k) & 0x3F);
    }
    if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
  }

  std::optional<JsonSyntaxError> String() {
    const size_t open = i_++;
    while (i_ < s_.size()) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return std::nullopt;
      }
      if (c < 0x20) return Fail(absl::StrFormat("control character 0x%02x in a string (escape it)", c));
      if (c >= 0x80) {
        const size_t n = Utf8Length();
        if (n == 0) return Fail("invalid UTF-8 in a string");
        i_ += n;
        continue;
      }
      if (c != '\\') {
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) break;
      const char e = s_[i_ + 1];
      if (e == 'u') {
        uint32_t u = 0;
        if (!Hex4(i_ + 2, &u)) return Fail("`\\u` needs four hex digits");
        if (u >= 0xDC00 && u <= 0xDFFF) return Fail(absl::StrFormat("lone low surrogate `\\u%04x`", u));
        if (u >= 0xD800 && u <= 0xDBFF) {
          uint32_t lo = 0;
          if (s_.substr(i_ + 6, 2) != "\\u" || !Hex4(i_ + 8, &lo) || lo < 0xDC00 || lo > 0xDFFF) {
            return Fail(absl::StrFormat("lone high surrogate `\\u%04x` (not followed by a low one)", u));
          }
          i_ += 12;
        } else {
          i_ += 6;
        }
        continue;
      }
      if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
        return Fail(absl::StrCat("invalid escape `\\", std::string(1, e), "` in a string"));
      }
      i_ += 2;
    }
    return Fail(open, "unterminated string");
  }

  std::optional<JsonSyntaxError> Number() {
    const size_t start = i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
      return i_ > from;
    };
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
      if (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') return Fail(start, "a number has no leading zeros");
    } else if (!digits()) {
      if (s_.substr(i_, 8) == "Infinity") return Fail(start, "`-Infinity` is not JSON (numbers are finite)");
      return Fail("expected digits in a number");
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digits()) return Fail("expected digits after `.` in a number");
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return Fail("expected digits in the exponent of a number");
    }
    const std::string text(s_.substr(start, i_ - start));
    errno = 0;
    const double d = std::strtod(text.c_str(), nullptr);
    if (errno == ERANGE && (d > 1 || d < -1)) {
      return Fail(start, absl::StrCat("number `", text.size() > 40 ? text.substr(0, 40) + "..." : text,
                                      "` is out of range (a double is finite)"));
    }
    return std::nullopt;
  }

  std::string_view s_;
  int max_depth_;
  size_t i_ = 0;
  std::vector<char> stack_;
};

}  // namespace

std::optional<JsonSyntaxError> FindInvalidUtf8(std::string_view text) { return Scanner(text, 0).Utf8(); }

std::optional<JsonSyntaxError> FindJsonSyntaxError(std::string_view text, int max_depth) {
  return Scanner(text, max_depth).Run();
}

}  // namespace gavel
