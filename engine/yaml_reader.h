// Reading a YAML settings file (gavel.yaml, test suites) with yaml-cpp, with
// every problem a Diagnostic at its place in the text (yaml-cpp marks carry
// the byte offset), so errors print like compile errors: file, line, column
// and a caret. The pieces every such reader needs: loading one document,
// mappings with known keys ("did you mean"), duplicate keys, a budget
// against alias expansion, and `params` as engine values (the scalars by
// yaml_scalar.h). Plans are read by plan_yaml.cc, which reports Status.
//
//   class ConfigParser : private YamlReader { ... };   // YamlReader(source, "config", codes::kConfig, 64, diags)
//   YAML::Node root;
//   if (!Load(&root)) return nullptr;
//   Mapping(root, "the config", kTopKeys, [&](const std::string& key, const YAML::Node& k, const YAML::Node& v) {...});
#ifndef GAVEL_ENGINE_YAML_READER_H_
#define GAVEL_ENGINE_YAML_READER_H_

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "engine/source.h"
#include "engine/value.h"

namespace gavel {

// `s` in backticks for a message, cut after 80 characters (a pasted document)
// so that messages stay one line.
std::string Backticked(std::string_view s);

// Quoted (or tagged `!!str`): a string, whatever its text.
bool IsQuoted(const YAML::Node& n);
// Absent, empty, or a plain `~`/`null`.
bool IsNullNode(const YAML::Node& n);
// "null", "a sequence", "a mapping" or the scalar in backticks, for messages.
std::string Describe(const YAML::Node& n);

class YamlReader {
 public:
  using MemberFn = absl::FunctionRef<void(const std::string& key, const YAML::Node& key_node, const YAML::Node& value)>;

  // `noun` names the document in messages ("config": "the config is not
  // valid UTF-8"); `code` is the code of errors in its content; values nest at
  // most `max_depth` levels.
  YamlReader(std::shared_ptr<const SourceFile> source, std::string_view noun, const char* code, int max_depth,
             Diagnostics& diags);

  // The document's root (null for an empty text); false, with a diagnostic,
  // for text that is not UTF-8 or not YAML, nests too deep, or holds more
  // than one document.
  bool Load(YAML::Node* root);

  // Calls f(key, key_node, value) for each member of a mapping whose keys are
  // from `known` (an unknown key is an error with "did you mean"; `what` names
  // the mapping in it).
  void Mapping(const YAML::Node& map, std::string_view what, std::span<const char* const> known, MemberFn f);
  // Every member of a mapping with string keys, without duplicates (errors).
  void Members(const YAML::Node& map, MemberFn f);

  // `params: {package.param: value}`, as gavel.yaml and test suites give
  // them: f(name, value, location of the name) for each. False if `v` is
  // null or (an error) not a mapping.
  bool ReadParams(const YAML::Node& key, const YAML::Node& v,
                  absl::FunctionRef<void(const std::string& name, Value value, Location at)> f);

  // Aliases can make a small text a huge tree (the "billion laughs"): every
  // node visited costs one unit of a budget proportional to the text. False
  // (reported once) when it is spent.
  bool Spend(const YAML::Node& n);
  bool over_budget() const { return over_budget_; }

  const std::shared_ptr<const SourceFile>& source() const { return source_; }
  Diagnostics& diags() { return diags_; }

  Location At(size_t offset) const;
  Location At(const YAML::Mark& m, size_t fallback) const;
  // Where a node is; `near` for nodes yaml-cpp has no mark for (an empty
  // value after `key:`).
  Location At(const YAML::Node& n, Location near) const;
  // Where a value is, else where its key is.
  Location At(const YAML::Node& n, const YAML::Node& key) const { return At(n, At(key.Mark(), 0)); }
  // How many characters a caret under the node covers.
  static uint32_t Width(const YAML::Node& n);

  void Error(Location loc, const char* code, std::string message, uint32_t length = 1) {
    diags_.Add(loc, code, std::move(message), length);
  }

 private:
  // A YAML value as an engine value: plain scalars by the YAML 1.2 core
  // schema, quoted scalars as strings, sequences as lists, mappings as maps
  // with string keys. Other tags are errors.
  bool ToValue(const YAML::Node& n, Location near, int depth, Value* out);

  std::shared_ptr<const SourceFile> source_;
  std::string noun_;
  const char* code_;
  int max_depth_;
  Diagnostics& diags_;
  size_t budget_;
  bool over_budget_ = false;
};

}  // namespace gavel

#endif  // GAVEL_ENGINE_YAML_READER_H_
