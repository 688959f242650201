// Protector, TempTag and the GC live set: see protect.h and store.h.
#include "blobs/protect.h"

#include <algorithm>

#include "blobs/hash_seq.h"

namespace ferry::blobs {

std::string_view blob_state_name(BlobState state) {
  switch (state) {
    case BlobState::kAbsent: return "absent";
    case BlobState::kPartial: return "partial";
    case BlobState::kComplete: return "complete";
  }
  return "unknown";
}

TempTag& TempTag::operator=(TempTag&& other) noexcept {
  if (this != &other) {
    release();
    value_ = other.value_;
    release_ = std::move(other.release_);
    other.release_ = nullptr;
  }
  return *this;
}

void TempTag::release() {
  if (release_) {
    auto f = std::move(release_);
    release_ = nullptr;
    f(value_);
  }
}

Protector::Protector() : state_(std::make_shared<State>()) {}

TempTag Protector::protect(const HashAndFormat& value) {
  auto key = std::make_pair(value.hash, static_cast<int>(value.format));
  {
    std::lock_guard lock(state_->mu);
    ++state_->counts[key];
  }
  std::weak_ptr<State> weak = state_;
  return TempTag(value, [weak, key](const HashAndFormat&) {
    if (auto state = weak.lock()) {
      std::lock_guard lock(state->mu);
      auto it = state->counts.find(key);
      if (it != state->counts.end() && --it->second == 0) state->counts.erase(it);
    }
  });
}

std::vector<HashAndFormat> Protector::snapshot() const {
  std::lock_guard lock(state_->mu);
  std::vector<HashAndFormat> out;
  for (const auto& [key, count] : state_->counts) {
    out.push_back({key.first, static_cast<BlobFormat>(key.second)});
  }
  return out;
}

bool Protector::is_protected(const Hash& hash) const {
  std::lock_guard lock(state_->mu);
  auto it = state_->counts.lower_bound({hash, 0});
  return it != state_->counts.end() && it->first.first == hash;
}

Result<std::vector<Hash>> live_hashes(
    const std::vector<HashAndFormat>& roots,
    const std::function<Result<std::optional<Bytes>>(const Hash&)>& read_hash_seq) {
  std::vector<Hash> live;
  for (const auto& root : roots) {
    live.push_back(root.hash);
    if (root.format != BlobFormat::kHashSeq) continue;
    FERRY_ASSIGN(auto bytes, read_hash_seq(root.hash));
    if (!bytes) continue;
    auto children = parse_hash_seq(*bytes);
    if (!children) continue;
    live.insert(live.end(), children->begin(), children->end());
  }
  std::sort(live.begin(), live.end());
  live.erase(std::unique(live.begin(), live.end()), live.end());
  return live;
}

}  // namespace ferry::blobs
