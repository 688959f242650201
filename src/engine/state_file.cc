#include "engine/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "net/ticket.h"

namespace ferry::engine {

Status save_live_state(const std::filesystem::path& path, const LiveState& state) {
  auto docs = nlohmann::json::array();
  for (const auto& ns : state.syncing_docs()) {
    auto peers = nlohmann::json::array();
    for (const auto& p : state.peers(ns)) peers.push_back(net::NodeTicket{p}.to_string());
    docs.push_back({{"ns", ns.to_string()}, {"syncing", true}, {"peers", peers}});
  }
  std::string text = nlohmann::json{{"docs", docs}}.dump() + "\n";
  auto tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(ErrorCode::kIo, "cannot write " + tmp.string());
  bool good = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
              ::fsync(fd) == 0;
  ::close(fd);
  if (!good || ::rename(tmp.c_str(), path.c_str()) != 0) {
    return make_error(ErrorCode::kIo, "cannot write " + path.string());
  }
  return ok();
}

Status load_live_state(const std::filesystem::path& path, LiveState& state) {
  std::ifstream f(path);
  if (!f) return ok();
  std::stringstream ss;
  ss << f.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  auto corrupt = [&] { return make_error(ErrorCode::kCorrupt, "bad state file " + path.string()); };
  if (j.is_discarded() || !j.is_object() || !j["docs"].is_array()) return corrupt();
  for (const auto& d : j["docs"]) {
    if (!d.is_object() || !d["ns"].is_string() || !d["peers"].is_array()) return corrupt();
    auto ns = docs::NamespaceId::parse(d["ns"].get<std::string>());
    if (!ns) return corrupt();
    if (d.value("syncing", false)) state.set_syncing(*ns);
    const auto& peers = d["peers"];
    for (auto it = peers.rbegin(); it != peers.rend(); ++it) {
      if (!it->is_string()) return corrupt();
      auto t = net::NodeTicket::parse(it->get<std::string>());
      if (!t) return corrupt();
      state.add_peer(*ns, t->node);
    }
  }
  return ok();
}

}  // namespace ferry::engine
