// _gavel: the thin C++ layer of the Python package `gavel` (gavel/__init__.py
// makes it feel native). It compiles policies, evaluates plans given as
// Python objects (read directly by the engine's schema-driven builder, not
// through JSON text), JSON/YAML text or protobuf bytes, and hands decisions
// back. The GIL is released while decoding text and while evaluating.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/bundle.h"
#include "engine/config.h"
#include "engine/plan_internal.h"
#include "engine/policy.h"
#include "engine/program.h"

namespace py = pybind11;

namespace gavel::python {
namespace {

using plan_internal::NodeKind;
using plan_internal::ScalarResult;

// The exception classes of gavel/__init__.py, set once at import.
struct ErrorTypes {
  py::object compile_error;
  py::object plan_error;
  py::object diagnostic;
};
ErrorTypes* error_types = nullptr;  // leaked on purpose: outlives interpreter teardown order

[[noreturn]] void Raise(const py::object& type, const py::object& instance) {
  PyErr_SetObject(type.ptr(), instance.ptr());
  throw py::error_already_set();
}

[[noreturn]] void RaisePlanError(std::string_view message, std::string_view code, std::string_view file = {}) {
  if (error_types == nullptr) throw std::runtime_error(std::string(message));
  py::object e = error_types->plan_error(py::str(std::string(message)), py::str(std::string(code)),
                                         file.empty() ? py::object(py::none()) : py::object(py::str(std::string(file))));
  Raise(error_types->plan_error, e);
}

[[noreturn]] void RaiseCompileError(std::string message, py::list diagnostics) {
  if (error_types == nullptr) throw std::runtime_error(message);
  Raise(error_types->compile_error, error_types->compile_error(py::str(message), diagnostics));
}

py::object MakeDiagnostic(const std::string& file, int line, int column, const std::string& code,
                          const std::string& message) {
  return error_types->diagnostic(file.empty() ? py::object(py::none()) : py::object(py::str(file)), line, column,
                                 code, message);
}

// A plan value of a type the plan cannot hold (a set, an arbitrary object).
struct UnsupportedType : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads Python objects for plan_internal::Builder: dict -> object, list and
// tuple -> array, str, int, float, bool, None; datetime (with a time zone)
// and timedelta become RFC 3339 and "<seconds>s" strings.
class PyAdapter {
 public:
  using Node = PyObject*;
  using Key = PyObject*;
  static constexpr bool kTextTimes = true;

  PyAdapter() {
    py::module_ datetime = py::module_::import("datetime");
    datetime_ = datetime.attr("datetime");
    timedelta_ = datetime.attr("timedelta");
  }

  const char* ObjectName() const { return "a dict"; }
  const char* ArrayName() const { return "a list"; }
  // Aliasing (one list placed many times) can make a small object a huge tree.
  size_t NodeBudget() const { return size_t{1} << 24; }

  NodeKind Kind(PyObject* n) const {
    if (n == Py_None) return NodeKind::kNull;
    if (PyBool_Check(n)) return NodeKind::kBool;
    if (PyLong_Check(n)) {
      int overflow = 0;
      PyLong_AsLongLongAndOverflow(n, &overflow);
      return overflow == 0 ? NodeKind::kInt : NodeKind::kDouble;  // as JSON keeps big numbers
    }
    if (PyFloat_Check(n)) return NodeKind::kDouble;
    if (PyUnicode_Check(n)) return NodeKind::kString;
    if (PyDict_Check(n)) return NodeKind::kObject;
    if (PyList_Check(n) || PyTuple_Check(n)) return NodeKind::kArray;
    if (IsTime(n)) return NodeKind::kString;
    throw UnsupportedType(absl::StrCat("a plan cannot hold a value of type `", Py_TYPE(n)->tp_name,
                                       "` (expected dict, list, tuple, str, int, float, bool, None, "
                                       "datetime or timedelta)"));
  }
  NodeKind KeyKind(PyObject* k) const { return Kind(k); }
  std::string Where(PyObject*) const { return ""; }

