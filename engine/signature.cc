#include "engine/signature.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/sha256.h"

namespace gavel {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Pkey PrivatePkey(const SigningKey& key) {
  return Pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                           reinterpret_cast<const unsigned char*>(key.seed.data()), key.seed.size()));
}
Pkey PublicPkey(const PublicKey& key) {
  return Pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                          reinterpret_cast<const unsigned char*>(key.raw.data()), key.raw.size()));
}

std::string RawPublic(EVP_PKEY* pkey) {
  std::string raw(kEd25519KeySize, '\0');
  size_t size = raw.size();
  if (EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw.data()), &size) != 1 ||
      size != kEd25519KeySize) {
    return "";
  }
  return raw;
}

absl::StatusOr<SigningKey> FromPkey(EVP_PKEY* pkey) {
  SigningKey key;
  key.seed.assign(kEd25519KeySize, '\0');
  size_t size = key.seed.size();
  if (EVP_PKEY_get_raw_private_key(pkey, reinterpret_cast<unsigned char*>(key.seed.data()), &size) != 1 ||
      size != kEd25519KeySize) {
    return absl::InternalError("cannot read the Ed25519 private key");
  }
  absl::StatusOr<PublicKey> pub = PublicKeyFromRaw(RawPublic(pkey));
  if (!pub.ok()) return pub.status();
  key.public_key = *std::move(pub);
  return key;
}

std::string PemOf(EVP_PKEY* pkey, bool is_private) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) return "";
  const int ok = is_private ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
                            : PEM_write_bio_PUBKEY(bio.get(), pkey);
  if (ok != 1) return "";
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

// The PEM's key, which must be Ed25519.
absl::StatusOr<Pkey> ReadPem(std::string_view pem, std::string_view name, bool is_private) {
  const char* what = is_private ? "an Ed25519 private key (PEM, `BEGIN PRIVATE KEY`)"
                                : "an Ed25519 public key (PEM, `BEGIN PUBLIC KEY`)";
  if (pem.size() > (1 << 20)) return absl::InvalidArgumentError(absl::StrCat(std::string(name), ": not ", what));
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return absl::ResourceExhaustedError("out of memory");
  // A passphrase callback that refuses: encrypted keys are not supported.
  auto no_password = [](char*, int, int, void*) { return 0; };
  Pkey pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, no_password, nullptr)
                       : PEM_read_bio_PUBKEY(bio.get(), nullptr, no_password, nullptr));
  if (!pkey || EVP_PKEY_get_id(pkey.get()) != EVP_PKEY_ED25519) {
    return absl::InvalidArgumentError(absl::StrCat(std::string(name), ": not ", what));
  }
  return pkey;
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::NotFoundError(absl::StrCat(path, ": is a directory"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return text.str();
}

// Creates `path` with `mode` (never over an existing file) and writes `text`.
absl::Status WriteNewFile(const std::string& path, const std::string& text, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) return absl::AlreadyExistsError(absl::StrCat(path, ": already exists; not overwritten"));
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot create: ", std::strerror(errno)));
  }
  // The umask may have narrowed `mode`; a private key must not be wider.
  ::fchmod(fd, mode);
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      ::unlink(path.c_str());
      return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return absl::PermissionDeniedError(absl::StrCat(path, ": cannot write"));
  return absl::OkStatus();
}

}  // namespace

std::string PublicKey::IdHex() const { return HexEncode(id); }

absl::StatusOr<PublicKey> PublicKeyFromRaw(std::string_view raw) {
  if (raw.size() != kEd25519KeySize) {
    return absl::InvalidArgumentError(absl::StrCat("an Ed25519 public key has 32 bytes, not ", raw.size()));
  }
  PublicKey key;
  key.raw.assign(raw);
  key.id = Sha256Digest(raw).substr(0, kKeyIdSize);
  return key;
}

absl::StatusOr<SigningKey> GenerateSigningKey() {
  EVP_PKEY* raw = nullptr;
  std::unique_ptr<EVP_PKEY_CTX, void (*)(EVP_PKEY_CTX*)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nullptr),
                                                             EVP_PKEY_CTX_free);
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return absl::InternalError("cannot generate an Ed25519 key (libcrypto)");
  }
  Pkey pkey(raw);
  return FromPkey(pkey.get());
}

std::string SigningKeyPem(const SigningKey& key) {
  Pkey pkey = PrivatePkey(key);
  return pkey ? PemOf(pkey.get(), true) : "";
}

std::string PublicKeyPem(const PublicKey& key) {
  Pkey pkey = PublicPkey(key);
  return pkey ? PemOf(pkey.get(), false) : "";
}

absl::StatusOr<SigningKey> ParseSigningKeyPem(std::string_view pem, std::string_view name) {
  absl::StatusOr<Pkey> pkey = ReadPem(pem, name, true);
  if (!pkey.ok()) return pkey.status();
  return FromPkey(pkey->get());
}

absl::StatusOr<PublicKey> ParsePublicKeyPem(std::string_view pem, std::string_view name) {
  absl::StatusOr<Pkey> pkey = ReadPem(pem, name, false);
  if (!pkey.ok()) return pkey.status();
  return PublicKeyFromRaw(RawPublic(pkey->get()));
}

absl::StatusOr<SigningKey> ReadSigningKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseSigningKeyPem(*text, path);
}

absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParsePublicKeyPem(*text, path);
}

absl::Status WriteKeyPair(const SigningKey& key, const std::string& path) {
  const std::string private_pem = SigningKeyPem(key), public_pem = PublicKeyPem(key.public_key);
  if (private_pem.empty() || public_pem.empty()) return absl::InternalError("cannot encode the key (libcrypto)");
  const std::string pub_path = path + ".pub";
  std::error_code ec;
  if (std::filesystem::exists(pub_path, ec)) {
    return absl::AlreadyExistsError(absl::StrCat(pub_path, ": already exists; not overwritten"));
  }
  if (absl::Status st = WriteNewFile(path, private_pem, 0600); !st.ok()) return st;
  if (absl::Status st = WriteNewFile(pub_path, public_pem, 0644); !st.ok()) {
    ::unlink(path.c_str());
    return st;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Sign(const SigningKey& key, std::string_view message) {
  Pkey pkey = PrivatePkey(key);
  MdCtx ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureSize, '\0');
  size_t size = signature.size();
  // Ed25519 hashes the message itself: no digest is named (nullptr).
  if (!pkey || !ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1 ||
      size != kEd25519SignatureSize) {
    return absl::InternalError("cannot sign (libcrypto)");
  }
  return signature;
}

bool Verify(const PublicKey& key, std::string_view message, std::string_view signature) {
  if (signature.size() != kEd25519SignatureSize) return false;
  Pkey pkey = PublicPkey(key);
  MdCtx ctx(EVP_MD_CTX_new());
  return pkey && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                          reinterpret_cast<const unsigned char*>(message.data()), message.size()) == 1;
}

}  // namespace gavel
