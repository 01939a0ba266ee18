#include "warp/object_store_url.h"

#include <cstdlib>

#include "gtest/gtest.h"

namespace warp {
namespace {

TEST(ObjectStoreUrlTest, ParsesS3Urls) {
  auto options = ParseS3Url(
      "s3://my-bucket?endpoint=http://127.0.0.1:4569&region=eu-west-3&path_style=true");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->bucket, "my-bucket");
  EXPECT_EQ(options->endpoint, "http://127.0.0.1:4569");
  EXPECT_EQ(options->region, "eu-west-3");
  EXPECT_TRUE(options->path_style);

  auto aws = ParseS3Url("s3://logs.example");
  ASSERT_TRUE(aws.ok()) << aws.status();
  EXPECT_EQ(aws->endpoint, "");
  EXPECT_EQ(aws->region, "us-east-1");
  EXPECT_FALSE(aws->path_style);
}

TEST(ObjectStoreUrlTest, MalformedUrlsSayWhatIsWrong) {
  struct Case {
    const char* url;
    const char* says;
  } cases[] = {
      {"", "empty"},
      {"ftp://x", "unknown scheme"},
      {"file://relative/path", "absolute path"},
      {"s3://", "bucket name is missing"},
      {"s3://Bad_Bucket", "a-z"},
      {"s3://ab", "3 to 63"},
      {"s3://bucket/path", "not a path"},
      {"s3://bucket?colour=blue", "unknown parameter \"colour\""},
      {"s3://bucket?path_style=maybe", "not true or false"},
      {"mem://x", "exactly mem://"},
  };
  for (const Case& c : cases) {
    auto store = OpenObjectStore(c.url);
    ASSERT_FALSE(store.ok()) << c.url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(store.status().message().find(c.says), std::string::npos)
        << c.url << " -> " << store.status();
  }
}

TEST(ObjectStoreUrlTest, BadEndpointIsAClearError) {
  setenv("AWS_ACCESS_KEY_ID", "k", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
  auto store = OpenObjectStore("s3://bucket?endpoint=127.0.0.1:4569");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("http://"), std::string::npos)
      << store.status();
}

TEST(ObjectStoreUrlTest, OpensMemoryAndFileStores) {
  auto mem = OpenObjectStore("mem://");
  ASSERT_TRUE(mem.ok()) << mem.status();
  EXPECT_TRUE((*mem)->Put("a", "b").ok());
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/url-test-bucket";
  auto file = OpenObjectStore("file://" + dir);
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE((*file)->Put("a", "b").ok());
  EXPECT_EQ((*file)->Describe().rfind("file:///", 0), 0u);
}

TEST(ObjectStoreUrlTest, MissingCredentialsAreAClearError) {
  unsetenv("AWS_ACCESS_KEY_ID");
  unsetenv("AWS_SECRET_ACCESS_KEY");
  auto store = OpenObjectStore("s3://bucket");
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("AWS_ACCESS_KEY_ID"),
            std::string::npos);
}

}  // namespace
}  // namespace warp
