#include "docs/policy.h"

#include <gtest/gtest.h>

#include "core/encoding.h"

namespace ferry::docs {
namespace {

TEST(DocsPolicy, DefaultDownloadsEverything) {
  DownloadPolicy p;
  EXPECT_TRUE(p.should_download(as_bytes("anything")));
  EXPECT_TRUE(p.should_download({}));
  EXPECT_EQ(hex_encode(p.to_bytes()), "0100");
}

TEST(DocsPolicy, MatchingRules) {
  DownloadPolicy nothing{
      DownloadPolicy::Kind::kNothingExcept,
      {FilterKind::prefix(as_bytes("img/")), FilterKind::exact(as_bytes("readme"))}};
  EXPECT_TRUE(nothing.should_download(as_bytes("img/a.png")));
  EXPECT_TRUE(nothing.should_download(as_bytes("img/")));
  EXPECT_FALSE(nothing.should_download(as_bytes("img")));
  EXPECT_TRUE(nothing.should_download(as_bytes("readme")));
  EXPECT_FALSE(nothing.should_download(as_bytes("readme.md")));
  DownloadPolicy except{DownloadPolicy::Kind::kEverythingExcept, nothing.filters};
  EXPECT_FALSE(except.should_download(as_bytes("img/a.png")));
  EXPECT_TRUE(except.should_download(as_bytes("readme.md")));
  // An empty prefix matches every key.
  DownloadPolicy all{DownloadPolicy::Kind::kNothingExcept, {FilterKind::prefix({})}};
  EXPECT_TRUE(all.should_download(as_bytes("x")));
}

TEST(DocsPolicy, PostcardRoundTripAndBytes) {
  DownloadPolicy p{DownloadPolicy::Kind::kNothingExcept,
                   {FilterKind::prefix(as_bytes("ab")), FilterKind::exact(as_bytes("c"))}};
  // 00 (NothingExcept) 02 (two filters) 00 02 'a' 'b' 01 01 'c'
  EXPECT_EQ(hex_encode(p.to_bytes()),
            "0002"
            "00026162"
            "010163");
  auto back = DownloadPolicy::from_bytes(p.to_bytes());
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, p);
  for (const char* bad : {"", "02", "0001", "000102", "00010201", "0101000000", "00ffffffff0f"}) {
    EXPECT_FALSE(DownloadPolicy::from_bytes(*hex_decode(bad)).has_value()) << bad;
  }
}

TEST(DocsPolicy, TextForm) {
  auto f = FilterKind::parse("prefix:utf8:img/");
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(*f, FilterKind::prefix(as_bytes("img/")));
  EXPECT_EQ(f->to_string(), "prefix:utf8:img/");
  auto g = FilterKind::parse("exact:hex:ff00");
  ASSERT_TRUE(g.has_value());
  EXPECT_EQ(g->bytes, (Bytes{0xff, 0x00}));
  EXPECT_EQ(g->to_string(), "exact:hex:ff00");
  EXPECT_FALSE(FilterKind::parse("glob:utf8:x").has_value());
  EXPECT_FALSE(FilterKind::parse("exact:b64:x").has_value());
  EXPECT_FALSE(FilterKind::parse("exact:hex:zz").has_value());
}

}  // namespace
}  // namespace ferry::docs
