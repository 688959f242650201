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
