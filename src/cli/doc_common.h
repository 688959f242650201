// Shared by the `ferry author` and `ferry doc` commands: running a document
// operation through the running node (control API) or, without one, on the
// data directory's document store directly. Both paths run the same
// operation of node/doc_ops.h, so they print the same fields.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/context.h"
#include "docs/store.h"

namespace ferry::cli {

// <data-dir>/docs.db (created if missing).
Result<std::unique_ptr<docs::Store>> open_doc_store(const GlobalOptions& opts);

// Sends `request` ({"cmd": ..., fields}) to the running node, or runs
// `direct` on the opened document store when no node runs. Returns the
// operation's fields (without "ok").
Result<nlohmann::json> run_doc_command(
    const GlobalOptions& opts, const nlohmann::json& request,
    const std::function<Result<nlohmann::json>(docs::Store&)>& direct);

// An absolute form of `path` (the running node may have another working
// directory).
std::string absolute_path(const std::string& path);

// A download policy as given on the command line: KIND (everything,
// nothing, nothing-except, everything-except) and its filters.
struct PolicyArgs {
  std::string kind;
  std::vector<std::string> prefixes, exacts;
};
// Adds --prefix and --exact (repeatable) to `cmd`.
void add_policy_filter_options(CLI::App& cmd, PolicyArgs& args);
// The policy, checked. Errors: kInvalidArgument (unknown kind, filters on
// "everything" or "nothing").
Result<docs::DownloadPolicy> build_policy(const PolicyArgs& args);
// The policy in the control API's form (postcard, hex).
Result<std::string> encode_policy(const PolicyArgs& args);

// `doc share|join|sync` (doc_sync_cmd.cc), subcommands of `doc`.
void add_doc_sync_commands(CLI::App& doc, GlobalOptions& opts, int* exit_code);

// The key for people: UTF-8 text as is, otherwise "hex:<hex>".
std::string key_text(ByteView key);
// Same, from an entry_json object.
std::string key_text(const nlohmann::json& entry);

}  // namespace ferry::cli
