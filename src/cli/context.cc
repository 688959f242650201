#include "cli/context.h"

#include <cstdlib>
#include <iostream>

namespace ferry::cli {

std::filesystem::path resolve_data_dir(const GlobalOptions& opts) {
  if (!opts.data_dir.empty()) return opts.data_dir;
  if (const char* env = std::getenv("FERRY_DATA_DIR"); env && *env) return env;
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return std::filesystem::path(xdg) / "ferry";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home && *home ? home : ".") / ".local" / "share" / "ferry";
}

Result<std::filesystem::path> ensure_data_dir(const GlobalOptions& opts) {
  auto dir = resolve_data_dir(opts);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return make_error(ErrorCode::kIo,
                      "cannot create data directory " + dir.string() + ": " + ec.message());
  }
  return dir;
}

int exit_code(const GlobalOptions& opts, const Status& status) {
  return status ? 0 : report_error(opts, status.error());
}

int report_error(const GlobalOptions& opts, const Error& error) {
  if (opts.json) {
    nlohmann::json doc = {{"error", error.message()},
                          {"code", std::string(error_code_name(error.code()))}};
    std::cerr << doc.dump() << "\n";
  } else {
    std::cerr << "error: " << error.to_string() << "\n";
  }
  return kExitFailure;
}

void print_json(const nlohmann::json& doc) {
  std::cout << doc.dump() << "\n";
}

}  // namespace ferry::cli
