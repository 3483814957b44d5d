// The progress bar (see progress.h).
#include "engine/cli/progress.h"

#include <unistd.h>

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace gavel::cli {
namespace {

using Clock = std::chrono::steady_clock;

void WriteAll(int fd, const std::string& s) {
  size_t done = 0;
  while (done < s.size()) {
    ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n <= 0) return;  // a progress bar is not worth an error
    done += static_cast<size_t>(n);
  }
}

}  // namespace

Progress::Progress(int fd, uint64_t total_bytes, uint64_t inputs)
    : fd_(fd),
      enabled_(::isatty(fd) == 1),
      total_bytes_(total_bytes),
      many_(inputs >= 50),
      start_(Clock::now()),
      last_draw_(start_) {}

void Progress::Update(uint64_t plans, uint64_t done_bytes) {
  plans_ = plans;
  done_bytes_ = done_bytes;
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (!active_) {
    if (!many_ && now - start_ < std::chrono::seconds(1)) return;
    active_ = true;
  } else if (now - last_draw_ < std::chrono::milliseconds(100)) {
    return;
  }
  last_draw_ = now;
  Draw();
}

void Progress::Draw() {
  constexpr int kWidth = 30;
  const double fraction =
      total_bytes_ == 0 ? 0 : std::min(1.0, static_cast<double>(done_bytes_) / static_cast<double>(total_bytes_));
  const int filled = static_cast<int>(fraction * kWidth);
  const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  // `\r` and erase-line: the bar is redrawn in place.
  WriteAll(fd_, absl::StrFormat("\r\033[K[%s%s] %3d%% %d plans %.1fs", std::string(filled, '#'),
                                std::string(kWidth - filled, '.'), static_cast<int>(fraction * 100), plans_,
                                seconds));
  on_screen_ = true;
}

void Progress::Clear() {
  if (!on_screen_) return;
  WriteAll(fd_, "\r\033[K");
  on_screen_ = false;
}

}  // namespace gavel::cli
