// gavel-conformance: runs cases of the CEL conformance suite (one JSON
// object a line, as tests/conformance/README.md describes) against Gavel's
// expression engine.
//
//   gavel-conformance --cases FILE.jsonl [--files basic,logic,...] [--json]
//                     [--ratchet known_failures.txt] [--strict-types]
//
// For each case: type-check the expression with the case's declarations
// (unless disableCheck), compare the checker's type with `checked_type`
// where given, evaluate it with the bindings, and compare the result with
// `value` under CEL equality, or expect an error for `evalError`.
//
// Output: one line per file (`logic: 30/30`), one line per failing case
// with what it got, the pass rate of the core cases (those that need no
// protobuf message type), and last `N passed, N failed`. --json prints the
// same as one JSON object. --ratchet compares the failures with a list of
// known failures and fails if they differ in either direction.
#include <simdjson.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/expression.h"
#include "engine/operators.h"
#include "engine/types.h"
#include "engine/value.h"

namespace {

using gavel::Type;
using gavel::TypeKind;
using gavel::Value;
using gavel::ValueKind;
using simdjson::dom::element;
using simdjson::dom::element_type;

// --- Reading the suite's JSON ----------------------------------------------

// Reasons a case cannot be run are thrown as this (the runner's own code,
// never the engine's): the case fails with the message.
struct Unsupported {
  std::string why;
};

std::string Str(const element& e) {
  std::string_view sv;
  if (e.get_string().get(sv) != simdjson::SUCCESS) throw Unsupported{"expected a JSON string"};
  return std::string(sv);
}

bool Field(const element& obj, const char* key, element* out) {
  if (obj.type() != element_type::OBJECT) return false;
  return obj.get_object()[key].get(*out) == simdjson::SUCCESS;
}

// A protobuf JSON int64/uint64: a string, or a number.
int64_t JsonInt(const element& e) {
  int64_t i = 0;
  if (e.type() == element_type::STRING) {
    if (!absl::SimpleAtoi(Str(e), &i)) throw Unsupported{"bad int64Value"};
    return i;
  }
  if (e.get_int64().get(i) != simdjson::SUCCESS) throw Unsupported{"bad int64Value"};
  return i;
}

uint64_t JsonUint(const element& e) {
  uint64_t u = 0;
  if (e.type() == element_type::STRING) {
    if (!absl::SimpleAtoi(Str(e), &u)) throw Unsupported{"bad uint64Value"};
    return u;
  }
  if (e.get_uint64().get(u) != simdjson::SUCCESS) throw Unsupported{"bad uint64Value"};
  return u;
}

double JsonDouble(const element& e) {
  if (e.type() == element_type::STRING) {
    std::string s = Str(e);
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
    double d = 0;
    if (!absl::SimpleAtod(s, &d)) throw Unsupported{"bad doubleValue"};
    return d;
  }
  double d = 0;
  if (e.get_double().get(d) != simdjson::SUCCESS) throw Unsupported{"bad doubleValue"};
  return d;
}

// A cel.expr.Value in protobuf JSON form.
Value ParseValue(const element& v, int depth = 0) {
  if (depth > 100) throw Unsupported{"value nested too deeply"};
  if (v.type() != element_type::OBJECT) throw Unsupported{"a value must be an object"};
  element x;
  if (Field(v, "nullValue", &x)) return Value::Null();
  if (Field(v, "boolValue", &x)) {
    bool b = false;
    if (x.get_bool().get(b) != simdjson::SUCCESS) throw Unsupported{"bad boolValue"};
    return Value::Bool(b);
  }
  if (Field(v, "int64Value", &x)) return Value::Int(JsonInt(x));
  if (Field(v, "uint64Value", &x)) return Value::Uint(JsonUint(x));
  if (Field(v, "doubleValue", &x)) return Value::Double(JsonDouble(x));
  if (Field(v, "stringValue", &x)) return Value::String(Str(x));
  if (Field(v, "bytesValue", &x)) {
    std::string out;
    if (!absl::Base64Unescape(Str(x), &out)) throw Unsupported{"bad base64 in bytesValue"};
    return Value::Bytes(std::move(out));
  }
  if (Field(v, "typeValue", &x)) return Value::TypeValue(Str(x));
  if (Field(v, "listValue", &x)) {
    std::vector<Value> elems;
    element values;
    if (Field(x, "values", &values)) {
      simdjson::dom::array arr;
      if (values.get_array().get(arr) != simdjson::SUCCESS) throw Unsupported{"bad listValue"};
      for (element e : arr) elems.push_back(ParseValue(e, depth + 1));
    }
    return Value::List(std::move(elems));
  }
  if (Field(v, "mapValue", &x)) {
    std::vector<std::pair<Value, Value>> entries;
    element list;
    if (Field(x, "entries", &list)) {
      simdjson::dom::array arr;
      if (list.get_array().get(arr) != simdjson::SUCCESS) throw Unsupported{"bad mapValue"};
      for (element entry : arr) {
        element k, val;
        if (!Field(entry, "key", &k) || !Field(entry, "value", &val)) throw Unsupported{"bad map entry"};
        Value key = ParseValue(k, depth + 1);
        for (const auto& [ek, ev] : entries) {
          if (gavel::ValuesEqual(ek, key)) throw Unsupported{"duplicate key in mapValue"};
        }
        entries.emplace_back(std::move(key), ParseValue(val, depth + 1));
      }
    }
    return Value::Map(std::move(entries));
  }
  if (Field(v, "objectValue", &x)) throw Unsupported{"objectValue (protobuf messages) is not supported"};
  if (Field(v, "enumValue", &x)) throw Unsupported{"enumValue (protobuf enums) is not supported"};
  throw Unsupported{"unknown kind of value"};
}

// A cel.expr.Type in protobuf JSON form.
Type ParseType(const element& t, int depth = 0) {
  if (depth > 100) throw Unsupported{"type nested too deeply"};
  element x;
  if (Field(t, "primitive", &x)) {
    std::string p = Str(x);
    if (p == "BOOL") return Type::Bool();
    if (p == "INT64") return Type::Int();
    if (p == "UINT64") return Type::Uint();
    if (p == "DOUBLE") return Type::Double();
    if (p == "STRING") return Type::String();
    if (p == "BYTES") return Type::Bytes();
    throw Unsupported{absl::StrCat("primitive type ", p)};
  }
  if (Field(t, "listType", &x)) {
    element elem;
    return Type::List(Field(x, "elemType", &elem) ? ParseType(elem, depth + 1) : Type::Dyn());
  }
  if (Field(t, "mapType", &x)) {
    element k, v;
    return Type::Map(Field(x, "keyType", &k) ? ParseType(k, depth + 1) : Type::Dyn(),
                     Field(x, "valueType", &v) ? ParseType(v, depth + 1) : Type::Dyn());
  }
  if (Field(t, "wellKnown", &x)) {
    std::string w = Str(x);
    if (w == "TIMESTAMP") return Type::Timestamp();
    if (w == "DURATION") return Type::Duration();
    throw Unsupported{absl::StrCat("well-known type ", w)};
  }
  if (Field(t, "messageType", &x)) {
    std::string m = Str(x);
    if (m == "google.protobuf.Timestamp") return Type::Timestamp();
    if (m == "google.protobuf.Duration") return Type::Duration();
    throw Unsupported{absl::StrCat("message type ", m)};
  }
  if (Field(t, "dyn", &x)) return Type::Dyn();
  if (Field(t, "null", &x)) return Type::Null();
  if (Field(t, "type", &x)) return Type::TypeOf(ParseType(x, depth + 1));
  throw Unsupported{"unsupported kind of type"};
}

// The suite's spelling of a checked type: `timestamp`, `null`, `list(int)`.
std::string SuiteTypeName(const Type& t) {
  switch (t.kind()) {
    case TypeKind::kNull: return "null";
    case TypeKind::kTimestamp: return "timestamp";
    case TypeKind::kDuration: return "duration";
    case TypeKind::kList: return absl::StrCat("list(", SuiteTypeName(t.elem()), ")");
    case TypeKind::kMap: return absl::StrCat("map(", SuiteTypeName(t.key()), ", ", SuiteTypeName(t.value()), ")");
    case TypeKind::kType: return t.type_param() ? absl::StrCat("type(", SuiteTypeName(*t.type_param()), ")") : "type";
    default: return t.ToString();
  }
}

// --- Cases -------------------------------------------------------------------

struct Case {
  int line = 0;
  std::string file, section, name;
  bool core = true;
};

struct Outcome {
  bool passed = false;
  std::string got;  // for failures
};

// Whether a case needs protobuf message types (TestAllTypes, wrappers,
// Any, Struct, enums): those are not "core".
bool IsCore(std::string_view line) {
  static const char* const kMarkers[] = {
      "objectValue", "enumValue", "TestAllTypes", "cel.expr.conformance",
      "google.protobuf.Any", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue",
      "google.protobuf.NullValue", "Int32Value", "Int64Value", "UInt32Value", "UInt64Value",
      "google.protobuf.DoubleValue", "FloatValue", "google.protobuf.BoolValue", "google.protobuf.StringValue",
      "google.protobuf.BytesValue", "wrapper(",
  };
  for (const char* m : kMarkers) {
    if (line.find(m) != std::string_view::npos) return false;
  }
  return true;
}

std::string Show(const Value& v) {
  if (v.is_error()) return absl::StrCat("error: ", v.error_message());
  std::string s = v.DebugString();
  if (v.is_int()) return s;
  return absl::StrCat(s, " (", gavel::KindName(v.kind()), ")");
}

// Kinds agree at every level (for --strict-types): 1u is not 1.
bool SameKinds(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  if (a.is_list()) {
    const auto& x = a.list().elems;
    const auto& y = b.list().elems;
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameKinds(x[i], y[i])) return false;
    }
  }
  if (a.is_map()) {
    for (const auto& [k, v] : b.map().entries) {
      const Value* mine = a.map().Find(k);
      if (mine == nullptr || !SameKinds(*mine, v)) return false;
    }
  }
  return true;
}

