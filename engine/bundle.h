// Compiled bundles: a compiled policy set as bytes, so that a policy is
// compiled once (`gavel compile`) and loaded anywhere without its sources
// being parsed, checked or compiled again. The format is in docs/bundles.md.
//
//   absl::StatusOr<std::string> bytes = WriteBundle(*policy);
//   auto loaded = ReadBundle(*bytes, "policy.bundle");  // decides as `policy`
//
// A bundle is untrusted input: ReadBundle rejects a wrong magic, another
// format version, another instruction set or built-in library, truncation
// and corruption (CRC-32C), then verifies the program (program_verifier.h)
// so that even a crafted bundle with a valid checksum cannot crash or hang
// the VM.
#ifndef GAVEL_ENGINE_BUNDLE_H_
#define GAVEL_ENGINE_BUNDLE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "engine/policy.h"

namespace gavel {

// The format this gavel writes and the only one it reads. Any change to the
// layout or meaning of a bundle's bytes increments it.
inline constexpr uint32_t kBundleFormat = 1;

// The first bytes of every bundle.
inline constexpr std::string_view kBundleMagic{"\x89GAVEL\r\n", 8};

// The bundle of a compiled policy set (with its sources, so locations and
// messages stay as they were). Fails only for values a bundle cannot hold
// (a plan message as a param value).
absl::StatusOr<std::string> WriteBundle(const CompiledPolicy& policy);

// Loads a bundle. Errors are InvalidArgument (not a bundle, truncated,
// corrupt, malformed, failed verification) or FailedPrecondition (another
// format version or engine), their message starting with `name`.
absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundle(std::string_view bytes,
                                                                 std::string_view name = "<bundle>");

// Reads the file at `path` and loads it (messages start with the path;
// NotFound when it cannot be read).
absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundleFile(const std::string& path);

// A digest of what bytecode means to this gavel: the opcodes, the built-in
// table and the plan schema, in order. A bundle records the one it was
// compiled against and loads only where it is the same.
uint32_t EngineFingerprint();

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUNDLE_H_
