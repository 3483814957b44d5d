// The decision log: the audit trail of `gavel lint --decision-log FILE`
// (docs/security.md, "Audit trail"). One JSON object per line and per
// decision, appended:
//
//   {"time": "2026-11-26T15:04:05.123Z", "plan_sha256": "...",
//    "policy_sha256": "...", "gavel_version": "0.1.0", "plan": "plans/a.json",
//    "verdict": "deny", "violations": [...], "warnings": [...],
//    "errors": [...], "approvers": [...]}
//
// (the keys from "plan" on are Decision::ToJson's). Each line is written
// with one write(2) on a file opened with O_APPEND, under a mutex: lines
// from threads, or from several processes appending to one local file,
// never interleave, and a line is on disk (in the page cache) as soon as
// Append returns.
#ifndef GAVEL_ENGINE_DECISION_LOG_H_
#define GAVEL_ENGINE_DECISION_LOG_H_

#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "engine/decision.h"

namespace gavel {

struct DecisionRecord {
  std::string plan;           // the plan's name: its path (FILE:LINE for a JSON Lines record)
  std::string plan_sha256;    // 64 hex digits: SHA-256 of the plan's bytes
  std::string policy_sha256;  // 64 hex digits: PolicyDigest (policy.h)
  const Decision* decision = nullptr;
  absl::Time time = absl::Now();
};

// The record's line, without the newline.
std::string DecisionLogLine(const DecisionRecord& record);

class DecisionLog {
 public:
  // Opens `path` for appending, creating it (mode 0644, less the umask) if
  // it does not exist. Errors name the path.
  static absl::StatusOr<std::unique_ptr<DecisionLog>> Open(const std::string& path);
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  // Appends the record's line. Safe to call from any number of threads.
  absl::Status Append(const DecisionRecord& record);

 private:
  DecisionLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  const std::string path_;
  const int fd_;
  std::mutex mu_;
};

// SHA-256 of a file's bytes as 64 hex digits (what `sha256sum` prints);
// NotFound when it cannot be read.
absl::StatusOr<std::string> Sha256FileHex(const std::string& path);

}  // namespace gavel

#endif  // GAVEL_ENGINE_DECISION_LOG_H_
