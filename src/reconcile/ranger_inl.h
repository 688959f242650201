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
Status receive_value(SortedSetStore<Item>& store, ByteView namespace_id,
                     const RangerHooks<Item>& hooks, RangerStats& stats, const Item& value,
                     ContentStatus status) {
  ++stats.num_recv;
  ByteView id = ItemTraits<Item>::id(value);
  if (id.size() < kMinIdSize) {
    return make_error(ErrorCode::kProtocol, "entry id shorter than 64 bytes");
  }
  if (!std::equal(namespace_id.begin(), namespace_id.end(), id.begin())) {
    ++stats.rejected[static_cast<size_t>(RejectReason::kWrongNamespace)];
    return ok();
  }
  if (hooks.validate) {
    if (auto reason = hooks.validate(value)) {
      ++stats.rejected[static_cast<size_t>(*reason)];
      return ok();
    }
  }
  Bytes author(id.begin() + kNamespaceSize, id.begin() + kMinIdSize);
  uint64_t& head = stats.heads_received[std::move(author)];
  head = std::max<uint64_t>(head, ItemTraits<Item>::timestamp(value));
  FERRY_ASSIGN(PutOutcome outcome, store.put(value));
  if (outcome == PutOutcome::kInserted) {
    ++stats.num_inserted;
    if (hooks.on_inserted) hooks.on_inserted(value, status);
  } else {
    ++stats.rejected[static_cast<size_t>(RejectReason::kNotNewer)];
  }
  return ok();
}

template <RangerItem Item>
Status Ranger<Item>::receive(const Item& value, ContentStatus status) {
  return receive_value(store_, namespace_, hooks_, stats_, value, status);
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
  FERRY_ASSIGN(RangeSummary sum, store_.summary(sub));
  if (sum.count > config_.max_set_size) {
    out.parts.emplace_back(RangeFingerprint{std::move(sub), sum.fingerprint});
    return ok();
  }
  Values values;
  FERRY_TRY(append_values(sub, values));
  emit_values(sub, std::move(values), false, out);
  return ok();
}

template <RangerItem Item>
Status Ranger<Item>::process_fingerprint(const RangeFingerprint& f, Message<Item>& out) {
  const Range& range = f.range;
  FERRY_ASSIGN(RangeSummary sum, store_.summary(range));
  if (sum.fingerprint == f.fingerprint) return ok();
  const uint64_t n = sum.count;
  if (n <= config_.max_set_size || f.fingerprint == Fingerprint::empty()) {
    Values values;
    FERRY_TRY(append_values(range, values));
    emit_values(range, std::move(values), false, out);
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
  // Under a size cap, once the reply is full the remaining sub-ranges are
  // left for later (they are contiguous, so they merge into one fingerprint).
  const bool capped = config_.max_message_bytes != 0 && !budget_.records.empty();
  bool emitted = false, full = false;
  for (size_t i = 0; i + 1 < bounds.size(); ++i) {
    if (bounds[i] == bounds[i + 1]) continue;
    Range sub{bounds[i], bounds[i + 1]};
    if (capped && emitted) {
      uint64_t rest = sub.x.size() + range.y.size() + 6 + Fingerprint::kSize;
      full = full || measure(out) + budget_.reserve + rest >= config_.max_message_bytes;
    }
    if (full) {
      budget_.records.back().tails.push_back(std::move(sub));
      budget_.exhausted = true;
      continue;
    }
    FERRY_TRY(emit_sub_range(std::move(sub), out));
    emitted = true;
  }
  return ok();
}

template <RangerItem Item>
uint64_t Ranger<Item>::measure(const Message<Item>& out) {
  auto& sizes = budget_.part_sizes;
  if (sizes.size() > out.parts.size()) {
    sizes.resize(out.parts.size());
    budget_.used = 1;
    for (auto v : sizes) budget_.used += v;
  }
  while (sizes.size() < out.parts.size()) {
    Message<Item> one;
    one.parts.push_back(out.parts[sizes.size()]);
    uint64_t n = encode_message(one).size() - 1;
    sizes.push_back(n);
    budget_.used += n;
  }
  return budget_.used;
}

template <RangerItem Item>
bool Ranger<Item>::may_evaluate(const Message<Item>& out, uint64_t reserve, uint64_t own) {
  budget_.reserve = reserve - own;
  bool first = std::none_of(budget_.records.begin(), budget_.records.end() - 1,
                            [](const auto& r) { return r.evaluated; });
  if (first) return true;  // always make progress
  if (budget_.exhausted || measure(out) + reserve >= config_.max_message_bytes) {
    budget_.exhausted = true;
    return false;
  }
  return true;
}

template <RangerItem Item>
void Ranger<Item>::emit_values(const Range& range, Values values, bool have_local,
                               Message<Item>& out) {
  if (config_.max_message_bytes != 0 && values.size() > 1 && !budget_.records.empty()) {
    uint64_t taken = measure(out) + budget_.reserve;
    uint64_t left = taken < config_.max_message_bytes ? config_.max_message_bytes - taken : 0;
    // Range overhead, then values in circular order from x until the cap.
    uint64_t size = range.x.size() + range.y.size() + 8;
    std::stable_partition(values.begin(), values.end(), [&](const auto& v) {
      return compare_keys(Traits::id(v.first), range.x) >= 0;
    });
    size_t keep = 0;
    for (; keep < values.size(); ++keep) {
      PostcardWriter w;
      Traits::encode(values[keep].first, w);
      size += w.data().size() + 1;
      if (keep > 0 && size > left) break;
    }
    if (keep < values.size()) {
      ByteView cut = Traits::id(values[keep].first);
      Bytes c(cut.begin(), cut.end());
      values.resize(keep);
      Range head{range.x, c};
      Range tail{std::move(c), range.kind() == Range::Kind::kWhole ? range.x : range.y};
      budget_.records.back().tails.push_back(std::move(tail));
      budget_.exhausted = true;
      std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
        return compare_keys(Traits::id(a.first), Traits::id(b.first)) < 0;
      });
      stats_.num_sent += values.size();
      out.parts.emplace_back(RangeItem<Item>{std::move(head), std::move(values), have_local});
      return;
    }
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return compare_keys(Traits::id(a.first), Traits::id(b.first)) < 0;
    });
  }
  stats_.num_sent += values.size();
  out.parts.emplace_back(RangeItem<Item>{range, std::move(values), have_local});
}

