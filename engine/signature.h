// Ed25519 signing keys and signatures (OpenSSL's libcrypto), for signed
// bundles (docs/bundles.md, "Signed bundles").
//
// Key files are PEM, as OpenSSL writes them, so either tool can make them:
//   private: PKCS#8, `-----BEGIN PRIVATE KEY-----`
//            (`openssl genpkey -algorithm ed25519 -out k`)
//   public:  SubjectPublicKeyInfo, `-----BEGIN PUBLIC KEY-----`
//            (`openssl pkey -in k -pubout -out k.pub`)
// A key's id is the first 8 bytes of SHA-256 of its 32 raw public-key
// bytes, shown as 16 hex digits.
#ifndef GAVEL_ENGINE_SIGNATURE_H_
#define GAVEL_ENGINE_SIGNATURE_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace gavel {

inline constexpr size_t kEd25519KeySize = 32;        // raw public key, and private seed
inline constexpr size_t kEd25519SignatureSize = 64;
inline constexpr size_t kKeyIdSize = 8;

struct PublicKey {
  std::string raw;  // kEd25519KeySize bytes
  std::string id;   // kKeyIdSize bytes: SHA-256(raw)[0, 8)
  std::string IdHex() const;
};

struct SigningKey {
  std::string seed;  // kEd25519KeySize bytes (the RFC 8032 private key)
  PublicKey public_key;
};

// A public key from its raw bytes (the id is computed).
absl::StatusOr<PublicKey> PublicKeyFromRaw(std::string_view raw);

// A new key from the system's random source.
absl::StatusOr<SigningKey> GenerateSigningKey();

// PEM texts of keys, and back. Parsing errors start with `name` and refuse
// any key type but Ed25519.
std::string SigningKeyPem(const SigningKey& key);
std::string PublicKeyPem(const PublicKey& key);
absl::StatusOr<SigningKey> ParseSigningKeyPem(std::string_view pem, std::string_view name);
absl::StatusOr<PublicKey> ParsePublicKeyPem(std::string_view pem, std::string_view name);

// Key files (NotFound when the file cannot be read).
absl::StatusOr<SigningKey> ReadSigningKeyFile(const std::string& path);
absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path);

// Writes `path` (the private key, mode 0600) and `path`.pub (the public
// key, mode 0644). Refuses to overwrite either (AlreadyExists).
absl::Status WriteKeyPair(const SigningKey& key, const std::string& path);

// The kEd25519SignatureSize-byte Ed25519 signature of `message`.
absl::StatusOr<std::string> Sign(const SigningKey& key, std::string_view message);

// Whether `signature` is `key`'s signature of `message`.
bool Verify(const PublicKey& key, std::string_view message, std::string_view signature);

}  // namespace gavel

#endif  // GAVEL_ENGINE_SIGNATURE_H_
