// `ferry demo`: the main job, a narrated end-to-end run on loopback.
#include <iostream>

#include "cli/commands.h"

namespace ferry::cli {

void add_demo_command(CLI::App& app, GlobalOptions& opts, int* exit_code) {
  auto* demo = app.add_subcommand("demo", "run the end-to-end demo");
  demo->callback([&opts, exit_code] {
    (void)opts;
    std::cout << "demo: not yet available\n";
    *exit_code = 1;
  });
}

}  // namespace ferry::cli
