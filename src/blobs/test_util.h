// Test helpers for the blob store tests: temporary directories, test data,
// seeds, and a download driver that feeds a BlobWriter what a verified bao
// stream would deliver.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <string>

#include "bao/outboard.h"
#include "bao/tree.h"
#include "blobs/file_store.h"
#include "blobs/mem_store.h"
#include "blobs/store.h"
#include "core/prng.h"
#include "env/env.h"
#include "testing/seed.h"

namespace ferry::blobs::testing {

// A fresh directory under /tmp, removed (recursively) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = "/tmp/ferry_blobs_test_XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::string cmd = "rm -rf '" + path_ + "'";
    if (::system(cmd.c_str()) != 0) ADD_FAILURE() << "cannot remove " << path_;
  }
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The run's seed (testing/seed.h: FERRY_SEED=<n> replays a run).
using ferry::testing::test_seed;

// Byte i = (i*7) mod 251, the spec §11 test blob pattern.
inline Bytes pattern(size_t size) {
  Bytes out(size);
  for (size_t i = 0; i < size; ++i) out[i] = static_cast<uint8_t>((i * 7) % 251);
  return out;
}

inline Bytes random_bytes(Prng& rng, size_t size) {
  Bytes out(size);
  for (auto& b : out) b = static_cast<uint8_t>(rng.next());
  return out;
}

// Feeds `writer` the pairs and data of the chunk groups in `groups`
// (group indices), as a decoder would after verifying them: first the
// stored pairs on the paths to those groups, then the groups' data. Uses
// the real outboard of `data`.
inline Status feed_groups(BlobWriter& writer, ByteView data, const std::vector<uint64_t>& groups) {
  bao::BaoTree tree(data.size());
  auto ob = bao::compute_outboard(data);
  for (uint64_t g : groups) {
    uint64_t c0 = g * bao::kGroupChunks;
    Status st;
    tree.for_each_stored_node([&](const bao::Node& node, uint64_t index) {
      if (!st || node.start > c0 || node.end() <= c0) return;
      st = writer.write_parent(node, ByteView(ob.pairs).subspan(index * 64, 64));
    });
    FERRY_TRY(st);
    auto [b0, b1] = tree.node_bytes(tree.group_of(c0));
    FERRY_TRY(writer.write_leaf(b0, data.subspan(b0, b1 - b0)));
  }
  return ok();
}

// Store factories for the typed suites: each makes a fresh store in `dir`.
struct MemFactory {
  static std::unique_ptr<Store> make(const TempDir&) { return make_mem_store(); }
};
struct FileFactory {
  static std::unique_ptr<Store> make(const TempDir& dir) {
    FileStoreOptions opt;
    opt.dir = dir.file("store");
    auto s = open_file_store(opt);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }
};
// A file store that keeps nothing inline, so small blobs use files too.
struct FileNoInlineFactory {
  static std::unique_ptr<Store> make(const TempDir& dir) {
    FileStoreOptions opt;
    opt.dir = dir.file("store");
    opt.inline_limit = 0;
    auto s = open_file_store(opt);
    EXPECT_TRUE(s) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }
};

using StoreFactories = ::testing::Types<MemFactory, FileFactory, FileNoInlineFactory>;

}  // namespace ferry::blobs::testing
