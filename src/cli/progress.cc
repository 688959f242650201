#include "cli/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace ferry::cli {

std::string format_bytes(double bytes) {
  static const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 4) {
    bytes /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof(buf), "%.0f B", bytes);
  } else {
    std::snprintf(buf, sizeof(buf), "%.1f %s", bytes, kUnits[unit]);
  }
  return buf;
}

std::string render_progress(uint64_t done, uint64_t total, double seconds, size_t width) {
  std::string line;
  double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  if (total > 0) {
    double frac = std::min(1.0, static_cast<double>(done) / static_cast<double>(total));
    auto filled = static_cast<size_t>(frac * static_cast<double>(width));
    line += "[" + std::string(filled, '#') + std::string(width - filled, '-') + "] ";
    char pct[8];
    std::snprintf(pct, sizeof(pct), "%3d%%", static_cast<int>(frac * 100));
    line += pct;
    line += "  " + format_bytes(static_cast<double>(std::min(done, total))) + " / " +
            format_bytes(static_cast<double>(total));
  } else {
    line += format_bytes(static_cast<double>(done));
  }
  line += "  " + format_bytes(rate) + "/s";
  if (total > 0 && rate > 0) {
    double left = static_cast<double>(total > done ? total - done : 0) / rate;
    auto s = static_cast<long>(std::ceil(left));
    char eta[32];
    std::snprintf(eta, sizeof(eta), "  ETA %ld:%02ld", s / 60, s % 60);
    line += eta;
  }
  return line;
}

ProgressBar::ProgressBar(std::ostream& out, bool enabled) : out_(out), enabled_(enabled) {}

double ProgressBar::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void ProgressBar::update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  out_ << "\r\033[K" << render_progress(done, total, elapsed_seconds()) << std::flush;
  drawn_ = true;
}

void ProgressBar::finish() {
  if (enabled_ && drawn_) out_ << "\r\033[K" << std::flush;
  drawn_ = false;
}

}  // namespace ferry::cli
