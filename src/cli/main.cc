// ferry: the command-line interface. Global options (--data-dir, --json)
// are accepted before or after the subcommand.
#include <iostream>

#include "cli/commands.h"

int main(int argc, char** argv) {
  using namespace ferry::cli;
  CLI::App app{"ferry: replicated documents and content-addressed blobs (iroh 0.35 compatible)"};
  app.require_subcommand(1);
  // Subcommands inherit fallthrough, so global options may follow them.
  app.fallthrough();
  GlobalOptions opts;
  app.add_option("--data-dir", opts.data_dir,
                 "data directory (default: $FERRY_DATA_DIR or $XDG_DATA_HOME/ferry)");
  app.add_flag("--json", opts.json, "print one JSON document (JSON lines for streams)");

  int exit_code = 0;
  add_blob_commands(app, opts, &exit_code);
  add_author_commands(app, opts, &exit_code);
  add_doc_commands(app, opts, &exit_code);
  add_node_commands(app, opts, &exit_code);
  add_demo_command(app, opts, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
