// MemEnv implementation: see mem_env.h for the durability model.
#include "env/mem_env.h"

#include <algorithm>
#include <cstring>

namespace ferry::env {

struct MemEnv::Inode {
  std::mutex mu;
  Bytes data;
  Bytes synced;
};

namespace {

std::string normalize(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return std::string(path);
}

class MemFile final : public File {
 public:
  explicit MemFile(std::shared_ptr<MemEnv::Inode> inode) : inode_(std::move(inode)) {}

  Result<size_t> read_at(uint64_t offset, MutableByteView out) override {
    std::lock_guard lock(inode_->mu);
    const Bytes& d = inode_->data;
    if (offset >= d.size()) return size_t{0};
    size_t n = std::min<uint64_t>(out.size(), d.size() - offset);
    std::memcpy(out.data(), d.data() + offset, n);
    return n;
  }

  Status write_at(uint64_t offset, ByteView data) override {
    std::lock_guard lock(inode_->mu);
    Bytes& d = inode_->data;
    if (offset + data.size() > d.size()) d.resize(offset + data.size());
    if (!data.empty()) std::memcpy(d.data() + offset, data.data(), data.size());
    return ok();
  }

  Status append(ByteView data) override {
    std::lock_guard lock(inode_->mu);
    append_to(inode_->data, data);
    return ok();
  }

  Status sync() override {
    std::lock_guard lock(inode_->mu);
    inode_->synced = inode_->data;
    return ok();
  }

  Result<uint64_t> size() override {
    std::lock_guard lock(inode_->mu);
    return inode_->data.size();
  }

  Status truncate(uint64_t size) override {
    std::lock_guard lock(inode_->mu);
    inode_->data.resize(size);
    return ok();
  }

 private:
  static void append_to(Bytes& out, ByteView data) {
    out.insert(out.end(), data.begin(), data.end());
  }
  std::shared_ptr<MemEnv::Inode> inode_;
};

}  // namespace

MemEnv::MemEnv() {
  dirs_.insert("/");
  dirs_.insert(".");
}
MemEnv::~MemEnv() = default;

Result<std::unique_ptr<File>> MemEnv::open(const std::string& raw_path, OpenMode mode) {
  std::string path = normalize(raw_path);
  std::lock_guard lock(mu_);
  if (dirs_.count(path)) return make_error(ErrorCode::kIo, "open " + path + ": is a directory");
  auto it = names_.find(path);
  if (it == names_.end()) {
    if (mode == OpenMode::kRead)
      return make_error(ErrorCode::kNotFound, "open " + path + ": no such file");
    if (!dirs_.count(parent_dir(path))) {
      return make_error(ErrorCode::kNotFound, "open " + path + ": no such directory");
    }
    it = names_.emplace(path, std::make_shared<Inode>()).first;
  } else if (mode == OpenMode::kCreateTruncate) {
    std::lock_guard ilock(it->second->mu);
    it->second->data.clear();
  }
  return std::unique_ptr<File>(new MemFile(it->second));
}

Status MemEnv::rename(const std::string& from_raw, const std::string& to_raw) {
  std::string from = normalize(from_raw), to = normalize(to_raw);
  std::lock_guard lock(mu_);
  auto it = names_.find(from);
  if (it == names_.end())
    return make_error(ErrorCode::kNotFound, "rename " + from + ": no such file");
  auto inode = it->second;
  names_.erase(it);
  names_[to] = std::move(inode);
  return ok();
}

Status MemEnv::remove(const std::string& raw_path) {
  std::string path = normalize(raw_path);
  std::lock_guard lock(mu_);
  if (names_.erase(path) == 0)
    return make_error(ErrorCode::kNotFound, "remove " + path + ": no such file");
  return ok();
}

Result<std::vector<std::string>> MemEnv::list(const std::string& raw_dir) {
  std::string dir = normalize(raw_dir);
  std::lock_guard lock(mu_);
  if (!dirs_.count(dir))
    return make_error(ErrorCode::kNotFound, "list " + dir + ": no such directory");
  std::vector<std::string> out;
  for (const auto& [name, inode] : names_) {
    if (parent_dir(name) == dir) out.push_back(name.substr(name.rfind('/') + 1));
  }
  for (const auto& d : dirs_) {
    if (d != dir && parent_dir(d) == dir) out.push_back(d.substr(d.rfind('/') + 1));
  }
  return out;
}

Result<uint64_t> MemEnv::file_size(const std::string& raw_path) {
  std::string path = normalize(raw_path);
  std::lock_guard lock(mu_);
  auto it = names_.find(path);
  if (it == names_.end())
    return make_error(ErrorCode::kNotFound, "stat " + path + ": no such file");
  std::lock_guard ilock(it->second->mu);
  return it->second->data.size();
}

bool MemEnv::exists(const std::string& raw_path) {
  std::string path = normalize(raw_path);
  std::lock_guard lock(mu_);
  return names_.count(path) > 0 || dirs_.count(path) > 0;
}

Status MemEnv::mkdirs(const std::string& raw_path) {
  std::string path = normalize(raw_path);
  std::lock_guard lock(mu_);
  while (!path.empty() && !dirs_.count(path)) {
    if (names_.count(path)) return make_error(ErrorCode::kIo, "mkdir " + path + ": is a file");
    dirs_.insert(path);
    path = parent_dir(path);
  }
  return ok();
}

Status MemEnv::sync_dir(const std::string& raw_dir) {
  std::string dir = normalize(raw_dir);
  std::lock_guard lock(mu_);
  for (auto it = durable_names_.begin(); it != durable_names_.end();) {
    if (parent_dir(it->first) == dir && !names_.count(it->first)) {
      it = durable_names_.erase(it);
    } else {
      ++it;
    }
  }
  for (const auto& [name, inode] : names_) {
    if (parent_dir(name) == dir) durable_names_[name] = inode;
  }
  return ok();
}

void MemEnv::simulate_crash() {
  std::lock_guard lock(mu_);
  names_ = durable_names_;
  for (auto& [name, inode] : names_) {
    std::lock_guard ilock(inode->mu);
    inode->data = inode->synced;
  }
}

}  // namespace ferry::env
