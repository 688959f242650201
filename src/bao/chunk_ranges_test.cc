#include "bao/chunk_ranges.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <set>

#include "bao/test_util.h"

namespace ferry::bao {
namespace {

// Reference model: the chunks in [0, kDomain); an open range also owns every
// chunk >= kDomain, tracked by the flag.
constexpr uint64_t kDomain = 48;
struct Model {
  std::set<uint64_t> chunks;
  bool tail = false;  // all chunks >= kDomain
};

Model model_of(const ChunkRanges& r) {
  Model m;
  for (uint64_t c = 0; c < kDomain; ++c) {
    if (r.contains(c)) m.chunks.insert(c);
  }
  m.tail = r.contains(kDomain + 5) && r.contains(UINT64_MAX - 1);
  return m;
}

// Builds ranges and their model from random (start, len, open) triples whose
// boundaries stay below kDomain.
struct Built {
  ChunkRanges ranges;
  Model model;
};
rc::Gen<Built> gen_built() {
  return rc::gen::map(
      rc::gen::container<std::vector<std::tuple<uint64_t, uint64_t, bool>>>(rc::gen::tuple(
          rc::gen::inRange<uint64_t>(0, kDomain - 8), rc::gen::inRange<uint64_t>(0, 8),
          rc::gen::weightedElement<bool>({{9, false}, {1, true}}))),
      [](const std::vector<std::tuple<uint64_t, uint64_t, bool>>& v) {
        Built b;
        for (auto [s, len, open] : v) {
          if (open) {
            b.ranges = b.ranges | ChunkRanges::from(s);
            for (uint64_t c = s; c < kDomain; ++c) b.model.chunks.insert(c);
            b.model.tail = true;
          } else {
            b.ranges = b.ranges | ChunkRanges::range(s, s + len);
            for (uint64_t c = s; c < s + len; ++c) b.model.chunks.insert(c);
          }
        }
        return b;
      });
}

void expect_model(const ChunkRanges& r, const Model& m) {
  Model got = model_of(r);
  RC_ASSERT(got.chunks == m.chunks);
  RC_ASSERT(got.tail == m.tail);
  RC_ASSERT(r.is_open() == m.tail);
  RC_ASSERT(r.is_empty() == (m.chunks.empty() && !m.tail));
  // Canonical: strictly increasing boundaries, no empty or adjacent ranges.
  const auto& b = r.boundaries();
  for (size_t i = 1; i < b.size(); ++i) RC_ASSERT(b[i - 1] < b[i]);
}

RC_GTEST_PROP(ChunkRanges, BuildMatchesModel, ()) {
  Built a = *gen_built();
  expect_model(a.ranges, a.model);
}

RC_GTEST_PROP(ChunkRanges, SetAlgebraMatchesModel, ()) {
  Built a = *gen_built();
  Built b = *gen_built();
  Model u, i, d;
  std::set_union(a.model.chunks.begin(), a.model.chunks.end(), b.model.chunks.begin(),
                 b.model.chunks.end(), std::inserter(u.chunks, u.chunks.end()));
  std::set_intersection(a.model.chunks.begin(), a.model.chunks.end(), b.model.chunks.begin(),
                        b.model.chunks.end(), std::inserter(i.chunks, i.chunks.end()));
  std::set_difference(a.model.chunks.begin(), a.model.chunks.end(), b.model.chunks.begin(),
                      b.model.chunks.end(), std::inserter(d.chunks, d.chunks.end()));
  u.tail = a.model.tail || b.model.tail;
  i.tail = a.model.tail && b.model.tail;
  d.tail = a.model.tail && !b.model.tail;
  expect_model(a.ranges | b.ranges, u);
  expect_model(a.ranges & b.ranges, i);
  expect_model(a.ranges - b.ranges, d);
  RC_ASSERT(a.ranges.intersects(b.ranges) == !(a.ranges & b.ranges).is_empty());
  bool subset = std::includes(a.model.chunks.begin(), a.model.chunks.end(), b.model.chunks.begin(),
                              b.model.chunks.end()) &&
                (a.model.tail || !b.model.tail);
  RC_ASSERT(a.ranges.contains_all(b.ranges) == subset);
  // "what is missing" = wanted - have; have | missing covers wanted.
  RC_ASSERT(((a.ranges - b.ranges) | b.ranges).contains_all(a.ranges));
}

RC_GTEST_PROP(ChunkRanges, IntervalQueriesMatchModel, ()) {
  Built a = *gen_built();
  uint64_t s = *rc::gen::inRange<uint64_t>(0, kDomain);
  uint64_t e = *rc::gen::inRange<uint64_t>(s + 1, kDomain + 1);
  bool any = false, all = true;
  for (uint64_t c = s; c < e; ++c) {
    bool in = a.model.chunks.count(c) > 0;
    any |= in;
    all &= in;
  }
  RC_ASSERT(a.ranges.intersects(s, e) == any);
  RC_ASSERT(a.ranges.covers(s, e) == all);
  bool any_open = any || a.model.tail;
  for (uint64_t c = e; c < kDomain; ++c) any_open |= a.model.chunks.count(c) > 0;
  RC_ASSERT(a.ranges.intersects(s, ChunkRanges::kOpenEnd) == any_open);
}

RC_GTEST_PROP(ChunkRanges, ParseInvertsToString, ()) {
  Built a = *gen_built();
  auto back = ChunkRanges::parse(a.ranges.to_string());
  RC_ASSERT(back.has_value());
  RC_ASSERT(*back == a.ranges);
}

TEST(ChunkRanges, Parse) {
  EXPECT_EQ(ChunkRanges::parse("3..5,9..").value(),
            ChunkRanges::of({{3, 5}, {9, ChunkRanges::kOpenEnd}}));
  EXPECT_EQ(ChunkRanges::parse("7").value(), ChunkRanges::chunk(7));
  EXPECT_EQ(ChunkRanges::parse("{}").value(), ChunkRanges());
  EXPECT_EQ(ChunkRanges::parse("0..").value(), ChunkRanges::all());
  for (const char* bad : {"x", "5..3", "1..2..3", "..4", "1,,2", "-1", "99999999999999999999"}) {
    EXPECT_FALSE(ChunkRanges::parse(bad).has_value()) << bad;
  }
}

TEST(ChunkRanges, Basics) {
  EXPECT_TRUE(ChunkRanges::all().is_all());
  EXPECT_TRUE(ChunkRanges().is_empty());
  EXPECT_TRUE(ChunkRanges::range(5, 5).is_empty());
  ChunkRanges r = ChunkRanges::of({{1, 3}, {9, 13}, {3, 4}});
  EXPECT_EQ(r.to_string(), "{1..4, 9..13}");
  EXPECT_EQ(r.range_count(), 2u);
  EXPECT_EQ(r.ranges()[1], (ChunkRanges::Range{9, 13}));
  ChunkRanges last = ChunkRanges::from(UINT64_MAX);
  EXPECT_FALSE(last.is_empty());
  EXPECT_TRUE(last.contains(UINT64_MAX));
  EXPECT_FALSE(last.contains(UINT64_MAX - 1));
  EXPECT_EQ(last.to_string(), "{18446744073709551615..}");
  EXPECT_EQ((ChunkRanges::all() - ChunkRanges::range(0, 10)).to_string(), "{10..}");
}

}  // namespace
}  // namespace ferry::bao
