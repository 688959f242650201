#include "cli/file_hash.h"

#include <fcntl.h>
#include <unistd.h>
#include <cerrno>
#include <cstring>

#include <vector>

#include "crypto/blake3.h"

namespace ferry::cli {

Result<FileHash> hash_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return make_error(err == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                      path + ": " + std::strerror(err));
  }
  std::vector<uint8_t> buf(1 << 20);
  crypto::Blake3 hasher;
  FileHash out;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error(ErrorCode::kIo, path + ": " + std::strerror(err));
    }
    if (n == 0) break;
    hasher.update(ByteView(buf.data(), static_cast<size_t>(n)));
    out.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  out.hash = hasher.finalize();
  return out;
}

}  // namespace ferry::cli
