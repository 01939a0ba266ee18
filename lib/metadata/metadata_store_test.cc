#include <atomic>
#include <cstdlib>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "warp/testing/metadata_store_conformance.h"

namespace warp {
namespace {

std::string NewLocalUrl() {
  static std::atomic<int> n{0};
  const char* tmp = std::getenv("TEST_TMPDIR");
  return absl::StrCat("local://", tmp ? tmp : "/tmp", "/journal-", getpid(), "-",
                      n.fetch_add(1));
}

INSTANTIATE_TEST_SUITE_P(
    Journals, MetadataStoreConformanceTest,
    ::testing::Values(MetadataStoreFactory{"memory", [] { return std::string("mem://"); },
                                           /*durable=*/false},
                      MetadataStoreFactory{"local", NewLocalUrl, /*durable=*/true}),
    [](const auto& info) { return info.param.name; });

TEST(MetadataStoreOpenTest, BadUrlsSayWhatIsWrong) {
  for (const char* url : {"", "local://relative", "zk://x", "local:",
                          "etcd://127.0.0.1:1/p?max_request_bytes=x",
                          "etcd://127.0.0.1:1/p?nope=1", "etcd://127.0.0.1:1/?max_request_bytes=1"}) {
    auto store = MetadataStore::Open(url);
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.status().code(), absl::StatusCode::kInvalidArgument) << url;
  }
}

TEST(MetadataStoreOpenTest, ALocalJournalHasOneOwner) {
  std::string url = NewLocalUrl();
  auto first = MetadataStore::Open(url);
  ASSERT_TRUE(first.ok()) << first.status();
  auto second = MetadataStore::Open(url);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.status().message().find("in use"), std::string::npos);
}

}  // namespace
}  // namespace warp
