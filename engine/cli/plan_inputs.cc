// Plan inputs: expanding PLAN arguments, splitting JSON Lines files into
// records, and decoding each input (see plan_inputs.h).
#include "engine/cli/plan_inputs.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "engine/cli/commands.h"

namespace gavel::cli {
namespace {

namespace fs = std::filesystem;

std::string Extension(std::string_view path) {
  size_t slash = path.rfind('/');
  size_t dot = path.rfind('.');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return "";
  return absl::AsciiStrToLower(absl::string_view(path.data() + dot + 1, path.size() - dot - 1));
}

bool Hidden(const fs::path& p) {
  std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

// The plan files under directory `dir`, recursively, sorted; hidden files
// and directories are skipped, and symbolic links to directories are not
// followed (no cycles).
absl::Status ExpandDirectory(const std::string& dir, std::vector<std::string>* out) {
  std::vector<std::string> found;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (Hidden(it->path())) {
      if (it->is_directory(ec)) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && IsPlanFile(it->path().string())) found.push_back(it->path().string());
  }
  if (ec) return absl::InvalidArgumentError(absl::StrCat(dir, ": cannot read the directory: ", ec.message()));
  std::sort(found.begin(), found.end());
  out->insert(out->end(), found.begin(), found.end());
  return absl::OkStatus();
}

bool HasWildcard(std::string_view s) { return s.find_first_of("*?[") != std::string_view::npos; }

std::string Join(const std::string& base, const std::string& name) {
  if (base.empty()) return name;
  return base.back() == '/' ? base + name : absl::StrCat(base, "/", name);
}

// The names in directory `base` ("" is the working directory), sorted.
std::vector<std::string> List(const std::string& base) {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(base.empty() ? "." : base, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool IsDir(const std::string& path, bool follow = true) {
  std::error_code ec;
  return follow ? fs::is_directory(path, ec) : fs::is_directory(fs::symlink_status(path, ec));
}

// The paths that match segments [i, end) of a glob under `base`: `**`
// stands for any number of directories (not hidden, not through symbolic
// links), other segments are fnmatch(3) patterns that do not match a
// leading `.`.
void MatchGlob(const std::string& base, const std::vector<std::string>& segs, size_t i, std::vector<std::string>* out) {
  if (i == segs.size()) {
    std::error_code ec;
    if (!base.empty() && fs::exists(base, ec)) out->push_back(base);
    return;
  }
  const std::string& seg = segs[i];
  const bool last = i + 1 == segs.size();
  if (seg == "**") {
    MatchGlob(base, segs, i + 1, out);
    for (const std::string& name : List(base)) {
      std::string path = Join(base, name);
      if (name[0] != '.' && IsDir(path, /*follow=*/false)) MatchGlob(path, segs, i, out);
    }
    return;
  }
  if (!HasWildcard(seg)) {
    std::string path = Join(base, seg);
    if (last || IsDir(path)) MatchGlob(path, segs, i + 1, out);
    return;
  }
  for (const std::string& name : List(base)) {
    if (::fnmatch(seg.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    std::string path = Join(base, name);
    if (last || IsDir(path)) MatchGlob(path, segs, i + 1, out);
  }
}

absl::Status ExpandGlob(const std::string& pattern, std::vector<std::string>* out) {
  std::vector<std::string> segs;
  std::string base = pattern[0] == '/' ? "/" : "";
  for (size_t start = 0; start <= pattern.size();) {
    size_t slash = std::min(pattern.find('/', start), pattern.size());
    if (slash > start) segs.push_back(pattern.substr(start, slash - start));
    start = slash + 1;
  }
  std::vector<std::string> matches;
  MatchGlob(base, segs, 0, &matches);
  std::vector<std::string> files;
  for (const std::string& m : matches) {
    if (IsDir(m)) {
      if (absl::Status st = ExpandDirectory(m, &files); !st.ok()) return st;
    } else if (IsPlanFile(m)) {
      files.push_back(m);
    }
  }
  // `**` can reach a file more than one way (`a/**/**`, or a directory and its files).
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  if (files.empty()) return absl::InvalidArgumentError(absl::StrCat("no plan file matches `", pattern, "`"));
  out->insert(out->end(), files.begin(), files.end());
  return absl::OkStatus();
}

bool Blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

bool IsJsonLines(std::string_view path) { return Extension(path) == "jsonl"; }

bool IsPlanFile(std::string_view path) {
  const std::string ext = Extension(path);
  return ext == "json" || ext == "yaml" || ext == "yml" || ext == "pb" || ext == "binpb" || ext == "jsonl";
}

absl::StatusOr<std::vector<std::string>> ExpandPlanArgs(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (a.empty()) return absl::InvalidArgumentError("an empty plan argument");
    if (fs::is_directory(a, ec)) {
      if (absl::Status st = ExpandDirectory(a, &out); !st.ok()) return st;
    } else if (HasWildcard(a) && !fs::exists(a, ec)) {
      if (absl::Status st = ExpandGlob(a, &out); !st.ok()) return st;
    } else {
      out.push_back(a);  // a missing file is reported when it is read
    }
  }
  return out;
}

std::string PlanInput::Name() const { return line > 0 ? absl::StrCat(path, ":", line) : path; }

PlanPosition PlanInput::Position() const { return PlanPosition{line > 0 ? line : 1, 1}; }

bool ExpandPlanArgsOrReport(const std::vector<std::string>& args, std::vector<std::string>* files) {
  absl::StatusOr<std::vector<std::string>> expanded = ExpandPlanArgs(args);
  if (!expanded.ok()) {
    std::cerr << "gavel: " << expanded.status().message() << "\n";
    return false;
  }
  if (expanded->empty()) {
    std::cerr << "gavel: no plan files given\n";
    return false;
  }
  *files = *std::move(expanded);
  return true;
}

PlanInputReader::PlanInputReader(std::vector<std::string> files, bool split_jsonl)
    : files_(std::move(files)), split_jsonl_(split_jsonl) {
  sizes_.reserve(files_.size());
  for (const std::string& f : files_) {
    std::error_code ec;
    uintmax_t size = fs::file_size(f, ec);
    sizes_.push_back(ec ? 0 : static_cast<uint64_t>(size));
    total_bytes_ += sizes_.back();
  }
}

bool PlanInputReader::Next(PlanInput* out) {
  for (;;) {
    if (jsonl_ != nullptr) {
      std::string line;
      while (std::getline(*jsonl_, line)) {
        ++jsonl_line_;
        jsonl_bytes_ += line.size() + 1;
        if (Blank(line)) continue;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const size_t file = next_file_ - 1;
        *out = PlanInput{};
        out->path = files_[file];
        out->line = jsonl_line_;
        out->text = std::move(line);
        // What this record and the blank lines before it took.
        out->bytes = std::min(jsonl_bytes_, sizes_[file]);
        sizes_[file] -= out->bytes;
        jsonl_bytes_ = 0;
        return true;
      }
      const bool failed = jsonl_->bad();
      jsonl_.reset();
      if (failed) {
        *out = PlanInput{};
        out->path = files_[next_file_ - 1];
        out->line = jsonl_line_ + 1;
        out->error = absl::InvalidArgumentError(absl::StrCat(out->Name(), ": cannot read"));
        return true;
      }
    }
    if (next_file_ == files_.size()) return false;
    const size_t file = next_file_++;
    if (split_jsonl_ && IsJsonLines(files_[file])) {
      auto in = std::make_unique<std::ifstream>(files_[file], std::ios::binary);
      if (in->is_open() && !IsDir(files_[file])) {
        jsonl_ = std::move(in);
        jsonl_line_ = 0;
        jsonl_bytes_ = 0;
        continue;
      }
      std::error_code ec;
      const bool missing = !fs::exists(files_[file], ec);
      *out = PlanInput{};
      out->path = files_[file];
      out->error = missing ? absl::NotFoundError(absl::StrCat(files_[file], ": cannot open: No such file or directory"))
                           : absl::InvalidArgumentError(absl::StrCat(files_[file], ": cannot open"));
      return true;
    }
    *out = PlanInput{};
    out->path = files_[file];
    out->bytes = sizes_[file];
    return true;
  }
}

absl::StatusOr<Plan> ReadPlanInput(const PlanInput& input, const PlanInputOptions& options) {
  if (!input.error.ok()) return input.error;
  if (!options.tool_call_format.empty()) {
    return ReadToolCallPlan(input.path, options.tool_call_format, options.mapping);
  }
  if (input.line == 0) return ReadPlanFile(input.path, options.limits);
  absl::StatusOr<Plan> plan = DecodePlanJson(input.text, options.limits);
  if (!plan.ok()) return absl::Status(plan.status().code(), absl::StrCat(input.Name(), ": ", plan.status().message()));
  // The record is one line of the file: its steps are on that line.
  for (PlanPosition& p : plan->step_positions) p.line += input.line - 1;
  return plan;
}

}  // namespace gavel::cli