template <RangerItem Item>
std::vector<Range> Ranger<Item>::deferred_runs() const {
  std::vector<Range> deferred;
  for (const auto& r : budget_.records) {
    if (!r.evaluated) {
      deferred.push_back(r.range);
    } else {
      deferred.insert(deferred.end(), r.tails.begin(), r.tails.end());
    }
  }
  std::vector<Range> runs;
  size_t i = 0;
  while (i < deferred.size()) {
    Range run = deferred[i];
    size_t j = i + 1;
    while (j < deferred.size() && run.x != run.y && deferred[j].x == run.y &&
           deferred[j].y != run.x) {
      run.y = deferred[j].y;
      ++j;
    }
    // A run that closes the circle (y back at x) covers everything.
    if (j < deferred.size() && run.x != run.y && deferred[j].x == run.y && deferred[j].y == run.x) {
      run.y = run.x;
      ++j;
    }
    runs.push_back(std::move(run));
    i = j;
  }
  return runs;
}

template <RangerItem Item>
Status Ranger<Item>::finish_budget(Message<Item>& out) {
  auto fp_part_size = [](const Range& r) -> uint64_t {
    return 1 + 2 * 5 + r.x.size() + r.y.size() + Fingerprint::kSize;
  };
  std::vector<Range> runs;
  for (;;) {
    runs = deferred_runs();
    uint64_t size = measure(out) + 4;
    for (const auto& r : runs) size += fp_part_size(r);
    if (size <= config_.max_message_bytes) break;
    // Roll back the last evaluated part, unless it is the only one.
    auto& recs = budget_.records;
    auto last = std::find_if(recs.rbegin(), recs.rend(), [](const auto& r) { return r.evaluated; });
    if (last == recs.rend()) break;
    auto earlier =
        std::find_if(std::next(last), recs.rend(), [](const auto& r) { return r.evaluated; });
    if (earlier == recs.rend()) break;
    for (size_t i = last->out_begin; i < out.parts.size(); ++i) {
      if (const auto* it = std::get_if<RangeItem<Item>>(&out.parts[i])) {
        stats_.num_sent -= it->values.size();
      }
    }
    out.parts.resize(last->out_begin);
    last->evaluated = false;
    last->tails.clear();
  }
  for (auto& run : runs) {
    FERRY_ASSIGN(Fingerprint fp, store_.fingerprint(run));
    out.parts.emplace_back(RangeFingerprint{std::move(run), fp});
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
  const bool capped = config_.max_message_bytes != 0;
  budget_ = Budget{};
  // Under a cap: the fallback answer of a part is a RangeFingerprint over its
  // range; `reserve` keeps room for those of all parts not yet evaluated.
  auto fallback = [](const Range& r) -> uint64_t {
    return r.x.size() + r.y.size() + 6 + Fingerprint::kSize;
  };
  uint64_t reserve = 0;
  if (capped) {
    for (const auto& part : in.parts) {
      const auto* it = std::get_if<RangeItem<Item>>(&part);
      if (it && it->have_local) continue;
      reserve += fallback(std::visit([](const auto& p) -> const Range& { return p.range; }, part));
    }
  }
  // Registers an incoming part needing an answer; returns whether to
  // evaluate it now.
  auto begin_part = [&](const Range& range) {
    if (!capped) return true;
    budget_.records.push_back({range, false, out.parts.size(), {}});
    uint64_t own = fallback(range);
    bool evaluate = may_evaluate(out, reserve, own);
    reserve -= own;
    budget_.records.back().evaluated = evaluate;
    budget_.records.back().out_begin = out.parts.size();
    return evaluate;
  };
  // A. RangeItems in arrival order: diff against the store, then store.
  for (const auto& part : in.parts) {
    const auto* item = std::get_if<RangeItem<Item>>(&part);
    if (!item) continue;
    if (item->have_local || !begin_part(item->range)) {
      // No answer needed, or answered by a fingerprint at the end.
      for (const auto& [value, status] : item->values) FERRY_TRY(receive(value, status));
      continue;
    }
    Values diff;
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
    for (const auto& [value, status] : item->values) FERRY_TRY(receive(value, status));
    if (!diff.empty()) emit_values(item->range, std::move(diff), true, out);
  }
  // B. RangeFingerprints in arrival order, seeing the entries just stored.
  for (const auto& part : in.parts) {
    const auto* f = std::get_if<RangeFingerprint>(&part);
    if (!f || !begin_part(f->range)) continue;
    FERRY_TRY(process_fingerprint(*f, out));
  }
  if (capped) FERRY_TRY(finish_budget(out));
  if (out.parts.empty()) return std::optional<Message<Item>>();
  return std::optional<Message<Item>>(std::move(out));
}

}  // namespace ferry::reconcile
