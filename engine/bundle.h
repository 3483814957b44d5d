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
#include <vector>

#include "absl/status/statusor.h"
#include "engine/policy.h"
#include "engine/signature.h"

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

// Appends an Ed25519 signature by `key` over the bundle's header and body
// (docs/bundles.md, "Signed bundles"). Refuses bytes that are not a
// complete bundle, or one already signed.
absl::StatusOr<std::string> SignBundle(std::string_view bundle, const SigningKey& key);

// What a reader asks of a bundle's signature. With trusted keys, a signed
// bundle loads only when signed by one of them and its signature verifies;
// with `require_signature` (which needs trusted keys), an unsigned bundle
// is refused too. With neither, a signature is not checked (as readers
// before signatures did).
struct BundleTrust {
  std::vector<PublicKey> trusted_keys;
  bool require_signature = false;
};

// Loads a bundle. Errors are InvalidArgument (not a bundle, truncated,
// corrupt, malformed, failed verification), FailedPrecondition (another
// format version or engine) or PermissionDenied (the signature: missing
// when required, by an untrusted key, or not verifying), their message
// starting with `name`. The policy's digest is SHA-256 of `bytes`.
absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundle(std::string_view bytes,
                                                                 std::string_view name = "<bundle>",
                                                                 const BundleTrust& trust = {});

// Reads the file at `path` and loads it (messages start with the path;
// NotFound when it cannot be read).
absl::StatusOr<std::shared_ptr<const CompiledPolicy>> ReadBundleFile(const std::string& path,
                                                                     const BundleTrust& trust = {});

// The digest (32 raw bytes) of a policy set compiled from sources: SHA-256
// over its sources sorted by name (name, text), its params sorted by name
// (name, value as a bundle encodes it) and its packages' enforcement
// sorted by package name. See PolicyDigest (policy.h).
std::string PolicySetDigest(const Program& program);

// A digest of what bytecode means to this gavel: the opcodes, the built-in
// table and the plan schema, in order. A bundle records the one it was
// compiled against and loads only where it is the same.
uint32_t EngineFingerprint();

}  // namespace gavel

#endif  // GAVEL_ENGINE_BUNDLE_H_
