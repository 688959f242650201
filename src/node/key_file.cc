#include "node/key_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/encoding.h"

namespace ferry::node {
namespace {

Status write_private(const std::filesystem::path& path, const std::string& text) {
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorCode::kIo,
                      "cannot create " + tmp.string() + ": " + std::strerror(errno));
  }
  bool good = ::fchmod(fd, 0600) == 0 &&
              ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
  good = (::close(fd) == 0) && good;
  if (!good || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return make_error(ErrorCode::kIo, "cannot write " + path.string());
  }
  return ok();
}

}  // namespace

Result<net::SecretKey> load_or_create_secret_key(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    if (std::filesystem::exists(path)) {
      return make_error(ErrorCode::kIo, "cannot read " + path.string());
    }
    auto key = net::SecretKey::generate();
    FERRY_TRY(write_private(path, hex_encode(key.seed()) + "\n"));
    return key;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  auto seed = hex_decode(text);
  if (!seed || seed->size() != net::SecretKey::kSize) {
    return make_error(ErrorCode::kCorrupt,
                      path.string() + " is not a node key (64 hex characters expected)");
  }
  return net::SecretKey::from_bytes(*seed);
}

}  // namespace ferry::node
