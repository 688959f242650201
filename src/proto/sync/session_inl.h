// Implementation of SyncSession (template); include proto/sync/session.h.
#pragma once

namespace ferry::proto::sync {

template <reconcile::RangerItem Item>
void SyncSession<Item>::create_ranger(Store& store, const NamespaceId& ns, Hooks hooks) {
  if (compact()) {
    compact_.emplace(store, ByteView(ns), config_.compact, std::move(hooks));
  } else {
    ranger_.emplace(store, ByteView(ns), config_.ranger, std::move(hooks));
  }
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::start() {
  if (state_ != State::kIdle || !dialer_) return;
  if (compact()) {
    auto init = compact_->initial_message();
    if (!init) return fail(init.error());
    state_ = State::kRunning;
    return send(CompactInit<Item>{*namespace_, std::move(*init)});
  }
  auto init = ranger_->initial_message();
  if (!init) return fail(init.error());
  state_ = State::kRunning;
  send(Init<Item>{*namespace_, std::move(*init)});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::send(const SyncMessage<Item>& m) {
  send_payload(encode_sync_message(m));
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::send(const CompactSyncMessage<Item>& m) {
  send_payload(encode_compact_sync_message(m));
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::send_payload(const Bytes& payload) {
  auto framed = frame(payload, config_.max_frame);
  if (!framed) return fail(framed.error());
  ++stats_.frames_sent;
  stats_.bytes_sent += framed->size();
  actions_.emplace_back(SendFrame{std::move(*framed)});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::stop() {
  state_ = State::kClosing;
  actions_.emplace_back(FinishSend{});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::fail(Error e) {
  if (state_ == State::kFailed) return;
  state_ = State::kFailed;
  actions_.emplace_back(SyncFailed{std::move(e)});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::on_data(ByteView data) {
  if (state_ == State::kDone || state_ == State::kFailed) return;
  stats_.bytes_received += data.size();
  if (data.empty()) return;
  if (state_ == State::kClosing) {
    return fail(Error(ErrorCode::kProtocol, "data after the end of the sync"));
  }
  if (state_ == State::kIdle) {
    return fail(Error(ErrorCode::kProtocol, "data before the dialer sent Init"));
  }
  decoder_.push(data);
  while (state_ == State::kRunning || state_ == State::kAwaitingInit) {
    auto next = decoder_.next();
    if (!next) return fail(next.error());
    if (!*next) break;
    ++stats_.frames_received;
    handle_frame(**next);
  }
  // Frames after we stopped are a protocol violation too.
  if (state_ == State::kClosing && decoder_.buffered() > 0) {
    fail(Error(ErrorCode::kProtocol, "data after the end of the sync"));
  }
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::handle_frame(ByteView payload) {
  if (compact()) {
    auto decoded = decode_compact_sync_message<Item>(payload);
    if (!decoded) return fail(decoded.error().with_context("sync frame"));
    return dispatch(*decoded);
  }
  auto decoded = decode_sync_message<Item>(payload);
  if (!decoded) return fail(decoded.error().with_context("sync frame"));
  dispatch(*decoded);
}

template <reconcile::RangerItem Item>
template <typename InitT, typename SyncT>
void SyncSession<Item>::dispatch(std::variant<InitT, SyncT, Abort>& m) {
  if (dialer_) {
    if (std::holds_alternative<InitT>(m)) {
      return fail(Error(ErrorCode::kProtocol, "Init received by the dialer"));
    }
    if (const auto* abort = std::get_if<Abort>(&m)) {
      state_ = State::kDone;
      actions_.emplace_back(RemoteAborted{abort->reason});
      actions_.emplace_back(FinishSend{});
      return;
    }
    return handle_message(std::get<SyncT>(m).message);
  }
  if (state_ == State::kAwaitingInit) {
    auto* init = std::get_if<InitT>(&m);
    if (!init) return fail(Error(ErrorCode::kProtocol, "expected Init"));
    namespace_ = init->namespace_id;
    auto decision = accept_ ? accept_(init->namespace_id) : AbortReason::kNotFound;
    if (auto* reason = std::get_if<AbortReason>(&decision)) {
      // Abort encodes identically in both dialects.
      send(SyncMessage<Item>(Abort{*reason}));
      if (state_ == State::kFailed) return;
      state_ = State::kDone;
      actions_.emplace_back(FinishSend{});
      actions_.emplace_back(Rejected{*reason});
      return;
    }
    auto& acc = std::get<Accepted>(decision);
    create_ranger(*acc.store, init->namespace_id, std::move(acc.hooks));
    state_ = State::kRunning;
    return handle_message(init->message);
  }
  if (std::holds_alternative<InitT>(m)) {
    return fail(Error(ErrorCode::kProtocol, "second Init"));
  }
  if (std::holds_alternative<Abort>(m)) {
    return fail(Error(ErrorCode::kProtocol, "Abort received by the acceptor"));
  }
  handle_message(std::get<SyncT>(m).message);
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::handle_message(const reconcile::Message<Item>& m) {
  auto reply = ranger_->process(m);
  if (!reply) return fail(reply.error());
  if (!*reply) return stop();
  send(Sync<Item>{std::move(**reply)});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::handle_message(const reconcile::compact::CompactMessage<Item>& m) {
  auto reply = compact_->process(m);
  if (!reply) return fail(reply.error());
  if (!*reply) return stop();
  send(CompactSync<Item>{std::move(**reply)});
}

template <reconcile::RangerItem Item>
void SyncSession<Item>::on_eof() {
  switch (state_) {
    case State::kRunning:
      if (decoder_.buffered() > 0) {
        return fail(Error(ErrorCode::kProtocol, "stream ended inside a frame"));
      }
      // The peer stopped: normal completion; finish our side too.
      actions_.emplace_back(FinishSend{});
      [[fallthrough]];
    case State::kClosing:
      state_ = State::kDone;
      actions_.emplace_back(SyncFinished{ranger_stats()});
      return;
    case State::kIdle:
    case State::kAwaitingInit: return fail(Error(ErrorCode::kProtocol, "stream ended before Init"));
    case State::kDone:
    case State::kFailed: return;
  }
}

template <reconcile::RangerItem Item>
bool SyncSession<Item>::check_invariants() const {
  switch (state_) {
    case State::kIdle: return dialer_ && has_ranger();
    case State::kAwaitingInit: return !dialer_ && !has_ranger();
    case State::kRunning:
    case State::kClosing:
      return has_ranger() && (ranger_.has_value() != compact_.has_value()) &&
             namespace_.has_value();
    case State::kDone:
    case State::kFailed: return true;
  }
  return false;
}

}  // namespace ferry::proto::sync
