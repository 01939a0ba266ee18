#include "warp/local_object_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "lib/storage/testing/object_store_conformance.h"

namespace warp {
namespace {

std::string NewTempDir() {
  static std::atomic<int> counter{0};
  const char* base = std::getenv("TEST_TMPDIR");
  return absl::StrCat(base ? base : "/tmp", "/local-store-", getpid(), "-",
                      counter.fetch_add(1));
}

std::unique_ptr<ObjectStore> OpenFresh() {
  auto store = OpenLocalObjectStore(NewTempDir());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    Local, ObjectStoreConformanceTest,
    ::testing::Values(ObjectStoreFactory{"local", OpenFresh}),
    ObjectStoreFactoryName);

TEST(LocalObjectStoreTest, ObjectsSurviveReopen) {
  std::string dir = NewTempDir();
  {
    auto store = OpenLocalObjectStore(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("x/y/z", "durable").ok());
  }
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->Get("x/y/z"), "durable");
}

// A crash mid-Put leaves only a temporary file: never visible as an object,
// and removed at the next open.
TEST(LocalObjectStoreTest, LeftoverTemporaryFilesAreInvisibleAndRemoved) {
  std::string dir = NewTempDir();
  {
    auto store = OpenLocalObjectStore(dir);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Put("real", "1").ok());
  }
  // A temporary of a process that no longer runs (pid 1 is init, alive; use
  // a name without a live pid).
  std::string temp = absl::StrCat(dir, "/.warp-tmp/999999999.1.tmp");
  std::ofstream(temp) << "partial";
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  auto listed = (*store)->List("");
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "real");
  EXPECT_NE(access(temp.c_str(), F_OK), 0) << "temporary file not removed";
}

TEST(LocalObjectStoreTest, EscapesAndReservedKeysAreRejected) {
  auto store = OpenFresh();
  for (const char* bad : {"../outside", "a/../../outside", "/etc/passwd",
                          ".warp-tmp/x", ".warp-tmp"}) {
    absl::Status status = store->Put(bad, "x");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_FALSE(status.message().empty());
  }
}

TEST(LocalObjectStoreTest, DeleteRemovesEmptyFolders) {
  std::string dir = NewTempDir();
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("deep/folder/obj", "x").ok());
  ASSERT_TRUE((*store)->Delete("deep/folder/obj").ok());
  struct stat st;
  EXPECT_NE(stat(absl::StrCat(dir, "/deep").c_str(), &st), 0);
  ASSERT_TRUE((*store)->Put("deep/folder/obj", "again").ok());
  EXPECT_EQ(*(*store)->Get("deep/folder/obj"), "again");
}

TEST(LocalObjectStoreTest, NotAFolderIsAClearError) {
  std::string file = NewTempDir();
  std::ofstream(file) << "x";
  auto store = OpenLocalObjectStore(file);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("not a folder"), std::string::npos)
      << store.status();
}

}  // namespace
}  // namespace warp
