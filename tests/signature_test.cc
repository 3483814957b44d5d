// Signed bundles (engine/signature.h, SignBundle and BundleTrust in
// engine/bundle.h) and the policy digest of the audit trail
// (PolicyDigest, engine/decision_log.h).
#include "engine/signature.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "engine/bundle.h"
#include "engine/crc32c.h"
#include "engine/decision_log.h"
#include "engine/sha256.h"

namespace gavel {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<const CompiledPolicy> Compile(const std::string& text, const std::string& name = "p.gavel",
                                              const CompileOptions& options = {}) {
  Diagnostics diags;
  auto policy = CompilePolicy({std::make_shared<SourceFile>(name, text)}, diags, options);
  INFO(diags.Format());
  REQUIRE(policy != nullptr);
  return policy;
}

const char* kPolicy = "package p\nparam limit: int = 3\nrule r { deny when size(plan.steps) > limit }\n";

std::string SmallBundle() {
  absl::StatusOr<std::string> bytes = WriteBundle(*Compile(kPolicy));
  REQUIRE(bytes.ok());
  return *bytes;
}

SigningKey NewKey() {
  absl::StatusOr<SigningKey> key = GenerateSigningKey();
  REQUIRE(key.ok());
  return *key;
}

std::string Signed(const std::string& bundle, const SigningKey& key) {
  absl::StatusOr<std::string> bytes = SignBundle(bundle, key);
  INFO(bytes.status());
  REQUIRE(bytes.ok());
  return *bytes;
}

std::string Message(const absl::Status& st) { return std::string(st.message()); }

TEST_CASE("SHA-256 test vectors") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Sha256 h;
  h.Update("a");
  h.Update("bc");
  CHECK(HexEncode(h.Final()) == Sha256Hex("abc"));
}

