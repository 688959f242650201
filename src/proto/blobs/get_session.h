// The /iroh-bytes/4 getter side as a sans-IO session: it builds the request
// bytes, then takes the response stream in pieces of any size, verifies
// every byte with bao::ResponseDecoder and writes only verified data into a
// blobs::Store (spec ../shared/spec/iroh-0.35-wire.md §7). Multi-blob
// responses (HashSeq, collections) are decoded blob by blob; child hashes
// come from the root HashSeq, which must be complete in the store by the
// time the first child arrives (requested in the same response, or held
// already).
//
// At the first bad byte on_data() returns kCorrupt: the caller must cut the
// peer off (reset the stream / close the connection). What was verified
// before it stays as a partial blob, so a later request can resume.
//
// Durability: each finished blob is handed to its writer's finish_async, so
// a store may group the commits (the file store does for small blobs) while
// the session goes on decoding the next child. The stream having ended well
// (on_finish OK) therefore does not yet mean the blobs are durable: the
// driver reports success only from when_durable(). The root of a request
// for children is finished synchronously (they are read from it).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "bao/decoder.h"
#include "bao/range_spec.h"
#include "blobs/pending_commits.h"
#include "blobs/store.h"
#include "core/bytes.h"
#include "ferry/result.h"

namespace ferry::proto::blobs {

class GetSession {
 public:
  // Requires: `store` outlives the session.
  GetSession(ferry::blobs::Store& store, bao::GetRequest request);
  ~GetSession();

  // The bytes to send (then finish the send side).
  Bytes request_bytes() const { return request_.encode(); }

  // Feeds response bytes. Errors: kCorrupt (hash mismatch), kProtocol (data
  // after the response ended, bad HashSeq), store errors. After an error the
  // session is dead.
  [[nodiscard]] Status on_data(ByteView data);
  // The stream ended. OK if the response was complete, or ended where iroh
  // ends it early (a blob the provider does not have: kNotFound). Errors:
  // kNotFound (the provider did not have the root / a child), kProtocol
  // (stream ended inside a blob).
  [[nodiscard]] Status on_finish();

  // `done` gets OK once every blob this session finished is durable, or the
  // first commit error (the transfer failed; those blobs are not complete).
  // Runs inline when nothing is pending, else on the store's committer
  // thread (the driver posts it back to its own). May outlive the session.
  // Requires: called once, after on_finish() returned OK.
  void when_durable(std::function<void(Status)> done) { commits_->when_durable(std::move(done)); }
  // Commits handed to the store and not yet durable.
  size_t commits_pending() const { return commits_->pending(); }

  bool done() const { return done_; }
  uint64_t bytes_received() const { return received_; }
  // Blobs completed by this session (finished writers).
  const std::vector<crypto::Hash>& blobs_written() const { return written_; }

 private:
  [[nodiscard]] Status load_children();
  [[nodiscard]] Status start_blob(uint64_t offset);
  [[nodiscard]] Status finish_blob();
  [[nodiscard]] Status fail(Error e);

  ferry::blobs::Store& store_;
  bao::GetRequest request_;
  std::optional<uint64_t> offset_;  // blob being decoded (nullopt = finished)
  crypto::Hash current_hash_;
  std::unique_ptr<bao::ResponseDecoder> decoder_;
  std::unique_ptr<ferry::blobs::BlobWriter> writer_;
  std::optional<std::vector<crypto::Hash>> children_;
  std::vector<crypto::Hash> written_;
  uint64_t received_ = 0;
  bool done_ = false;
  std::optional<Error> error_;
  std::shared_ptr<ferry::blobs::PendingCommits> commits_ = ferry::blobs::PendingCommits::make();
};

// The request that fetches what `have` lacks of blob `hash` (resumption):
// all chunks minus the verified ones. Returns nullopt if nothing is missing.
std::optional<bao::GetRequest> missing_request(const crypto::Hash& hash,
                                               const ferry::blobs::BlobStatus& have);

}  // namespace ferry::proto::blobs
