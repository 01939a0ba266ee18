// The example backend proves itself with warp's public conformance suite,
// and serves a Stream by URL.
#include "examples/prefix_store/prefix_object_store.h"

#include "gtest/gtest.h"
#include "warp/testing/object_store_conformance.h"
#include "warp/warp.h"

namespace prefix_store {
namespace {

using warp::ObjectStoreConformanceTest;

warp::ObjectStore* SharedBase() {
  static warp::ObjectStore* base = warp::NewMemoryObjectStore().release();
  return base;
}

INSTANTIATE_TEST_SUITE_P(Prefix, ObjectStoreConformanceTest,
                         ::testing::Values(warp::ObjectStoreFactory{
                             "prefix",
                             [] { return NewPrefixObjectStore(SharedBase(), "tenant-a/"); }}),
                         warp::ObjectStoreFactoryName);

TEST(PrefixObjectStoreTest, TenantsDoNotSeeEachOther) {
  auto base = warp::NewMemoryObjectStore();
  auto a = NewPrefixObjectStore(base.get(), "a/");
  auto b = NewPrefixObjectStore(base.get(), "b/");
  ASSERT_TRUE(a->Put("k", "from a").ok());
  EXPECT_TRUE(absl::IsNotFound(b->Get("k").status()));
  EXPECT_EQ(*base->Get("a/k"), "from a");
  EXPECT_EQ(a->List("")->at(0).key, "k");
  EXPECT_TRUE(b->List("")->empty());
}

TEST(PrefixObjectStoreTest, AStreamRunsOnItByUrl) {
  ASSERT_TRUE(RegisterPrefixScheme(SharedBase()).ok());
  warp::StreamOptions options;
  options.bucket_url = "prefix://app-1";
  options.metadata_url = "mem://";
  options.flush_interval = absl::Milliseconds(5);
  auto stream = *warp::Stream::Open(options);
  ASSERT_TRUE(stream->CreateTopic("t", 1).ok());
  ASSERT_EQ(*stream->Produce("t", 0, {{"k", "v"}}), 0);
  EXPECT_EQ(stream->Fetch("t", 0, 0)->at(0).value, "v");
  EXPECT_FALSE(SharedBase()->List("app-1/")->empty());
}

}  // namespace
}  // namespace prefix_store
