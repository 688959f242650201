// Implementation of Ranger (template); include reconcile/ranger.h.
#pragma once

namespace ferry::reconcile {

template <RangerItem Item>
Result<Message<Item>> Ranger<Item>::initial_message() {
  FERRY_ASSIGN(auto first, store_.first_key());
  Bytes x = first ? *first : Bytes(kMinIdSize, 0);
  Range all{x, x};
  FERRY_ASSIGN(Fingerprint fp, store_.fingerprint(all));
  Message<Item> m;
  m.parts.emplace_back(RangeFingerprint{std::move(all), fp});
  return m;
}

template <RangerItem Item>
Status Ranger<Item>::receive(const Item& value, ContentStatus status) {
  ++stats_.num_recv;
  ByteView id = Traits::id(value);
  if (id.size() < kMinIdSize) {
    return make_error(ErrorCode::kProtocol, "entry id shorter than 64 bytes");
  }
  if (!std::equal(namespace_.begin(), namespace_.end(), id.begin())) {
    ++stats_.rejected[static_cast<size_t>(RejectReason::kWrongNamespace)];
    return ok();
  }
  if (hooks_.validate) {
    if (auto reason = hooks_.validate(value)) {
      ++stats_.rejected[static_cast<size_t>(*reason)];
      return ok();
    }
  }
  Bytes author(id.begin() + kNamespaceSize, id.begin() + kMinIdSize);
  uint64_t& head = stats_.heads_received[std::move(author)];
  head = std::max<uint64_t>(head, Traits::timestamp(value));
  FERRY_ASSIGN(PutOutcome outcome, store_.put(value));
  if (outcome == PutOutcome::kInserted) {
    ++stats_.num_inserted;
    if (hooks_.on_inserted) hooks_.on_inserted(value, status);
  } else {
    ++stats_.rejected[static_cast<size_t>(RejectReason::kNotNewer)];
  }
  return ok();
}

template <RangerItem Item>
Status Ranger<Item>::append_values(const Range& r, Values& out) {
  return store_.for_each(r, [&](const Item& item) {
    out.emplace_back(item, local_status(item));
    return true;
  });
}

template <RangerItem Item>
Result<uint64_t> Ranger<Item>::count_below(const Bytes& key) {
  FERRY_ASSIGN(auto first, store_.first_key());
  if (!first || compare_keys(*first, key) >= 0) return uint64_t{0};
  return store_.count(Range{*first, key});
}

template <RangerItem Item>
Status Ranger<Item>::emit_sub_range(Range sub, Message<Item>& out) {
  FERRY_ASSIGN(uint64_t n, store_.count(sub));
  if (n > config_.max_set_size) {
    FERRY_ASSIGN(Fingerprint fp, store_.fingerprint(sub));
    out.parts.emplace_back(RangeFingerprint{std::move(sub), fp});
    return ok();
  }
  RangeItem<Item> item;
  FERRY_TRY(append_values(sub, item.values));
  stats_.num_sent += item.values.size();
  item.range = std::move(sub);
  out.parts.emplace_back(std::move(item));
  return ok();
}

template <RangerItem Item>
Status Ranger<Item>::process_fingerprint(const RangeFingerprint& f, Message<Item>& out) {
  const Range& range = f.range;
  FERRY_ASSIGN(Fingerprint local, store_.fingerprint(range));
  if (local == f.fingerprint) return ok();
  FERRY_ASSIGN(uint64_t n, store_.count(range));
  if (n <= config_.max_set_size || f.fingerprint == Fingerprint::empty()) {
    RangeItem<Item> item;
    item.range = range;
    FERRY_TRY(append_values(range, item.values));
    stats_.num_sent += item.values.size();
    out.parts.emplace_back(std::move(item));
    return ok();
  }
  // Split (§4.6 B.4). E = local entries of the range in iteration order;
  // start = index in E of the first entry >= x.
  const uint64_t k = std::max<uint32_t>(config_.split_factor, 2);
  uint64_t start = 0;
  switch (range.kind()) {
    case Range::Kind::kRegular: break;
    case Range::Kind::kWrap: {
      FERRY_ASSIGN(start, count_below(range.y));
      break;
    }
    case Range::Kind::kWhole: {
      FERRY_ASSIGN(start, count_below(range.x));
      break;
    }
  }
  // Boundaries in iteration order; consecutive equal ones delimit nothing
  // (and (p, p) would mean "everything"), so they are skipped.
  std::vector<Bytes> bounds;
  const bool whole = range.kind() == Range::Kind::kWhole;
  if (!whole) bounds.push_back(range.x);
  const uint64_t pivots = whole ? k : k - 1;
  for (uint64_t i = 0; i < pivots; ++i) {
    uint64_t idx = (start + n * ((i % k) + 1) / k) % n;
    FERRY_ASSIGN(Bytes p, store_.key_at(range, idx));
    bounds.push_back(std::move(p));
  }
  if (whole) {
    bounds.push_back(bounds.front());
  } else {
    bounds.push_back(range.y);
  }
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    if (bounds[i] == bounds[i + 1]) continue;
    FERRY_TRY(emit_sub_range(Range{bounds[i], bounds[i + 1]}, out));
  }
  return ok();
}

template <RangerItem Item>
Result<std::optional<Message<Item>>> Ranger<Item>::process(const Message<Item>& in) {
  Message<Item> out;
  for (const auto& part : in.parts) {
    const Range& r = std::visit([](const auto& p) -> const Range& { return p.range; }, part);
    FERRY_TRY(check_range(r));
  }
  // A. RangeItems in arrival order: diff against the store, then store.
  for (const auto& part : in.parts) {
    const auto* item = std::get_if<RangeItem<Item>>(&part);
    if (!item) continue;
    Values diff;
    if (!item->have_local) {
      // Received values sorted by id (max value first among equal ids), for
      // "drop local entries the peer has at an equal or newer value".
      std::vector<const Item*> recv;
      recv.reserve(item->values.size());
      for (const auto& v : item->values) recv.push_back(&v.first);
      std::sort(recv.begin(), recv.end(), [](const Item* a, const Item* b) {
        auto c = compare_keys(Traits::id(*a), Traits::id(*b));
        if (c != 0) return c < 0;
        return Traits::value_cmp(*a, *b) > 0;
      });
      FERRY_TRY(store_.for_each(item->range, [&](const Item& local) {
        ByteView id = Traits::id(local);
        auto it = std::lower_bound(recv.begin(), recv.end(), id, [](const Item* a, ByteView key) {
          return compare_keys(Traits::id(*a), key) < 0;
        });
        bool covered = it != recv.end() && compare_keys(Traits::id(**it), id) == 0 &&
                       Traits::value_cmp(**it, local) >= 0;
        if (!covered) diff.emplace_back(local, local_status(local));
        return true;
      }));
    }
    for (const auto& [value, status] : item->values) FERRY_TRY(receive(value, status));
    if (!diff.empty()) {
      stats_.num_sent += diff.size();
      out.parts.emplace_back(RangeItem<Item>{item->range, std::move(diff), true});
    }
  }
  // B. RangeFingerprints in arrival order, seeing the entries just stored.
  for (const auto& part : in.parts) {
    if (const auto* f = std::get_if<RangeFingerprint>(&part)) {
      FERRY_TRY(process_fingerprint(*f, out));
    }
  }
  if (out.parts.empty()) return std::optional<Message<Item>>();
  return std::optional<Message<Item>>(std::move(out));
}

}  // namespace ferry::reconcile
