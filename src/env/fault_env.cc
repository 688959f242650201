// FaultEnv implementation: see fault_env.h.
#include "env/fault_env.h"

#include <mutex>

namespace ferry::env {

struct FaultEnv::State {
  enum class Mode { kNone, kOnce, kFrom, kCrash };
  std::mutex mu;
  Mode mode = Mode::kNone;
  uint64_t at = 0;
  ErrorCode code = ErrorCode::kIo;
  uint64_t ops = 0;
  bool crashed = false;

  // Counts one mutating operation; returns the injected error, if any.
  Status mutate(std::string_view what) {
    std::lock_guard lock(mu);
    if (crashed) return crash_error(what);
    ++ops;
    if (mode == Mode::kNone || ops < at) return ok();
    switch (mode) {
      case Mode::kOnce:
        if (ops != at) return ok();
        [[fallthrough]];
      case Mode::kFrom: return injected(what);
      case Mode::kCrash: crashed = true; return crash_error(what);
      case Mode::kNone: break;
    }
    return ok();
  }
  // A non-mutating operation: fails only after a crash.
  Status read(std::string_view what) {
    std::lock_guard lock(mu);
    if (crashed) return crash_error(what);
    return ok();
  }
  tl::unexpected<Error> injected(std::string_view what) {
    return make_error(
        code, "injected fault at operation " + std::to_string(ops) + " (" + std::string(what) +
                  (code == ErrorCode::kResourceExhausted ? "): no space left on device"
                                                         : "): input/output error"));
  }
  static tl::unexpected<Error> crash_error(std::string_view what) {
    return make_error(ErrorCode::kIo, "crashed (" + std::string(what) + ")");
  }
};

namespace {

class FaultFile final : public File {
 public:
  FaultFile(std::unique_ptr<File> base, std::shared_ptr<FaultEnv::State> state)
      : base_(std::move(base)), state_(std::move(state)) {}

  Result<size_t> read_at(uint64_t offset, MutableByteView out) override {
    FERRY_TRY(state_->read("read"));
    return base_->read_at(offset, out);
  }
  Status write_at(uint64_t offset, ByteView data) override {
    FERRY_TRY(state_->mutate("write"));
    return base_->write_at(offset, data);
  }
  Status append(ByteView data) override {
    FERRY_TRY(state_->mutate("append"));
    return base_->append(data);
  }
  Status sync() override {
    FERRY_TRY(state_->mutate("sync"));
    return base_->sync();
  }
  Result<uint64_t> size() override {
    FERRY_TRY(state_->read("size"));
    return base_->size();
  }
  Status truncate(uint64_t size) override {
    FERRY_TRY(state_->mutate("truncate"));
    return base_->truncate(size);
  }

 private:
  std::unique_ptr<File> base_;
  std::shared_ptr<FaultEnv::State> state_;
};

}  // namespace

FaultEnv::FaultEnv(Env* base) : base_(base), state_(std::make_shared<State>()) {}
FaultEnv::~FaultEnv() = default;

void FaultEnv::fail_at(uint64_t n, ErrorCode code) {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kOnce;
  state_->at = n;
  state_->code = code;
}
void FaultEnv::fail_from(uint64_t n, ErrorCode code) {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kFrom;
  state_->at = n;
  state_->code = code;
}
void FaultEnv::crash_at(uint64_t n) {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kCrash;
  state_->at = n;
}
void FaultEnv::disarm() {
  std::lock_guard lock(state_->mu);
  state_->mode = State::Mode::kNone;
  state_->crashed = false;
}
uint64_t FaultEnv::ops() const {
  std::lock_guard lock(state_->mu);
  return state_->ops;
}
bool FaultEnv::crashed() const {
  std::lock_guard lock(state_->mu);
  return state_->crashed;
}

Result<std::unique_ptr<File>> FaultEnv::open(const std::string& path, OpenMode mode) {
  if (mode == OpenMode::kRead) {
    FERRY_TRY(state_->read("open"));
  } else {
    FERRY_TRY(state_->mutate("open"));
  }
  FERRY_ASSIGN(auto file, base_->open(path, mode));
  return std::unique_ptr<File>(new FaultFile(std::move(file), state_));
}
Status FaultEnv::rename(const std::string& from, const std::string& to) {
  FERRY_TRY(state_->mutate("rename"));
  return base_->rename(from, to);
}
Status FaultEnv::remove(const std::string& path) {
  FERRY_TRY(state_->mutate("remove"));
  return base_->remove(path);
}
Result<std::vector<std::string>> FaultEnv::list(const std::string& dir) {
  FERRY_TRY(state_->read("list"));
  return base_->list(dir);
}
Result<uint64_t> FaultEnv::file_size(const std::string& path) {
  FERRY_TRY(state_->read("stat"));
  return base_->file_size(path);
}
bool FaultEnv::exists(const std::string& path) {
  if (!state_->read("exists")) return false;
  return base_->exists(path);
}
Status FaultEnv::mkdirs(const std::string& path) {
  FERRY_TRY(state_->mutate("mkdir"));
  return base_->mkdirs(path);
}
Status FaultEnv::sync_dir(const std::string& dir) {
  FERRY_TRY(state_->mutate("sync_dir"));
  return base_->sync_dir(dir);
}

}  // namespace ferry::env
