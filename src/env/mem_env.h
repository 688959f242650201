// MemEnv: an in-memory Env that models what a crash keeps.
//
// Each file keeps its current bytes and its last synced bytes; each name
// keeps its current binding and the binding last made durable by
// sync_dir(). simulate_crash() rolls both back, as a power cut would: every
// unsynced write and every un-synced create/rename/remove is lost.
// Directories themselves are durable as soon as they are created.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <set>

#include "env/env.h"

namespace ferry::env {

class MemEnv final : public Env {
 public:
  MemEnv();
  ~MemEnv() override;

  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override;
  Status rename(const std::string& from, const std::string& to) override;
  Status remove(const std::string& path) override;
  Result<std::vector<std::string>> list(const std::string& dir) override;
  Result<uint64_t> file_size(const std::string& path) override;
  bool exists(const std::string& path) override;
  Status mkdirs(const std::string& path) override;
  Status sync_dir(const std::string& dir) override;

  // Drops everything not durable (see above). Open File objects keep
  // working on their (rolled back) contents but are no longer reachable
  // by name unless their name was durable.
  void simulate_crash();

  struct Inode;

 private:
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Inode>> names_;
  std::map<std::string, std::shared_ptr<Inode>> durable_names_;
  std::set<std::string> dirs_;
};

}  // namespace ferry::env
