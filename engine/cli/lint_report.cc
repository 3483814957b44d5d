// The reporters of `gavel lint`: text and json, and what every format shares
// (see lint_report.h, lint_report_internal.h). sarif, junit and github are
// in lint_report_<format>.cc.
#include "engine/cli/lint_report.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/cli/lint_report_internal.h"
#include "engine/program.h"

namespace gavel::cli {

PlanPosition LintResult::PositionOf(int64_t step_index) const {
  if (step_index >= 0 && static_cast<size_t>(step_index) < step_positions.size()) {
    return step_positions[static_cast<size_t>(step_index)];
  }
  return plan_position;
}

std::string SummaryLine(const LintSummary& s) {
  std::string out = absl::StrCat(s.plans, s.plans == 1 ? " plan: " : " plans: ", s.allowed, " allowed, ", s.denied,
                                 " denied, ", s.needs_approval, " needs approval, ", s.errors,
                                 s.errors == 1 ? " error" : " errors");
  const char* no_timing = std::getenv("GAVEL_NO_TIMING");
  bool timing = no_timing == nullptr || *no_timing == '\0' || std::string_view(no_timing) == "0";
  if (timing && s.seconds >= 0) absl::StrAppend(&out, absl::StrFormat(" (%.2f s)", s.seconds));
  return out;
}

namespace report {
namespace {

// "file:line:col" (as a decision shows a rule's location) in `program`'s
// sources; nothing when the file is not among them.
SourcePoint ParseLocation(std::string_view text, const Program& program) {
  SourcePoint point;
  size_t col_colon = text.rfind(':');
  if (col_colon == std::string_view::npos || col_colon == 0) return point;
  size_t line_colon = text.rfind(':', col_colon - 1);
  if (line_colon == std::string_view::npos) return point;
  int line = 0, column = 0;
  if (!absl::SimpleAtoi(report::A(text.substr(line_colon + 1, col_colon - line_colon - 1)), &line) ||
      !absl::SimpleAtoi(report::A(text.substr(col_colon + 1)), &column)) {
    return point;
  }
  std::string_view name = text.substr(0, line_colon);
  for (const auto& source : program.sources) {
    if (source->name() == name) return SourcePoint{source.get(), line, column};
  }
  return SourcePoint{nullptr, line, column};
}

}  // namespace

RuleCatalog::RuleCatalog(const CompiledPolicy& policy) {
  const Program& program = policy.program();
  auto dryrun = [&](int package_index) {
    return package_index >= 0 && static_cast<size_t>(package_index) < program.packages.size() &&
           program.packages[package_index].enforcement == Enforcement::kDryrun;
  };
  for (const CompiledRule& rule : program.rules) {
    RuleInfo info;
    info.id = rule.qualified;
    info.effect = rule.effect;
    info.severity = rule.severity;
    info.tags = rule.tags;
    info.doc = rule.doc;
    info.dryrun = dryrun(rule.package_index);
    info.location = rule.location_text;
    if (rule.location.file != nullptr) {
      info.source = SourcePoint{rule.location.file, rule.location.line(), rule.location.column()};
    } else {
      info.source = ParseLocation(rule.location_text, program);
    }
    rules_.push_back(std::move(info));
  }
  for (size_t p = 0; p < program.packages.size(); ++p) {
    const CompiledPackage& pkg = program.packages[p];
    if (!pkg.default_deny) continue;
    RuleInfo info;
    info.id = absl::StrCat(pkg.name, ".default");
    info.severity = "high";  // as the evaluator reports it
    info.doc = absl::StrCat("Steps that no permit rule of package `", pkg.name, "` allows (`default deny`).");
    info.dryrun = pkg.enforcement == Enforcement::kDryrun;
    info.location = pkg.default_location;
    info.source = ParseLocation(pkg.default_location, program);
    rules_.push_back(std::move(info));
  }
  for (size_t i = 0; i < rules_.size(); ++i) index_.emplace(rules_[i].id, static_cast<int>(i));
}

int RuleCatalog::IndexOf(std::string_view id) const {
  auto it = index_.find(id);
  return it == index_.end() ? -1 : it->second;
}

std::vector<Finding> FindingsOf(const Decision& d) {
  std::vector<Finding> out;
  auto add = [&](const Violation& v, Finding::Kind kind) {
    out.push_back(Finding{kind, v.effect, v.dryrun, v.rule, v.severity, v.step, v.message, v.location, v.step_index});
  };
  for (const Violation& v : d.violations) add(v, Finding::kViolation);
  for (const Violation& v : d.warnings) add(v, Finding::kWarning);
  for (const EvalError& e : d.errors) {
    out.push_back(Finding{Finding::kError, Effect::kDeny, false, e.rule, "", e.step, e.message, e.location,
                          e.step_index});
  }
  return out;
}

std::string Snippet(const SourcePoint& point, std::string_view indent) {
  if (point.file == nullptr || point.line <= 0) return "";
  std::string_view text = point.file->LineText(point.line);
  std::string out = absl::StrCat(A(indent), A(text), "\n", A(indent));
  for (int i = 1; i < point.column && i - 1 < static_cast<int>(text.size()); ++i) {
    out.push_back(text[i - 1] == '\t' ? '\t' : ' ');
  }
  out += "^\n";
  return out;
}

std::string PathUri(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                 c == '.' || c == '_' || c == '~' || c == '/';
    if (plain) {
      out.push_back(static_cast<char>(c));
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace report

namespace {

using report::Finding;

// ANSI SGR sequences; empty strings when colour is off.
struct Palette {
  explicit Palette(bool on) : on(on) {}
  std::string Paint(std::string_view code, std::string_view text) const {
    return on ? absl::StrCat("\033[", report::A(code), "m", report::A(text), "\033[0m") : std::string(text);
  }
  bool on;
};

constexpr std::string_view kRed = "31", kBoldRed = "1;31", kYellow = "33", kBoldYellow = "1;33", kMagenta = "35",
                           kBoldGreen = "1;32", kDim = "2";

std::string_view EffectColor(Effect e) {
  switch (e) {
    case Effect::kDeny: return kRed;
    case Effect::kRequireApproval: return kYellow;
    default: return kMagenta;
  }
}

class TextReporter : public LintReporter {
 public:
  TextReporter(std::ostream& out, const CompiledPolicy& policy, const ReportOptions& options)
      : out_(out), catalog_(policy), paint_(options.color) {}

  void Report(const LintResult& r) override {
    const Decision& d = r.decision;
    if (!r.status.ok()) {
      out_ << r.path << ": " << paint_.Paint(kBoldRed, "INVALID") << "\n  " << paint_.Paint(kRed, "error") << ": "
           << r.status.message() << "\n";
      return;
    }
    std::string verdict = VerdictName(d.verdict);
    std::transform(verdict.begin(), verdict.end(), verdict.begin(), ::toupper);
    std::string_view color = d.verdict == Verdict::kDeny            ? kBoldRed
                             : d.verdict == Verdict::kNeedsApproval ? kBoldYellow
                                                                    : kBoldGreen;
    out_ << r.path << ": " << paint_.Paint(color, verdict) << "\n";
    auto step = [](std::string_view id, int64_t index) {
      return index < 0 ? std::string("plan") : absl::StrCat("step ", report::A(id), " [", index, "]");
    };
    for (const Finding& f : report::FindingsOf(d)) {
      std::string what;
      switch (f.kind) {
        case Finding::kViolation:
          what = paint_.Paint(EffectColor(f.effect), EffectName(f.effect));
          break;
        case Finding::kWarning:
          // A finding of a package in dryrun says what it would have done.
          what = paint_.Paint(kMagenta, "warn");
          if (f.dryrun) absl::StrAppend(&what, " (dryrun ", EffectName(f.effect), ")");
          break;
        case Finding::kError:
          what = paint_.Paint(kBoldRed, "error");
          break;
      }
      out_ << "  " << what << " " << f.rule;
      if (f.kind != Finding::kError) out_ << " (" << f.severity << ")";
      out_ << " " << step(f.step, f.step_index) << ": " << f.message << "\n";
      PlanPosition pos = r.PositionOf(f.step_index);
      if (pos.line > 0) {
        std::string where = absl::StrCat(r.File(), ":", pos.line);
        if (pos.column > 0) absl::StrAppend(&where, ":", pos.column);
        out_ << "    " << paint_.Paint(kDim, absl::StrCat("plan ", where)) << "\n";
      }
      out_ << "    " << paint_.Paint(kDim, absl::StrCat("at ", report::A(f.location))) << "\n";
      int rule = catalog_.IndexOf(f.rule);
      if (rule >= 0) out_ << report::Snippet(catalog_.rules()[rule].source, "      ");
    }
    if (!d.approvers.empty()) {
      out_ << "  approvers:";
      for (const auto& a : d.approvers) out_ << " " << a;
      out_ << "\n";
    }
  }

  void End(const LintSummary& summary) override { out_ << SummaryLine(summary) << "\n"; }

 private:
  std::ostream& out_;
  report::RuleCatalog catalog_;
  Palette paint_;
};

// One JSON object per line per plan (docs/cli.md).
class JsonReporter : public LintReporter {
 public:
  explicit JsonReporter(std::ostream& out) : out_(out) {}
  void Report(const LintResult& r) override { out_ << r.decision.ToJson(r.path) << "\n"; }

 private:
  std::ostream& out_;
};

}  // namespace

std::vector<std::string> ReportFormats() { return {"text", "json", "sarif", "junit", "github"}; }

std::unique_ptr<LintReporter> MakeReporter(std::string_view format, std::ostream& out,
                                           const CompiledPolicy& policy, const ReportOptions& options) {
  if (format == "json") return std::make_unique<JsonReporter>(out);
  if (format == "sarif") return report::MakeSarifReporter(out, policy);
  if (format == "junit") return report::MakeJunitReporter(out, policy);
  if (format == "github") return report::MakeGithubReporter(out);
  return std::make_unique<TextReporter>(out, policy, options);
}

}  // namespace gavel::cli
