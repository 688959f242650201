// Env: the file system behind an interface, so stores can run on disk
// (PosixEnv), in memory (MemEnv) and under injected faults (FaultEnv).
//
// Paths are plain strings with '/' separators. Durability model (what a
// crash keeps) is the POSIX one: file contents survive a crash only once
// File::sync() returned; a directory entry created, renamed or removed
// survives only once sync_dir() of its parent directory returned.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::env {

// An open file. Not thread-safe: one owner at a time.
class File {
 public:
  virtual ~File() = default;

  // Reads up to out.size() bytes at `offset`; returns how many were read,
  // fewer only at end of file (0 at or past the end). Errors: kIo.
  [[nodiscard]] virtual Result<size_t> read_at(uint64_t offset, MutableByteView out) = 0;
  // Writes all of `data` at `offset`, extending the file (with zeros in any
  // gap) as needed. Errors: kIo, kResourceExhausted (disk full).
  [[nodiscard]] virtual Status write_at(uint64_t offset, ByteView data) = 0;
  // Writes `data` at the current end of the file.
  [[nodiscard]] virtual Status append(ByteView data) = 0;
  // Makes every write so far durable. Errors: kIo.
  [[nodiscard]] virtual Status sync() = 0;
  // A hint: start writing the file's written data to the device now,
  // without waiting, so a later sync() has little left to do and dirty
  // pages do not pile up. Promises nothing (durability is sync()'s); no-op
  // where it means nothing.
  virtual void start_writeback() {}
  [[nodiscard]] virtual Result<uint64_t> size() = 0;
  [[nodiscard]] virtual Status truncate(uint64_t size) = 0;
};

enum class OpenMode {
  kRead,            // existing file, read only; kNotFound if absent
  kReadWrite,       // existing file or a new empty one, read and write
  kCreateTruncate,  // new or emptied file, read and write
};

class Env {
 public:
  virtual ~Env() = default;

  // Errors: kNotFound (kRead of a missing file), kIo (permissions, ...).
  [[nodiscard]] virtual Result<std::unique_ptr<File>> open(const std::string& path,
                                                           OpenMode mode) = 0;
  // Atomically replaces `to` with `from`. Errors: kNotFound, kIo.
  [[nodiscard]] virtual Status rename(const std::string& from, const std::string& to) = 0;
  // Removes a file. Errors: kNotFound, kIo.
  [[nodiscard]] virtual Status remove(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, unordered.
  [[nodiscard]] virtual Result<std::vector<std::string>> list(const std::string& dir) = 0;
  // Size of a file. Errors: kNotFound, kIo.
  [[nodiscard]] virtual Result<uint64_t> file_size(const std::string& path) = 0;
  [[nodiscard]] virtual bool exists(const std::string& path) = 0;
  // Creates a directory and its missing parents; ok if it exists.
  [[nodiscard]] virtual Status mkdirs(const std::string& path) = 0;
  // Makes creations, renames and removals inside `dir` durable.
  [[nodiscard]] virtual Status sync_dir(const std::string& dir) = 0;
};

// The process-wide POSIX environment (never destroyed).
Env* posix_env();

// "a/b" + "c" -> "a/b/c".
std::string join_path(std::string_view dir, std::string_view name);
// "a/b/c" -> "a/b"; "c" -> ".".
std::string parent_dir(std::string_view path);

// Reads a whole file (for small files: tests, metadata). Errors as open/read.
[[nodiscard]] Result<Bytes> read_file(Env& env, const std::string& path);
// Creates/truncates `path`, writes `data`, syncs.
[[nodiscard]] Status write_file(Env& env, const std::string& path, ByteView data);

}  // namespace ferry::env
