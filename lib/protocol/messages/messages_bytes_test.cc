// Messages decoded field by field from hand-assembled bytes (classic and
// flexible encodings, known and unknown tagged fields, the ACL and SCRAM
// admin requests), and hostile input:
// huge lengths in small frames, negative lengths, nulls where not allowed.
#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "lib/protocol/messages/alter_user_scram_credentials.h"
#include "lib/protocol/messages/api_versions.h"
#include "lib/protocol/messages/create_acls.h"
#include "lib/protocol/messages/create_topics.h"
#include "lib/protocol/messages/delete_acls.h"
#include "lib/protocol/messages/describe_acls.h"
#include "lib/protocol/messages/describe_user_scram_credentials.h"
#include "lib/protocol/messages/join_group.h"
#include "lib/protocol/messages/metadata.h"
#include "lib/protocol/messages/produce.h"

namespace warp::kafka {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// Decodes `bytes` as a T of `version`, expecting every byte consumed, and
// checks that re-encoding gives `bytes` back unless `canonical` is false.
template <typename T>
T DecodeExactly(const std::string& bytes, int16_t version,
                bool canonical = true) {
  T message;
  Reader reader(bytes);
  absl::Status status = message.Decode(reader, version);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(reader.remaining(), 0u);
  if (canonical) {
    Writer writer;
    EXPECT_TRUE(message.Encode(writer, version).ok());
    EXPECT_EQ(writer.data(), bytes);
  }
  return message;
}

TEST(MessagesBytesTest, ApiVersionsRequestV3) {
  const std::string bytes =
      B({0x0b}) + "librdkafka" + B({0x06}) + "2.0.2" + B({0x00});
  auto m = DecodeExactly<ApiVersionsRequest>(bytes, 3);
  EXPECT_EQ(m.client_software_name, "librdkafka");
  EXPECT_EQ(m.client_software_version, "2.0.2");
  // v0-2 have an empty body.
  DecodeExactly<ApiVersionsRequest>("", 0);
}

TEST(MessagesBytesTest, ApiVersionsResponseV0) {
  const std::string bytes = B({0x00, 0x23,              // error 35
                               0x00, 0x00, 0x00, 0x01,  // 1 api
                               0x00, 0x12, 0x00, 0x00, 0x00, 0x03});
  auto m = DecodeExactly<ApiVersionsResponse>(bytes, 0);
  EXPECT_EQ(m.error_code, 35);
  ASSERT_EQ(m.api_keys.size(), 1u);
  EXPECT_EQ(m.api_keys[0].api_key, 18);
  EXPECT_EQ(m.api_keys[0].min_version, 0);
  EXPECT_EQ(m.api_keys[0].max_version, 3);
}

TEST(MessagesBytesTest, ApiVersionsResponseV3TaggedFields) {
  const std::string bytes =
      B({0x00, 0x00,                    // error 0
         0x02,                          // 1 api (compact)
         0x00, 0x00, 0x00, 0x03, 0x00, 0x09, 0x00,  // key 0, 3-9, no tags
         0x00, 0x00, 0x00, 0x64,        // throttle 100
         0x03,                          // 3 tagged fields
         0x01, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x05,  // tag 1: epoch 5
         0x03, 0x01, 0x01,              // tag 3: zk migration ready
         0x07, 0x02, 'x', 'y'});        // tag 7: unknown, skipped
  auto m = DecodeExactly<ApiVersionsResponse>(bytes, 3, /*canonical=*/false);
  ASSERT_EQ(m.api_keys.size(), 1u);
  EXPECT_EQ(m.api_keys[0].max_version, 9);
  EXPECT_EQ(m.throttle_time_ms, 100);
  EXPECT_EQ(m.finalized_features_epoch, 5);
  EXPECT_TRUE(m.zk_migration_ready);
  EXPECT_TRUE(m.supported_features.empty());
  // Re-encoding writes the known tags only.
  Writer writer;
  ASSERT_TRUE(m.Encode(writer, 3).ok());
  EXPECT_EQ(writer.data(), bytes.substr(0, bytes.size() - 4).replace(14, 1,
                                                                     B({2})));
  // Defaults are not written as tags.
  ApiVersionsResponse empty;
  Writer w2;
  ASSERT_TRUE(empty.Encode(w2, 3).ok());
  EXPECT_EQ(w2.data(), B({0, 0, 1, 0, 0, 0, 0, 0}));
}

TEST(MessagesBytesTest, MetadataRequestNullAndEmptyTopics) {
  // v0: an empty array means all topics.
  auto v0 = DecodeExactly<MetadataRequest>(B({0, 0, 0, 0}), 0);
  ASSERT_TRUE(v0.topics.has_value());
  EXPECT_TRUE(v0.topics->empty());
  // v1+: null means all topics.
  auto v1 = DecodeExactly<MetadataRequest>(B({0xff, 0xff, 0xff, 0xff}), 1);
  EXPECT_FALSE(v1.topics.has_value());
  // v0 cannot carry null.
  Reader reader(B({0xff, 0xff, 0xff, 0xff}));
  MetadataRequest m;
  EXPECT_FALSE(m.Decode(reader, 0).ok());
  // v4: allow_auto_topic_creation follows the topics.
  auto v4 = DecodeExactly<MetadataRequest>(
      B({0, 0, 0, 1, 0, 3, 'a', 'b', 'c', 0}), 4);
  ASSERT_EQ(v4.topics->size(), 1u);
  EXPECT_EQ((*v4.topics)[0].name, "abc");
  EXPECT_FALSE(v4.allow_auto_topic_creation);
}

TEST(MessagesBytesTest, MetadataRequestV9UnknownTagInNestedStruct) {
  const std::string bytes = B({0x02,                    // 1 topic
                               0x02, 't',               // name "t"
                               0x01, 0x05, 0x01, 0x00,  // unknown tag 5
                               0x01,                    // allow auto create
                               0x00,   // include cluster authorized ops
                               0x01,   // include topic authorized ops
                               0x00});  // no tags
  auto m = DecodeExactly<MetadataRequest>(bytes, 9, /*canonical=*/false);
  ASSERT_EQ(m.topics->size(), 1u);
  EXPECT_EQ((*m.topics)[0].name, "t");
  EXPECT_TRUE(m.allow_auto_topic_creation);
  EXPECT_FALSE(m.include_cluster_authorized_operations);
  EXPECT_TRUE(m.include_topic_authorized_operations);
}

TEST(MessagesBytesTest, ProduceRequestV9) {
  const std::string bytes =
      B({0x00,                    // transactional id: null
         0xff, 0xff,              // acks -1
         0x00, 0x00, 0x75, 0x30,  // timeout 30000
         0x02, 0x02, 't',         // 1 topic "t"
         0x02, 0, 0, 0, 7,        // 1 partition, index 7
         0x04, 'a', 'b', 'c',     // records "abc"
         0x00, 0x00, 0x00});      // partition, topic, body tags
  auto m = DecodeExactly<ProduceRequest>(bytes, 9);
  EXPECT_FALSE(m.transactional_id.has_value());
  EXPECT_EQ(m.acks, -1);
  EXPECT_EQ(m.timeout_ms, 30000);
  ASSERT_EQ(m.topic_data.size(), 1u);
  ASSERT_EQ(m.topic_data[0].partition_data.size(), 1u);
  EXPECT_EQ(m.topic_data[0].partition_data[0].index, 7);
  EXPECT_EQ(m.topic_data[0].partition_data[0].records, "abc");
}

TEST(MessagesBytesTest, ProduceRequestV3Classic) {
  const std::string bytes =
      B({0x00, 0x02, 't', 'x',    // transactional id "tx"
         0x00, 0x01,              // acks 1
         0x00, 0x00, 0x03, 0xe8,  // timeout 1000
         0, 0, 0, 1, 0, 1, 'u',   // 1 topic "u"
         0, 0, 0, 1, 0, 0, 0, 2,  // 1 partition, index 2
         0xff, 0xff, 0xff, 0xff});  // null records
  auto m = DecodeExactly<ProduceRequest>(bytes, 3);
  EXPECT_EQ(m.transactional_id, "tx");
  EXPECT_EQ(m.topic_data[0].name, "u");
  EXPECT_FALSE(m.topic_data[0].partition_data[0].records.has_value());
}

TEST(MessagesBytesTest, CreateTopicsResponseV5KnownTag) {
  CreateTopicsResponse m;
  auto& topic = m.topics.emplace_back();
  topic.name = "t";
  topic.topic_config_error_code = 40;
  Writer writer;
  ASSERT_TRUE(m.Encode(writer, 5).ok());
  // ... name, error code, error message, partitions, replication factor,
  // configs, then the tag block with tag 0 (int16 40).
  EXPECT_NE(writer.data().find(B({0x01, 0x00, 0x02, 0x00, 0x28})),
            std::string::npos);
  Reader reader(writer.data());
  CreateTopicsResponse decoded;
  ASSERT_TRUE(decoded.Decode(reader, 5).ok());
  EXPECT_EQ(decoded.topics[0].topic_config_error_code, 40);
  EXPECT_EQ(decoded, m);
}

// ACL codes in these vectors (Kafka's): resource type 1 ANY, 2 TOPIC,
// 7 USER (v3+); pattern type 1 ANY, 3 LITERAL, 4 PREFIXED; operation
// 1 ANY, 3 READ, 4 WRITE; permission 1 ANY, 2 DENY, 3 ALLOW.
TEST(MessagesBytesTest, CreateAclsRequestV1Classic) {
  const std::string bytes =
      B({0x00, 0x00, 0x00, 0x01,  // 1 creation
         0x02,                    // resource type TOPIC
         0x00, 0x01, 't',         // resource name "t"
         0x03,                    // pattern type LITERAL (v1+)
         0x00, 0x06}) + "User:a" +  // principal
      B({0x00, 0x01, '*',         // host
         0x03,                    // operation READ
         0x03});                  // permission ALLOW
  auto m = DecodeExactly<CreateAclsRequest>(bytes, 1);
  ASSERT_EQ(m.creations.size(), 1u);
  const auto& c = m.creations[0];
  EXPECT_EQ(c.resource_type, 2);
  EXPECT_EQ(c.resource_name, "t");
  EXPECT_EQ(c.resource_pattern_type, 3);
  EXPECT_EQ(c.principal, "User:a");
  EXPECT_EQ(c.host, "*");
  EXPECT_EQ(c.operation, 3);
  EXPECT_EQ(c.permission_type, 3);
  // v0 has no pattern type; it decodes as LITERAL (the schema default).
  const std::string v0 = bytes.substr(0, 8) + bytes.substr(9);
  auto m0 = DecodeExactly<CreateAclsRequest>(v0, 0);
  EXPECT_EQ(m0, m);
}

TEST(MessagesBytesTest, DescribeAclsRequestV2Flexible) {
  const std::string bytes =
      B({0x01,          // resource type filter ANY
         0x00,          // resource name filter: null (compact)
         0x01,          // pattern type filter ANY
         0x07}) + "User:a" +  // principal filter (compact, length + 1)
      B({0x00,          // host filter: null
         0x01,          // operation ANY
         0x01,          // permission ANY
         0x00});        // no tagged fields
  auto m = DecodeExactly<DescribeAclsRequest>(bytes, 2);
  EXPECT_EQ(m.resource_type_filter, 1);
  EXPECT_FALSE(m.resource_name_filter.has_value());
  EXPECT_EQ(m.pattern_type_filter, 1);
  EXPECT_EQ(m.principal_filter, "User:a");
  EXPECT_FALSE(m.host_filter.has_value());
  EXPECT_EQ(m.operation, 1);
  EXPECT_EQ(m.permission_type, 1);
  // The same request in v1: classic nullable strings (length -1 for null).
  const std::string v1 =
      B({0x01, 0xff, 0xff, 0x01, 0x00, 0x06}) + "User:a" +
      B({0xff, 0xff, 0x01, 0x01});
  EXPECT_EQ(DecodeExactly<DescribeAclsRequest>(v1, 1), m);
}

TEST(MessagesBytesTest, DescribeAclsResponseV2Flexible) {
  const std::string bytes =
      B({0x00, 0x00, 0x00, 0x00,  // throttle 0
         0x00, 0x00,              // error 0
         0x00,                    // error message: null
         0x02,                    // 1 resource
         0x02,                    // resource type TOPIC
         0x02, 't',               // resource name "t"
         0x04,                    // pattern type PREFIXED
         0x02,                    // 1 acl
         0x07}) + "User:a" +        // principal
      B({0x02, '*',               // host
         0x04,                    // operation WRITE
         0x02,                    // permission DENY
         0x00,                    // acl tags
         0x00,                    // resource tags
         0x00});                  // body tags
  auto m = DecodeExactly<DescribeAclsResponse>(bytes, 2);
  EXPECT_FALSE(m.error_message.has_value());
  ASSERT_EQ(m.resources.size(), 1u);
  EXPECT_EQ(m.resources[0].resource_type, 2);
  EXPECT_EQ(m.resources[0].resource_name, "t");
  EXPECT_EQ(m.resources[0].pattern_type, 4);
  ASSERT_EQ(m.resources[0].acls.size(), 1u);
  EXPECT_EQ(m.resources[0].acls[0].principal, "User:a");
  EXPECT_EQ(m.resources[0].acls[0].host, "*");
  EXPECT_EQ(m.resources[0].acls[0].operation, 4);
  EXPECT_EQ(m.resources[0].acls[0].permission_type, 2);
}

TEST(MessagesBytesTest, DeleteAclsRequestV3Flexible) {
  const std::string bytes = B({0x02,       // 1 filter (compact)
                               0x07,       // resource type filter USER
                               0x02, 't',  // resource name filter "t"
                               0x04,       // pattern type filter PREFIXED
                               0x00,       // principal filter: null
                               0x02, '*',  // host filter "*"
                               0x04,       // operation WRITE
                               0x02,       // permission DENY
                               0x00,       // filter tags
                               0x00});     // body tags
  auto m = DecodeExactly<DeleteAclsRequest>(bytes, 3);
  ASSERT_EQ(m.filters.size(), 1u);
  const auto& f = m.filters[0];
  EXPECT_EQ(f.resource_type_filter, 7);
  EXPECT_EQ(f.resource_name_filter, "t");
  EXPECT_EQ(f.pattern_type_filter, 4);
  EXPECT_FALSE(f.principal_filter.has_value());
  EXPECT_EQ(f.host_filter, "*");
  EXPECT_EQ(f.operation, 4);
  EXPECT_EQ(f.permission_type, 2);
}

TEST(MessagesBytesTest, DescribeUserScramCredentialsRequestV0) {
  auto one = DecodeExactly<DescribeUserScramCredentialsRequest>(
      B({0x02, 0x06}) + "alice" + B({0x00, 0x00}), 0);  // 1 user, tags
  ASSERT_TRUE(one.users.has_value());
  ASSERT_EQ(one.users->size(), 1u);
  EXPECT_EQ((*one.users)[0].name, "alice");
  // Null and empty both mean "all users"; they stay distinct on the wire.
  auto null = DecodeExactly<DescribeUserScramCredentialsRequest>(
      B({0x00, 0x00}), 0);
  EXPECT_FALSE(null.users.has_value());
  auto empty = DecodeExactly<DescribeUserScramCredentialsRequest>(
      B({0x01, 0x00}), 0);
  ASSERT_TRUE(empty.users.has_value());
  EXPECT_TRUE(empty.users->empty());
  EXPECT_EQ(empty, DescribeUserScramCredentialsRequest());
}

TEST(MessagesBytesTest, AlterUserScramCredentialsRequestV0) {
  const std::string bytes =
      B({0x02,                    // 1 deletion
         0x04, 'b', 'o', 'b',     // name "bob"
         0x01,                    // mechanism SCRAM-SHA-256
         0x00,                    // deletion tags
         0x02,                    // 1 upsertion
         0x06}) + "alice" +         // name
      B({0x02,                    // mechanism SCRAM-SHA-512
         0x00, 0x00, 0x10, 0x00,  // iterations 4096
         0x03, 0xaa, 0xbb,        // salt (compact bytes, 2)
         0x04, 0x01, 0x02, 0x03,  // salted password (3)
         0x00,                    // upsertion tags
         0x00});                  // body tags
  auto m = DecodeExactly<AlterUserScramCredentialsRequest>(bytes, 0);
  ASSERT_EQ(m.deletions.size(), 1u);
  EXPECT_EQ(m.deletions[0].name, "bob");
  EXPECT_EQ(m.deletions[0].mechanism, 1);
  ASSERT_EQ(m.upsertions.size(), 1u);
  const auto& u = m.upsertions[0];
  EXPECT_EQ(u.name, "alice");
  EXPECT_EQ(u.mechanism, 2);
  EXPECT_EQ(u.iterations, 4096);
  EXPECT_EQ(u.salt, B({0xaa, 0xbb}));
  EXPECT_EQ(u.salted_password, B({0x01, 0x02, 0x03}));
}

// A 2 GiB array or bytes length, or a 32 KiB string length, in a 100-byte
// frame fails without allocating.
TEST(MessagesBytesTest, HugeLengthsInSmallFrame) {
  std::string array = B({0xff, 0xff, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff});
  array.resize(100, '\x01');
  ProduceRequest produce;
  Reader r1(array);
  EXPECT_EQ(produce.Decode(r1, 3).code(), absl::StatusCode::kInvalidArgument);

  std::string bytes = B({0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 't',
                         0, 0, 0, 1, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff});
  bytes.resize(100, '\x01');
  Reader r2(bytes);
  EXPECT_EQ(produce.Decode(r2, 3).code(), absl::StatusCode::kInvalidArgument);

  std::string string = B({0x7f, 0xff});
  string.resize(100, 'a');
  Reader r3(string);
  EXPECT_FALSE(produce.Decode(r3, 3).ok());

  std::string compact = B({0x00, 0xff, 0xff, 0, 0, 0, 0,
                           0xff, 0xff, 0xff, 0xff, 0x07});
  compact.resize(100, '\x01');
  Reader r4(compact);
  EXPECT_FALSE(produce.Decode(r4, 9).ok());
}

TEST(MessagesBytesTest, NegativeLengthsOtherThanMinusOne) {
  ProduceRequest produce;
  Reader r1(B({0xff, 0xfe, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0}));  // string -2
  EXPECT_FALSE(produce.Decode(r1, 3).ok());
  Reader r2(B({0xff, 0xff, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xfe}));
  EXPECT_FALSE(produce.Decode(r2, 3).ok());  // array -2
  // -1 where the version allows no null: the topics array.
  Reader r3(B({0xff, 0xff, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(produce.Decode(r3, 3).ok());
}

TEST(MessagesBytesTest, EncodeNullWhereVersionForbidsIt) {
  JoinGroupResponse m;
  m.protocol_name.reset();  // nullable from v7 only
  Writer w6;
  EXPECT_EQ(m.Encode(w6, 6).code(), absl::StatusCode::kInvalidArgument);
  Writer w7;
  EXPECT_TRUE(m.Encode(w7, 7).ok());
}

}  // namespace
}  // namespace warp::kafka
