// Time as a value. Sans-IO cores never read a clock: drivers pass `Instant`
// in. An Instant is a point on some monotonic timeline in nanoseconds; only
// differences between Instants of the same timeline are meaningful.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>

namespace ferry {

using Duration = std::chrono::nanoseconds;

class Instant {
 public:
  constexpr Instant() = default;
  static constexpr Instant from_nanos(int64_t ns) { return Instant(ns); }
  static constexpr Instant max() { return Instant(INT64_MAX); }

  constexpr int64_t nanos() const { return ns_; }

  constexpr Instant operator+(Duration d) const { return Instant(ns_ + d.count()); }
  constexpr Instant operator-(Duration d) const { return Instant(ns_ - d.count()); }
  constexpr Duration operator-(Instant o) const { return Duration(ns_ - o.ns_); }
  constexpr Instant& operator+=(Duration d) {
    ns_ += d.count();
    return *this;
  }
  constexpr auto operator<=>(const Instant&) const = default;

 private:
  constexpr explicit Instant(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

}  // namespace ferry