Outcome RunCase(const element& doc, bool strict_types) {
  element x;
  gavel::ExpressionOptions opts;
  if (!Field(doc, "expr", &x)) throw Unsupported{"no expr"};
  std::string expr = Str(x);
  if (Field(doc, "disableCheck", &x)) {
    bool b = false;
    if (x.get_bool().get(b) == simdjson::SUCCESS && b) opts.check = false;
  }
  bool check_only = false;
  if (Field(doc, "checkOnly", &x)) {
    bool b = false;
    check_only = x.get_bool().get(b) == simdjson::SUCCESS && b;
  }
  if (Field(doc, "container", &x)) opts.container = Str(x);
  if (Field(doc, "typeEnv", &x)) {
    simdjson::dom::array decls;
    if (x.get_array().get(decls) != simdjson::SUCCESS) throw Unsupported{"typeEnv is not an array"};
    for (element d : decls) {
      element name, ident, type;
      if (!Field(d, "name", &name)) throw Unsupported{"declaration without a name"};
      if (Field(d, "function", &ident)) throw Unsupported{"function declarations are not supported"};
      if (!Field(d, "ident", &ident) || !Field(ident, "type", &type)) throw Unsupported{"unsupported declaration"};
      opts.declarations.emplace_back(Str(name), ParseType(type));
    }
  }
  if (Field(doc, "bindings", &x)) {
    simdjson::dom::object bindings;
    if (x.get_object().get(bindings) != simdjson::SUCCESS) throw Unsupported{"bindings is not an object"};
    for (auto [key, b] : bindings) {
      element v;
      if (!Field(b, "value", &v)) throw Unsupported{"binding without a value"};
      opts.bindings[std::string(key)] = ParseValue(v);
    }
  }
  std::string checked_type;
  if (Field(doc, "checked_type", &x)) checked_type = Str(x);
  bool has_value = false, eval_error = false;
  Value expected;
  element value;
  if (Field(doc, "value", &value)) {
    has_value = true;
  } else if (Field(doc, "typedResult", &x) && Field(x, "result", &value)) {
    has_value = true;
  }
  if (has_value) expected = ParseValue(value);
  eval_error = Field(doc, "evalError", &x);
  opts.evaluate = !check_only;

  auto result = gavel::EvaluateExpression(expr, opts);
  if (!result.ok()) {
    std::string msg(result.status().message());
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    for (char& c : msg) {
      if (c == '\n') c = ' ';
    }
    return {false, absl::StrCat("compile error: ", msg)};
  }
  if (opts.check && !checked_type.empty()) {
    std::string got = SuiteTypeName(result->type);
    if (got != checked_type) return {false, absl::StrCat("checked type ", got, ", expected ", checked_type)};
  }
  if (check_only) return {true, ""};
  const Value& v = result->value;
  if (eval_error) {
    if (v.is_error()) return {true, ""};
    return {false, absl::StrCat(Show(v), ", expected an error")};
  }
  if (!has_value) {
    // No expectation but success (e.g. only checked_type): evaluation must not fail.
    if (v.is_error()) return {false, Show(v)};
    return {true, ""};
  }
  bool same = !v.is_error() && gavel::ValuesEqual(v, expected);
  // NaN is never equal, but a NaN result is what a case expecting NaN wants.
  if (!same && v.is_double() && expected.is_double() && std::isnan(v.double_value()) &&
      std::isnan(expected.double_value())) {
    same = true;
  }
  if (same && strict_types && !SameKinds(v, expected)) same = false;
  if (same) return {true, ""};
  return {false, absl::StrCat(Show(v), ", expected ", Show(expected))};
}

