#include "engine/sha256.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <iostream>

namespace gavel {

struct Sha256::State {
  EVP_MD_CTX* ctx = nullptr;
};

namespace {
// OpenSSL fails here only when out of memory: nothing sensible to return.
void Check(int ok) {
  if (ok != 1) {
    std::cerr << "gavel: SHA-256 failed in libcrypto\n";
    std::abort();
  }
}
}  // namespace

Sha256::Sha256() : state_(std::make_unique<State>()) {
  state_->ctx = EVP_MD_CTX_new();
  Check(state_->ctx != nullptr);
  Check(EVP_DigestInit_ex(state_->ctx, EVP_sha256(), nullptr));
}

Sha256::~Sha256() { EVP_MD_CTX_free(state_->ctx); }

void Sha256::Update(std::string_view bytes) { Check(EVP_DigestUpdate(state_->ctx, bytes.data(), bytes.size())); }

std::string Sha256::Final() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(state_->ctx, digest, &size));
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string Sha256Digest(std::string_view bytes) {
  Sha256 h;
  h.Update(bytes);
  return h.Final();
}

std::string Sha256Hex(std::string_view bytes) { return HexEncode(Sha256Digest(bytes)); }

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (char c : bytes) {
    const auto b = static_cast<unsigned char>(c);
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 15]);
  }
  return out;
}

}  // namespace gavel