  bool KeyText(PyObject* k, std::string_view* out) const {
    if (!PyUnicode_Check(k)) return false;
    *out = Utf8(k);
    return true;
  }
  bool Text(PyObject* n, std::string_view* out) const {
    if (PyUnicode_Check(n)) {
      *out = Utf8(n);
      return true;
    }
    if (IsTime(n)) {
      *out = TimeText(n);
      return true;
    }
    return false;
  }
  ScalarResult Int(PyObject* n, int64_t* out, std::string* shown) const {
    if (PyBool_Check(n)) return ScalarResult::kWrongType;
    if (PyLong_Check(n)) {
      int overflow = 0;
      long long v = PyLong_AsLongLongAndOverflow(n, &overflow);
      if (overflow != 0) {
        *shown = py::str(n).cast<std::string>();
        return ScalarResult::kOutOfRange;
      }
      *out = v;
      return ScalarResult::kOk;
    }
    if (PyFloat_Check(n)) {
      *shown = plan_internal::FormatDouble(PyFloat_AS_DOUBLE(n));
      return ScalarResult::kBadValue;
    }
    return ScalarResult::kWrongType;
  }
  ScalarResult Bool(PyObject* n, bool* out, std::string*) const {
    if (!PyBool_Check(n)) return ScalarResult::kWrongType;
    *out = n == Py_True;
    return ScalarResult::kOk;
  }

  bool BoolValue(PyObject* n) const { return n == Py_True; }
  int64_t IntValue(PyObject* n) const { return PyLong_AsLongLong(n); }
  double DoubleValue(PyObject* n) const {
    if (PyLong_Check(n)) {
      double d = PyLong_AsDouble(n);
      if (d == -1.0 && PyErr_Occurred()) {  // too big even for a double
        PyErr_Clear();
        return std::numeric_limits<double>::infinity();
      }
      return d;
    }
    return PyFloat_AS_DOUBLE(n);
  }
  std::string_view StringValue(PyObject* n) const {
    std::string_view s;
    Text(n, &s);
    return s;
  }

  size_t Size(PyObject* n) const {
    return static_cast<size_t>(PyList_Check(n) ? PyList_GET_SIZE(n) : PyTuple_GET_SIZE(n));
  }
  template <class F>
  absl::Status Members(PyObject* n, F&& f) const {
    // The walk runs no Python code, so the dict cannot change under it.
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(n, &pos, &key, &value)) {
      absl::Status st = f(key, value);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  template <class F>
  absl::Status Elements(PyObject* n, F&& f) const {
    const size_t size = Size(n);
    for (size_t i = 0; i < size; ++i) {
      PyObject* e = PyList_Check(n) ? PyList_GET_ITEM(n, i) : PyTuple_GET_ITEM(n, i);
      absl::Status st = f(i, e);
      if (!st.ok()) return st;
    }
    return absl::OkStatus();
  }
  absl::Status Time(PyObject*, bool, TimeRep*) const { return absl::InternalError("unused"); }

 private:
  static std::string_view Utf8(PyObject* s) {
    Py_ssize_t size = 0;
    const char* data = PyUnicode_AsUTF8AndSize(s, &size);  // cached in the str object
    if (data == nullptr) throw py::error_already_set();    // lone surrogates
    return std::string_view(data, static_cast<size_t>(size));
  }

  bool IsTime(PyObject* n) const {
    return PyObject_IsInstance(n, datetime_.ptr()) == 1 || PyObject_IsInstance(n, timedelta_.ptr()) == 1;
  }

  // The text of a datetime or timedelta, kept alive for the whole walk.
  std::string_view TimeText(PyObject* n) const {
    py::handle h(n);
    std::string text;
    if (PyObject_IsInstance(n, timedelta_.ptr()) == 1) {
      const int64_t days = h.attr("days").cast<int64_t>(), seconds = h.attr("seconds").cast<int64_t>(),
                    micros = h.attr("microseconds").cast<int64_t>();
      const int64_t total = days * 86400 + seconds;  // timedelta normalizes: 0 <= seconds, micros
      if (micros == 0) {
        text = absl::StrCat(total, "s");
      } else if (total < 0) {  // e.g. -1 day + 86399.5 s = -0.5 s
        const int64_t us = total * 1000000 + micros;
        char buf[64];
        std::snprintf(buf, sizeof buf, "-%lld.%06llds", static_cast<long long>(-us / 1000000),
                      static_cast<long long>(-us % 1000000));
        text = buf;
      } else {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%lld.%06llds", static_cast<long long>(total), static_cast<long long>(micros));
        text = buf;
      }
    } else {
      text = h.attr("isoformat")().cast<std::string>();
    }
    texts_.push_back(std::move(text));
    return texts_.back();
  }

  py::object datetime_, timedelta_;
  mutable std::deque<std::string> texts_;
};

Plan PlanFromObject(const py::handle& obj) {
  PyAdapter adapter;
  PlanLimits limits;
  plan_internal::Builder<PyAdapter> builder(adapter, limits);
  absl::StatusOr<Plan> plan;
  try {
    plan = builder.Build(obj.ptr());
  } catch (const UnsupportedType& e) {
    RaisePlanError(e.what(), codes::kPlan);
  }
  if (!plan.ok()) RaisePlanError(std::string(plan.status().message()), codes::kPlan);
  return *std::move(plan);
}

// A decision, as the Python layer reads it.
struct PyDecision {
  Decision decision;

