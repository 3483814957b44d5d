// `gavel keygen -o NAME`: a new Ed25519 key pair for signing bundles
// (docs/bundles.md, "Signed bundles"): NAME, the private key (PEM, mode
// 0600), and NAME.pub, the public key to give `gavel lint --trusted-key`.
// Never overwrites a key.
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/signature.h"

namespace gavel::cli {
namespace {

int Keygen(const std::string& output) {
  absl::StatusOr<SigningKey> key = GenerateSigningKey();
  if (!key.ok()) {
    std::cerr << "gavel: " << key.status().message() << "\n";
    return kExitInvalid;
  }
  if (absl::Status st = WriteKeyPair(*key, output); !st.ok()) {
    std::cerr << "gavel: " << st.message() << "\n";
    return kExitInvalid;
  }
  std::cout << "wrote " << output << " (private key: keep it secret) and " << output << ".pub (key id "
            << key->public_key.IdHex() << ")\n";
  return kExitAllow;
}

}  // namespace

Command AddKeygenCommand(CLI::App& app) {
  auto output = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("keygen", "generate an Ed25519 key pair for signing bundles");
  cmd->add_option("--output,-o", *output, "the private key file to write (NAME; the public key goes to NAME.pub)")
      ->required();
  return [output]() { return Keygen(*output); };
}

}  // namespace gavel::cli
