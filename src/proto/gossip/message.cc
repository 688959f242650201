#include "proto/gossip/message.h"

#include "core/postcard.h"

namespace ferry::proto::gossip {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// ---- encoding ----

void put_data(PostcardWriter& w, const std::optional<Bytes>& data) {
  if (!data) {
    w.option_none();
    return;
  }
  w.option_some();
  w.bytes(*data);
}

void put_peer_info(PostcardWriter& w, const PeerInfo& p) {
  w.raw(p.id);
  put_data(w, p.data);
}

void put_peers(PostcardWriter& w, const std::vector<PeerInfo>& nodes) {
  w.seq_len(nodes.size());
  for (const auto& p : nodes) put_peer_info(w, p);
}

void put_body(PostcardWriter& w, const Body& body) {
  if (is_swarm(body)) {
    w.variant(0);
    w.variant(static_cast<uint32_t>(body.index()));
  } else {
    w.variant(1);
    w.variant(static_cast<uint32_t>(body.index() - kSwarmVariants));
  }
  std::visit(Overloaded{
                 [&](const Join& m) { put_data(w, m.data); },
                 [&](const ForwardJoin& m) {
                   put_peer_info(w, m.peer);
                   w.varint(m.ttl);
                 },
                 [&](const Shuffle& m) {
                   w.raw(m.origin);
                   put_peers(w, m.nodes);
                   w.varint(m.ttl);
                 },
                 [&](const ShuffleReply& m) { put_peers(w, m.nodes); },
                 [&](const Neighbor& m) {
                   w.variant(static_cast<uint32_t>(m.priority));
                   put_data(w, m.data);
                 },
                 [&](const Disconnect& m) {
                   w.boolean(m.alive);
                   w.boolean(m.respond);
                 },
                 [&](const Gossip& m) {
                   w.raw(m.id);
                   w.bytes(m.content);
                   w.variant(static_cast<uint32_t>(m.scope.kind));
                   if (m.scope.is_swarm()) w.varint(m.scope.round);
                 },
                 [&](const Prune&) {},
                 [&](const Graft& m) {
                   if (m.id) {
                     w.option_some();
                     w.raw(*m.id);
                   } else {
                     w.option_none();
                   }
                   w.varint(m.round);
                 },
                 [&](const IHave& m) {
                   w.seq_len(m.entries.size());
                   for (const auto& e : m.entries) {
                     w.raw(e.id);
                     w.varint(e.round);
                   }
                 },
             },
             body);
}

// ---- decoding ----

Result<PeerId> get_id(PostcardReader& r, PeerIdCheck check) {
  FERRY_ASSIGN(PeerId id, r.array<32>());
  if (check && !check(id)) return make_error(ErrorCode::kProtocol, "gossip: invalid peer id");
  return id;
}

Result<std::optional<Bytes>> get_data(PostcardReader& r) {
  FERRY_ASSIGN(bool some, r.option());
  if (!some) return std::optional<Bytes>();
  FERRY_ASSIGN(ByteView b, r.bytes());
  return std::optional<Bytes>(Bytes(b.begin(), b.end()));
}

Result<PeerInfo> get_peer_info(PostcardReader& r, PeerIdCheck check) {
  PeerInfo p;
  FERRY_ASSIGN(p.id, get_id(r, check));
  FERRY_ASSIGN(p.data, get_data(r));
  return p;
}

Result<std::vector<PeerInfo>> get_peers(PostcardReader& r, PeerIdCheck check) {
  FERRY_ASSIGN(size_t n, r.seq_len(33));  // id + option tag at least
  std::vector<PeerInfo> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    FERRY_ASSIGN(auto p, get_peer_info(r, check));
    out.push_back(std::move(p));
  }
  return out;
}

Result<Body> get_swarm(PostcardReader& r, PeerIdCheck check) {
  FERRY_ASSIGN(uint32_t tag, r.variant(6));
  switch (tag) {
    case 0: {
      FERRY_ASSIGN(auto data, get_data(r));
      return Body(Join{std::move(data)});
    }
    case 1: {
      ForwardJoin m;
      FERRY_ASSIGN(m.peer, get_peer_info(r, check));
      FERRY_ASSIGN(m.ttl, r.varint_u16());
      return Body(std::move(m));
    }
    case 2: {
      Shuffle m;
      FERRY_ASSIGN(m.origin, get_id(r, check));
      FERRY_ASSIGN(m.nodes, get_peers(r, check));
      FERRY_ASSIGN(m.ttl, r.varint_u16());
      return Body(std::move(m));
    }
    case 3: {
      FERRY_ASSIGN(auto nodes, get_peers(r, check));
      return Body(ShuffleReply{std::move(nodes)});
    }
    case 4: {
      Neighbor m;
      FERRY_ASSIGN(uint32_t prio, r.variant(2));
      m.priority = static_cast<Priority>(prio);
      FERRY_ASSIGN(m.data, get_data(r));
      return Body(std::move(m));
    }
    default: {
      Disconnect m;
      FERRY_ASSIGN(m.alive, r.boolean());
      FERRY_ASSIGN(m.respond, r.boolean());
      return Body(m);
    }
  }
}

Result<Body> get_plumtree(PostcardReader& r) {
  FERRY_ASSIGN(uint32_t tag, r.variant(4));
  switch (tag) {
    case 0: {
      Gossip m;
      FERRY_ASSIGN(m.id, r.array<32>());
      FERRY_ASSIGN(ByteView content, r.bytes());
      m.content.assign(content.begin(), content.end());
      FERRY_ASSIGN(uint32_t kind, r.variant(2));
      m.scope.kind = static_cast<DeliveryScope::Kind>(kind);
      if (m.scope.is_swarm()) {
        FERRY_ASSIGN(m.scope.round, r.varint_u16());
      }
      return Body(std::move(m));
    }
    case 1: return Body(Prune{});
    case 2: {
      Graft m;
      FERRY_ASSIGN(bool some, r.option());
      if (some) {
        FERRY_ASSIGN(MessageId id, r.array<32>());
        m.id = id;
      }
      FERRY_ASSIGN(m.round, r.varint_u16());
      return Body(std::move(m));
    }
    default: {
      FERRY_ASSIGN(size_t n, r.seq_len(33));  // id + one-byte round at least
      IHave m;
      m.entries.reserve(n);
      for (size_t i = 0; i < n; ++i) {
        IHaveEntry e;
        FERRY_ASSIGN(e.id, r.array<32>());
        FERRY_ASSIGN(e.round, r.varint_u16());
        m.entries.push_back(e);
      }
      return Body(std::move(m));
    }
  }
}

}  // namespace

std::string_view body_name(const Body& b) {
  static constexpr std::string_view kNames[] = {
      "join",       "forward_join", "shuffle", "shuffle_reply", "neighbor",
      "disconnect", "gossip",       "prune",   "graft",         "ihave"};
  static_assert(std::size(kNames) == std::variant_size_v<Body>);
  return kNames[b.index()];
}

Bytes encode_message(const Message& m) {
  PostcardWriter w;
  w.raw(m.topic);
  put_body(w, m.body);
  return w.take();
}

Result<Message> decode_message(ByteView body, PeerIdCheck check) {
  PostcardReader r(body);
  Message m;
  FERRY_ASSIGN(m.topic, r.array<32>());
  FERRY_ASSIGN(uint32_t kind, r.variant(2));
  if (kind == 0) {
    FERRY_ASSIGN(m.body, get_swarm(r, check));
  } else {
    FERRY_ASSIGN(m.body, get_plumtree(r));
  }
  return m;
}

}  // namespace ferry::proto::gossip