// --- Output --------------------------------------------------------------

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

int Usage() {
  std::cerr << "usage: gavel-conformance --cases FILE.jsonl [--files basic,logic,...] [--json]\n"
               "                         [--ratchet KNOWN_FAILURES.txt] [--strict-types]\n";
  return 2;
}

// known_failures.txt: one `file/section/name` a line, optionally followed by
// `  # reason`; blank lines and lines starting with `#` are ignored.
bool ReadKnownFailures(const std::string& path, std::set<std::string>* out) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t hash = line.find(" # ");
    if (hash != std::string::npos) line = line.substr(0, hash);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
    size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') continue;
    out->insert(line.substr(start));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string cases_path, ratchet_path;
  std::set<std::string> only_files;
  bool json = false, strict_types = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&](std::string* out) {
      if (i + 1 >= argc) return false;
      *out = argv[++i];
      return true;
    };
    std::string v;
    if (a == "--cases") {
      if (!next(&cases_path)) return Usage();
    } else if (a == "--files") {
      if (!next(&v)) return Usage();
      for (absl::string_view f : absl::StrSplit(v, ',', absl::SkipEmpty())) only_files.insert(std::string(f));
    } else if (a == "--json") {
      json = true;
    } else if (a == "--strict-types") {
      strict_types = true;
    } else if (a == "--ratchet") {
      if (!next(&ratchet_path)) return Usage();
    } else {
      return Usage();
    }
  }
  if (cases_path.empty()) return Usage();
  std::ifstream in(cases_path, std::ios::binary);
  if (!in) {
    std::cerr << "gavel-conformance: cannot read " << cases_path << "\n";
    return 2;
  }

  struct FileStats {
    int passed = 0, total = 0;
  };
  std::vector<std::string> file_order;
  std::map<std::string, FileStats> files;
  struct Failure {
    Case c;
    std::string got;
  };
  std::vector<Failure> failures;
  std::set<std::string> ran;  // ids of the cases run
  int passed = 0, failed = 0, core_passed = 0, core_total = 0;

  simdjson::dom::parser parser;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    Case c;
    c.line = line_no;
    Outcome outcome;
    element doc;
    simdjson::padded_string padded(line);
    if (parser.parse(padded).get(doc) != simdjson::SUCCESS || doc.type() != element_type::OBJECT) {
      c.file = "malformed";
      c.section = "line";
      c.name = std::to_string(line_no);
      outcome = {false, "not a JSON object"};
    } else {
      element x;
      std::string_view sv;
      c.file = Field(doc, "file", &x) && x.get_string().get(sv) == simdjson::SUCCESS ? std::string(sv) : "unknown";
      c.section = Field(doc, "section", &x) && x.get_string().get(sv) == simdjson::SUCCESS ? std::string(sv) : "";
      c.name = Field(doc, "name", &x) && x.get_string().get(sv) == simdjson::SUCCESS ? std::string(sv)
                                                                                 : absl::StrCat("line ", line_no);
      if (!only_files.empty() && !only_files.count(c.file)) continue;
      c.core = IsCore(line);
      try {
        outcome = RunCase(doc, strict_types);
      } catch (const Unsupported& u) {
        outcome = {false, absl::StrCat("not run: ", u.why)};
      }
    }
    if (!files.count(c.file)) file_order.push_back(c.file);
    FileStats& fs = files[c.file];
    ++fs.total;
    if (c.core) ++core_total;
    ran.insert(absl::StrCat(c.file, "/", c.section, "/", c.name));
    if (outcome.passed) {
      ++fs.passed;
      ++passed;
      if (c.core) ++core_passed;
    } else {
      ++failed;
      failures.push_back({c, outcome.got});
    }
  }

  const double core_rate = core_total ? 100.0 * core_passed / core_total : 100.0;
  if (json) {
    std::cout << "{\"files\": {";
    for (size_t i = 0; i < file_order.size(); ++i) {
      const FileStats& fs = files[file_order[i]];
      std::cout << (i ? ", " : "") << JsonString(file_order[i]) << ": {\"passed\": " << fs.passed
                << ", \"total\": " << fs.total << "}";
    }
    std::cout << "}, \"core\": {\"passed\": " << core_passed << ", \"total\": " << core_total << "}, \"passed\": "
              << passed << ", \"failed\": " << failed << ", \"failures\": [";
    for (size_t i = 0; i < failures.size(); ++i) {
      const Failure& f = failures[i];
      std::cout << (i ? ", " : "") << "{\"file\": " << JsonString(f.c.file) << ", \"section\": "
                << JsonString(f.c.section) << ", \"name\": " << JsonString(f.c.name) << ", \"got\": "
                << JsonString(f.got) << ", \"core\": " << (f.c.core ? "true" : "false") << "}";
    }
    std::cout << "]}\n";
  } else {
    for (const std::string& f : file_order) std::cout << f << ": " << files[f].passed << "/" << files[f].total << "\n";
    for (const Failure& f : failures) {
      std::cout << "FAIL " << f.c.file << "/" << f.c.section << "/" << f.c.name << ": " << f.got << "\n";
    }
    char rate[32];
    std::snprintf(rate, sizeof rate, "%.1f", core_rate);
    std::cout << "core (no protobuf message types): " << core_passed << "/" << core_total << " (" << rate << "%)\n";
    std::cout << passed << " passed, " << failed << " failed\n";
  }

  if (ratchet_path.empty()) return failed == 0 ? 0 : 1;
  std::set<std::string> known;
  if (!ReadKnownFailures(ratchet_path, &known)) {
    std::cerr << "gavel-conformance: cannot read " << ratchet_path << "\n";
    return 2;
  }
  std::set<std::string> failing;
  for (const Failure& f : failures) failing.insert(absl::StrCat(f.c.file, "/", f.c.section, "/", f.c.name));
  int problems = 0;
  for (const std::string& id : failing) {
    if (!known.count(id)) {
      std::cerr << "ratchet: new failure (fix it, or list it in " << ratchet_path << "): " << id << "\n";
      ++problems;
    }
  }
  for (const std::string& id : known) {
    if (!ran.count(id)) {
      std::cerr << "ratchet: listed but not run (remove it): " << id << "\n";
      ++problems;
    } else if (!failing.count(id)) {
      std::cerr << "ratchet: now passes (remove it from " << ratchet_path << "): " << id << "\n";
      ++problems;
    }
  }
  if (problems) {
    std::cerr << "ratchet: " << problems << " difference(s) from the known failures\n";
    return 1;
  }
  std::cerr << "ratchet: failures match the " << known.size() << " known failures\n";
  return 0;
}
