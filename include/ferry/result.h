// Result<T> and Error: how every Ferry module reports failure.
//
// The error codes are a small closed set chosen by what the caller should do
// next (see ../shared/STYLE.md, abseil's status):
//   kInvalidArgument  the caller's input is wrong: fix the input, do not retry.
//   kNotFound         the thing does not exist (here): try elsewhere or give up.
//   kAlreadyExists    the thing exists: use it.
//   kCorrupt          data failed verification (hash, outboard, checksum):
//                     discard the data; if it came from a peer, drop the peer.
//   kProtocol         a peer broke the wire protocol: close the stream or
//                     connection, do not retry with the same peer soon.
//   kIo               the operating system failed an operation: may be
//                     transient; report, retry later.
//   kResourceExhausted a limit was hit (disk full, frame too large, budget):
//                     free resources or reduce the request.
//   kUnsupported      a version or feature we do not handle (e.g. a database
//                     written by a newer Ferry): upgrade, do not retry.
//   kCancelled        the operation was cancelled by its owner.
//   kTimeout          a deadline passed: retry later or elsewhere.
//   kInternal         a bug: report it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace ferry {

enum class ErrorCode {
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kCorrupt,
  kProtocol,
  kIo,
  kResourceExhausted,
  kUnsupported,
  kCancelled,
  kTimeout,
  kInternal,
};

// Stable lower-case name of a code, e.g. "corrupt".
std::string_view error_code_name(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message", keeping the code.
  Error with_context(std::string_view context) const;

  // "corrupt: leaf hash mismatch at chunk 3"
  std::string to_string() const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Result<void> for operations that return nothing on success.
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> make_error(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error(code, std::move(message)));
}

inline Status ok() {
  return {};
}

}  // namespace ferry

// Propagates the error of a Result/Status expression out of the enclosing
// function (which must return a Result/Status); otherwise yields nothing.
#define FERRY_TRY(expr)                                                \
  do {                                                                 \
    auto&& _ferry_r = (expr);                                          \
    if (!_ferry_r) return tl::unexpected(std::move(_ferry_r).error()); \
  } while (0)

// Evaluates a Result<T> expression and assigns its value to `lhs`, or
// returns its error. Usage: FERRY_ASSIGN(auto v, reader.read_u64());
#define FERRY_CONCAT_INNER(a, b) a##b
#define FERRY_CONCAT(a, b) FERRY_CONCAT_INNER(a, b)
#define FERRY_ASSIGN(lhs, expr) FERRY_ASSIGN_IMPL(FERRY_CONCAT(_ferry_tmp_, __LINE__), lhs, expr)
#define FERRY_ASSIGN_IMPL(tmp, lhs, expr)                  \
  auto tmp = (expr);                                       \
  if (!tmp) return tl::unexpected(std::move(tmp).error()); \
  lhs = std::move(*tmp)
