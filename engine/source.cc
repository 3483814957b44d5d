// Line tables and diagnostic formatting.
#include "engine/source.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace gavel {

SourceFile::SourceFile(std::string name, std::string text)
    : name_(std::move(name)), text_(std::move(text)) {
  line_starts_.push_back(0);
  // memchr: a bundle's or a large policy's text is scanned at every load.
  const char* const begin = text_.data();
  const char* const end = begin + text_.size();
  for (const char* at = begin;;) {
    const void* nl = std::memchr(at, '\n', static_cast<size_t>(end - at));
    if (nl == nullptr) break;
    at = static_cast<const char*>(nl) + 1;
    line_starts_.push_back(static_cast<uint32_t>(at - begin));
  }
}

int SourceFile::LineOf(uint32_t offset) const {
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  return static_cast<int>(it - line_starts_.begin());
}

int SourceFile::ColumnOf(uint32_t offset) const {
  int line = LineOf(offset);
  return static_cast<int>(offset - line_starts_[line - 1]) + 1;
}

std::string_view SourceFile::LineText(int line) const {
  if (line < 1 || line > static_cast<int>(line_starts_.size())) return {};
  uint32_t start = line_starts_[line - 1];
  uint32_t end = line < static_cast<int>(line_starts_.size())
                     ? line_starts_[line] - 1
                     : static_cast<uint32_t>(text_.size());
  std::string_view s(text_.data() + start, end - start);
  if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
  return s;
}

std::string Location::ToString() const {
  if (file == nullptr) return "<builtin>";
  return absl::StrCat(file->name(), ":", line(), ":", column());
}

std::string Diagnostic::Format() const {
  std::string out = absl::StrCat(location.ToString(), ": error[", code, "]: ", message, "\n");
  if (location.file == nullptr) return out;
  int line = location.line();
  std::string_view text = location.file->LineText(line);
  absl::StrAppend(&out, "  ", absl::string_view(text.data(), text.size()), "\n  ");
  int col = location.column();
  for (int i = 1; i < col && i - 1 < static_cast<int>(text.size()); ++i) {
    out.push_back(text[i - 1] == '\t' ? '\t' : ' ');
  }
  out.push_back('^');
  uint32_t len = length;
  // Underline no further than the end of the line.
  uint32_t room = text.size() >= static_cast<size_t>(col) ? text.size() - col + 1 : 1;
  if (len > room) len = room;
  for (uint32_t i = 1; i < len; ++i) out.push_back('~');
  out.push_back('\n');
  return out;
}

void Diagnostics::Add(Location loc, std::string code, std::string message, uint32_t length) {
  std::shared_ptr<const SourceFile> owner = loc.file ? loc.file->weak_from_this().lock() : nullptr;
  items_.push_back(Diagnostic{loc, std::move(code), std::move(message), length == 0 ? 1 : length, std::move(owner)});
}

std::vector<const Diagnostic*> Diagnostics::Sorted() const {
  std::vector<const Diagnostic*> sorted;
  for (const auto& d : items_) sorted.push_back(&d);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic* a, const Diagnostic* b) {
    if (a->location.file != b->location.file) {
      if (!a->location.file || !b->location.file) return a->location.file == nullptr;
      return a->location.file->name() < b->location.file->name();
    }
    return a->location.offset < b->location.offset;
  });
  return sorted;
}

std::string Diagnostics::Format() const {
  std::string out;
  for (const auto* d : Sorted()) out += d->Format();
  return out;
}

}  // namespace gavel
