// A one-line progress bar on a terminal (stderr), for commands that work
// through many plans. It draws nothing unless its file descriptor is a
// terminal, so redirected output never holds a `\r` or an escape sequence.
#ifndef GAVEL_ENGINE_CLI_PROGRESS_H_
#define GAVEL_ENGINE_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>

namespace gavel::cli {

class Progress {
 public:
  // `total_bytes`: what the work adds up to; `inputs`: how many files it
  // is known to hold (a bar appears at once from 50, otherwise after 1 s).
  Progress(int fd, uint64_t total_bytes, uint64_t inputs);
  ~Progress() { Clear(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }
  // Records progress; redraws at most every 100 ms.
  void Update(uint64_t plans, uint64_t done_bytes);
  // Erases the bar (before anything else is written to the terminal); the
  // next Update draws it again.
  void Clear();

 private:
  void Draw();

  const int fd_;
  const bool enabled_;
  const uint64_t total_bytes_;
  const bool many_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  uint64_t plans_ = 0, done_bytes_ = 0;
  bool active_ = false;     // the bar has appeared
  bool on_screen_ = false;  // and is drawn now
};

}  // namespace gavel::cli

#endif  // GAVEL_ENGINE_CLI_PROGRESS_H_
