#include <cstdlib>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/util/etcd.h"
#include "tests/util/s3rver.h"
#include "tests/util/subprocess.h"

namespace warp {
namespace {

std::string Binary(const std::string& name) {
  return absl::StrCat(std::getenv("TEST_SRCDIR"), "/warp/examples/", name);
}

// Runs `argv`; returns its exit status and output.
std::pair<int, std::string> RunExample(const std::vector<std::string>& argv) {
  std::string log = testing::NewTempDir("example-log") + "/out";
  auto process = testing::Subprocess::Start(argv, log);
  EXPECT_TRUE(process.ok()) << process.status();
  int status = process->Wait(absl::Minutes(2));
  std::ifstream in(log);
  return {status, std::string(std::istreambuf_iterator<char>(in), {})};
}

TEST(ExamplesTest, LocalBucket) {
  auto [status, out] = RunExample({Binary("local_bucket"), "--bucket_dir=" +
                                                        testing::NewTempDir("bucket")});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("wrote, read, listed and deleted 3 objects"), std::string::npos) << out;
}

TEST(ExamplesTest, EmbeddedStreamOnTheEmbeddedDefault) {
  std::string dir = testing::NewTempDir("embedded");
  for (int run = 0; run < 2; ++run) {  // the second run continues the log
    auto [status, out] = RunExample({Binary("embedded_stream"), "--data_dir=" + dir,
                              "--records=500"});
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find(absl::StrCat("consumed 500 records from offset ", run * 500)),
              std::string::npos)
        << out;
  }
}

TEST(ExamplesTest, EmbeddedStreamOnS3AndEtcd) {
  auto s3 = testing::S3rver::Start("example-bucket");
  ASSERT_TRUE(s3.ok()) << s3.status();
  auto etcd = testing::EtcdCluster::Start(1);
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  auto [status, out] =
      RunExample({Binary("embedded_stream"),
           absl::StrCat("--bucket=s3://example-bucket?endpoint=", (*s3)->endpoint(),
                        "&path_style=true"),
           "--metadata=" + (*etcd)->Url("example"), "--records=300"});
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("consumed 300 records"), std::string::npos) << out;
}

}  // namespace
}  // namespace warp
