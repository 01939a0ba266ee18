#include "warp/testing/object_store_conformance.h"

#include <random>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace warp {

std::string ObjectStoreFactoryName(
    const ::testing::TestParamInfo<ObjectStoreFactory>& info) {
  return info.param.name;
}

void ObjectStoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  ASSERT_NE(store_, nullptr);
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  prefix_ = absl::StrCat("conformance/", name, "/");
}

std::string ObjectStoreConformanceTest::Key(absl::string_view name) const {
  return absl::StrCat(prefix_, name);
}

namespace {

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

std::vector<std::string> Keys(const std::vector<ObjectInfo>& infos) {
  std::vector<std::string> keys;
  for (const ObjectInfo& info : infos) keys.push_back(info.key);
  return keys;
}

TEST_P(ObjectStoreConformanceTest, PutThenGetReturnsTheBytes) {
  std::string data = RandomBytes(100000, 1);
  data[10] = '\0';
  ASSERT_TRUE(store_->Put(Key("a"), data).ok());
  auto got = store_->Get(Key("a"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, data);
}

TEST_P(ObjectStoreConformanceTest, EmptyObject) {
  ASSERT_TRUE(store_->Put(Key("empty"), "").ok());
  auto got = store_->Get(Key("empty"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "");
  auto head = store_->Head(Key("empty"));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, 0u);
}

TEST_P(ObjectStoreConformanceTest, MissingObjectIsNotFound) {
  EXPECT_EQ(store_->Get(Key("nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Head(Key("nope")).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Get(Key("nope"), ByteRange::Of(5, 5)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(ObjectStoreConformanceTest, PutReplaces) {
  ASSERT_TRUE(store_->Put(Key("k"), "first version").ok());
  ASSERT_TRUE(store_->Put(Key("k"), "second").ok());
  EXPECT_EQ(*store_->Get(Key("k")), "second");
  EXPECT_EQ(store_->Head(Key("k"))->size, 6u);
}

TEST_P(ObjectStoreConformanceTest, CreateOnlyPut) {
  PutOptions create_only{.if_not_exists = true};
  ASSERT_TRUE(store_->Put(Key("once"), "one", create_only).ok());
  if (!GetParam().enforces_create_only) {
    GTEST_SKIP() << GetParam().name << " does not honour If-None-Match";
  }
  absl::Status again = store_->Put(Key("once"), "two", create_only);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists) << again;
  EXPECT_EQ(*store_->Get(Key("once")), "one");
}

TEST_P(ObjectStoreConformanceTest, ByteRanges) {
  std::string data = RandomBytes(1000, 2);
  ASSERT_TRUE(store_->Put(Key("r"), data).ok());
  EXPECT_EQ(*store_->Get(Key("r"), ByteRange::Of(0, 1)), data.substr(0, 1));
  EXPECT_EQ(*store_->Get(Key("r"), ByteRange::Of(10, 100)),
            data.substr(10, 100));
  EXPECT_EQ(*store_->Get(Key("r"), ByteRange::Of(999, 1)), data.substr(999));
  // Reaching past the end is cut at the end.
  EXPECT_EQ(*store_->Get(Key("r"), ByteRange::Of(900, 500)), data.substr(900));
  // To the end.
  EXPECT_EQ(*store_->Get(Key("r"), ByteRange{500, std::nullopt}),
            data.substr(500));
  // Starting at or past the end.
  EXPECT_EQ(store_->Get(Key("r"), ByteRange::Of(1000, 1)).status().code(),
            absl::StatusCode::kOutOfRange);
  EXPECT_EQ(store_->Get(Key("r"), ByteRange::Of(5000, 1)).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_P(ObjectStoreConformanceTest, HeadReportsSize) {
  ASSERT_TRUE(store_->Put(Key("h"), std::string(12345, 'x')).ok());
  auto head = store_->Head(Key("h"));
  ASSERT_TRUE(head.ok()) << head.status();
  EXPECT_EQ(head->size, 12345u);
  EXPECT_EQ(head->key, Key("h"));
}

TEST_P(ObjectStoreConformanceTest, DeleteIsIdempotent) {
  ASSERT_TRUE(store_->Put(Key("d"), "x").ok());
  ASSERT_TRUE(store_->Delete(Key("d")).ok());
  EXPECT_EQ(store_->Get(Key("d")).status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete(Key("d")).ok());
  EXPECT_TRUE(store_->Delete(Key("never/existed")).ok());
}

TEST_P(ObjectStoreConformanceTest, ListByPrefixIsSortedAndComplete) {
  for (absl::string_view k : {"b/2", "a/1", "a/2", "ab", "b/1", "c"}) {
    ASSERT_TRUE(store_->Put(Key(k), k).ok());
  }
  auto all = store_->List(prefix_);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{Key("a/1"), Key("a/2"),
                                                  Key("ab"), Key("b/1"),
                                                  Key("b/2"), Key("c")}));
  auto a = store_->List(Key("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(Keys(*a),
            (std::vector<std::string>{Key("a/1"), Key("a/2"), Key("ab")}));
  auto a_folder = store_->List(Key("a/"));
  ASSERT_TRUE(a_folder.ok());
  EXPECT_EQ(Keys(*a_folder), (std::vector<std::string>{Key("a/1"), Key("a/2")}));
  EXPECT_EQ((*store_->List(Key("b/2")))[0].size, 3u);
  EXPECT_TRUE(store_->List(Key("zzz"))->empty());
}

// More than one S3 page (1000 keys) for listing and batch deletes.
TEST_P(ObjectStoreConformanceTest, ManyKeysListAndDeleteMany) {
  constexpr int kCount = 1100;
  std::vector<std::string> keys;
  for (int i = 0; i < kCount; ++i) keys.push_back(Key(absl::StrCat("m/", i)));
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kCount; i += 8) {
        EXPECT_TRUE(store_->Put(keys[i], "v").ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  auto listed = store_->List(Key("m/"));
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::vector<std::string> sorted = keys;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(Keys(*listed), sorted);
  keys.push_back(Key("m/not-there"));
  ASSERT_TRUE(store_->DeleteMany(keys).ok());
  EXPECT_TRUE(store_->List(Key("m/"))->empty());
}

TEST_P(ObjectStoreConformanceTest, InvalidKeysAreRejected) {
  for (std::string bad :
       {std::string(""), std::string("/absolute"), Key("a/../../escape"),
        Key("a//b"), Key("./x"), Key("x/."), Key("tab\there"),
        std::string(".."), Key(std::string("nul\0byte", 8)),
        Key(std::string(1100, 'k')), Key("back\\slash"),
        // Not UTF-8: a stray continuation byte, a truncated sequence, an
        // overlong '/', a surrogate, a code point above U+10FFFF, 0xFF.
        Key("bad\x80utf8"), Key("trunc\xC3"), Key("over\xC0\xAFlong"),
        Key("sur\xED\xA0\x80rogate"), Key("big\xF4\x90\x80\x80"),
        Key("ff\xFF")}) {
    SCOPED_TRACE(bad);
    EXPECT_EQ(store_->Put(bad, "x").code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Get(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Head(bad).status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->Delete(bad).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(store_->DeleteMany({Key("fine"), bad}).code(),
              absl::StatusCode::kInvalidArgument);
  }
}

// List prefixes need not be whole keys, but must be a beginning of a valid
// one: every backend refuses the same ones (and the local folder store never
// walks outside its folder).
TEST_P(ObjectStoreConformanceTest, InvalidListPrefixesAreRejected) {
  for (std::string bad :
       {std::string("../"), std::string("../x"), std::string("./"),
        std::string("/"), std::string("/absolute"), Key("a/../"), Key("a/./b"),
        Key("a//"), std::string("a/../../"), Key("back\\slash"), Key("tab\t"),
        Key(std::string("nul\0", 4)), Key(std::string(1100, 'p')),
        Key("bad\xFF")}) {
    SCOPED_TRACE(bad);
    auto listed = store_->List(bad);
    EXPECT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument)
        << listed.status();
  }
  ASSERT_TRUE(store_->Put(Key("a/..b"), "x").ok());
  ASSERT_TRUE(store_->Put(Key("a/.c"), "x").ok());
  // Prefixes ending in an incomplete segment, even "." or "..", are fine.
  for (absl::string_view good : {"", "a", "a/", "a/.", "a/.."}) {
    SCOPED_TRACE(good);
    auto listed = store_->List(Key(good));
    ASSERT_TRUE(listed.ok()) << listed.status();
  }
  EXPECT_EQ(Keys(*store_->List(Key("a/.."))),
            (std::vector<std::string>{Key("a/..b")}));
  EXPECT_EQ(Keys(*store_->List(Key("a/."))),
            (std::vector<std::string>{Key("a/..b"), Key("a/.c")}));
}

// "a" and "a/b" are independent keys on S3 and in memory; the local folder
// store cannot hold both and refuses the second Put the same way whichever
// comes first, create-only or not.
TEST_P(ObjectStoreConformanceTest, KeyThatIsAlsoAFolderOfOtherKeys) {
  PutOptions create_only{.if_not_exists = true};
  ASSERT_TRUE(store_->Put(Key("file"), "f").ok());
  ASSERT_TRUE(store_->Put(Key("dir/child"), "c").ok());
  ASSERT_TRUE(store_->Put(Key("dir2/child"), "c").ok());
  std::vector<std::pair<std::string, PutOptions>> second_puts = {
      {Key("file/below"), PutOptions{}},
      {Key("file/deeper/below"), create_only},
      {Key("dir"), PutOptions{}},
      {Key("dir2"), create_only}};
  for (const auto& [key, options] : second_puts) {
    SCOPED_TRACE(
        absl::StrCat(key, options.if_not_exists ? " create-only" : ""));
    absl::Status put = store_->Put(key, key, options);
    if (GetParam().allows_file_and_folder_keys) {
      EXPECT_TRUE(put.ok()) << put;
    } else {
      EXPECT_EQ(put.code(), absl::StatusCode::kFailedPrecondition) << put;
      EXPECT_NE(put.message().find("folder"), std::string::npos) << put;
    }
  }
  EXPECT_EQ(*store_->Get(Key("file")), "f");
  EXPECT_EQ(*store_->Get(Key("dir/child")), "c");
  auto listed = store_->List(prefix_);
  ASSERT_TRUE(listed.ok()) << listed.status();
  if (GetParam().allows_file_and_folder_keys) {
    EXPECT_EQ(*store_->Get(Key("dir")), Key("dir"));
    EXPECT_EQ(*store_->Get(Key("dir2")), Key("dir2"));
    EXPECT_EQ(*store_->Get(Key("file/below")), Key("file/below"));
    EXPECT_EQ(Keys(*listed),
              (std::vector<std::string>{
                  Key("dir"), Key("dir/child"), Key("dir2"), Key("dir2/child"),
                  Key("file"), Key("file/below"), Key("file/deeper/below")}));
  } else {
    // Nothing of the refused Puts is visible.
    EXPECT_EQ(store_->Get(Key("dir")).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->Head(Key("dir")).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->Head(Key("dir2")).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(store_->Get(Key("file/below")).status().code(),
              absl::StatusCode::kNotFound);
    EXPECT_EQ(Keys(*listed),
              (std::vector<std::string>{Key("dir/child"), Key("dir2/child"),
                                        Key("file")}));
  }
}

TEST_P(ObjectStoreConformanceTest, KeysWithSpecialCharacters) {
  std::vector<std::string> keys = {
      Key("space in name"), Key("plus+equals=amp&q?hash#pct%20"),
      Key("unicode-\xC3\xA9\xE2\x82\xAC-\xF0\x9F\x98\x80"),
      Key("tilde~star*paren()comma,semi;colon:at@"), Key("quote'dq\"<lt>")};
  for (const std::string& key : keys) {
    SCOPED_TRACE(key);
    ASSERT_TRUE(store_->Put(key, key).ok());
    auto got = store_->Get(key);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, key);
  }
  auto listed = store_->List(prefix_);
  ASSERT_TRUE(listed.ok()) << listed.status();
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(Keys(*listed), keys);
  ASSERT_TRUE(store_->DeleteMany(keys).ok());
  EXPECT_TRUE(store_->List(prefix_)->empty());
}

TEST_P(ObjectStoreConformanceTest, LargeObject) {
  std::string data = RandomBytes(8 << 20, 3);
  ASSERT_TRUE(store_->Put(Key("big"), data).ok());
  auto got = store_->Get(Key("big"));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(*got == data);
  auto tail = store_->Get(Key("big"), ByteRange::Of((8 << 20) - 10, 100));
  ASSERT_TRUE(tail.ok());
  EXPECT_EQ(*tail, data.substr((8 << 20) - 10));
}

// Many threads times many objects, every byte verified; and racing writers
// of one key: a reader sees one whole version, never a mix.
TEST_P(ObjectStoreConformanceTest, ConcurrentPutsAndGets) {
  constexpr int kThreads = 16;
  constexpr int kPerThread = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = Key(absl::StrCat("t", t, "/o", i));
        std::string data = RandomBytes(1000 + (t * 7919 + i * 104729) % 200000,
                                       t * 1000 + i);
        ASSERT_TRUE(store_->Put(key, data).ok());
        auto got = store_->Get(key);
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_TRUE(*got == data) << key;
        auto part = store_->Get(key, ByteRange::Of(100, 500));
        ASSERT_TRUE(part.ok()) << part.status();
        ASSERT_EQ(*part, data.substr(100, 500));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(store_->List(prefix_)->size(), size_t{kThreads * kPerThread});

  if (!GetParam().atomic_overwrite) return;
  std::vector<std::string> versions;
  for (int v = 0; v < 8; ++v) versions.push_back(RandomBytes(300000, 100 + v));
  threads.clear();
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(store_->Put(Key("contended"), versions[t]).ok());
        auto got = store_->Get(Key("contended"));
        ASSERT_TRUE(got.ok()) << got.status();
        ASSERT_NE(std::find(versions.begin(), versions.end(), *got),
                  versions.end())
            << "torn object";
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace warp
