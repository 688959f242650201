#include "node/control.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ferry::node {
namespace {

constexpr size_t kMaxLine = 1 << 20;  // a request or reply line; ours are tiny

Result<sockaddr_un> unix_addr(const std::filesystem::path& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& s = path.native();
  if (s.size() >= sizeof(addr.sun_path)) {
    return make_error(ErrorCode::kInvalidArgument,
                      "control socket path too long for a Unix socket: " + s);
  }
  std::memcpy(addr.sun_path, s.c_str(), s.size() + 1);
  return addr;
}

bool write_all(int fd, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads one '\n'-terminated line from `fd` using `buffer` for leftovers.
// Returns nullopt on EOF before a full line.
Result<std::optional<std::string>> read_raw_line(int fd, std::string& buffer) {
  for (;;) {
    auto nl = buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      return std::optional<std::string>(std::move(line));
    }
    if (buffer.size() > kMaxLine) return make_error(ErrorCode::kProtocol, "control line too long");
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return make_error(ErrorCode::kIo, std::string("control socket: ") + std::strerror(errno));
    if (n == 0) return std::optional<std::string>();
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

const ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,   ErrorCode::kNotFound,    ErrorCode::kAlreadyExists,
    ErrorCode::kCorrupt,           ErrorCode::kProtocol,    ErrorCode::kIo,
    ErrorCode::kResourceExhausted, ErrorCode::kUnsupported, ErrorCode::kCancelled,
    ErrorCode::kTimeout,           ErrorCode::kInternal};

}  // namespace

std::filesystem::path control_socket_path(const std::filesystem::path& data_dir) {
  return data_dir / "node.sock";
}

Error error_from_json(const nlohmann::json& line) {
  std::string message = line.value("error", std::string("node reported an error"));
  std::string code = line.value("code", std::string());
  for (auto c : kAllCodes) {
    if (error_code_name(c) == code) return Error(c, message);
  }
  return Error(ErrorCode::kInternal, message);
}

nlohmann::json error_to_json(const Error& error) {
  return {{"ok", false},
          {"error", error.message()},
          {"code", std::string(error_code_name(error.code()))}};
}

// ---- client ----

Result<std::optional<ControlClient>> ControlClient::connect(const std::filesystem::path& data_dir) {
  auto path = control_socket_path(data_dir);
  FERRY_ASSIGN(auto addr, unix_addr(path));
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot create a Unix socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    // No socket, or a socket file nobody listens on (a node that died).
    if (err == ENOENT || err == ECONNREFUSED) return std::optional<ControlClient>();
    return make_error(ErrorCode::kIo,
                      "cannot connect to the node at " + path.string() + ": " + std::strerror(err));
  }
  return std::optional<ControlClient>(ControlClient(fd));
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<nlohmann::json> ControlClient::read_line() {
  FERRY_ASSIGN(auto line, read_raw_line(fd_, buffer_));
  if (!line) return make_error(ErrorCode::kIo, "the node closed the control connection");
  auto doc = nlohmann::json::parse(*line, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return make_error(ErrorCode::kProtocol, "the node sent a malformed control line");
  }
  return doc;
}

Result<nlohmann::json> ControlClient::call(
    const nlohmann::json& request, const std::function<void(const nlohmann::json&)>& on_event) {
  if (!write_all(fd_, request.dump() + "\n")) {
    return make_error(ErrorCode::kIo, "cannot send to the node's control socket");
  }
  for (;;) {
    FERRY_ASSIGN(auto line, read_line());
    if (line.contains("ok")) {
      if (line["ok"] == true) return line;
      return tl::unexpected(error_from_json(line));
    }
    if (on_event) on_event(line);
  }
}

// ---- server ----

Result<std::unique_ptr<ControlServer>> ControlServer::start(const std::filesystem::path& data_dir,
                                                            Handler handler,
                                                            AfterReply after_reply) {
  auto path = control_socket_path(data_dir);
  FERRY_ASSIGN(auto addr, unix_addr(path));
  // A live node already answering here wins; a stale file is replaced.
  FERRY_ASSIGN(auto existing, ControlClient::connect(data_dir));
  if (existing) {
    return make_error(ErrorCode::kAlreadyExists,
                      "a node is already running on " + data_dir.string());
  }
  ::unlink(path.c_str());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot create a Unix socket");
  // The socket is created with mode 0600 (umask) and chmod'ed to be sure.
  mode_t old = ::umask(0177);
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int err = errno;
  ::umask(old);
  if (rc != 0 || ::chmod(path.c_str(), 0600) != 0 || ::listen(fd, 16) != 0) {
    if (rc != 0) errno = err;
    std::string why = std::strerror(errno);
    ::close(fd);
    return make_error(ErrorCode::kIo, "cannot listen on " + path.string() + ": " + why);
  }
  return std::unique_ptr<ControlServer>(
      new ControlServer(fd, path, std::move(handler), std::move(after_reply)));
}

ControlServer::ControlServer(int fd, std::filesystem::path path, Handler handler,
                             AfterReply after_reply)
    : listen_fd_(fd),
      path_(std::move(path)),
      handler_(std::move(handler)),
      after_reply_(std::move(after_reply)) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

ControlServer::~ControlServer() {
  stop();
}

void ControlServer::stop() {
  if (stopping_.exchange(true)) return;
  ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_);
    for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  ::unlink(path_.c_str());
}

void ControlServer::accept_loop() {
  while (!stopping_) {
    int c = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shut down (or a fatal error)
    }
    std::lock_guard lock(m_);
    if (stopping_) {
      ::close(c);
      return;
    }
    clients_.insert(c);
    threads_.emplace_back([this, c] { serve(c); });
  }
}

void ControlServer::serve(int fd) {
  std::string buffer;
  Reply reply = [fd](const nlohmann::json& line) { return write_all(fd, line.dump() + "\n"); };
  for (;;) {
    auto line = read_raw_line(fd, buffer);
    if (!line || !*line) break;
    auto request = nlohmann::json::parse(**line, nullptr, false);
    nlohmann::json final_line;
    bool succeeded = false;
    if (request.is_discarded() || !request.is_object() || !request.contains("cmd") ||
        !request["cmd"].is_string()) {
      final_line = error_to_json(Error(ErrorCode::kInvalidArgument, "malformed control request"));
    } else {
      auto result = handler_(request, reply);
      if (result) {
        final_line = std::move(*result);
        final_line["ok"] = true;
        succeeded = true;
      } else {
        final_line = error_to_json(result.error());
      }
    }
    bool sent = reply(final_line);
    if (succeeded && after_reply_) after_reply_(request);
    if (!sent) break;
  }
  std::lock_guard lock(m_);
  clients_.erase(fd);
  ::close(fd);
}

}  // namespace ferry::node
