// The ObjectStore conformance suite against a real S3-compatible server
// (s3rver, started on loopback by the test), plus the S3-specific behaviour a
// real server shows: missing bucket, listing pages, keys needing encoding.
#include "warp/s3_object_store.h"

#include "absl/strings/str_cat.h"
#include "lib/storage/s3/s3_errors.h"
#include "warp/testing/object_store_conformance.h"
#include "tests/util/s3rver.h"

namespace warp {
namespace {

testing::S3rver* server = nullptr;

class S3rverEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    auto started = testing::S3rver::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    server = server_.get();
  }
  void TearDown() override {
    server = nullptr;
    server_.reset();
  }

 private:
  std::unique_ptr<testing::S3rver> server_;
};

const auto* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new S3rverEnvironment());

std::unique_ptr<ObjectStore> OpenOnServer() {
  if (server == nullptr) return nullptr;
  auto store = OpenS3ObjectStore(server->StoreOptions());
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

INSTANTIATE_TEST_SUITE_P(
    S3rver, ObjectStoreConformanceTest,
    ::testing::Values(ObjectStoreFactory{"s3rver", OpenOnServer,
                                         /*enforces_create_only=*/false,
                                         /*atomic_overwrite=*/false}),
    ObjectStoreFactoryName);

TEST(S3ObjectStoreTest, MissingBucketIsAClearError) {
  ASSERT_NE(server, nullptr);
  S3Options options = server->StoreOptions();
  options.bucket = "no-such-bucket";
  auto store = OpenS3ObjectStore(options);
  ASSERT_TRUE(store.ok());
  absl::Status put = (*store)->Put("k", "v");
  EXPECT_EQ(put.code(), absl::StatusCode::kFailedPrecondition) << put;
  EXPECT_NE(put.message().find("NoSuchBucket"), std::string::npos) << put;
  EXPECT_EQ(s3::S3ErrorCodeOf(put).value_or(""), "NoSuchBucket");
  auto listed = (*store)->List("");
  EXPECT_EQ(listed.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(S3ObjectStoreTest, UnreachableServerFailsCleanly) {
  ASSERT_NE(server, nullptr);
  S3Options options = server->StoreOptions();
  auto port = testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  options.endpoint = absl::StrCat("http://127.0.0.1:", *port);
  options.max_attempts = 3;
  auto store = OpenS3ObjectStore(options);
  ASSERT_TRUE(store.ok());
  absl::Status put = (*store)->Put("k", "v");
  EXPECT_EQ(put.code(), absl::StatusCode::kUnavailable) << put;
  EXPECT_NE(put.message().find("attempt 3 of 3"), std::string::npos) << put;
}

TEST(S3ObjectStoreTest, SurvivesAServerRestart) {
  ASSERT_NE(server, nullptr);
  auto store = OpenOnServer();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->Put("restart/a", "before").ok());
  ASSERT_TRUE(server->Restart().ok());
  // The pooled connection is dead; the store reconnects (retrying if needed).
  auto got = store->Get("restart/a");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "before");
  EXPECT_TRUE(store->Put("restart/b", "after").ok());
}

}  // namespace
}  // namespace warp

namespace warp {
namespace {

// s3rver checks the access key id but not V4 signatures (a wrong secret is
// covered against a fake server in s3_bad_server_test).
TEST(S3ObjectStoreTest, UnknownAccessKeyIsRejectedClearly) {
  ASSERT_NE(server, nullptr);
  S3Options options = server->StoreOptions();
  absl::StatusOr<std::unique_ptr<ObjectStore>> store;
  absl::Status put;
  options.access_key_id = "UNKNOWNKEY";
  store = OpenS3ObjectStore(options);
  ASSERT_TRUE(store.ok());
  put = (*store)->Put("creds/k", "v");
  EXPECT_EQ(put.code(), absl::StatusCode::kUnauthenticated) << put;
  EXPECT_EQ(s3::S3ErrorCodeOf(put).value_or(""), "InvalidAccessKeyId") << put;
}

}  // namespace
}  // namespace warp

namespace warp {
namespace {

// HTTPS with certificate verification: a private CA file makes it work; the
// system store alone refuses the self-signed certificate, clearly and
// without retrying.
TEST(S3ObjectStoreTest, HttpsVerifiesCertificates) {
  auto tls = testing::S3rver::Start("warp-tls", /*tls=*/true);
  ASSERT_TRUE(tls.ok()) << tls.status();
  S3Options options = (*tls)->StoreOptions();
  ASSERT_EQ(options.endpoint.rfind("https://", 0), 0u);
  options.ca_file = (*tls)->cert_file();
  auto store = OpenS3ObjectStore(options);
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->Put("tls/k", "secret bytes").ok());
  EXPECT_EQ(*(*store)->Get("tls/k"), "secret bytes");

  options.ca_file.clear();
  store = OpenS3ObjectStore(options);
  ASSERT_TRUE(store.ok());
  absl::Status put = (*store)->Put("tls/k2", "x");
  EXPECT_EQ(put.code(), absl::StatusCode::kFailedPrecondition) << put;
  EXPECT_NE(put.message().find("certificate"), std::string::npos) << put;
}

}  // namespace
}  // namespace warp
