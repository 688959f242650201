// What every `ferry` command shares: global options, the data directory,
// and how results and errors are printed.
//
// Conventions: output for people goes to stdout; with --json exactly one
// JSON document (or JSON lines for streams) goes to stdout; errors go to
// stderr and the process exits non-zero.
#pragma once

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "ferry/result.h"

namespace ferry::cli {

struct GlobalOptions {
  std::string data_dir;  // empty: resolved by resolve_data_dir()
  bool json = false;
};

// --data-dir, else $FERRY_DATA_DIR, else $XDG_DATA_HOME/ferry, else
// ~/.local/share/ferry.
std::filesystem::path resolve_data_dir(const GlobalOptions& opts);

// resolve_data_dir(), created if missing. Errors: kIo.
Result<std::filesystem::path> ensure_data_dir(const GlobalOptions& opts);

// Exit codes: 0 success, 1 operation failed, 2 usage error (CLI11's own).
constexpr int kExitFailure = 1;

// Prints `error: <message>` (or {"error":..., "code":...} with --json, still
// on stderr) and returns kExitFailure.
int report_error(const GlobalOptions& opts, const Error& error);

// 0 for success; otherwise report_error()'s code. Commands are written as
// functions returning Status and end with `return exit_code(opts, status)`.
int exit_code(const GlobalOptions& opts, const Status& status);

// Prints a JSON document on stdout.
void print_json(const nlohmann::json& doc);

}  // namespace ferry::cli
