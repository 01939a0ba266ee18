#include "warp/local_object_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <future>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "warp/testing/object_store_conformance.h"

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

INSTANTIATE_TEST_SUITE_P(Local, ObjectStoreConformanceTest,
                         ::testing::Values(ObjectStoreFactory{
                             "local", OpenFresh, /*enforces_create_only=*/true,
                             /*atomic_overwrite=*/true,
                             /*allows_file_and_folder_keys=*/false}),
                         ObjectStoreFactoryName);

// Every object written with direct I/O, whatever its size.
std::unique_ptr<ObjectStore> OpenFreshDirect() {
  LocalObjectStoreOptions options;
  options.direct_io_min_bytes = 1;
  auto store = OpenLocalObjectStore(NewTempDir(), options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(LocalDirectIo, ObjectStoreConformanceTest,
                         ::testing::Values(ObjectStoreFactory{
                             "local_direct_io", OpenFreshDirect,
                             /*enforces_create_only=*/true,
                             /*atomic_overwrite=*/true,
                             /*allows_file_and_folder_keys=*/false}),
                         ObjectStoreFactoryName);

// Sizes around the alignment and the staging chunk, read back byte for byte,
// on the test's folder and on tmpfs (which may refuse O_DIRECT).
TEST(LocalObjectStoreTest, DirectIoWritesEverySizeExactly) {
  std::vector<std::string> roots = {NewTempDir()};
  struct stat st;
  if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) {
    roots.push_back(absl::StrCat("/dev/shm/warp-direct-", getpid()));
  }
  for (const std::string& root : roots) {
    LocalObjectStoreOptions options;
    options.direct_io_min_bytes = 1;
    auto store = OpenLocalObjectStore(root, options);
    ASSERT_TRUE(store.ok()) << store.status();
    for (size_t size : {size_t{1}, size_t{4095}, size_t{4096}, size_t{4097},
                        size_t{(1 << 20) - 1}, size_t{1 << 20}, size_t{(1 << 20) + 1},
                        size_t{(3 << 20) + 12345}}) {
      std::string data(size, '\0');
      for (size_t i = 0; i < size; ++i) data[i] = static_cast<char>(i * 131 + size);
      std::string key = absl::StrCat("o/", size);
      // From an unaligned address too.
      std::string shifted = "x" + data;
      ASSERT_TRUE((*store)->Put(key, absl::string_view(shifted).substr(1)).ok()) << root;
      auto got = (*store)->Get(key);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_TRUE(*got == data) << root << " size " << size;
      auto info = (*store)->Head(key);
      ASSERT_TRUE(info.ok());
      EXPECT_EQ(info->size, size);
      ASSERT_TRUE((*store)->Delete(key).ok());
    }
    if (root.rfind("/dev/shm/", 0) == 0) std::system(("rm -rf " + root).c_str());
  }
}

std::vector<std::string> FilesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (struct dirent* entry = readdir(d)) {
      std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

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

// The bucket root and the folders above it are created (each synced into
// its parent, see lib/base/durable_folders.h); an existing root opens as is.
TEST(LocalObjectStoreTest, NestedRootIsCreatedAndExistingRootOpens) {
  const std::string root = NewTempDir() + "/a/b/bucket";
  {
    auto store = OpenLocalObjectStore(root);
    ASSERT_TRUE(store.ok()) << store.status();
    ASSERT_TRUE((*store)->Put("k", "v").ok());
  }
  auto store = OpenLocalObjectStore(root + "/");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(*(*store)->Get("k"), "v");
  LocalObjectStoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_FALSE(OpenLocalObjectStore(NewTempDir() + "/missing", no_create).ok());
}

TEST(LocalObjectStoreTest, NotAFolderIsAClearError) {
  std::string file = NewTempDir();
  std::ofstream(file) << "x";
  auto store = OpenLocalObjectStore(file);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("not a folder"), std::string::npos)
      << store.status();
}

// Two store instances of one process on one folder pick distinct temporary
// names (a per-instance counter made them collide: AlreadyExists).
TEST(LocalObjectStoreTest, TwoInstancesOnOneFolderPutConcurrently) {
  std::string dir = NewTempDir();
  auto first = OpenLocalObjectStore(dir, {.sync = false});
  auto second = OpenLocalObjectStore(dir, {.sync = false});
  ASSERT_TRUE(first.ok() && second.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    ObjectStore* store = (t % 2 == 0 ? *first : *second).get();
    threads.emplace_back([store, t] {
      for (int i = 0; i < 200; ++i) {
        std::string key = absl::StrCat("t", t, "/", i);
        absl::Status put = store->Put(key, key);
        ASSERT_TRUE(put.ok()) << key << ": " << put;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto listed = (*first)->List("");
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->size(), 8u * 200u);
}

// Opening a second instance must not delete the temporary files the first
// one (same pid) is writing.
TEST(LocalObjectStoreTest, OpenKeepsTemporariesOfThisProcess) {
  std::string dir = NewTempDir();
  auto first = OpenLocalObjectStore(dir);
  ASSERT_TRUE(first.ok());
  std::string in_flight =
      absl::StrCat(dir, "/.warp-tmp/", getpid(), ".7.00000000000000ab.tmp");
  std::ofstream(in_flight) << "being written";
  auto second = OpenLocalObjectStore(dir);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(access(in_flight.c_str(), F_OK), 0)
      << "an in-flight temporary of this process was removed";
}

TEST(LocalObjectStoreTest, TemporaryFolderIsNeverListed) {
  std::string dir = NewTempDir();
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("k", "v").ok());
  std::ofstream(absl::StrCat(dir, "/.warp-tmp/", getpid(), ".1.1.tmp"))
      << "partial";
  for (absl::string_view prefix :
       {".warp-tmp/", ".warp-tmp/x", ".warp-tmp", ".warp", ""}) {
    SCOPED_TRACE(prefix);
    auto listed = (*store)->List(prefix);
    ASSERT_TRUE(listed.ok()) << listed.status();
    for (const ObjectInfo& info : *listed) EXPECT_EQ(info.key, "k");
  }
}

// A symbolic link planted in the bucket is not followed out of it, and a
// FIFO does not hang a reader: both are refused as not regular files.
TEST(LocalObjectStoreTest, PlantedSymlinksAndFifosAreRefused) {
  std::string dir = NewTempDir();
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  std::string outside = NewTempDir();
  std::ofstream(outside) << "outside the bucket";
  ASSERT_EQ(symlink(outside.c_str(), (dir + "/link").c_str()), 0);
  ASSERT_EQ(mkfifo((dir + "/fifo").c_str(), 0644), 0);
  for (const char* key : {"link", "fifo"}) {
    SCOPED_TRACE(key);
    auto got =
        std::async(std::launch::async, [&, key] { return (*store)->Get(key); });
    if (got.wait_for(std::chrono::seconds(5)) != std::future_status::ready) {
      // Unblock the reader so the test can end, then fail.
      int fd = open((dir + "/fifo").c_str(), O_WRONLY);
      if (fd >= 0) close(fd);
      got.wait();
      FAIL() << "Get of a FIFO hung";
    }
    absl::StatusOr<std::string> result = got.get();
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition)
        << result.status() << " " << result.value_or("");
    EXPECT_EQ((*store)->Head(key).status().code(),
              absl::StatusCode::kFailedPrecondition);
  }
  auto listed = (*store)->List("");
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  // Deleting removes the link, not its target.
  EXPECT_TRUE((*store)->Delete("link").ok());
  EXPECT_EQ(access(outside.c_str(), F_OK), 0);
}

TEST(LocalObjectStoreTest, SegmentTooLongForTheFileSystemIsInvalidArgument) {
  auto store = OpenFresh();
  std::string key = absl::StrCat("dir/", std::string(300, 'x'));
  EXPECT_EQ(store->Put(key, "v").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store->Get(key).status().code(),
            absl::StatusCode::kInvalidArgument);
  auto listed = store->List(key);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_TRUE(listed->empty());
}

TEST(LocalObjectStoreTest, FailedPutLeavesNoTemporaryFile) {
  std::string dir = NewTempDir();
  auto store = OpenLocalObjectStore(dir);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("a/b", "x").ok());
  EXPECT_EQ((*store)->Put("a", "y").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ((*store)->Put("a", "y", {.if_not_exists = true}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(FilesIn(dir + "/.warp-tmp").empty());
}

}  // namespace
}  // namespace warp
