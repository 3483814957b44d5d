#include "engine/decision_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "engine/sha256.h"
#include "gavel/gavel.h"

namespace gavel {

std::string DecisionLogLine(const DecisionRecord& record) {
  std::string out = "{\"time\": ";
  AppendJsonString(&out, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", record.time, absl::UTCTimeZone()));
  out.append(", \"plan_sha256\": ");
  AppendJsonString(&out, record.plan_sha256);
  out.append(", \"policy_sha256\": ");
  AppendJsonString(&out, record.policy_sha256);
  out.append(", \"gavel_version\": ");
  AppendJsonString(&out, GAVEL_VERSION);
  const Decision empty;
  const std::string decision = (record.decision != nullptr ? *record.decision : empty).ToJson(record.plan);
  // ToJson is one object: its members follow ours.
  out.append(", ");
  out.append(decision, 1, std::string::npos);
  return out;
}

absl::StatusOr<std::unique_ptr<DecisionLog>> DecisionLog::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open the decision log: ", std::strerror(errno)));
  }
  return std::unique_ptr<DecisionLog>(new DecisionLog(path, fd));
}

DecisionLog::~DecisionLog() { ::close(fd_); }

absl::Status DecisionLog::Append(const DecisionRecord& record) {
  const std::string line = DecisionLogLine(record) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  size_t done = 0;
  while (done < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return absl::DataLossError(absl::StrCat(path_, ": cannot write to the decision log: ", std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> Sha256FileHex(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open"));
  Sha256 hash;
  char buffer[1 << 16];
  while (in) {
    in.read(buffer, sizeof buffer);
    hash.Update(std::string_view(buffer, static_cast<size_t>(in.gcount())));
  }
  if (in.bad()) return absl::NotFoundError(absl::StrCat(path, ": cannot read"));
  return HexEncode(hash.Final());
}

}  // namespace gavel
