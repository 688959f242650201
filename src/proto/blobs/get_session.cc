#include "proto/blobs/get_session.h"

#include "blobs/download.h"
#include "blobs/hash_seq.h"
#include "proto/blobs/provider.h"

namespace ferry::proto::blobs {

GetSession::GetSession(ferry::blobs::Store& store, bao::GetRequest request)
    : store_(store), request_(std::move(request)) {
  offset_ = request_.ranges.next_non_empty(0);
  if (!offset_) done_ = true;
}

GetSession::~GetSession() {
  // Keep whatever was verified (partial blob) even if the stream broke.
  if (writer_) (void)writer_->finish();
}

Status GetSession::fail(Error e) {
  if (writer_) {
    (void)writer_->finish();
    writer_.reset();
  }
  error_ = e;
  return tl::unexpected(std::move(e));
}

Status GetSession::load_children() {
  if (children_) return ok();
  FERRY_ASSIGN(auto st, store_.status(request_.hash));
  if (!st.is_complete()) {
    return make_error(ErrorCode::kProtocol, "child data before the HashSeq is complete");
  }
  if (st.size > kMaxHashSeqSize)
    return make_error(ErrorCode::kResourceExhausted, "HashSeq too large");
  FERRY_ASSIGN(Bytes seq, store_.read(request_.hash, 0, st.size));
  auto children = ferry::blobs::parse_hash_seq(seq);
  if (!children) return make_error(ErrorCode::kProtocol, "root is not a HashSeq");
  children_ = std::move(*children);
  return ok();
}

Status GetSession::start_blob(uint64_t offset) {
  if (offset == 0) {
    current_hash_ = request_.hash;
  } else {
    FERRY_TRY(load_children());
    if (offset - 1 >= children_->size()) {
      return make_error(ErrorCode::kProtocol, "data after the end of the HashSeq");
    }
    current_hash_ = (*children_)[offset - 1];
  }
  decoder_ =
      std::make_unique<bao::ResponseDecoder>(current_hash_, request_.ranges.ranges_at(offset));
  return ok();
}

Status GetSession::finish_blob() {
  auto next = request_.ranges.next_non_empty(*offset_ + 1);
  if (writer_) {
    if (*offset_ == 0 && next) {
      // The children's hashes are read from the root: it must be complete
      // in the store now.
      FERRY_ASSIGN(auto st, writer_->finish());
      (void)st;
    } else {
      writer_->finish_async(commits_->track());
    }
    writer_.reset();
  }
  written_.push_back(current_hash_);
  decoder_.reset();
  offset_ = next;
  if (!offset_) done_ = true;
  return ok();
}

Status GetSession::on_data(ByteView data) {
  if (error_) return tl::unexpected(*error_);
  received_ += data.size();
  auto handler = [&](const bao::DecodeEvent& ev) -> Status {
    if (const auto* s = std::get_if<bao::SizeReceived>(&ev)) {
      FERRY_ASSIGN(writer_, store_.open_writer(current_hash_, s->size));
      return ok();
    }
    if (!writer_) return make_error(ErrorCode::kInternal, "decoder event before size");
    return ferry::blobs::write_decoded(*writer_, ev);
  };
  while (!data.empty()) {
    if (done_) return fail(Error(ErrorCode::kProtocol, "data after the end of the response"));
    if (!decoder_) {
      if (auto st = start_blob(*offset_); !st) return fail(st.error());
    }
    auto used = decoder_->feed(data, handler);
    if (!used) return fail(used.error());
    data = data.subspan(*used);
    if (decoder_->done()) {
      if (auto st = finish_blob(); !st) return fail(st.error());
    }
  }
  return ok();
}

Status GetSession::on_finish() {
  if (error_) return tl::unexpected(*error_);
  if (done_) return ok();
  if (decoder_ && decoder_->consumed() > 0) {
    return fail(Error(ErrorCode::kProtocol, "response ended inside a blob"));
  }
  // Ended at a blob boundary: normal if the HashSeq ran out (the last spec
  // repeats forever), else the provider does not have this blob.
  if (*offset_ >= 1 && load_children() && *offset_ - 1 >= children_->size()) {
    done_ = true;
    return ok();
  }
  return fail(Error(ErrorCode::kNotFound, "provider does not have blob at offset " +
                                              std::to_string(offset_.value_or(0))));
}

std::optional<bao::GetRequest> missing_request(const crypto::Hash& hash,
                                               const ferry::blobs::BlobStatus& have) {
  if (have.is_complete()) return std::nullopt;
  bao::ChunkRanges missing = bao::ChunkRanges::all() - have.verified;
  if (missing.is_empty()) return std::nullopt;
  return bao::GetRequest{hash, bao::RangeSpecSeq::single(missing)};
}

}  // namespace ferry::proto::blobs
