// The node's document and author control commands (see node.h): each runs
// the shared operation of doc_ops.h on the io thread, which owns the
// document store and the engine. Blob imports for doc_set and exports for
// doc_get stay on the control thread (the blob store is thread-safe).
#include <condition_variable>
#include <mutex>

#include "engine/doc_ticket.h"
#include "node/blob_ops.h"
#include "node/doc_ops.h"
#include "node/missing_ops.h"
#include "node/node.h"

namespace ferry::node {
namespace {

std::string field(const nlohmann::json& request, const char* name) {
  auto it = request.find(name);
  return it != request.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<nlohmann::json> Node::await_io(std::function<void(JsonDone)> start) {
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    std::optional<Result<nlohmann::json>> result;
  };
  auto shared = std::make_shared<Shared>();
  driver_->post([start = std::move(start), shared] {
    start([shared](Result<nlohmann::json> r) {
      std::lock_guard lock(shared->m);
      shared->result = std::move(r);
      shared->cv.notify_all();
    });
  });
  std::unique_lock lock(shared->m);
  while (!shared->result) {
    shared->cv.wait_for(lock, std::chrono::milliseconds(100));
    if (!shared->result && stop_requested_) {
      return make_error(ErrorCode::kCancelled, "the node is stopping");
    }
  }
  return std::move(*shared->result);
}

void Node::doc_join(const std::string& ticket_text, std::optional<std::string> policy_hex,
                    JsonDone done) {
  driver_->post([this, ticket_text, policy_hex, done = std::move(done)]() mutable {
    auto ticket = engine::DocTicket::parse(ticket_text);
    if (!ticket) return done(tl::unexpected(ticket.error().with_context("reading the ticket")));
    auto ns = ticket->capability.id();
    if (policy_hex) {
      Status set = [&]() -> Status {
        FERRY_TRY(docs_->import_namespace(ticket->capability));
        FERRY_TRY(doc_policy(*docs_, ns.to_string(), policy_hex));
        return content_->on_policy_changed(ns);
      }();
      if (!set) return done(tl::unexpected(set.error().with_context("setting the policy")));
    }
    Status st = engine_->join(*ticket, [this, ns, done](std::vector<engine::PeerSyncResult> r) {
      done(sync_results_json(*docs_, ns, r));
    });
    if (!st) done(tl::unexpected(st.error()));
  });
}

void Node::doc_sync(const std::string& doc, JsonDone done) {
  driver_->post([this, doc, done = std::move(done)]() mutable {
    auto ns = resolve_doc(*docs_, doc);
    if (!ns) return done(tl::unexpected(ns.error()));
    Status st =
        engine_->sync_doc(*ns, [this, ns = *ns, done](std::vector<engine::PeerSyncResult> r) {
          done(sync_results_json(*docs_, ns, r));
        });
    if (!st) done(tl::unexpected(st.error()));
  });
}

std::optional<Result<nlohmann::json>> Node::handle_doc(const std::string& cmd,
                                                       const nlohmann::json& req) {
  // A synchronous operation on the document store, on the io thread.
  auto on_io = [this](std::function<Result<nlohmann::json>(docs::Store&)> op) {
    return await_io([this, op = std::move(op)](JsonDone done) { done(op(*docs_)); });
  };
  std::string doc = field(req, "doc"), author = field(req, "author");
  if (cmd == "doc_create") return on_io([](docs::Store& s) { return doc_create(s); });
  if (cmd == "doc_set") {
    auto value = import_value(*store_, field(req, "value"), field(req, "file"));
    if (!value) return tl::unexpected(value.error());
    return on_io([=, this](docs::Store& s) {
      content_->on_blob_complete(value->hash);
      return doc_insert(s, doc, field(req, "key"), author, *value);
    });
  }
  if (cmd == "doc_get") {
    auto entry =
        on_io([=, this](docs::Store& s) { return doc_get(s, doc, field(req, "key"), author); });
    std::string out = field(req, "out");
    if (!entry || out.empty()) return entry;
    auto exported = blob_export(*store_, (*entry)["hash"].get<std::string>(), out);
    if (!exported) return tl::unexpected(exported.error());
    (*entry)["path"] = out;
    return entry;
  }
  if (cmd == "doc_ls") {
    return on_io(
        [=, this](docs::Store& s) { return doc_ls(s, doc, field(req, "prefix"), author); });
  }
  if (cmd == "doc_del") {
    return on_io(
        [=, this](docs::Store& s) { return doc_del(s, doc, field(req, "prefix"), author); });
  }
  if (cmd == "doc_policy") {
    std::optional<std::string> set;
    if (req.contains("policy_hex")) set = field(req, "policy_hex");
    return on_io([=, this](docs::Store& s) -> Result<nlohmann::json> {
      FERRY_ASSIGN(auto out, doc_policy(s, doc, set));
      if (set) {
        // Rows the new policy rejects leave the missing set; entries it now
        // wants are queued.
        FERRY_ASSIGN(auto ns, resolve_doc(s, doc));
        FERRY_TRY(content_->on_policy_changed(ns));
      }
      return out;
    });
  }
  if (cmd == "doc_missing") {
    return on_io([=, this](docs::Store& s) -> Result<nlohmann::json> {
      FERRY_ASSIGN(auto ns, resolve_doc(s, doc));
      FERRY_ASSIGN(auto missing, content_->missing(ns));
      return missing_json(s, *store_, ns, missing);
    });
  }
  if (cmd == "author_new") {
    bool make_default = req.value("default", false);
    return on_io([make_default](docs::Store& s) { return author_new(s, make_default); });
  }
  if (cmd == "author_list") return on_io([](docs::Store& s) { return author_list(s); });
  if (cmd == "author_default") {
    return on_io([=, this](docs::Store& s) { return author_default(s, author); });
  }
  if (cmd == "doc_share") {
    std::string mode = field(req, "mode");
    if (mode.empty()) mode = "write";
    if (mode != "read" && mode != "write") {
      return make_error(ErrorCode::kInvalidArgument, "share mode is read or write");
    }
    auto kind = mode == "read" ? docs::CapabilityKind::kRead : docs::CapabilityKind::kWrite;
    return on_io([=, this](docs::Store& s) -> Result<nlohmann::json> {
      FERRY_ASSIGN(auto ns, resolve_doc(s, doc));
      FERRY_ASSIGN(auto ticket, engine_->share(ns, kind, addr_));
      return nlohmann::json{
          {"doc", ns.to_string()}, {"mode", mode}, {"ticket", ticket.to_string()}};
    });
  }
  if (cmd == "doc_join") {
    std::optional<std::string> policy;
    if (req.contains("policy_hex")) policy = field(req, "policy_hex");
    return await_io([this, t = field(req, "ticket"), policy](JsonDone done) {
      doc_join(t, policy, std::move(done));
    });
  }
  if (cmd == "doc_sync") {
    return await_io([this, doc](JsonDone done) { doc_sync(doc, done); });
  }
  return std::nullopt;
}

}  // namespace ferry::node