  std::string verdict() const { return VerdictName(decision.verdict); }
  static py::tuple ViolationTuple(const Violation& v) {
    return py::make_tuple(v.rule, EffectName(v.effect), v.severity,
                          v.step_index < 0 ? py::object(py::none()) : py::object(py::str(v.step)),
                          v.step_index < 0 ? py::object(py::none()) : py::object(py::int_(v.step_index)), v.message,
                          v.location, v.approvers, v.dryrun);
  }
  py::list Violations(const std::vector<Violation>& items) const {
    py::list out;
    for (const auto& v : items) out.append(ViolationTuple(v));
    return out;
  }
  py::list violations() const { return Violations(decision.violations); }
  py::list warnings() const { return Violations(decision.warnings); }
  py::list errors() const {
    py::list out;
    for (const auto& e : decision.errors) {
      out.append(py::make_tuple(e.rule, "error", "",
                                e.step_index < 0 ? py::object(py::none()) : py::object(py::str(e.step)),
                                e.step_index < 0 ? py::object(py::none()) : py::object(py::int_(e.step_index)),
                                e.message, e.location, std::vector<std::string>{}, false));
    }
    return out;
  }
  std::string to_json(const std::string& plan_name) const { return decision.ToJson(plan_name); }
};

class PyPolicy {
 public:
  explicit PyPolicy(std::shared_ptr<const CompiledPolicy> policy) : policy_(std::move(policy)) {}

  size_t rule_count() const { return policy_->program().rules.size(); }

  PyDecision EvaluateObject(const py::handle& obj) const {
    Plan plan = PlanFromObject(obj);
    py::gil_scoped_release release;
    return PyDecision{Evaluate(*policy_, plan)};
  }

  // JSON or YAML text, or protobuf bytes.
  PyDecision EvaluateData(std::string data, const std::string& format) const {
    PlanFormat f = format == "json" ? PlanFormat::kJson : format == "yaml" ? PlanFormat::kYaml : PlanFormat::kProto;
    absl::StatusOr<Plan> plan;
    {
      py::gil_scoped_release release;
      plan = DecodePlan(data, f, EvaluationPlanLimits());
      if (plan.ok()) return PyDecision{Evaluate(*policy_, *plan)};
    }
    RaisePlanError(std::string(plan.status().message()), codes::kPlan);
  }

  PyDecision EvaluateFile(const std::string& path) const {
    absl::StatusOr<Plan> plan;
    {
      py::gil_scoped_release release;
      plan = ReadPlanFile(path, EvaluationPlanLimits());
      if (plan.ok()) return PyDecision{Evaluate(*policy_, *plan)};
    }
    const bool io = plan.status().code() == absl::StatusCode::kNotFound;
    RaisePlanError(std::string(plan.status().message()), io ? codes::kIo : codes::kPlan, path);
  }

  // The policy as a bundle (engine/bundle.h): what pickling ships.
  py::bytes ToBundle() const {
    absl::StatusOr<std::string> bytes;
    {
      py::gil_scoped_release release;
      bytes = WriteBundle(*policy_);
    }
    if (!bytes.ok()) throw py::value_error(std::string(bytes.status().message()));
    return py::bytes(*bytes);
  }

