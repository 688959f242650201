// Tests for PosixEnv, MemEnv (incl. its crash model) and FaultEnv.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>

#include "env/env.h"
#include "env/fault_env.h"
#include "env/mem_env.h"

namespace ferry::env {
namespace {

// One temporary directory per PosixEnv test, removed afterwards.
std::string make_temp_dir() {
  std::string tmpl = "/tmp/ferry_env_test_XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

class EnvTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      env_ = posix_env();
      root_ = make_temp_dir();
    } else {
      env_ = &mem_;
      root_ = "/root";
      ASSERT_TRUE(env_->mkdirs(root_));
    }
  }
  void TearDown() override {
    if (GetParam()) {
      std::string cmd = "rm -rf '" + root_ + "'";
      ASSERT_EQ(::system(cmd.c_str()), 0);
    }
  }
  MemEnv mem_;
  Env* env_ = nullptr;
  std::string root_;
};

TEST_P(EnvTest, WriteReadSizeTruncate) {
  std::string p = join_path(root_, "a");
  auto f = env_->open(p, OpenMode::kCreateTruncate);
  ASSERT_TRUE(f) << f.error().to_string();
  ASSERT_TRUE((*f)->write_at(0, as_bytes("hello")));
  ASSERT_TRUE((*f)->append(as_bytes(" world")));
  ASSERT_TRUE((*f)->write_at(20, as_bytes("!")));
  EXPECT_EQ(*(*f)->size(), 21u);
  Bytes buf(32);
  auto n = (*f)->read_at(0, buf);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 21u);
  EXPECT_EQ(as_string_view(ByteView(buf).first(11)), "hello world");
  EXPECT_EQ(buf[15], 0);
  EXPECT_EQ(*(*f)->read_at(100, buf), 0u);
  ASSERT_TRUE((*f)->truncate(5));
  ASSERT_TRUE((*f)->sync());
  EXPECT_EQ(*env_->file_size(p), 5u);
  auto all = read_file(*env_, p);
  ASSERT_TRUE(all);
  EXPECT_EQ(as_string_view(*all), "hello");
}

TEST_P(EnvTest, MissingFilesAreNotFound) {
  auto f = env_->open(join_path(root_, "nope"), OpenMode::kRead);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(env_->remove(join_path(root_, "nope")).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(env_->file_size(join_path(root_, "nope")).error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(env_->exists(join_path(root_, "nope")));
}

TEST_P(EnvTest, RenameListRemoveMkdirs) {
  ASSERT_TRUE(env_->mkdirs(join_path(root_, "x/y")));
  ASSERT_TRUE(write_file(*env_, join_path(root_, "x/y/f1"), as_bytes("1")));
  ASSERT_TRUE(env_->rename(join_path(root_, "x/y/f1"), join_path(root_, "x/y/f2")));
  ASSERT_TRUE(env_->sync_dir(join_path(root_, "x/y")));
  auto names = env_->list(join_path(root_, "x/y"));
  ASSERT_TRUE(names);
  EXPECT_EQ(*names, std::vector<std::string>{"f2"});
  auto top = env_->list(join_path(root_, "x"));
  ASSERT_TRUE(top);
  EXPECT_EQ(*top, std::vector<std::string>{"y"});
  ASSERT_TRUE(env_->remove(join_path(root_, "x/y/f2")));
  EXPECT_TRUE(env_->list(join_path(root_, "x/y"))->empty());
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest, ::testing::Values(true, false),
                         [](const auto& info) { return info.param ? "Posix" : "Mem"; });

TEST(MemEnvCrash, UnsyncedWritesAndNamesAreLost) {
  MemEnv env;
  ASSERT_TRUE(env.mkdirs("/d"));
  // Durable file with durable name.
  ASSERT_TRUE(write_file(env, "/d/kept", as_bytes("v1")));
  ASSERT_TRUE(env.sync_dir("/d"));
  // Later unsynced overwrite of it.
  {
    auto f = env.open("/d/kept", OpenMode::kReadWrite);
    ASSERT_TRUE(f);
    ASSERT_TRUE((*f)->write_at(0, as_bytes("v2-unsynced")));
  }
  // Synced file whose name was never made durable.
  ASSERT_TRUE(write_file(env, "/d/new", as_bytes("x")));
  // Rename not made durable.
  ASSERT_TRUE(write_file(env, "/d/tmp", as_bytes("t")));
  ASSERT_TRUE(env.sync_dir("/d"));
  ASSERT_TRUE(env.rename("/d/tmp", "/d/final"));
  env.simulate_crash();
  EXPECT_EQ(as_string_view(*read_file(env, "/d/kept")), "v1");
  EXPECT_TRUE(env.exists("/d/new"));  // was made durable by the sync_dir above
  EXPECT_TRUE(env.exists("/d/tmp"));
  EXPECT_FALSE(env.exists("/d/final"));
}

TEST(MemEnvCrash, NameWithoutDirSyncVanishes) {
  MemEnv env;
  ASSERT_TRUE(env.mkdirs("/d"));
  ASSERT_TRUE(write_file(env, "/d/f", as_bytes("data")));
  env.simulate_crash();
  EXPECT_FALSE(env.exists("/d/f"));
}

TEST(FaultEnv, FailAtNthOperationOnce) {
  MemEnv mem;
  FaultEnv env(&mem);
  ASSERT_TRUE(env.mkdirs("/d"));  // op 1
  env.fail_at(3, ErrorCode::kResourceExhausted);
  auto f = env.open("/d/f", OpenMode::kCreateTruncate);  // op 2
  ASSERT_TRUE(f);
  auto w = (*f)->write_at(0, as_bytes("abc"));  // op 3
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kResourceExhausted);
  EXPECT_NE(w.error().message().find("no space"), std::string::npos);
  EXPECT_TRUE((*f)->write_at(0, as_bytes("abc")));  // op 4 succeeds
  EXPECT_EQ(env.ops(), 4u);
}

TEST(FaultEnv, FailFromAndCrash) {
  MemEnv mem;
  FaultEnv env(&mem);
  ASSERT_TRUE(env.mkdirs("/d"));
  env.fail_from(2, ErrorCode::kIo);
  EXPECT_FALSE(env.open("/d/f", OpenMode::kCreateTruncate));
  EXPECT_FALSE(env.sync_dir("/d"));
  env.disarm();
  ASSERT_TRUE(write_file(env, "/d/f", as_bytes("abc")));
  ASSERT_TRUE(env.sync_dir("/d"));
  uint64_t n = env.ops();
  env.crash_at(n + 2);
  auto f = env.open("/d/f", OpenMode::kReadWrite);  // n+1
  ASSERT_TRUE(f);
  EXPECT_FALSE((*f)->write_at(0, as_bytes("zzz")));  // n+2: crash
  EXPECT_TRUE(env.crashed());
  Bytes buf(3);
  EXPECT_FALSE((*f)->read_at(0, buf));  // reads refused after the crash
  EXPECT_FALSE(env.list("/d"));
  mem.simulate_crash();
  EXPECT_EQ(as_string_view(*read_file(mem, "/d/f")), "abc");
}

}  // namespace
}  // namespace ferry::env
