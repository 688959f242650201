// The node's local control API: newline-delimited JSON over a Unix stream
// socket at <data-dir>/node.sock (mode 0600, inside the owner's data
// directory), so only the owner can talk to the node.
//
// A client sends one request line {"cmd": "...", ...}; the server answers
// with zero or more event lines ({"event": "progress", ...}) and then one
// final line holding "ok": true (plus the command's fields) or "ok": false
// with "error" (message) and "code" (error_code_name). See node.h for the
// commands.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ferry/result.h"

namespace ferry::node {

// <data-dir>/node.sock.
std::filesystem::path control_socket_path(const std::filesystem::path& data_dir);

// Turns a final line with "ok": false back into an Error (unknown codes
// become kInternal).
Error error_from_json(const nlohmann::json& line);
// The final line for `error`.
nlohmann::json error_to_json(const Error& error);

class ControlClient {
 public:
  // Connects to the node serving `data_dir`. Returns nullopt when no node
  // runs there (no socket, or a stale socket of a dead node). Errors: kIo for
  // other failures (e.g. permission denied, path too long).
  static Result<std::optional<ControlClient>> connect(const std::filesystem::path& data_dir);
  ControlClient(ControlClient&& o) noexcept : fd_(o.fd_), buffer_(std::move(o.buffer_)) {
    o.fd_ = -1;
  }
  ControlClient& operator=(ControlClient&&) = delete;
  ~ControlClient();

  // Sends `request`, then passes each event line to `on_event` (may be
  // empty) and returns the final line's fields. Errors: the node's error, or
  // kIo/kProtocol when the connection breaks or a line is not JSON.
  Result<nlohmann::json> call(const nlohmann::json& request,
                              const std::function<void(const nlohmann::json&)>& on_event = {});

 private:
  explicit ControlClient(int fd) : fd_(fd) {}
  Result<nlohmann::json> read_line();
  int fd_ = -1;
  std::string buffer_;
};

// Accepts control connections on a thread and serves each on its own thread.
class ControlServer {
 public:
  // Writes one line back to the client. Returns false once the client is gone.
  using Reply = std::function<bool(const nlohmann::json&)>;
  // Handles one request: sends events through `reply`, returns the final
  // line's fields (or an error). Called on connection threads, concurrently.
  using Handler = std::function<Result<nlohmann::json>(const nlohmann::json&, const Reply&)>;

  // Binds the socket (0600). A socket file left by a dead node is replaced;
  // Errors: kAlreadyExists if a live node answers on it, kIo otherwise.
  // `after_reply` (optional) runs on the connection's thread once a request
  // was answered successfully and the final line was written (e.g. to stop
  // the node only after confirming a "stop").
  using AfterReply = std::function<void(const nlohmann::json& request)>;
  static Result<std::unique_ptr<ControlServer>> start(const std::filesystem::path& data_dir,
                                                      Handler handler, AfterReply after_reply = {});
  ~ControlServer();  // stop()
  // Stops accepting, shuts down open connections, joins the threads and
  // removes the socket file. Idempotent.
  void stop();
  const std::filesystem::path& path() const { return path_; }

 private:
  ControlServer(int fd, std::filesystem::path path, Handler handler, AfterReply after_reply);
  void accept_loop();
  void serve(int fd);

  int listen_fd_;
  std::filesystem::path path_;
  Handler handler_;
  AfterReply after_reply_;
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::set<int> clients_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace ferry::node
