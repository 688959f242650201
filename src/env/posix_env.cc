// PosixEnv: Env on the operating system (pread/pwrite/fsync).
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "env/env.h"

namespace ferry::env {
namespace {

Error errno_error(std::string_view what, const std::string& path, int err) {
  ErrorCode code = ErrorCode::kIo;
  if (err == ENOENT) code = ErrorCode::kNotFound;
  if (err == ENOSPC || err == EDQUOT) code = ErrorCode::kResourceExhausted;
  return Error(code, std::string(what) + " " + path + ": " + strerror(err));
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<size_t> read_at(uint64_t offset, MutableByteView out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return tl::unexpected(errno_error("read", path_, errno));
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Status write_at(uint64_t offset, ByteView data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return tl::unexpected(errno_error("write", path_, errno));
      }
      done += static_cast<size_t>(n);
    }
    return ok();
  }

  Status append(ByteView data) override {
    FERRY_ASSIGN(uint64_t end, size());
    return write_at(end, data);
  }

  void start_writeback() override {
    // Whole file (nbytes 0 = to its end); only dirty pages not already
    // under writeback are queued.
    (void)::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return tl::unexpected(errno_error("sync", path_, errno));
    return ok();
  }

  Result<uint64_t> size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return tl::unexpected(errno_error("stat", path_, errno));
    return static_cast<uint64_t>(st.st_size);
  }

  Status truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return tl::unexpected(errno_error("truncate", path_, errno));
    }
    return ok();
  }

 private:
  int fd_;
  std::string path_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> open(const std::string& path, OpenMode mode) override {
    int flags = O_CLOEXEC;
    switch (mode) {
      case OpenMode::kRead: flags |= O_RDONLY; break;
      case OpenMode::kReadWrite: flags |= O_RDWR | O_CREAT; break;
      case OpenMode::kCreateTruncate: flags |= O_RDWR | O_CREAT | O_TRUNC; break;
    }
    int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return tl::unexpected(errno_error("open", path, errno));
    struct stat st;
    if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
      ::close(fd);
      return tl::unexpected(Error(ErrorCode::kIo, "open " + path + ": is a directory"));
    }
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }

  Status rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return tl::unexpected(errno_error("rename", from, errno));
    }
    return ok();
  }

  Status remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return tl::unexpected(errno_error("remove", path, errno));
    return ok();
  }

  Result<std::vector<std::string>> list(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return tl::unexpected(errno_error("list", dir, errno));
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    return names;
  }

  Result<uint64_t> file_size(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return tl::unexpected(errno_error("stat", path, errno));
    return static_cast<uint64_t>(st.st_size);
  }

  bool exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }

  Status mkdirs(const std::string& path) override {
    if (path.empty() || exists(path)) return ok();
    std::string parent = parent_dir(path);
    if (parent != path && parent != ".") FERRY_TRY(mkdirs(parent));
    if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
      return tl::unexpected(errno_error("mkdir", path, errno));
    }
    return ok();
  }

  Status sync_dir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return tl::unexpected(errno_error("open dir", dir, errno));
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return tl::unexpected(errno_error("sync dir", dir, err));
    return ok();
  }
};

}  // namespace

Env* posix_env() {
  static Env* env = new PosixEnv();
  return env;
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (!out.empty() && out.back() != '/') out.push_back('/');
  out.append(name);
  return out;
}

std::string parent_dir(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

Result<Bytes> read_file(Env& env, const std::string& path) {
  FERRY_ASSIGN(auto file, env.open(path, OpenMode::kRead));
  FERRY_ASSIGN(uint64_t size, file->size());
  Bytes out(size);
  FERRY_ASSIGN(size_t n, file->read_at(0, out));
  out.resize(n);
  return out;
}

Status write_file(Env& env, const std::string& path, ByteView data) {
  FERRY_ASSIGN(auto file, env.open(path, OpenMode::kCreateTruncate));
  FERRY_TRY(file->write_at(0, data));
  return file->sync();
}

}  // namespace ferry::env
