// Golden bytes from real Kafka clients: every request frame in
// tests/testdata/golden/<client>/ (captured by tests/golden/capture.sh from
// kcat, kafka-python, confluent-kafka and kafkajs) must decode with the codec,
// leave no bytes over and re-encode to exactly the bytes the client sent;
// representative fields are checked one by one; and every record batch of
// every Produce frame must decode to the golden records, compressed with the
// codec its topic names.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <set>
#include <string>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/api_versions_table.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/messages/request_codec.h"
#include "lib/protocol/record/compression.h"
#include "lib/protocol/record/record_batch.h"

namespace warp::kafka {
namespace {

// What each client was asked to do (see capture.sh and the README next to
// the captures).
struct ClientExpectation {
  std::string name;                 // The folder under tests/testdata/golden/.
  std::string client_id;            // Header client id of every request.
  int16_t acks = 0;                 // Of every Produce request.
  std::vector<Compression> codecs;  // Topics golden-<codec> it produced to.
  // Whether the records carry the fixed timestamps 1700000000000 + i.
  bool fixed_timestamps = true;
  // Whether every record carries header h1=v1 (kcat sets headers per run),
  // rather than only k4.
  bool header_on_every_record = false;
  // Whether the client is an idempotent producer (batches carry the producer
  // id the recorder's InitProducerId handed out).
  bool idempotent = false;
  // BaseSequence of a plain (not idempotent) producer's batches: -1, except
  // that kafkajs writes 0.
  int32_t plain_base_sequence = kNoSequence;
  // Whether its snappy batches use the xerial framing (kafka-python, the
  // Java client) rather than one raw block (librdkafka).
  bool xerial_snappy = false;
  // ApiVersions v3+ client software name and version; empty if the client
  // sends an older version.
  std::string software_name;
  std::string software_version;
  // APIs that must appear among the captures.
  std::vector<std::string> required_apis;
};

constexpr std::array<Compression, 5> kAllCodecs = {
    Compression::kNone, Compression::kGzip, Compression::kSnappy,
    Compression::kLz4, Compression::kZstd};

std::vector<ClientExpectation> MakeClients() {
  const std::vector<Compression> all_codecs(kAllCodecs.begin(),
                                            kAllCodecs.end());
  const std::vector<std::string> group_consumer_apis = {
      "ApiVersions", "Metadata",     "Produce",     "FindCoordinator",
      "JoinGroup",   "SyncGroup",    "OffsetFetch", "ListOffsets",
      "Fetch",       "OffsetCommit", "LeaveGroup"};
  return {
      {.name = "kcat",
       .client_id = "golden-kcat",
       .acks = -1,
       .codecs = all_codecs,
       .fixed_timestamps = false,  // kcat cannot set record timestamps.
       .header_on_every_record = true,
       .software_name = "librdkafka",
       .software_version = "2.0.2",
       .required_apis = {"ApiVersions", "Metadata", "Produce", "ListOffsets",
                         "Fetch"}},
      {.name = "kafka-python",
       .client_id = "golden-kafka-python",
       .acks = 1,
       .codecs = all_codecs,
       .xerial_snappy = true,
       .required_apis = group_consumer_apis},
      {.name = "confluent-kafka",
       .client_id = "golden-confluent-kafka",
       .acks = -1,
       .codecs = all_codecs,
       .idempotent = true,
       .software_name = "confluent-kafka-python",
       .software_version = "1.7.0-rdkafka-2.0.2",
       .required_apis = {"ApiVersions", "Metadata", "InitProducerId", "Produce",
                         "FindCoordinator", "JoinGroup", "SyncGroup",
                         "Heartbeat", "OffsetFetch", "ListOffsets", "Fetch",
                         "OffsetCommit", "LeaveGroup"}},
      // kafkajs has only gzip built in (see the README).
      {.name = "kafkajs",
       .client_id = "golden-kafkajs",
       .acks = -1,
       .codecs = {Compression::kNone, Compression::kGzip},
       .plain_base_sequence = 0,
       .required_apis = group_consumer_apis},
  };
}

const std::vector<ClientExpectation>& Clients() {
  static const auto* clients =
      new std::vector<ClientExpectation>(MakeClients());
  return *clients;
}

const ClientExpectation* FindClient(absl::string_view name) {
  for (const ClientExpectation& c : Clients()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// The producer id and epoch the recorder's InitProducerId answer gave.
constexpr int64_t kRecorderProducerId = 1000;
constexpr int16_t kRecorderProducerEpoch = 0;
constexpr int kGoldenRecordCount = 5;
constexpr int kHeaderRecord = 4;  // The record with header h1=v1.
constexpr int64_t kBaseTimestamp = 1700000000000;

// One captured request frame.
struct GoldenFrame {
  std::string client;
  std::string file;  // <seq>-<ApiName>-v<version>.bin
  std::string api_name;
  int api_version = -1;
  std::string payload;  // The frame without its size prefix.
};

std::filesystem::path GoldenDir() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return std::filesystem::path(srcdir != nullptr ? srcdir : ".") / "warp" /
         "tests" / "testdata" / "golden";
}

// Every frame under GoldenDir(), ordered by client and sequence number.
// Frames whose names do not parse get an empty api_name (a test fails).
std::vector<GoldenFrame> LoadFrames() {
  std::vector<GoldenFrame> frames;
  std::error_code error;
  for (const auto& client_dir :
       std::filesystem::directory_iterator(GoldenDir(), error)) {
    if (!client_dir.is_directory()) continue;
    for (const auto& entry :
         std::filesystem::directory_iterator(client_dir.path())) {
      GoldenFrame& frame = frames.emplace_back();
      frame.client = client_dir.path().filename().string();
      frame.file = entry.path().filename().string();
      std::vector<std::string> parts = absl::StrSplit(frame.file, '-');
      if (parts.size() == 3 && absl::StartsWith(parts[2], "v") &&
          absl::EndsWith(parts[2], ".bin") &&
          absl::SimpleAtoi(
              absl::string_view(parts[2]).substr(1, parts[2].size() - 5),
              &frame.api_version)) {
        frame.api_name = parts[1];
      }
      std::ifstream in(entry.path(), std::ios::binary);
      frame.payload.assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  std::sort(frames.begin(), frames.end(),
            [](const GoldenFrame& a, const GoldenFrame& b) {
              return std::tie(a.client, a.file) < std::tie(b.client, b.file);
            });
  return frames;
}

// Test names say which frame failed; the payload is printed on its own.
void PrintTo(const GoldenFrame& frame, std::ostream* os) {
  *os << frame.client << "/" << frame.file;
}

const std::vector<GoldenFrame>& Frames() {
  static const auto* frames = new std::vector<GoldenFrame>(LoadFrames());
  return *frames;
}

std::string Hex(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0 && i % 32 == 0) out += '\n';
    const auto b = static_cast<uint8_t>(bytes[i]);
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

// The codec a topic name golden-<codec> stands for.
std::optional<Compression> CodecOfTopic(absl::string_view topic) {
  for (Compression codec : kAllCodecs) {
    if (topic == absl::StrCat("golden-", CompressionName(codec))) return codec;
  }
  return std::nullopt;
}

// Frames that may legitimately fail to re-encode to the same bytes, with the
// reason. Keyed by "<client>/<file>". None so far: every client's frames
// round-trip exactly.
const std::map<std::string, std::string>& KnownNonRoundTrips() {
  static const auto* known = new std::map<std::string, std::string>();
  return *known;
}

// ---------------------------------------------------------------------------
// The captures are all there.

TEST(GoldenCapturesTest, EveryClientHasItsCaptures) {
  ASSERT_FALSE(Frames().empty()) << "no golden frames under " << GoldenDir()
                                 << "; run bash tests/golden/capture.sh";
  std::map<std::string, std::set<std::string>> apis_by_client;
  for (const GoldenFrame& frame : Frames()) {
    EXPECT_NE(FindClient(frame.client), nullptr)
        << "captures of an unknown client: " << frame.client;
    EXPECT_FALSE(frame.api_name.empty())
        << frame.client << "/" << frame.file << ": unexpected file name";
    apis_by_client[frame.client].insert(frame.api_name);
  }
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    ASSERT_TRUE(apis_by_client.contains(client.name))
        << "no captures for " << client.name;
    for (const std::string& api : client.required_apis) {
      EXPECT_TRUE(apis_by_client[client.name].contains(api))
          << client.name << " sent no " << api << " request";
    }
  }
}

// ---------------------------------------------------------------------------
// Every frame decodes and re-encodes to the same bytes.

class GoldenFrameTest : public ::testing::TestWithParam<GoldenFrame> {};

TEST_P(GoldenFrameTest, DecodesAndReencodesExactly) {
  const GoldenFrame& frame = GetParam();
  absl::StatusOr<DecodedRequest> decoded = DecodeRequestPayload(frame.payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  const RequestHeader& header = decoded->header;
  ASSERT_EQ(decoded->support, VersionSupport::kSupported)
      << "api key " << header.api_key << " v" << header.api_version;
  ASSERT_TRUE(decoded->body.has_value());
  EXPECT_EQ(decoded->trailing_bytes, 0u);

  // The file name says what the header holds.
  const ApiVersionRange* api = FindServedApi(header.api_key);
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(frame.api_name, api->name);
  EXPECT_EQ(frame.api_version, header.api_version);
  EXPECT_EQ(ApiKeyOf(*decoded->body), header.api_key);

  const ClientExpectation* client = FindClient(frame.client);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(header.client_id, client->client_id);

  absl::StatusOr<std::string> encoded =
      EncodeRequestFrame(header, *decoded->body);
  ASSERT_TRUE(encoded.ok()) << encoded.status();
  ASSERT_GE(encoded->size(), 4u);
  const absl::string_view reencoded = absl::string_view(*encoded).substr(4);
  auto known = KnownNonRoundTrips().find(frame.client + "/" + frame.file);
  if (known != KnownNonRoundTrips().end()) {
    EXPECT_NE(reencoded, frame.payload)
        << "listed as not round-tripping (" << known->second
        << ") but it does: remove it from KnownNonRoundTrips";
    return;
  }
  EXPECT_EQ(reencoded, frame.payload) << "re-encoded:\n"
                                      << Hex(reencoded) << "\noriginal:\n"
                                      << Hex(frame.payload);

  // And the re-encoded bytes decode to the same message.
  absl::StatusOr<DecodedRequest> again = DecodeRequestPayload(reencoded);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->header, header);
  EXPECT_TRUE(again->body == decoded->body);
}

std::string FrameTestName(const ::testing::TestParamInfo<GoldenFrame>& info) {
  std::string name = absl::StrCat(info.param.client, "_", info.param.file);
  for (char& c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Captured, GoldenFrameTest,
                         ::testing::ValuesIn(Frames()), FrameTestName);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenFrameTest);

// ---------------------------------------------------------------------------
// Field by field, for representative frames.

// Decodes `frame` as a `T` request (the test fails if it is not one).
template <typename T>
std::optional<T> DecodeAs(const GoldenFrame& frame) {
  absl::StatusOr<DecodedRequest> decoded = DecodeRequestPayload(frame.payload);
  if (!decoded.ok() || !decoded->body.has_value()) {
    ADD_FAILURE() << frame.client << "/" << frame.file << " does not decode";
    return std::nullopt;
  }
  const T* request = std::get_if<T>(&*decoded->body);
  if (request == nullptr) {
    ADD_FAILURE() << frame.client << "/" << frame.file << " is not a "
                  << T::kName;
    return std::nullopt;
  }
  return *request;
}

// The frames of `client` whose API is `api_name`.
std::vector<const GoldenFrame*> FramesOf(absl::string_view client,
                                         absl::string_view api_name) {
  std::vector<const GoldenFrame*> out;
  for (const GoldenFrame& frame : Frames()) {
    if (frame.client == client && frame.api_name == api_name) {
      out.push_back(&frame);
    }
  }
  return out;
}

TEST(GoldenFieldsTest, ApiVersionsNamesTheClientSoftware) {
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    const std::vector<const GoldenFrame*> frames =
        FramesOf(client.name, "ApiVersions");
    ASSERT_FALSE(frames.empty());
    for (const GoldenFrame* frame : frames) {
      std::optional<ApiVersionsRequest> request =
          DecodeAs<ApiVersionsRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      if (frame->api_version >= 3) {
        EXPECT_EQ(request->client_software_name, client.software_name);
        EXPECT_EQ(request->client_software_version, client.software_version);
      } else {
        EXPECT_TRUE(client.software_name.empty())
            << "expected ApiVersions v3+ from " << client.name;
        EXPECT_EQ(request->client_software_name, "");
      }
    }
  }
}

TEST(GoldenFieldsTest, ProduceNamesGoldenTopicsWithTheClientsAcks) {
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    std::set<Compression> topics_seen;
    for (const GoldenFrame* frame : FramesOf(client.name, "Produce")) {
      SCOPED_TRACE(frame->file);
      std::optional<ProduceRequest> request = DecodeAs<ProduceRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      EXPECT_EQ(request->acks, client.acks);
      EXPECT_GT(request->timeout_ms, 0);
      EXPECT_EQ(request->transactional_id, std::nullopt);
      ASSERT_FALSE(request->topic_data.empty());
      for (const ProduceRequest::TopicProduceData& topic :
           request->topic_data) {
        std::optional<Compression> codec = CodecOfTopic(topic.name);
        ASSERT_TRUE(codec.has_value()) << "unexpected topic " << topic.name;
        topics_seen.insert(*codec);
        ASSERT_EQ(topic.partition_data.size(), 1u);
        EXPECT_EQ(topic.partition_data[0].index, 0);
        EXPECT_TRUE(topic.partition_data[0].records.has_value());
      }
    }
    EXPECT_EQ(topics_seen, std::set<Compression>(client.codecs.begin(),
                                                 client.codecs.end()));
  }
}

TEST(GoldenFieldsTest, MetadataAndFetchAskForGoldenTopics) {
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    for (const GoldenFrame* frame : FramesOf(client.name, "Metadata")) {
      SCOPED_TRACE(frame->file);
      std::optional<MetadataRequest> request =
          DecodeAs<MetadataRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      // Null or empty asks for every topic (or, v1+ empty, for none).
      for (const auto& topic : request->topics.value_or(
               std::vector<MetadataRequest::MetadataRequestTopic>())) {
        ASSERT_TRUE(topic.name.has_value());
        EXPECT_TRUE(CodecOfTopic(*topic.name).has_value()) << *topic.name;
      }
    }
    for (const GoldenFrame* frame : FramesOf(client.name, "Fetch")) {
      SCOPED_TRACE(frame->file);
      std::optional<FetchRequest> request = DecodeAs<FetchRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      EXPECT_EQ(request->replica_id, -1);  // A consumer, not a follower.
      ASSERT_FALSE(request->topics.empty());
      for (const FetchRequest::FetchTopic& topic : request->topics) {
        EXPECT_TRUE(CodecOfTopic(topic.topic).has_value()) << topic.topic;
        for (const FetchRequest::FetchPartition& p : topic.partitions) {
          EXPECT_EQ(p.partition, 0);
          EXPECT_GE(p.fetch_offset, 0);
          EXPECT_LE(p.fetch_offset, kGoldenRecordCount);
          EXPECT_GT(p.partition_max_bytes, 0);
        }
      }
    }
  }
}

TEST(GoldenFieldsTest, GroupRequestsNameTheClientsGroup) {
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    const std::string group = client.client_id + "-group";
    for (const GoldenFrame* frame : FramesOf(client.name, "JoinGroup")) {
      std::optional<JoinGroupRequest> request =
          DecodeAs<JoinGroupRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      EXPECT_EQ(request->group_id, group);
      EXPECT_EQ(request->protocol_type, "consumer");
      EXPECT_FALSE(request->protocols.empty());
      EXPECT_GT(request->session_timeout_ms, 0);
    }
    for (const GoldenFrame* frame : FramesOf(client.name, "SyncGroup")) {
      std::optional<SyncGroupRequest> request =
          DecodeAs<SyncGroupRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      EXPECT_EQ(request->group_id, group);
      EXPECT_EQ(request->generation_id, 1);  // The recorder's first join.
      // The only member is the leader: it assigns to itself.
      ASSERT_EQ(request->assignments.size(), 1u);
      EXPECT_EQ(request->assignments[0].member_id, request->member_id);
    }
    for (const GoldenFrame* frame : FramesOf(client.name, "OffsetCommit")) {
      std::optional<OffsetCommitRequest> request =
          DecodeAs<OffsetCommitRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      EXPECT_EQ(request->group_id, group);
      for (const auto& topic : request->topics) {
        EXPECT_TRUE(CodecOfTopic(topic.name).has_value()) << topic.name;
        for (const auto& p : topic.partitions) {
          EXPECT_GT(p.committed_offset, 0);
          EXPECT_LE(p.committed_offset, kGoldenRecordCount);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// The record batches of every Produce frame.

struct GoldenRecord {
  std::string key;
  std::string value;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp = 0;

  bool operator==(const GoldenRecord&) const = default;
};

void PrintTo(const GoldenRecord& r, std::ostream* os) {
  *os << "{" << r.key << ", " << r.value << ", headers [";
  for (const auto& [k, v] : r.headers) *os << k << "=" << v << " ";
  *os << "], ts " << r.timestamp << "}";
}

TEST(GoldenRecordsTest, ProducedBatchesHoldTheGoldenRecords) {
  for (const ClientExpectation& client : Clients()) {
    SCOPED_TRACE(client.name);
    // The records each client produced to each topic, in order.
    std::map<Compression, std::vector<GoldenRecord>> produced;
    int batches = 0;
    for (const GoldenFrame* frame : FramesOf(client.name, "Produce")) {
      SCOPED_TRACE(frame->file);
      std::optional<ProduceRequest> request = DecodeAs<ProduceRequest>(*frame);
      ASSERT_TRUE(request.has_value());
      for (const auto& topic : request->topic_data) {
        std::optional<Compression> codec = CodecOfTopic(topic.name);
        ASSERT_TRUE(codec.has_value()) << topic.name;
        for (const auto& partition : topic.partition_data) {
          ASSERT_TRUE(partition.records.has_value());
          absl::StatusOr<RecordBatchSequence> split =
              SplitRecordBatches(*partition.records);
          ASSERT_TRUE(split.ok()) << split.status();
          EXPECT_TRUE(split->partial_tail.empty());
          ASSERT_FALSE(split->batches.empty());
          for (absl::string_view bytes : split->batches) {
            ++batches;
            absl::StatusOr<DecodedRecordBatch> batch =
                DecodedRecordBatch::Decode(bytes);  // CRC verified.
            ASSERT_TRUE(batch.ok()) << batch.status();
            const RecordBatchHeader& h = batch->header();
            EXPECT_EQ(h.compression(), *codec)
                << "batch attributes " << h.attributes << " in " << topic.name;
            if (h.compression() == Compression::kSnappy) {
              EXPECT_EQ(IsXerialSnappy(bytes.substr(kRecordBatchHeaderSize)),
                        client.xerial_snappy);
            }
            EXPECT_EQ(h.base_offset, 0);  // The broker assigns offsets.
            EXPECT_EQ(h.timestamp_type(), TimestampType::kCreateTime);
            EXPECT_FALSE(h.is_transactional());
            EXPECT_FALSE(h.is_control());
            if (client.idempotent) {
              EXPECT_EQ(h.producer_id, kRecorderProducerId);
              EXPECT_EQ(h.producer_epoch, kRecorderProducerEpoch);
              EXPECT_EQ(h.base_sequence,
                        static_cast<int32_t>(produced[*codec].size()));
            } else {
              EXPECT_EQ(h.producer_id, kNoProducerId);
              EXPECT_EQ(h.base_sequence, client.plain_base_sequence);
            }
            for (const RecordView& r : batch->records()) {
              GoldenRecord& record = produced[*codec].emplace_back();
              ASSERT_TRUE(r.key.has_value());
              ASSERT_TRUE(r.value.has_value());
              record.key = std::string(*r.key);
              record.value = std::string(*r.value);
              for (const RecordHeaderView& header : r.headers) {
                ASSERT_TRUE(header.value.has_value());
                record.headers.emplace_back(std::string(header.key),
                                            std::string(*header.value));
              }
              record.timestamp = RecordTimestamp(h, r);
            }
          }
        }
      }
    }
    EXPECT_GE(batches, static_cast<int>(client.codecs.size()));

    for (Compression codec : client.codecs) {
      SCOPED_TRACE(CompressionName(codec));
      std::vector<GoldenRecord>& got = produced[codec];
      std::vector<GoldenRecord> want;
      for (int i = 0; i < kGoldenRecordCount; ++i) {
        GoldenRecord& r = want.emplace_back();
        r.key = absl::StrCat("k", i);
        r.value = absl::StrCat("value-", CompressionName(codec), "-", i);
        if (i == kHeaderRecord || client.header_on_every_record) {
          r.headers = {{"h1", "v1"}};
        }
        // Clients that cannot set timestamps use their clock: keep theirs,
        // after checking it is a plausible one (after the golden base).
        if (client.fixed_timestamps) {
          r.timestamp = kBaseTimestamp + i;
        } else if (i < static_cast<int>(got.size())) {
          EXPECT_GT(got[i].timestamp, kBaseTimestamp);
          r.timestamp = got[i].timestamp;
        }
      }
      EXPECT_EQ(got, want);
    }
  }
}

}  // namespace
}  // namespace warp::kafka
