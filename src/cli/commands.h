// Registration of the command groups of `ferry`. Each group lives in its own
// file (blob_cmd.cc, demo_cmd.cc, ...) and adds its subcommands to the app.
// A command's callback stores its exit code in `*exit_code`.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace ferry::cli {

void add_blob_commands(CLI::App& app, GlobalOptions& opts, int* exit_code);
// `blob get`, a subcommand of `blob` (blob_get_cmd.cc).
void add_blob_get_command(CLI::App& blob, GlobalOptions& opts, int* exit_code);
// `start` and `node addr` (node_cmd.cc).
void add_node_commands(CLI::App& app, GlobalOptions& opts, int* exit_code);
void add_demo_command(CLI::App& app, GlobalOptions& opts, int* exit_code);
void add_author_commands(CLI::App& app, GlobalOptions& opts, int* exit_code);
void add_doc_commands(CLI::App& app, GlobalOptions& opts, int* exit_code);
// `doc policy`, a subcommand of `doc`.
void add_doc_policy_command(CLI::App& doc, GlobalOptions& opts, int* exit_code);
// `doc missing`, a subcommand of `doc` (doc_missing_cmd.cc).
void add_doc_missing_command(CLI::App& doc, GlobalOptions& opts, int* exit_code);

}  // namespace ferry::cli
