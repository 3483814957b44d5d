// SHA-256 (OpenSSL's libcrypto, EVP): the digests of the audit trail
// (plans and policy sets, docs/security.md) and of signing keys (key ids).
#ifndef GAVEL_ENGINE_SHA256_H_
#define GAVEL_ENGINE_SHA256_H_

#include <memory>
#include <string>
#include <string_view>

namespace gavel {

// An incremental SHA-256: Update any number of times, then Final once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view bytes);
  // The 32 raw bytes of the digest.
  std::string Final();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The 32 raw bytes of SHA-256(bytes).
std::string Sha256Digest(std::string_view bytes);
// The digest as 64 lowercase hex digits (what `sha256sum` prints).
std::string Sha256Hex(std::string_view bytes);
// Lowercase hex of any bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace gavel

#endif  // GAVEL_ENGINE_SHA256_H_
