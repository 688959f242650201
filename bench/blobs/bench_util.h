// Helpers for the blob store benchmarks: wall-clock timing, peak RSS, temp
// directories.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

namespace ferry::blobs::bench {

inline double now_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Peak resident set size of this process so far (VmHWM), in KiB.
inline long peak_rss_kib() {
  FILE* f = std::fopen("/proc/self/status", "r");
  if (!f) return -1;
  char line[256];
  long kib = -1;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::strtol(line + 6, nullptr, 10);
  }
  std::fclose(f);
  return kib;
}

// A fresh directory under `base` (default /tmp), removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const char* base = "/tmp") {
    std::string tmpl = std::string(base) + "/ferry_blobs_bench_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    if (::system(cmd.c_str()) != 0) std::fprintf(stderr, "cannot remove %s\n", path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace ferry::blobs::bench