TEST_CASE("Ed25519: RFC 8032 test vector 2") {
  // Section 7.1, TEST 2: a one-byte message.
  auto hex = [](std::string_view h) {
    std::string out;
    for (size_t i = 0; i + 1 < h.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
    return out;
  };
  absl::StatusOr<PublicKey> pub =
      PublicKeyFromRaw(hex("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c"));
  REQUIRE(pub.ok());
  const std::string signature = hex(
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  CHECK(Verify(*pub, hex("72"), signature));
  CHECK_FALSE(Verify(*pub, hex("73"), signature));
  CHECK_FALSE(Verify(*pub, hex("72"), signature.substr(1)));

  SigningKey key;
  key.seed = hex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb");
  key.public_key = *pub;
  absl::StatusOr<std::string> made = Sign(key, hex("72"));
  REQUIRE(made.ok());
  CHECK(*made == signature);  // Ed25519 is deterministic
}

TEST_CASE("keys: generate, PEM round trip, key id") {
  const SigningKey key = NewKey();
  CHECK(key.seed.size() == kEd25519KeySize);
  CHECK(key.public_key.raw.size() == kEd25519KeySize);
  CHECK(key.public_key.id == Sha256Digest(key.public_key.raw).substr(0, 8));
  CHECK(key.public_key.IdHex().size() == 16);
  CHECK(NewKey().public_key.raw != key.public_key.raw);

  const std::string private_pem = SigningKeyPem(key), public_pem = PublicKeyPem(key.public_key);
  CHECK(private_pem.find("-----BEGIN PRIVATE KEY-----") == 0);
  CHECK(public_pem.find("-----BEGIN PUBLIC KEY-----") == 0);
  absl::StatusOr<SigningKey> back = ParseSigningKeyPem(private_pem, "k");
  REQUIRE(back.ok());
  CHECK(back->seed == key.seed);
  CHECK(back->public_key.raw == key.public_key.raw);
  absl::StatusOr<PublicKey> pub = ParsePublicKeyPem(public_pem, "k.pub");
  REQUIRE(pub.ok());
  CHECK(pub->id == key.public_key.id);

  // A private key is not a public key, nor text a key.
  absl::StatusOr<PublicKey> wrong = ParsePublicKeyPem(private_pem, "k");
  REQUIRE_FALSE(wrong.ok());
  CHECK(Message(wrong.status()) == "k: not an Ed25519 public key (PEM, `BEGIN PUBLIC KEY`)");
  CHECK_FALSE(ParseSigningKeyPem(public_pem, "k.pub").ok());
  CHECK_FALSE(ParseSigningKeyPem("hello", "x").ok());

  absl::StatusOr<std::string> sig = Sign(key, "message");
  REQUIRE(sig.ok());
  CHECK(sig->size() == kEd25519SignatureSize);
  CHECK(Verify(key.public_key, "message", *sig));
  CHECK_FALSE(Verify(key.public_key, "messagE", *sig));
  CHECK_FALSE(Verify(NewKey().public_key, "message", *sig));
}

TEST_CASE("key files: mode 0600, never overwritten") {
  const fs::path dir = fs::temp_directory_path() / ("gavel_sig_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "k").string();
  const SigningKey key = NewKey();
  REQUIRE(WriteKeyPair(key, path).ok());
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  absl::StatusOr<SigningKey> read = ReadSigningKeyFile(path);
  REQUIRE(read.ok());
  CHECK(read->seed == key.seed);
  absl::StatusOr<PublicKey> pub = ReadPublicKeyFile(path + ".pub");
  REQUIRE(pub.ok());
  CHECK(pub->raw == key.public_key.raw);

  const absl::Status again = WriteKeyPair(NewKey(), path);
  CHECK(again.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReadSigningKeyFile(path)->seed == key.seed);
  CHECK(ReadPublicKeyFile((dir / "missing").string()).status().code() == absl::StatusCode::kNotFound);
  fs::remove_all(dir);
}

TEST_CASE("signed bundles load only as the trust allows") {
  const SigningKey key = NewKey(), other = NewKey();
  const std::string unsigned_bundle = SmallBundle();
  const std::string bundle = Signed(unsigned_bundle, key);
  CHECK(bundle.size() == unsigned_bundle.size() + 5 + 73);
  CHECK(bundle.compare(0, unsigned_bundle.size(), unsigned_bundle) == 0);

  BundleTrust trust;
  trust.trusted_keys = {other.public_key, key.public_key};
  trust.require_signature = true;
  CHECK(ReadBundle(bundle, "b", trust).ok());
  // A reader that checks nothing loads it as before signatures.
  CHECK(ReadBundle(bundle, "b").ok());

  SECTION("signed by a key that is not trusted") {
    BundleTrust others{{other.public_key}, true};
    auto loaded = ReadBundle(bundle, "b", others);
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().code() == absl::StatusCode::kPermissionDenied);
    CHECK(Message(loaded.status()) ==
          "b: bundle signed by key " + key.public_key.IdHex() + ", which is not a trusted key");
  }
  SECTION("unsigned, a signature required") {
    auto loaded = ReadBundle(unsigned_bundle, "b", trust);
    REQUIRE_FALSE(loaded.ok());
    CHECK(Message(loaded.status()) == "b: unsigned bundle; a signature by a trusted key is required");
  }
  SECTION("unsigned, a signature not required") {
    trust.require_signature = false;
    CHECK(ReadBundle(unsigned_bundle, "b", trust).ok());
    CHECK(ReadBundle(unsigned_bundle, "b").ok());
  }
  SECTION("required without a trusted key") {
    auto loaded = ReadBundle(bundle, "b", BundleTrust{{}, true});
    REQUIRE_FALSE(loaded.ok());
    CHECK(Message(loaded.status()) == "b: a signature is required, but no trusted key was given to check it with");
  }
  SECTION("a signature transplanted onto another bundle") {
    absl::StatusOr<std::string> bytes = WriteBundle(*Compile(kPolicy, "q.gavel"));
    REQUIRE(bytes.ok());
    const std::string forged = *bytes + bundle.substr(unsigned_bundle.size());
    auto loaded = ReadBundle(forged, "b", trust);
    REQUIRE_FALSE(loaded.ok());
    CHECK(Message(loaded.status()).find("b: bad signature (key " + key.public_key.IdHex() + ")") == 0);
  }
  SECTION("signed twice") {
    auto twice = SignBundle(bundle, other);
    REQUIRE_FALSE(twice.ok());
    CHECK(Message(twice.status()) == "the bundle is already signed (key " + key.public_key.IdHex() + ")");
    // Two signature sections put there by hand.
    auto loaded = ReadBundle(bundle + bundle.substr(unsigned_bundle.size()), "b", trust);
    REQUIRE_FALSE(loaded.ok());
    CHECK(Message(loaded.status()) == "b: malformed bundle: trailer: two signatures");
  }
  SECTION("not a bundle") { CHECK_FALSE(SignBundle("hello", key).ok()); }
}

TEST_CASE("every byte of a signed bundle is covered") {
  const SigningKey key = NewKey();
  const std::string bundle = Signed(SmallBundle(), key);
  const BundleTrust trust{{key.public_key}, true};
  REQUIRE(ReadBundle(bundle, "b", trust).ok());
  for (size_t i = 0; i < bundle.size(); ++i) {
    for (unsigned char flip : {0x01, 0x80, 0xFF}) {
      std::string tampered = bundle;
      tampered[i] = static_cast<char>(tampered[i] ^ flip);
      auto loaded = ReadBundle(tampered, "b", trust);
      INFO("byte " << i << " of " << bundle.size() << ", xor " << int{flip});
      CHECK_FALSE(loaded.ok());
    }
  }
  // A forger recomputes the checksum: the signature still refuses it.
  const size_t body_end = bundle.size() - 5 - 73;
  for (size_t i = 24; i < body_end; ++i) {
    std::string tampered = bundle;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    const uint32_t crc = Crc32c(std::string_view(tampered).substr(24, body_end - 24));
    for (int b = 0; b < 4; ++b) tampered[20 + b] = static_cast<char>((crc >> (8 * b)) & 0xFF);
    auto loaded = ReadBundle(tampered, "b", trust);
    INFO("byte " << i);
    REQUIRE_FALSE(loaded.ok());
    CHECK(Message(loaded.status()).find("b: bad signature (key " + key.public_key.IdHex() + ")") == 0);
  }
  // Bytes appended or cut off.
  CHECK_FALSE(ReadBundle(bundle + "x", "b", trust).ok());
  CHECK_FALSE(ReadBundle(bundle.substr(0, bundle.size() - 1), "b", trust).ok());
}

TEST_CASE("policy digest") {
  auto a = Compile(kPolicy);
  const std::string digest = PolicyDigest(*a);
  CHECK(digest.size() == 64);
  CHECK(digest.find_first_not_of("0123456789abcdef") == std::string::npos);
  // Stable: the same inputs, the same digest.
  CHECK(PolicyDigest(*Compile(kPolicy)) == digest);
  // Any change of text, name, param or enforcement changes it.
  CHECK(PolicyDigest(*Compile(std::string(kPolicy) + " ")) != digest);
  CHECK(PolicyDigest(*Compile(kPolicy, "other.gavel")) != digest);
  CompileOptions params;
  params.params["p.limit"] = Value::Int(4);
  CHECK(PolicyDigest(*Compile(kPolicy, "p.gavel", params)) != digest);
  params.params["p.limit"] = Value::Int(3);  // the default, given explicitly: the same policy
  CHECK(PolicyDigest(*Compile(kPolicy, "p.gavel", params)) == digest);
  CompileOptions dryrun;
  dryrun.enforcement["p"] = Enforcement::kDryrun;
  CHECK(PolicyDigest(*Compile(kPolicy, "p.gavel", dryrun)) != digest);

  // The order sources are given in does not matter.
  Diagnostics diags;
  auto x = std::make_shared<SourceFile>("x.gavel", "package x\nrule r { deny when false }\n");
  auto y = std::make_shared<SourceFile>("y.gavel", "package y\nrule r { deny when false }\n");
  auto xy = CompilePolicy({x, y}, diags), yx = CompilePolicy({y, x}, diags);
  REQUIRE(xy != nullptr);
  REQUIRE(yx != nullptr);
  CHECK(PolicyDigest(*xy) == PolicyDigest(*yx));

  // From a bundle: SHA-256 of its bytes (what `sha256sum` prints).
  const std::string bundle = SmallBundle();
  auto loaded = ReadBundle(bundle);
  REQUIRE(loaded.ok());
  CHECK(PolicyDigest(**loaded) == Sha256Hex(bundle));
}

TEST_CASE("decision log lines") {
  Decision d;
  Violation& v = d.violations.emplace_back();
  v.rule = "p.r";
  v.severity = "high";
  v.step = "s1";
  v.step_index = 0;
  v.message = "no \"quotes\"";
  v.location = "p.gavel:3:1";
  d.Finish();
  DecisionRecord record{"plans/a.json", Sha256Hex("plan"), Sha256Hex("policy"), &d,
                        absl::FromUnixMillis(1764170645123)};
  const std::string line = DecisionLogLine(record);
  CHECK(line.find("{\"time\": \"2025-11-26T15:24:05.123Z\", \"plan_sha256\": \"" + Sha256Hex("plan") +
                  "\", \"policy_sha256\": \"" + Sha256Hex("policy") + "\", \"gavel_version\": \"") == 0);
  CHECK(line.find(", \"plan\": \"plans/a.json\", \"verdict\": \"deny\", \"violations\": [{") != std::string::npos);
  CHECK(line.find("no \\\"quotes\\\"") != std::string::npos);
  CHECK(line.find('\n') == std::string::npos);
  CHECK(line.back() == '}');

  // Threads appending to one log: whole lines, none lost.
  const std::string path = (fs::temp_directory_path() / ("gavel_log_" + std::to_string(::getpid()))).string();
  fs::remove(path);
  {
    absl::StatusOr<std::unique_ptr<DecisionLog>> log = DecisionLog::Open(path);
    REQUIRE(log.ok());
    std::atomic<int> failed{0};  // Catch2's assertions are not thread-safe
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 200; ++i) failed += (*log)->Append(record).ok() ? 0 : 1;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(failed == 0);
  }
  std::ifstream in(path);
  int lines = 0;
  for (std::string got; std::getline(in, got);) {
    ++lines;
    CHECK(got == line);
  }
  CHECK(lines == 800);
  fs::remove(path);
  CHECK_FALSE(DecisionLog::Open("/nonexistent-dir/log").ok());
}

}  // namespace
}  // namespace gavel