 private:
  std::shared_ptr<const CompiledPolicy> policy_;
};

[[noreturn]] void RaiseDiagnostics(const Diagnostics& diags) {
  const auto sorted = diags.Sorted();
  py::list list;
  for (const Diagnostic* d : sorted) {
    list.append(MakeDiagnostic(d->location.file ? d->location.file->name() : "", d->location.line(),
                               d->location.column(), d->code, d->message));
  }
  RaiseCompileError(diags.Format(), list);
}

[[noreturn]] void RaiseIoError(const std::string& message) {
  py::list list;
  list.append(MakeDiagnostic("", 0, 0, codes::kIo, message));
  RaiseCompileError(absl::StrCat("error[io_error]: ", message, "\n"), list);
}

PyPolicy CompileSources(const std::vector<std::shared_ptr<const SourceFile>>& sources,
                        const CompileOptions& options = {}) {
  Diagnostics diags;
  std::shared_ptr<const CompiledPolicy> policy;
  {
    py::gil_scoped_release release;
    policy = CompilePolicy(sources, diags, options);
  }
  if (policy == nullptr) RaiseDiagnostics(diags);
  return PyPolicy(std::move(policy));
}

// The policy set of a project config (gavel.yaml) for `env`: the config's
// policies, then `paths`, then the given sources, with the environment's
// params and enforcement. Config errors raise CompileError like compile errors.
PyPolicy CompileConfig(const std::string& config_path, const std::string& env, std::vector<std::string> paths,
                       const std::vector<std::string>& names, const std::vector<std::string>& texts) {
  Diagnostics diags;
  CompileOptions options;
  std::shared_ptr<const Config> config = LoadConfig(config_path, diags);
  if (config == nullptr || !ResolveEnvironment(*config, env, options, diags)) {
    if (diags.size() == 1 && diags.items()[0].code == codes::kIo) RaiseIoError(diags.items()[0].message);
    RaiseDiagnostics(diags);
  }
  paths.insert(paths.begin(), config->policies.begin(), config->policies.end());
  std::vector<std::shared_ptr<const SourceFile>> sources;
  if (!paths.empty()) {
    auto read = ReadPolicySources(paths);
    if (!read.ok()) RaiseIoError(std::string(read.status().message()));
    sources = std::move(*read);
  }
  for (size_t i = 0; i < texts.size(); ++i) sources.push_back(std::make_shared<SourceFile>(names.at(i), texts[i]));
  if (sources.empty()) {
    throw py::value_error(absl::StrCat(config_path, " lists no policies; give paths or sources too"));
  }
  return CompileSources(sources, options);
}

}  // namespace
}  // namespace gavel::python

PYBIND11_MODULE(_gavel, m) {
  using namespace gavel::python;
  m.doc() = "The C++ core of the `gavel` package; use `gavel`, not this module.";

  m.def("_set_error_types", [](py::object compile_error, py::object plan_error, py::object diagnostic) {
    if (error_types == nullptr) error_types = new ErrorTypes;
    *error_types = ErrorTypes{std::move(compile_error), std::move(plan_error), std::move(diagnostic)};
  });

  py::class_<PyDecision>(m, "Decision")
      .def_property_readonly("verdict", &PyDecision::verdict)
      .def_property_readonly("violations", &PyDecision::violations)
      .def_property_readonly("warnings", &PyDecision::warnings)
      .def_property_readonly("errors", &PyDecision::errors)
      .def_property_readonly("approvers", [](const PyDecision& d) { return d.decision.approvers; })
      .def("to_json", &PyDecision::to_json, py::arg("plan_name") = "");

  py::class_<PyPolicy>(m, "Policy")
      .def_property_readonly("rule_count", &PyPolicy::rule_count)
      .def("evaluate_object", &PyPolicy::EvaluateObject)
      .def("evaluate_data", &PyPolicy::EvaluateData)
      .def("evaluate_file", &PyPolicy::EvaluateFile)
      .def("to_bundle", &PyPolicy::ToBundle);

  // (policy, "") or (None, message): gavel/__init__.py raises BundleError.
  // trusted_keys: PEM texts of public keys; a key that does not parse is
  // reported like a refused bundle.
  m.def("load_bundle", [](const py::bytes& data, const std::vector<std::string>& trusted_keys,
                          bool require_signature) -> py::tuple {
    std::string bytes = data;
    gavel::BundleTrust trust;
    trust.require_signature = require_signature;
    for (size_t i = 0; i < trusted_keys.size(); ++i) {
      auto key = gavel::ParsePublicKeyPem(trusted_keys[i], "trusted key " + std::to_string(i));
      if (!key.ok()) return py::make_tuple(py::none(), std::string(key.status().message()));
      trust.trusted_keys.push_back(*std::move(key));
    }
    absl::StatusOr<std::shared_ptr<const gavel::CompiledPolicy>> policy;
    {
      py::gil_scoped_release release;
      policy = gavel::ReadBundle(bytes, "<bundle>", trust);
    }
    if (!policy.ok()) return py::make_tuple(py::none(), std::string(policy.status().message()));
    return py::make_tuple(PyPolicy(*std::move(policy)), "");
  });

  m.def("compile_sources", [](const std::vector<std::string>& names, const std::vector<std::string>& texts) {
    std::vector<std::shared_ptr<const gavel::SourceFile>> sources;
    for (size_t i = 0; i < texts.size(); ++i) {
      sources.push_back(std::make_shared<gavel::SourceFile>(names.at(i), texts[i]));
    }
    return CompileSources(sources);
  });

  m.def("compile_config", &CompileConfig);

  m.def("compile_paths", [](const std::vector<std::string>& paths) {
    absl::StatusOr<std::vector<std::shared_ptr<const gavel::SourceFile>>> sources;
    {
      py::gil_scoped_release release;
      sources = gavel::ReadPolicySources(paths);
    }
    if (!sources.ok()) RaiseIoError(std::string(sources.status().message()));
    return CompileSources(*sources);
  });
}
