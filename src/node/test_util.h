// Test helpers shared by the node's tests: a temporary directory and an
// io_context running on its own thread.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio.hpp>
#include <filesystem>
#include <string>
#include <thread>

namespace ferry::node::testing {

// A fresh directory under the system temp dir, removed with its contents.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& prefix = "ferry-node-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    EXPECT_NE(::mkdtemp(tmpl.data()), nullptr);
    path = tmpl;
  }
  ~TempDir() { std::filesystem::remove_all(path); }
};

// Runs an io_context on its own thread for the lifetime of the object.
struct IoThread {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard = asio::make_work_guard(io);
  std::thread thread{[this] { io.run(); }};
  void stop() {
    guard.reset();
    io.stop();
    if (thread.joinable()) thread.join();
  }
  ~IoThread() { stop(); }
};

}  // namespace ferry::node::testing
