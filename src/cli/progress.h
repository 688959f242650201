// A one-line terminal progress bar for downloads: bytes, rate and ETA,
// redrawn in place with '\r'. Rendering is a pure function so it can be
// tested; ProgressBar adds the clock and the terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <string>

namespace ferry::cli {

// "1.5 MiB" style (B, KiB, MiB, GiB; one decimal above bytes).
std::string format_bytes(double bytes);

// One bar line, e.g. "[########------------]  40%  1.2 MiB / 3.0 MiB
// 12.5 MiB/s  ETA 0:03". `total` 0 means unknown (no bar, no ETA).
// `seconds` is the time since the transfer started.
std::string render_progress(uint64_t done, uint64_t total, double seconds, size_t width = 24);

class ProgressBar {
 public:
  // Draws on `out` only if `enabled` (a terminal, no --json).
  ProgressBar(std::ostream& out, bool enabled);
  void update(uint64_t done, uint64_t total);
  // Clears the line so the final message starts on a clean line.
  void finish();
  double elapsed_seconds() const;

 private:
  std::ostream& out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace ferry::cli
