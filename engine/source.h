// Source text and diagnostics: every stage reports problems as Diagnostics
// that point into a SourceFile (file:line:col, a stable code, a caret).
#ifndef GAVEL_ENGINE_SOURCE_H_
#define GAVEL_ENGINE_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gavel {

// One policy file, kept alive for as long as anything points into it.
class SourceFile : public std::enable_shared_from_this<SourceFile> {
 public:
  SourceFile(std::string name, std::string text);

  const std::string& name() const { return name_; }
  const std::string& text() const { return text_; }

  // 1-based line and column (columns count bytes) of a byte offset.
  int LineOf(uint32_t offset) const;
  int ColumnOf(uint32_t offset) const;
  // The text of a 1-based line, without its newline.
  std::string_view LineText(int line) const;

 private:
  std::string name_;
  std::string text_;
  std::vector<uint32_t> line_starts_;
};

// A position in a source file. `file` may be null for synthesized code.
struct Location {
  const SourceFile* file = nullptr;
  uint32_t offset = 0;

  int line() const { return file ? file->LineOf(offset) : 0; }
  int column() const { return file ? file->ColumnOf(offset) : 0; }
  // "file:line:col"
  std::string ToString() const;
};

// Stable error codes, in the manner of OPA's `rego_type_error`.
namespace codes {
inline constexpr const char* kSyntax = "syntax_error";
inline constexpr const char* kType = "type_error";
inline constexpr const char* kUnknownName = "unknown_name";
inline constexpr const char* kUnknownField = "unknown_field";
inline constexpr const char* kUnknownFunction = "unknown_function";
inline constexpr const char* kDuplicate = "duplicate_declaration";
inline constexpr const char* kInvalidLiteral = "invalid_literal";
inline constexpr const char* kInvalidRegex = "invalid_regex";
inline constexpr const char* kEvalError = "eval_error";
inline constexpr const char* kPlan = "plan_error";
inline constexpr const char* kIo = "io_error";
inline constexpr const char* kConfig = "config_error";  // gavel.yaml of the wrong shape
inline constexpr const char* kTestSuite = "suite_error";  // a test suite (*_test.yaml) of the wrong shape
inline constexpr const char* kLimit = "limit_exceeded";  // an input past a limit (docs/security.md)
}  // namespace codes

struct Diagnostic {
  Location location;
  std::string code;     // one of codes::*
  std::string message;  // lower case, no final period, user input in backticks
  uint32_t length = 1;  // how many bytes the caret underlines
  // Keeps `location.file` alive as long as the diagnostic (when the file is
  // owned by a shared_ptr), so diagnostics outlive a failed compilation.
  std::shared_ptr<const SourceFile> keep_alive;

  // "file:line:col: error[code]: message\n  <source line>\n  ^~~~\n"
  std::string Format() const;
};

// Collects every diagnostic of a compilation (all errors, not just the first).
class Diagnostics {
 public:
  void Add(Location loc, std::string code, std::string message, uint32_t length = 1);
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  // The diagnostics in the order users read them: by file name, then offset.
  std::vector<const Diagnostic*> Sorted() const;
  // All diagnostics, formatted, in source order.
  std::string Format() const;

 private:
  std::vector<Diagnostic> items_;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_SOURCE_H_
