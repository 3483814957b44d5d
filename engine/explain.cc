// `gavel explain`: see explain.h. The reference evaluator reports each
// evaluated expression after its operands (post-order), so the evaluation
// tree is rebuilt with a stack: an observation takes as its children the
// observations on top of the stack whose syntax-tree parent it is. Rule lets
// are evaluated lazily, in the middle of another clause; their roots are
// recognized by pointer and filed under the let instead of the stack.
#include "engine/explain.h"

#include <algorithm>
#include <charconv>
#include <climits>
#include <map>
#include <optional>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/lexer.h"
#include "engine/operators.h"
#include "engine/schema.h"
#include "engine/suggest.h"

namespace gavel {

const char* ExplainOutcomeName(ExplainOutcome o) {
  switch (o) {
    case ExplainOutcome::kFired: return "FIRED";
    case ExplainOutcome::kNotFired: return "not fired";
    case ExplainOutcome::kError: return "ERROR";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Source text of an expression.

namespace {

// The byte range the expression's nodes cover. Operators and selections
// record only their own token; calls, lists, maps and index expressions
// their closing bracket too. Grouping parentheses are recorded nowhere.
void Extent(const Expr& e, uint32_t& begin, uint32_t& end) {
  begin = std::min(begin, e.offset);
  end = std::max(end, e.offset + e.length);
  if (e.target) Extent(*e.target, begin, end);
  for (const auto& a : e.args) Extent(*a, begin, end);
}

bool IsOpen(TokenKind k) { return k == TokenKind::kLParen || k == TokenKind::kLBracket || k == TokenKind::kLBrace; }
bool IsClose(TokenKind k) {
  return k == TokenKind::kRParen || k == TokenKind::kRBracket || k == TokenKind::kRBrace;
}

std::string CollapseSpace(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

}  // namespace

std::string ExprSourceText(const Expr& expr, const SourceFile& file) {
  const std::string& text = file.text();
  const auto size = static_cast<uint32_t>(text.size());
  uint32_t begin = UINT32_MAX;
  uint32_t end = 0;
  Extent(expr, begin, end);
  end = std::min(end, size);
  if (begin >= end) return "";
  // Re-lex the range to find grouping parentheses cut off on either side:
  // `(a + b) * c` covers `a + b) * c`, `c * (a + b)` covers `c * (a + b`.
  Diagnostics ignored;
  int depth = 0;
  int unmatched_close = 0;
  for (const Token& t : Lex(file, begin, end, ignored).tokens) {
    if (IsOpen(t.kind)) ++depth;
    if (IsClose(t.kind)) {
      if (depth > 0) {
        --depth;
      } else {
        ++unmatched_close;
      }
    }
  }
  while (unmatched_close > 0) {
    uint32_t p = begin;
    while (p > 0 && (text[p - 1] == ' ' || text[p - 1] == '\n' || text[p - 1] == '\t' || text[p - 1] == '\r')) --p;
    if (p == 0 || text[p - 1] != '(') break;
    begin = p - 1;
    --unmatched_close;
  }
  if (depth > 0) {
    for (const Token& t : Lex(file, end, std::min(size, end + 4096), ignored).tokens) {
      if (t.kind == TokenKind::kEof) break;
      if (IsOpen(t.kind)) ++depth;
      if (IsClose(t.kind)) --depth;
      end = t.end();
      if (depth == 0) break;
    }
  }
  return CollapseSpace(std::string_view(text).substr(begin, end - begin));
}

// ---------------------------------------------------------------------------
// Collecting observations.

namespace {

struct RawObs {
  const Expr* expr = nullptr;
  Value value;
  std::vector<RawObs> children;
};

struct RawElement {
  const Value* ptr = nullptr;  // the evaluator's element (valid only while it runs)
  std::vector<std::optional<RawObs>> lets;
  std::optional<RawObs> when;
  std::optional<RawObs> unless;
  std::vector<std::optional<RawObs>> message;  // one per message part (null for text)
};

struct RawRule {
  const RuleDecl* decl = nullptr;
  const PolicyFile* file = nullptr;
  std::string package;
  bool consulted = true;
  std::optional<RawObs> range;
  std::vector<RawElement> elements;
};

// Which clause an expression is the root of.
struct Role {
  enum Kind { kRange, kLet, kWhen, kUnless, kMessage } kind;
  size_t index = 0;  // kLet, kMessage
};

class Collector {
 public:
  explicit Collector(const PolicySet& set) {
    for (size_t f = 0; f < set.files.size(); ++f) {
      const PolicyFile& file = set.files[f];
      const PolicySet::PackageEntry& pkg = set.packages[set.file_package[f]];
      for (const RuleDecl& rule : file.rules) {
        index_[&rule] = rules_.size();
        RawRule r;
        r.decl = &rule;
        r.file = &file;
        r.package = pkg.name;
        r.consulted = rule.effect != Effect::kPermit || pkg.default_deny;
        rules_.push_back(std::move(r));
        AddRoot(rule.iter_range.get(), Role{Role::kRange});
        for (size_t i = 0; i < rule.lets.size(); ++i) AddRoot(rule.lets[i].value.get(), Role{Role::kLet, i});
        AddRoot(rule.when.get(), Role{Role::kWhen});
        AddRoot(rule.unless.get(), Role{Role::kUnless});
        for (size_t i = 0; i < rule.message.size(); ++i) AddRoot(rule.message[i].expr.get(), Role{Role::kMessage, i});
      }
    }
  }

  void Observe(const Expr& e, const Value& v, const ObservedScope& scope) {
    if (scope.rule == nullptr) return;  // a package let or a param default
    auto it = index_.find(scope.rule);
    if (it == index_.end()) return;
    RawRule& rule = rules_[it->second];
    if (it->second != current_) {
      current_ = it->second;
      stack_.clear();
    }
    RawObs obs{&e, v, {}};
    size_t k = stack_.size();
    while (k > 0 && Parent(stack_[k - 1].expr) == &e) --k;
    obs.children.assign(std::make_move_iterator(stack_.begin() + static_cast<std::ptrdiff_t>(k)),
                        std::make_move_iterator(stack_.end()));
    stack_.resize(k);
    auto role = roles_.find(&e);
    if (role == roles_.end()) {
      stack_.push_back(std::move(obs));
      return;
    }
    if (role->second.kind == Role::kRange) {
      rule.range = std::move(obs);
      stack_.clear();
      return;
    }
    RawElement& el = Element(rule, scope.element);
    switch (role->second.kind) {
      case Role::kLet: el.lets[role->second.index] = std::move(obs); break;
      case Role::kWhen: el.when = std::move(obs); break;
      case Role::kUnless: el.unless = std::move(obs); break;
      case Role::kMessage: el.message[role->second.index] = std::move(obs); break;
      case Role::kRange: break;
    }
    if (role->second.kind != Role::kLet) stack_.clear();
  }

  std::vector<RawRule>& rules() { return rules_; }

 private:
  void AddRoot(const Expr* e, Role role) {
    if (e == nullptr) return;
    roles_[e] = role;
    AddParents(*e);
  }
  void AddParents(const Expr& e) {
    if (e.target) {
      parent_[e.target.get()] = &e;
      AddParents(*e.target);
    }
    for (const auto& a : e.args) {
      parent_[a.get()] = &e;
      AddParents(*a);
    }
  }
  const Expr* Parent(const Expr* e) const {
    auto it = parent_.find(e);
    return it == parent_.end() ? nullptr : it->second;
  }

  // The element `ptr` of the rule (null: the plan), a new one when it changes.
  static RawElement& Element(RawRule& rule, const Value* ptr) {
    if (rule.elements.empty() || (ptr != nullptr && ptr != rule.elements.back().ptr)) {
      rule.elements.push_back(NewElement(*rule.decl));
      rule.elements.back().ptr = ptr;
    }
    return rule.elements.back();
  }

 public:
  static RawElement NewElement(const RuleDecl& decl) {
    RawElement el;
    el.lets.resize(decl.lets.size());
    el.message.resize(decl.message.size());
    return el;
  }

 private:
  std::vector<RawRule> rules_;
  std::unordered_map<const RuleDecl*, size_t> index_;
  std::unordered_map<const Expr*, const Expr*> parent_;
  std::unordered_map<const Expr*, Role> roles_;
  size_t current_ = SIZE_MAX;
  std::vector<RawObs> stack_;
};

// ---------------------------------------------------------------------------
// From observations to explanation trees.

constexpr size_t kMaxIterationsShown = 20;
constexpr size_t kMaxLabelValue = 60;

std::string Shorten(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // not inside a UTF-8 sequence
  s.resize(cut);
  return s + "...";
}

std::string ElementName(const Value& elem);

class TreeBuilder {
 public:
  explicit TreeBuilder(const SourceFile& file) : file_(file) {}

  ExplainNode Node(const Expr& e) const {
    ExplainNode n;
    n.source = ExprSourceText(e, file_);
    uint32_t begin = UINT32_MAX;
    uint32_t end = 0;
    Extent(e, begin, end);
    n.location = Location{&file_, begin}.ToString();
    return n;
  }

  ExplainNode NotEvaluated(const Expr& e, std::string label = "") const {
    ExplainNode n = Node(e);
    n.label = std::move(label);
    return n;
  }

  ExplainNode Build(const RawObs& o, std::string label = "") const {
    const Expr& e = *o.expr;
    ExplainNode n = Node(e);
    n.label = std::move(label);
    n.evaluated = true;
    n.value = o.value;
    switch (e.kind) {
      case ExprKind::kLiteral:
      case ExprKind::kIdent: break;
      case ExprKind::kSelect:
        // `step.network.host` is one line: its prefixes say nothing new.
        if (!IsPath(e)) Operands(e, o, n);
        break;
      case ExprKind::kComprehension: Comprehension(e, o, n); break;
      default: Operands(e, o, n); break;
    }
    return n;
  }

 private:
  static bool IsPath(const Expr& e) {
    if (e.kind == ExprKind::kIdent) return true;
    return e.kind == ExprKind::kSelect && e.target && IsPath(*e.target);
  }

  // The operands in source order: evaluated ones with their trees, the
  // others (short-circuited) marked. Evaluated literals are left out: their
  // value is their text.
  void Operands(const Expr& e, const RawObs& o, ExplainNode& n) const {
    std::vector<const Expr*> expected;
    if (e.target) expected.push_back(e.target.get());
    for (const auto& a : e.args) expected.push_back(a.get());
    for (const Expr* c : expected) {
      auto it = std::find_if(o.children.begin(), o.children.end(), [&](const RawObs& r) { return r.expr == c; });
      if (it == o.children.end()) {
        n.children.push_back(NotEvaluated(*c));
      } else if (c->kind != ExprKind::kLiteral) {
        n.children.push_back(Build(*it));
      }
    }
  }

  // The range, then one line per iteration with the variables' values and
  // the trees of what that iteration evaluated.
  void Comprehension(const Expr& e, const RawObs& o, ExplainNode& n) const {
    const RawObs* range = nullptr;
    for (const RawObs& c : o.children) {
      if (c.expr == e.target.get()) range = &c;
    }
    if (range == nullptr) {
      n.children.push_back(NotEvaluated(*e.target));
      return;
    }
    if (e.target->kind != ExprKind::kLiteral) n.children.push_back(Build(*range));
    // (first variable, second variable) per item, as the evaluator binds them.
    const bool two = !e.iter_var2.empty();
    std::vector<std::pair<Value, Value>> items;
    if (range->value.is_list()) {
      const auto& elems = range->value.list().elems;
      for (size_t i = 0; i < elems.size(); ++i) items.emplace_back(Value::Int(static_cast<int64_t>(i)), elems[i]);
      if (!two) {
        for (auto& item : items) item.first = item.second;
      }
    } else if (range->value.is_map()) {
      for (const auto& [k, v] : range->value.map().entries) items.emplace_back(k, two ? v : k);
    }
    // Each iteration starts with the filter when there is one, else with
    // the predicate or transform.
    const Expr* first = e.macro == MacroKind::kFilter ? e.args[0].get()
                        : e.args.size() > 1           ? e.args[1].get()
                                                      : e.args[0].get();
    std::vector<std::vector<const RawObs*>> iterations;
    for (const RawObs& c : o.children) {
      if (&c == range) continue;
      if (c.expr == first || iterations.empty()) iterations.emplace_back();
      iterations.back().push_back(&c);
    }
    for (size_t i = 0; i < iterations.size() && i < kMaxIterationsShown; ++i) {
      ExplainNode it;
      it.label = absl::StrCat("[", i, "] ", e.iter_var, " = ");
      if (i < items.size()) {
        absl::StrAppend(&it.label, ElementName(items[i].first));
        if (two) absl::StrAppend(&it.label, ", ", e.iter_var2, " = ", ElementName(items[i].second));
      } else {
        it.label += "?";
      }
      it.evaluated = true;
      for (const RawObs* c : iterations[i]) {
        if (c->expr->kind == ExprKind::kLiteral) continue;
        it.children.push_back(Build(*c));
      }
      n.children.push_back(std::move(it));
    }
    if (iterations.size() > kMaxIterationsShown) {
      ExplainNode more;
      more.label = absl::StrCat("... ", iterations.size() - kMaxIterationsShown, " more iterations");
      more.evaluated = true;
      n.children.push_back(std::move(more));
    }
    if (iterations.size() < items.size()) {
      ExplainNode rest;
      const size_t left = items.size() - iterations.size();
      rest.label = absl::StrCat(left, left == 1 ? " more element" : " more elements");
      n.children.push_back(std::move(rest));
    }
  }

  const SourceFile& file_;
};

std::string ConditionError(const Value& v, const char* clause) {
  return v.is_error() ? v.error_message() : absl::StrCat("`", clause, "` evaluated to ", KindName(v.kind()), ", not bool");
}

std::pair<std::string, int64_t> StepOf(const Value& elem) {
  if (!elem.is_message() || elem.message().type != &Schema::Get().step) return {"", -1};
  return {OpSelect(elem, "id").str(), OpSelect(elem, "index").int_value()};
}

// A message with an id (a grant) by type and id, anything else by value.
std::string ElementName(const Value& elem) {
  if (elem.is_message()) {
    const Value id = OpSelect(elem, "id");
    if (id.is_string() && !id.str().empty()) {
      std::string type = elem.message().type->full_name;
      return absl::StrCat(type.substr(type.rfind('.') + 1), " ", id.str());
    }
  }
  return Shorten(elem.DebugString(), kMaxLabelValue);
}

ExplainElement BuildElement(const RawRule& raw, const RawElement& el, const TreeBuilder& tb) {
  const RuleDecl& rule = *raw.decl;
  ExplainElement out;
  out.outcome = ExplainOutcome::kFired;
  auto condition = [&](const std::optional<RawObs>& obs, const char* clause, bool fires_when) {
    if (out.outcome != ExplainOutcome::kFired) return;
    if (!obs) {
      out.outcome = ExplainOutcome::kError;
      out.error = absl::StrCat("`", clause, "` was not evaluated");
      return;
    }
    if (!obs->value.is_bool()) {
      out.outcome = ExplainOutcome::kError;
      out.error = ConditionError(obs->value, clause);
    } else if (obs->value.bool_value() != fires_when) {
      out.outcome = ExplainOutcome::kNotFired;
    }
  };
  if (rule.when) condition(el.when, "when", true);
  if (rule.unless) condition(el.unless, "unless", false);

  for (size_t i = 0; i < rule.lets.size(); ++i) {
    std::string label = absl::StrCat("let ", rule.lets[i].name, " =");
    out.clauses.push_back(el.lets[i] ? tb.Build(*el.lets[i], std::move(label))
                                     : tb.NotEvaluated(*rule.lets[i].value, std::move(label)));
  }
  if (rule.when) out.clauses.push_back(el.when ? tb.Build(*el.when, "when") : tb.NotEvaluated(*rule.when, "when"));
  if (rule.unless) {
    out.clauses.push_back(el.unless ? tb.Build(*el.unless, "unless") : tb.NotEvaluated(*rule.unless, "unless"));
  }
  bool has_parts = false;
  for (const MessagePart& p : rule.message) has_parts = has_parts || p.expr != nullptr;
  if (has_parts) {
    ExplainNode m;
    m.label = "message";
    std::string source = "\"";
    std::string text;
    for (size_t i = 0; i < rule.message.size(); ++i) {
      const MessagePart& p = rule.message[i];
      if (!p.expr) {
        source += p.text;
        text += p.text;
        continue;
      }
      ExplainNode part = el.message[i] ? tb.Build(*el.message[i]) : tb.NotEvaluated(*p.expr);
      if (m.location.empty()) m.location = part.location;  // of the first `{expr}`
      absl::StrAppend(&source, "{", part.source, "}");
      if (el.message[i]) {
        m.evaluated = true;
        const Value& v = el.message[i]->value;
        AppendMessagePart(&text, v);
      }
      m.children.push_back(std::move(part));
    }
    if (!m.evaluated) m.children.clear();  // one line says it all
    m.source = source + "\"";
    if (m.evaluated) m.value = Value::String(text);
    out.clauses.push_back(std::move(m));
  }
  return out;
}

}  // namespace

ExplainReport Explain(const CheckedPolicySet& policy, const Plan& plan, const CompileOptions& options) {
  Collector collector(policy.set);
  ExprObserver observer = [&collector](const Expr& e, const Value& v, const ObservedScope& scope) {
    collector.Observe(e, v, scope);
  };
  Decision decision = EvaluateReference(policy, plan, options, &observer);

  ExplainReport report;
  for (const EvalError& err : decision.errors) {
    if (err.rule.empty()) report.errors.push_back(err.message);
  }
  const bool evaluated = report.errors.empty();  // a param failure stops everything
  for (RawRule& raw : collector.rules()) {
    const RuleDecl& rule = *raw.decl;
    ExplainRule out;
    out.name = absl::StrCat(raw.package, ".", rule.name);
    out.effect = rule.effect;
    out.severity = "medium";
    for (const Annotation& a : rule.annotations) {
      if (a.name == "severity" && !a.args.empty()) out.severity = a.args[0];
    }
    out.location = Location{raw.file->source.get(), rule.offset}.ToString();
    out.consulted = raw.consulted && evaluated;
    TreeBuilder tb(*raw.file->source);
    if (!out.consulted) {
      report.rules.push_back(std::move(out));
      continue;
    }
    // The elements, as the evaluator iterated them.
    std::vector<Value> elems;
    if (rule.iter_range) {
      out.has_range = true;
      std::string label = absl::StrCat("for ", rule.iter_var, " in");
      out.range = raw.range ? tb.Build(*raw.range, std::move(label)) : tb.NotEvaluated(*rule.iter_range, std::move(label));
      const Value range = raw.range ? raw.range->value : Value::Error("the `for` range was not evaluated");
      if (range.is_list()) {
        elems = range.list().elems;
      } else if (range.is_map()) {
        for (const auto& kv : range.map().entries) elems.push_back(kv.first);
      } else {
        out.range_error = range.is_error() ? range.error_message()
                                           : absl::StrCat("`for` needs a list, got ", KindName(range.kind()));
      }
      // Elements that evaluated nothing (no when, unless or message parts).
      if (raw.elements.empty()) {
        for (size_t i = 0; i < elems.size(); ++i) raw.elements.push_back(Collector::NewElement(rule));
      }
    } else if (raw.elements.empty()) {
      raw.elements.push_back(Collector::NewElement(rule));
    }
    for (size_t i = 0; i < raw.elements.size(); ++i) {
      ExplainElement el = BuildElement(raw, raw.elements[i], tb);
      if (rule.iter_range) {
        el.element_index = static_cast<int64_t>(i);
        if (i < elems.size()) {
          std::tie(el.step, el.step_index) = StepOf(elems[i]);
          if (el.step_index < 0) el.element = ElementName(elems[i]);
        }
      }
      out.elements.push_back(std::move(el));
    }
    report.rules.push_back(std::move(out));
  }
  return report;
}

// ---------------------------------------------------------------------------
// Filtering.

absl::StatusOr<ExplainReport> FilterExplainReport(const ExplainReport& report, const Plan& plan,
                                                  const ExplainFilter& filter) {
  ExplainReport out;
  out.errors = report.errors;
  if (!filter.rule.empty()) {
    std::vector<std::string> names;
    for (const ExplainRule& r : report.rules) names.push_back(r.name);
    if (std::find(names.begin(), names.end(), filter.rule) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("unknown rule `", filter.rule, "`",
                                                     DidYouMeanHint(filter.rule, names),
                                                     "; the rules are: ", absl::StrJoin(names, ", ")));
    }
  }
  std::string step_id;
  int64_t step_index = -1;
  if (!filter.step.empty()) {
    const Value steps = OpSelect(plan.root, "steps");
    std::vector<std::string> ids;
    std::vector<std::string> listed;
    if (steps.is_list()) {
      for (const Value& s : steps.list().elems) {
        auto [id, index] = StepOf(s);
        ids.push_back(id);
        listed.push_back(absl::StrCat(id, " [", index, "]"));
        int64_t n = -1;
        auto [end, ec] = std::from_chars(filter.step.data(), filter.step.data() + filter.step.size(), n);
        const bool by_index = ec == std::errc() && end == filter.step.data() + filter.step.size() && n == index;
        if (id == filter.step || (by_index && step_index < 0)) {
          step_id = id;
          step_index = index;
        }
      }
    }
    if (step_index < 0) {
      return absl::InvalidArgumentError(absl::StrCat("unknown step `", filter.step, "`",
                                                     DidYouMeanHint(filter.step, ids), "; the plan's steps are: ",
                                                     listed.empty() ? "(none)" : absl::StrJoin(listed, ", ")));
    }
  }
  for (const ExplainRule& r : report.rules) {
    if (!filter.rule.empty() && r.name != filter.rule) continue;
    if (filter.step.empty()) {
      out.rules.push_back(r);
      continue;
    }
    ExplainRule kept = r;
    kept.elements.clear();
    for (const ExplainElement& el : r.elements) {
      if (el.step_index == step_index && el.step == step_id) kept.elements.push_back(el);
    }
    // A rule named by --rule is always shown, and so is a failed range.
    if (kept.elements.empty() && filter.rule.empty() && r.range_error.empty()) continue;
    out.rules.push_back(std::move(kept));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Agreement with the compiled engine.

std::string CompareWithDecision(const ExplainReport& report, const Decision& decision,
                                const std::vector<Permit>& permits) {
  using Key = std::tuple<std::string, int64_t, std::string>;  // rule, step index, kind
  std::map<Key, int> mine;
  std::map<Key, int> engine;
  std::map<std::string, bool> known;
  for (const ExplainRule& r : report.rules) {
    known[r.name] = true;
    if (!r.consulted) continue;
    if (!r.range_error.empty()) ++mine[{r.name, -1, "error"}];
    for (const ExplainElement& el : r.elements) {
      if (el.outcome == ExplainOutcome::kError) ++mine[{r.name, el.step_index, "error"}];
      if (el.outcome == ExplainOutcome::kFired) {
        ++mine[{r.name, el.step_index, r.effect == Effect::kPermit ? "permit" : "finding"}];
      }
    }
  }
  for (size_t i = 0; i < report.errors.size(); ++i) ++mine[{"", -1, "error"}];
  auto finding = [&](const Violation& v) {
    if (!known.count(std::string(v.rule))) return;  // `package.default`: not a rule of the source
    const bool error = v.dryrun && v.message.starts_with("runtime error: ");
    ++engine[{std::string(v.rule), v.step_index, error ? "error" : "finding"}];
  };
  for (const Violation& v : decision.violations) finding(v);
  for (const Violation& v : decision.warnings) finding(v);
  for (const EvalError& e : decision.errors) ++engine[{e.rule, e.rule.empty() ? -1 : e.step_index, "error"}];
  for (const Permit& p : permits) ++engine[{p.rule, p.step_index, "permit"}];

  std::string out;
  auto count = [](const std::map<Key, int>& m, const Key& k) {
    auto it = m.find(k);
    return it == m.end() ? 0 : it->second;
  };
  std::map<Key, int> all = mine;
  all.insert(engine.begin(), engine.end());
  for (const auto& [key, unused] : all) {
    const int a = count(mine, key);
    const int b = count(engine, key);
    if (a == b) continue;
    const auto& [rule, step, kind] = key;
    absl::StrAppend(&out, "rule `", rule.empty() ? "(plan)" : rule, "` step index ", step, ": ", kind, " x", a,
                    " in explain, x", b, " in the engine\n");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rendering.

namespace {

constexpr size_t kMaxSource = 100;
constexpr size_t kMaxValue = 80;
constexpr size_t kValueColumn = 72;  // `=>` at most this far right

// Columns, not bytes: the tree's box characters are three bytes each.
size_t Width(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

std::string ValueText(const ExplainNode& n) {
  if (!n.evaluated) return "(not evaluated)";
  if (n.value.is_error()) return absl::StrCat("=> error: ", Shorten(n.value.error_message(), 2 * kMaxValue));
  std::string v = n.value.DebugString();
  if (v.size() > kMaxValue && (n.value.is_list() || n.value.is_map())) {
    const size_t size = n.value.is_list() ? n.value.list().elems.size() : n.value.map().entries.size();
    return absl::StrCat("=> ", Shorten(v, kMaxValue), " (", size, size == 1 ? " element)" : " elements)");
  }
  return absl::StrCat("=> ", Shorten(std::move(v), kMaxValue));
}

bool HasValue(const ExplainNode& n) { return !n.source.empty(); }

std::string Head(const ExplainNode& n) {
  std::string s = n.label;
  if (!n.source.empty()) {
    if (!s.empty()) s += ' ';
    s += Shorten(n.source, kMaxSource);
  }
  return s;
}

struct Line {
  std::string left;
  std::string right;  // "" for a label-only line
};

void Flatten(const ExplainNode& n, const std::string& lead, const std::string& prefix, std::vector<Line>& out) {
  out.push_back(Line{lead + Head(n), HasValue(n) || !n.evaluated ? ValueText(n) : ""});
  for (size_t i = 0; i < n.children.size(); ++i) {
    const bool last = i + 1 == n.children.size();
    Flatten(n.children[i], prefix + (last ? "└─ " : "├─ "), prefix + (last ? "   " : "│  "), out);
  }
}

void RenderTree(const ExplainNode& root, const std::string& indent, std::string& out) {
  std::vector<Line> lines;
  Flatten(root, indent, indent, lines);
  size_t column = 0;
  for (const Line& l : lines) {
    if (!l.right.empty() && Width(l.left) <= kValueColumn) column = std::max(column, Width(l.left));
  }
  for (const Line& l : lines) {
    out += l.left;
    if (!l.right.empty()) {
      const size_t w = Width(l.left);
      out.append(w < column ? column - w : 0, ' ');
      absl::StrAppend(&out, "  ", l.right);
    }
    out += '\n';
  }
}

std::string ElementHeader(const ExplainRule& r, const ExplainElement& el) {
  std::string s;
  if (el.step_index >= 0) {
    s = absl::StrCat("step ", el.step, " [", el.step_index, "]");
  } else if (el.element_index >= 0) {
    s = absl::StrCat("element [", el.element_index, "] ", el.element);
  } else {
    s = "plan";
  }
  absl::StrAppend(&s, ": ", ExplainOutcomeName(el.outcome));
  if (el.outcome == ExplainOutcome::kFired && r.effect == Effect::kPermit) s += " (permitted)";
  if (el.outcome == ExplainOutcome::kError) absl::StrAppend(&s, ": ", el.error);
  return s;
}

void AppendNodeJson(std::string& out, const ExplainNode& n) {
  out += "{\"label\":";
  AppendJsonString(&out, n.label);
  out += ",\"source\":";
  AppendJsonString(&out, n.source);
  out += ",\"location\":";
  AppendJsonString(&out, n.location);
  absl::StrAppend(&out, ",\"evaluated\":", n.evaluated ? "true" : "false");
  if (n.evaluated && HasValue(n)) {
    if (n.value.is_error()) {
      out += ",\"error\":";
      AppendJsonString(&out, n.value.error_message());
    } else {
      out += ",\"type\":";
      AppendJsonString(&out, KindName(n.value.kind()));
      out += ",\"value\":";
      AppendJsonString(&out, Shorten(n.value.DebugString(), 1000));
    }
  }
  out += ",\"children\":[";
  for (size_t i = 0; i < n.children.size(); ++i) {
    if (i > 0) out += ',';
    AppendNodeJson(out, n.children[i]);
  }
  out += "]}";
}

}  // namespace

std::string RenderExplainText(const ExplainReport& report) {
  std::string out;
  for (const std::string& e : report.errors) absl::StrAppend(&out, "error: ", e, "\n");
  for (size_t i = 0; i < report.rules.size(); ++i) {
    const ExplainRule& r = report.rules[i];
    if (i > 0) out += '\n';
    absl::StrAppend(&out, "rule ", r.name, "  (", EffectName(r.effect), ", ", r.severity, ")  ", r.location, "\n");
    if (!r.consulted) {
      out += report.errors.empty() ? "  not evaluated: a permit rule of a package without `default deny`\n"
                                   : "  not evaluated: the evaluation failed\n";
      continue;
    }
    if (r.has_range) RenderTree(r.range, "  ", out);
    if (!r.range_error.empty()) absl::StrAppend(&out, "  ERROR: ", r.range_error, "\n");
    if (r.has_range && r.elements.empty() && r.range_error.empty()) out += "  (no elements)\n";
    for (const ExplainElement& el : r.elements) {
      absl::StrAppend(&out, "  ", ElementHeader(r, el), "\n");
      for (const ExplainNode& c : el.clauses) RenderTree(c, "    ", out);
    }
  }
  return out;
}

std::string RenderExplainJson(const ExplainReport& report) {
  std::string out = "{\"rules\":[";
  for (size_t i = 0; i < report.rules.size(); ++i) {
    const ExplainRule& r = report.rules[i];
    if (i > 0) out += ',';
    out += "{\"rule\":";
    AppendJsonString(&out, r.name);
    absl::StrAppend(&out, ",\"effect\":\"", EffectName(r.effect), "\",\"severity\":");
    AppendJsonString(&out, r.severity);
    out += ",\"location\":";
    AppendJsonString(&out, r.location);
    absl::StrAppend(&out, ",\"evaluated\":", r.consulted ? "true" : "false", ",\"for\":");
    if (r.has_range) {
      AppendNodeJson(out, r.range);
    } else {
      out += "null";
    }
    if (!r.range_error.empty()) {
      out += ",\"for_error\":";
      AppendJsonString(&out, r.range_error);
    }
    out += ",\"elements\":[";
    for (size_t j = 0; j < r.elements.size(); ++j) {
      const ExplainElement& el = r.elements[j];
      if (j > 0) out += ',';
      absl::StrAppend(&out, "{\"element_index\":", el.element_index);
      if (el.step_index >= 0) {
        out += ",\"step\":";
        AppendJsonString(&out, el.step);
        absl::StrAppend(&out, ",\"step_index\":", el.step_index);
      } else if (!el.element.empty()) {
        out += ",\"element\":";
        AppendJsonString(&out, el.element);
      }
      out += ",\"outcome\":";
      AppendJsonString(&out, el.outcome == ExplainOutcome::kFired      ? "fired"
                             : el.outcome == ExplainOutcome::kNotFired ? "not_fired"
                                                                       : "error");
      if (el.outcome == ExplainOutcome::kError) {
        out += ",\"error\":";
        AppendJsonString(&out, el.error);
      }
      out += ",\"clauses\":[";
      for (size_t k = 0; k < el.clauses.size(); ++k) {
        if (k > 0) out += ',';
        AppendNodeJson(out, el.clauses[k]);
      }
      out += "]}";
    }
    out += "]}";
  }
  out += "],\"errors\":[";
  for (size_t i = 0; i < report.errors.size(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(&out, report.errors[i]);
  }
  out += "]}\n";
  return out;
}

}  // namespace gavel
