#include "lib/base/durable_folders.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "gtest/gtest.h"

namespace warp {
namespace {

std::string TempDir() {
  std::string pattern = ::testing::TempDir() + "/folders-XXXXXX";
  EXPECT_NE(mkdtemp(pattern.data()), nullptr);
  return pattern;
}

bool IsFolder(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

TEST(CreateFoldersTest, CreatesEveryMissingFolderOnce) {
  const std::string root = TempDir();
  const std::string path = root + "/a/b//c/";
  absl::StatusOr<int> created = CreateFolders(path);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, 3);
  EXPECT_TRUE(IsFolder(root + "/a/b/c"));
  // Existing folders, synced or not: nothing to do.
  EXPECT_EQ(CreateFolders(path).value_or(-1), 0);
  EXPECT_EQ(CreateFolders(root, /*sync=*/false).value_or(-1), 0);
  EXPECT_EQ(CreateFolders(root + "/a/d", /*sync=*/false).value_or(-1), 1);
  EXPECT_TRUE(SyncFolder(root + "/a").ok());
}

TEST(CreateFoldersTest, RelativePathsAndFilesInTheWay) {
  const std::string root = TempDir();
  ASSERT_EQ(chdir(root.c_str()), 0);
  EXPECT_EQ(CreateFolders("x/y").value_or(-1), 2);
  EXPECT_TRUE(IsFolder(root + "/x/y"));
  std::ofstream(root + "/file") << "not a folder";
  absl::StatusOr<int> blocked = CreateFolders(root + "/file/z");
  EXPECT_EQ(blocked.status().code(), absl::StatusCode::kFailedPrecondition)
      << blocked.status();
  EXPECT_EQ(CreateFolders(root + "/file").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(SyncFolder(root + "/missing").code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace warp
