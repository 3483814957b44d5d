// `gavel compile [PATH...] [--policy PATH...] [--config gavel.yaml [--env NAME]]
// [--sign KEY] -o FILE`: compiles a policy set, with an environment's params
// and enforcement, into a bundle (docs/bundles.md) that `gavel lint --bundle`,
// the C API and Python load without compiling again; with --sign, signed
// with the private key KEY (gavel keygen).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engine/bundle.h"
#include "engine/cli/commands.h"
#include "engine/program.h"
#include "engine/signature.h"

namespace gavel::cli {
namespace {

struct CompileArgs {
  PolicySetArgs policy_set;
  std::vector<std::string> paths;
  std::string output;
  std::string sign;  // a private key file: sign the bundle
};

int Compile(const CompileArgs& opts) {
  PolicySetArgs args = opts.policy_set;
  args.policies.insert(args.policies.end(), opts.paths.begin(), opts.paths.end());
  // The key first: a bad key path fails before any compiling.
  absl::StatusOr<SigningKey> key;
  if (!opts.sign.empty()) {
    key = ReadSigningKeyFile(opts.sign);
    if (!key.ok()) {
      std::cerr << "gavel: " << key.status().message() << "\n";
      return kExitInvalid;
    }
  }
  auto policy = LoadPolicySet(args);
  if (!policy) return kExitInvalid;
  absl::StatusOr<std::string> bytes = WriteBundle(*policy);
  if (bytes.ok() && !opts.sign.empty()) bytes = SignBundle(*bytes, *key);
  if (!bytes.ok()) {
    std::cerr << "gavel: " << bytes.status().message() << "\n";
    return kExitInvalid;
  }
  if (!WriteFileAtomically(opts.output, *bytes)) {
    std::cerr << "gavel: " << opts.output << ": cannot write\n";
    return kExitInvalid;
  }
  std::cout << "wrote " << opts.output << " (" << policy->program().rules.size() << " rules, " << bytes->size()
            << " bytes" << (opts.sign.empty() ? "" : ", signed by key " + key->public_key.IdHex()) << ")\n";
  return kExitAllow;
}

}  // namespace

Command AddCompileCommand(CLI::App& app) {
  auto opts = std::make_shared<CompileArgs>();
  CLI::App* cmd = app.add_subcommand("compile", "compile policies into a bundle that loads without compiling");
  cmd->add_option("paths", opts->paths, "policy files or directories (optional with --config)");
  AddPolicySetOptions(*cmd, opts->policy_set);
  cmd->add_option("--output,-o", opts->output, "the bundle file to write")->required();
  cmd->add_option("--sign", opts->sign, "sign the bundle with this private key (gavel keygen)");
  return [opts]() { return Compile(*opts); };
}

}  // namespace gavel::cli
