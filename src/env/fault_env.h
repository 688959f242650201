// FaultEnv: wraps another Env and injects failures, for IO-error and crash
// tests.
//
// Every mutating operation (open for writing, write_at, append, sync,
// truncate, rename, remove, mkdirs, sync_dir) is numbered 1, 2, 3, ... in
// the order it is attempted. A test arms one fault:
//   fail_at(n, code): operation n fails with `code` (kIo for EIO,
//     kResourceExhausted for ENOSPC); later ones succeed again.
//   fail_from(n, code): operation n and every later one fail.
//   crash_at(n): operation n and every later IO (reads too) fail with kIo
//     "crashed": the process is considered dead. The test then calls
//     MemEnv::simulate_crash() on the wrapped env and "restarts" on it.
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "env/env.h"

namespace ferry::env {

class FaultEnv final : public Env {
 public:
  explicit FaultEnv(Env* base);
  ~FaultEnv() override;

  void fail_at(uint64_t n, ErrorCode code);
  void fail_from(uint64_t n, ErrorCode code);
  void crash_at(uint64_t n);
  void disarm();
  // Mutating operations attempted so far.
  uint64_t ops() const;
  bool crashed() const;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Result<uint64_t> file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status mkdirs(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;

  struct State;

 private:
  Env* base_;
  std::shared_ptr<State> state_;
};

}  // namespace ferry::env
