// Implementation of CompactRanger (template); include reconcile/compact_ranger.h.
#pragma once

#include <algorithm>

namespace ferry::reconcile::compact {

template <RangerItem Item>
Result<Cut> CompactRanger<Item>::end_cut() {
  if (end_cut_) return *end_cut_;
  Cut c;
  FERRY_ASSIGN(c.position, store_.total());
  if (c.position > 0) {
    FERRY_ASSIGN(auto first, store_.first_key());
    FERRY_ASSIGN(Fingerprint fp, store_.fingerprint(Range{*first, *first}));
    c.prefix_xor = fp ^ Fingerprint::empty();
  }
  end_cut_ = c;
  return c;
}

template <RangerItem Item>
Result<Cut> CompactRanger<Item>::cut_of(const Bytes& wire, bool inf) {
  if (inf) return end_cut();
  if (wire.empty()) return Cut{};
  return store_.cut_at_key(internal(wire));
}

template <RangerItem Item>
Status CompactRanger<Item>::add_work(const Bytes& lo, Work w) {
  auto it = work_.lower_bound(lo);
  bool overlap = it != work_.end() && (w.hi_inf || BoundLess()(it->first, w.hi));
  if (it != work_.begin()) {
    const Work& before = std::prev(it)->second;
    overlap = overlap || before.hi_inf || BoundLess()(lo, before.hi);
  }
  if (overlap) return make_error(ErrorCode::kProtocol, "compact: range overlaps queued work");
  work_.emplace_hint(it, lo, std::move(w));
  return ok();
}

template <RangerItem Item>
void CompactRanger<Item>::put(Out& out, const Bytes& lo, CompactRange<Item> r) {
  ByteView prev = out.prev();
  if (!std::equal(prev.begin(), prev.end(), lo.begin(), lo.end())) {
    CompactRange<Item> skip;
    skip.upper = lo;
    out.used += bound_size(prev, lo, false) + 1;
    out.msg.ranges.push_back(std::move(skip));
  }
  out.used += bound_size(out.prev(), r.upper, r.infinite) + payload_size(r);
  out.msg.ranges.push_back(std::move(r));
}

template <RangerItem Item>
Status CompactRanger<Item>::list_ids(uint64_t lo, uint64_t hi, std::vector<ShortId>& ids) {
  ids.reserve(hi - lo);
  return store_.for_each_position(lo, hi, [&](const Item&, const Fingerprint& fp) {
    ids.push_back(short_id(fp));
    return true;
  });
}

template <RangerItem Item>
Result<Bytes> CompactRanger<Item>::pivot_bound(uint64_t position, Cut& cut) {
  FERRY_ASSIGN(PivotCut p, store_.cut_at_position(position));
  cut = p.cut;
  size_t shared = shared_prefix(p.before, p.at);
  if (shared < kNamespaceSize || shared >= p.at.size()) {
    return make_error(ErrorCode::kInternal, "compact: store ids out of order or namespace");
  }
  return Bytes(p.at.begin() + kNamespaceSize, p.at.begin() + static_cast<ptrdiff_t>(shared) + 1);
}

template <RangerItem Item>
Result<bool> CompactRanger<Item>::emit_split(Out& out, const Bytes& lo, const Work& w) {
  Cut clo = w.lo_cut, chi = w.hi_cut;
  if (w.generation != generation_) {
    FERRY_ASSIGN(clo, cut_of(lo, false));
    FERRY_ASSIGN(chi, cut_of(w.hi, w.hi_inf));
  }
  const uint64_t c = chi.position - clo.position;
  // Sub-ranges: (lo bound, hi bound, lo cut, hi cut).
  struct Sub {
    Bytes hi;
    bool inf;
    Cut a, b;
  };
  std::vector<Sub> subs;
  // A range of fewer than 2 entries cannot be split: list it.
  const uint64_t threshold = std::max<uint64_t>(config_.idlist_threshold, 1);
  if (c <= threshold) {
    subs.push_back({w.hi, w.hi_inf, clo, chi});
  } else {
    const uint64_t k = std::min<uint64_t>(config_.split_factor, c);
    Cut a = clo;
    for (uint64_t i = 1; i < k; ++i) {
      Cut b;
      FERRY_ASSIGN(Bytes bound, pivot_bound(clo.position + c * i / k, b));
      subs.push_back({std::move(bound), false, a, b});
      a = b;
    }
    subs.push_back({w.hi, w.hi_inf, a, chi});
  }
  const size_t mark = out.msg.ranges.size();
  const uint64_t used = out.used;
  std::vector<std::pair<Bytes, Outstanding>> lists;
  const uint64_t list_max = subs.size() == 1 ? threshold : config_.sub_idlist_max;
  Bytes sub_lo = lo;
  for (auto& s : subs) {
    const Bytes this_lo = sub_lo;
    CompactRange<Item> r;
    r.upper = s.hi;
    r.infinite = s.inf;
    uint64_t n = s.b.position - s.a.position;
    if (n <= list_max) {
      r.mode = Mode::kIdList;
      Outstanding o{s.hi, s.inf, {}};
      FERRY_TRY(list_ids(s.a.position, s.b.position, r.ids));
      o.ids = r.ids;
      lists.emplace_back(this_lo, std::move(o));
    } else {
      r.mode = Mode::kFingerprint;
      Fingerprint x = s.a.prefix_xor ^ s.b.prefix_xor;
      std::copy_n(x.bytes().begin(), kFingerprintSize, r.fingerprint.begin());
    }
    sub_lo = s.hi;
    put(out, this_lo, std::move(r));
  }
  if (out.items > 0 && over_cap(out, 0)) {
    out.msg.ranges.resize(mark);
    out.used = used;
    return false;
  }
  for (auto& [l, o] : lists) outstanding_[l] = std::move(o);
  return true;
}

template <RangerItem Item>
Result<bool> CompactRanger<Item>::emit_entries(Out& out, const Bytes& lo, Work& w) {
  Entries send;
  Bytes needs;
  // Our entries in the range: those with the listed ids (kSendIds), or
  // those without (the others).
  const bool include = w.kind == Kind::kSendIds;
  {
    FERRY_ASSIGN(Cut clo, cut_of(lo, false));
    FERRY_ASSIGN(Cut chi, cut_of(w.hi, w.hi_inf));
    std::vector<std::pair<ShortId, uint32_t>> sorted;
    sorted.reserve(w.peer_ids.size());
    for (uint32_t i = 0; i < w.peer_ids.size(); ++i) sorted.emplace_back(w.peer_ids[i], i);
    std::sort(sorted.begin(), sorted.end());
    std::vector<bool> found(w.peer_ids.size(), false);
    FERRY_TRY(store_.for_each_position(
        clo.position, chi.position, [&](const Item& item, const Fingerprint& fp) {
          ShortId id = short_id(fp);
          auto it = std::lower_bound(sorted.begin(), sorted.end(), std::make_pair(id, 0u));
          bool listed = it != sorted.end() && it->first == id;
          for (; it != sorted.end() && it->first == id; ++it) found[it->second] = true;
          if (listed == include) send.emplace_back(item, ContentStatus::kMissing);
          return true;
        }));
    if (w.kind == Kind::kReply) {
      needs.assign((w.peer_ids.size() + 7) / 8, 0);
      bool any = false;
      for (size_t i = 0; i < found.size(); ++i) {
        if (found[i]) continue;
        needs[i / 8] |= static_cast<uint8_t>(1u << (i % 8));
        any = true;
      }
      if (!any && send.empty()) return true;  // the peer's list equals ours
    }
  }
  if (send.empty() && w.kind != Kind::kReply) return true;
  for (auto& e : send) e.second = local_status(e.first);
  CompactRange<Item> r;
  r.upper = w.hi;
  r.infinite = w.hi_inf;
  r.mode = w.kind == Kind::kReply ? Mode::kIdListReply : Mode::kEntries;
  r.needs = std::move(needs);
  uint64_t size = bound_size(out.prev(), lo, false) + 1 + bound_size(lo, r.upper, r.infinite) +
                  payload_size(r) + 5;
  if (out.items > 0 && over_cap(out, size)) return false;
  size_t keep = 0;
  for (; keep < send.size(); ++keep) {
    uint64_t add = entry_size(send[keep].first);
    // Entries cut short end at a bound no longer than the next id (room for
    // it, as it may be longer than the range's own upper bound).
    uint64_t cut_room = 0;
    if (r.mode == Mode::kEntries && keep + 1 < send.size()) {
      cut_room = 10 + Traits::id(send[keep + 1].first).size();
    }
    if ((out.items > 0 || keep > 0) && over_cap(out, size + add + cut_room)) break;
    size += add;
  }
  if (keep == 0 && w.kind != Kind::kReply) return false;
  bool done = keep == send.size();
  // What is left: the same selection over the rest of the range, from a
  // bound between the last entry sent and the first one kept back (the
  // reply itself always covers the IdList's exact range, carrying the
  // needs).
  Work rest;
  Bytes rest_lo = lo;
  if (!done) {
    rest.hi = w.hi;
    rest.hi_inf = w.hi_inf;
    rest.kind = include ? Kind::kSendIds : Kind::kSendExcluding;
    rest.peer_ids = w.peer_ids;
    if (keep > 0) {
      ByteView before = Traits::id(send[keep - 1].first), at = Traits::id(send[keep].first);
      size_t shared = shared_prefix(before, at);
      rest_lo.assign(at.begin() + kNamespaceSize, at.begin() + static_cast<ptrdiff_t>(shared) + 1);
      if (r.mode == Mode::kEntries) {
        r.upper = rest_lo;
        r.infinite = false;
      }
    }
  }
  send.resize(keep);
  stats_.num_sent += keep;
  r.entries = std::move(send);
  if (keep > 0 || r.mode == Mode::kIdListReply) put(out, lo, std::move(r));
  ++out.items;
  if (!done) {
    work_.erase(lo);
    work_.emplace(rest_lo, std::move(rest));
    return false;
  }
  return true;
}

template <RangerItem Item>
Status CompactRanger<Item>::emit(Out& out, uint64_t peer_spare) {
  end_cut_.reset();
  // Under a cap with a peer that had room to spare, keep up to a quarter of
  // the cap for handing back splits we cannot do this round.
  const uint64_t cap = config_.max_message_bytes;
  uint64_t reserve = 0;
  if (cap != 0 && peer_spare > 0) reserve = std::min(cap / 4, peer_spare / 4);
  if (cap != 0) config_.max_message_bytes = cap > reserve ? cap - reserve : 1;
  Status st = ok();
  auto it = work_.begin();
  while (it != work_.end()) {
    const Bytes lo = it->first;
    Work& w = it->second;
    bool done = false;
    if (w.kind == Kind::kSplit) {
      auto r = emit_split(out, lo, w);
      if (!r) {
        st = tl::unexpected(r.error());
        break;
      }
      done = *r;
      if (!done) break;
      ++out.items;
    } else {
      auto r = emit_entries(out, lo, w);
      if (!r) {
        st = tl::unexpected(r.error());
        break;
      }
      done = *r;
      if (!done) break;
    }
    it = work_.erase(it);
  }
  config_.max_message_bytes = cap;
  FERRY_TRY(st);
  // Hand-backs: splits from the end of what is left (all after what was
  // emitted, so the message stays in key order), while the peer's
  // estimated work for them fits its spare room and ours fits the cap.
  if (reserve != 0 && work_.size() > 1) {
    std::vector<typename std::map<Bytes, Work, BoundLess>::iterator> back;
    uint64_t peer_work = 0, cost_total = 0;
    for (auto w = std::prev(work_.end()); w != work_.begin(); --w) {
      if (w->second.kind != Kind::kSplit) continue;
      // Estimated: a short gap bound, the range's own bound, a fingerprint.
      uint64_t cost =
          8 + bound_size(w->first, w->second.hi, w->second.hi_inf) + 1 + kFingerprintSize;
      if (out.used + cost_total + cost > cap || peer_work >= 2 * peer_spare) break;
      FERRY_ASSIGN(Cut a, cut_of(w->first, false));
      FERRY_ASSIGN(Cut b, cut_of(w->second.hi, w->second.hi_inf));
      uint64_t c = b.position - a.position;
      peer_work += c <= config_.idlist_threshold ? kIdSize * c + 8
                                                 : config_.split_factor * (kFingerprintSize + 5);
      cost_total += cost;
      back.push_back(w);
    }
    for (auto b = back.rbegin(); b != back.rend(); ++b) {
      auto w = *b;
      FERRY_ASSIGN(Cut ca, cut_of(w->first, false));
      FERRY_ASSIGN(Cut cb, cut_of(w->second.hi, w->second.hi_inf));
      CompactRange<Item> r;
      r.upper = w->second.hi;
      r.infinite = w->second.hi_inf;
      r.mode = Mode::kFingerprint;
      Fingerprint x = ca.prefix_xor ^ cb.prefix_xor;
      std::copy_n(x.bytes().begin(), kFingerprintSize, r.fingerprint.begin());
      uint64_t exact = bound_size(out.prev(), w->first, false) + 1 +
                       bound_size(w->first, r.upper, r.infinite) + payload_size(r);
      if (out.used + exact > cap) break;  // the rest stays ours
      put(out, w->first, std::move(r));
      work_.erase(w);
    }
  }
  out.msg.more = !work_.empty();
  return ok();
}

template <RangerItem Item>
Result<CompactMessage<Item>> CompactRanger<Item>::initial_message() {
  work_.clear();
  outstanding_.clear();
  Work all;
  all.hi_inf = true;
  work_.emplace(Bytes(), std::move(all));
  Out out;
  FERRY_TRY(emit(out, 0));
  return std::move(out.msg);
}

template <RangerItem Item>
Result<std::optional<CompactMessage<Item>>> CompactRanger<Item>::process(
    const CompactMessage<Item>& in) {
  end_cut_.reset();
  // The cuts at both bounds of every Fingerprint range, found in one walk
  // of the store (the bounds are ascending).
  std::vector<Bytes> keys;
  std::vector<size_t> bound_slot(in.ranges.size() + 1, SIZE_MAX);  // by bound index
  {
    // Bound index 0 is the empty lower bound, i + 1 the upper bound of
    // range i.
    auto want = [&](size_t b) {
      if (bound_slot[b] != SIZE_MAX || b == 0) return;
      const auto& r = in.ranges[b - 1];
      if (r.infinite) return;
      bound_slot[b] = keys.size();
      keys.push_back(ns_);
      append(keys.back(), r.upper);
    };
    for (size_t i = 0; i < in.ranges.size(); ++i) {
      if (in.ranges[i].mode != Mode::kFingerprint) continue;
      want(i);
      want(i + 1);
    }
  }
  std::vector<Cut> cuts;
  if (!keys.empty()) {
    std::vector<ByteView> views(keys.begin(), keys.end());
    cuts.reserve(keys.size());
    FERRY_TRY(store_.cuts_at_keys(views, cuts));
  }
  auto cut_for = [&](size_t b) -> Result<Cut> {
    if (b == 0) return Cut{};
    if (bound_slot[b] != SIZE_MAX) return cuts[bound_slot[b]];
    return end_cut();  // an infinite upper bound
  };
  std::vector<const std::pair<Item, ContentStatus>*> received;
  Bytes lo;
  for (size_t i = 0; i < in.ranges.size(); ++i) {
    const auto& r = in.ranges[i];
    switch (r.mode) {
      case Mode::kSkip: break;
      case Mode::kFingerprint: {
        FERRY_ASSIGN(Cut lo_cut, cut_for(i));
        FERRY_ASSIGN(Cut hi_cut, cut_for(i + 1));
        Fingerprint x = lo_cut.prefix_xor ^ hi_cut.prefix_xor;
        if (!std::equal(r.fingerprint.begin(), r.fingerprint.end(), x.bytes().begin())) {
          Work w = make_work(Kind::kSplit, r.upper, r.infinite);
          w.lo_cut = lo_cut;
          w.hi_cut = hi_cut;
          w.generation = generation_;
          FERRY_TRY(add_work(lo, std::move(w)));
        }
        break;
      }
      case Mode::kIdList:
        FERRY_TRY(add_work(lo, make_work(Kind::kReply, r.upper, r.infinite, r.ids)));
        break;
      case Mode::kIdListReply: {
        auto it = outstanding_.find(lo);
        if (it == outstanding_.end() || it->second.hi_inf != r.infinite ||
            (!r.infinite && it->second.hi != r.upper)) {
          return make_error(ErrorCode::kProtocol, "compact: IdListReply without an IdList");
        }
        auto& ids = it->second.ids;
        if (r.needs.size() != (ids.size() + 7) / 8 ||
            (ids.size() % 8 != 0 && (r.needs.back() >> (ids.size() % 8)) != 0)) {
          return make_error(ErrorCode::kProtocol, "compact: malformed needs bitfield");
        }
        Work send = make_work(Kind::kSendIds, r.upper, r.infinite);
        for (size_t i = 0; i < ids.size(); ++i) {
          if (r.needs[i / 8] >> (i % 8) & 1) send.peer_ids.push_back(ids[i]);
        }
        outstanding_.erase(it);
        if (!send.peer_ids.empty()) FERRY_TRY(add_work(lo, std::move(send)));
        for (const auto& e : r.entries) received.push_back(&e);
        break;
      }
      case Mode::kEntries:
        for (const auto& e : r.entries) received.push_back(&e);
        break;
    }
    if (r.infinite) break;
    lo = r.upper;
  }
  if (!received.empty()) ++generation_;  // cached cuts are stale now
  for (const auto* e : received) {
    FERRY_TRY(receive_value(store_, ns_, hooks_, stats_, e->first, e->second));
  }
  // Room the peer's message left under our cap (it is full when it says
  // `more`).
  uint64_t peer_spare = 0;
  if (config_.max_message_bytes != 0 && !in.more) {
    uint64_t in_size = 1 + varint_size(in.ranges.size());
    ByteView prev;
    for (const auto& r : in.ranges) {
      in_size += bound_size(prev, r.upper, r.infinite) + payload_size(r);
      prev = r.upper;
    }
    if (in_size < config_.max_message_bytes) peer_spare = config_.max_message_bytes - in_size;
  }
  Out out;
  FERRY_TRY(emit(out, peer_spare));
  if (out.msg.ranges.empty() && !out.msg.more && !in.more) {
    return std::optional<CompactMessage<Item>>();
  }
  return std::optional<CompactMessage<Item>>(std::move(out.msg));
}

}  // namespace ferry::reconcile::compact
