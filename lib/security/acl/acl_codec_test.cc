#include "lib/security/acl/acl_codec.h"

#include <random>
#include <string>

#include "gtest/gtest.h"

namespace warp::acl {
namespace {

AclBinding Sample() {
  return AclBinding{{ResourceType::kTopic, "orders.", PatternType::kPrefixed},
                    {"User:CN=carol", "10.0.0.1", AclOperation::kWrite,
                     AclPermissionType::kAllow}};
}

TEST(AclCodec, RoundTripsEveryKindOfBinding) {
  std::vector<AclBinding> bindings = {
      Sample(),
      {{ResourceType::kCluster, "kafka-cluster", PatternType::kLiteral},
       {"User:*", "*", AclOperation::kAll, AclPermissionType::kDeny}},
      {{ResourceType::kTransactionalId, std::string(300, 'x'),
        PatternType::kLiteral},
       {"User:" + std::string(20000, 'y'), "::1", AclOperation::kDescribeTokens,
        AclPermissionType::kAllow}},
      {{ResourceType::kUser, "*", PatternType::kLiteral},
       {"User:", "", AclOperation::kCreateTokens, AclPermissionType::kAllow}},
  };
  std::string all;
  for (const AclBinding& b : bindings) {
    std::string one = EncodeAclBinding(b);
    absl::StatusOr<AclBinding> decoded = DecodeAclBinding(one);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, b);
    AppendAclBinding(b, &all);
  }
  absl::string_view in = all;
  for (const AclBinding& b : bindings) {
    absl::StatusOr<AclBinding> decoded = ReadAclBinding(&in);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, b);
  }
  EXPECT_TRUE(in.empty());
}

TEST(AclCodec, IsCompactAndVersioned) {
  // 1 version + 4 codes + (1 + 7) + (1 + 13) + (1 + 8).
  std::string bytes = EncodeAclBinding(Sample());
  EXPECT_EQ(bytes.size(), 36u);
  EXPECT_EQ(bytes[0], 1);
  EXPECT_EQ(bytes[1], 2);  // TOPIC
  EXPECT_EQ(bytes[2], 4);  // PREFIXED
  EXPECT_EQ(bytes[3], 4);  // WRITE
  EXPECT_EQ(bytes[4], 3);  // ALLOW
  bytes[0] = 2;
  absl::StatusOr<AclBinding> future = DecodeAclBinding(bytes);
  EXPECT_EQ(future.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(future.status().message(), "ACL binding: unknown format version 2");
}

TEST(AclCodec, RefusesWhatIsNotAValidBinding) {
  std::string good = EncodeAclBinding(Sample());
  auto expect_loss = [](const std::string& bytes, absl::string_view why) {
    absl::StatusOr<AclBinding> b = DecodeAclBinding(bytes);
    EXPECT_EQ(b.status().code(), absl::StatusCode::kDataLoss) << why;
  };
  expect_loss("", "empty");
  for (size_t n = 0; n < good.size(); ++n) {
    expect_loss(good.substr(0, n), "truncated");
  }
  expect_loss(good + "x", "trailing byte");
  for (int field = 1; field <= 4; ++field) {
    for (char code : {'\0', '\1', '\x7f', '\x80'}) {
      std::string bad = good;
      bad[field] = code;
      if (field == 2 && code == '\0') continue;
      expect_loss(bad, "enum code");
    }
  }
  std::string match = good;
  match[2] = 2;  // MATCH
  expect_loss(match, "MATCH");
  std::string long_varint = good.substr(0, 5) + "\xff\xff\xff\xff\xff\x01";
  expect_loss(long_varint, "varint of 6 bytes");
  std::string huge = good.substr(0, 5) + "\xff\xff\xff\xff\x0f";
  expect_loss(huge, "length beyond the bytes");
  std::string no_colon = EncodeAclBinding(AclBinding{
      {ResourceType::kTopic, "t", PatternType::kLiteral},
      {"alice", "*", AclOperation::kRead, AclPermissionType::kAllow}});
  expect_loss(no_colon, "principal");
}

TEST(AclCodec, HostileBytesNeverCrash) {
  std::mt19937 rng(15);
  std::string good = EncodeAclBinding(Sample());
  int decoded = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes = good;  // flip a few bytes of a valid encoding
      for (int k = 0, n = 1 + rng() % 3; k < n; ++k) {
        bytes[rng() % bytes.size()] = static_cast<char>(rng());
      }
      if (rng() % 4 == 0) bytes.resize(rng() % (bytes.size() + 1));
    } else {
      bytes.resize(rng() % 48);
      for (char& c : bytes) c = static_cast<char>(rng() % 8);
      if (!bytes.empty()) bytes[0] = 1;
    }
    absl::string_view in = bytes;
    absl::StatusOr<AclBinding> b = ReadAclBinding(&in);
    if (b.ok()) {
      ++decoded;
      EXPECT_TRUE(ValidateAclBinding(*b).ok());
      EXPECT_EQ(EncodeAclBinding(*b),
                bytes.substr(0, bytes.size() - in.size()));
    }
  }
  EXPECT_GT(decoded, 0);
}

}  // namespace
}  // namespace warp::acl
