// Test-only helpers for interop with a real iroh 0.35 node: IrohNode runs
// tools/interop/iroh_node.js as a child process (stdin/stdout pipes, every
// wait bounded), interop_available() says whether it can run, run_until()
// drives an io_context with a deadline. Requires FERRY_INTEROP_DIR.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "core/instant.h"
#include "net/node_addr.h"

extern char** environ;

namespace ferry::net::testing {

using namespace std::chrono_literals;
inline const std::filesystem::path kInteropDir = FERRY_INTEROP_DIR;

inline bool interop_available(std::string& why) {
  if (!std::filesystem::exists(kInteropDir / "node_modules/@number0/iroh/package.json")) {
    why = "iroh interop node not installed: run tools/interop/install.sh";
    return false;
  }
  if (std::system("node --version >/dev/null 2>&1") != 0) {
    why = "node (Node.js) is not on PATH";
    return false;
  }
  return true;
}

inline bool run_until(asio::io_context& io, const std::function<bool()>& done, Duration limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_for(20ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

// A child process running the iroh node script, with pipes to its stdin and
// stdout. Closing stdin asks it to shut down.
class IrohNode {
 public:
  ~IrohNode() { stop(); }

  // Starts the node (tools/interop/<script>) and reads its JSON
  // description. Errors as text.
  std::string start(const std::vector<size_t>& blob_sizes,
                    const std::string& script_name = "iroh_node.js") {
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) return "pipe failed";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    std::string script = (kInteropDir / script_name).string();
    std::vector<std::string> args = {"node", script};
    for (size_t s : blob_sizes) args.push_back(std::to_string(s));
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<std::string> env_store = {"NODE_NO_WARNINGS=1"};
    for (char** e = environ; *e; ++e) env_store.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_store) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rv = posix_spawnp(&pid_, "node", &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    close(in[0]);
    close(out[1]);
    stdin_fd_ = in[1];
    stdout_fd_ = out[0];
    if (rv != 0) {
      pid_ = -1;
      return "cannot spawn node";
    }
    // A node takes ~3 s to start.
    std::string line;
    if (!read_line(line, std::chrono::seconds(60))) return "no address from the iroh node";
    info_ = nlohmann::json::parse(line, nullptr, false);
    if (info_.is_discarded()) return "bad JSON from the iroh node: " + line;
    return "";
  }

  // Sends one JSON command line and returns the JSON reply (null on
  // timeout or a dead node).
  nlohmann::json command(const nlohmann::json& cmd, std::chrono::seconds timeout) {
    std::string text = cmd.dump() + "\n";
    if (write(stdin_fd_, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      return nullptr;
    }
    std::string line;
    if (!read_line(line, timeout)) return nullptr;
    return nlohmann::json::parse(line, nullptr, false);
  }

  // Reads one line from the node's stdout within `timeout`.
  bool read_line(std::string& line, std::chrono::seconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find('\n') == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{stdout_fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char buf[4096];
      ssize_t n = read(stdout_fd_, buf, sizeof(buf));
      if (n <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(n));
    }
    size_t nl = buffer_.find('\n');
    line = buffer_.substr(0, nl);
    buffer_.erase(0, nl + 1);
    return true;
  }

  void stop() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    stdin_fd_ = -1;
    if (pid_ > 0) {
      for (int i = 0; i < 100; ++i) {
        if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
          pid_ = -1;
          break;
        }
        std::this_thread::sleep_for(50ms);
      }
      if (pid_ > 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
        pid_ = -1;
      }
    }
    if (stdout_fd_ >= 0) close(stdout_fd_);
    stdout_fd_ = -1;
  }

  const nlohmann::json& info() const { return info_; }

  NodeAddr node_addr() const {
    NodeAddr a;
    a.node_id = *NodeId::parse(info_["nodeId"].get<std::string>());
    for (const auto& s : info_["addresses"])
      a.direct_addresses.push_back(*SocketAddr::parse(s.get<std::string>()));
    return a;
  }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1, stdout_fd_ = -1;
  nlohmann::json info_;
  std::string buffer_;
};

}  // namespace ferry::net::testing
