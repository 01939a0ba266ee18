// Tests of header-version rules, whole request/response frames, the
// ApiVersions unsupported-version rule, the served table and error codes.
#include "lib/protocol/messages/request_codec.h"

#include <string>

#include "gtest/gtest.h"
#include "lib/protocol/messages/errors.h"
#include "lib/protocol/messages/test_fill.h"

namespace warp::kafka {
namespace {

std::string B(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

TEST(RequestCodecTest, HeaderVersionRules) {
  EXPECT_EQ(RequestHeaderVersionFor(0, 8), 1);  // Produce
  EXPECT_EQ(RequestHeaderVersionFor(0, 9), 2);
  EXPECT_EQ(ResponseHeaderVersionFor(0, 8), 0);
  EXPECT_EQ(ResponseHeaderVersionFor(0, 9), 1);
  EXPECT_EQ(RequestHeaderVersionFor(18, 3), 2);  // ApiVersions
  EXPECT_EQ(ResponseHeaderVersionFor(18, 3), 0);  // always v0
  EXPECT_EQ(RequestHeaderVersionFor(17, 1), 1);  // SaslHandshake: never flex
  EXPECT_EQ(RequestHeaderVersionFor(60, 0), 2);  // DescribeCluster: flex 0+
  EXPECT_EQ(ResponseHeaderVersionFor(60, 0), 1);
  // Known to the schemas but not served: still the right header.
  EXPECT_EQ(RequestHeaderVersionFor(0, 11), 2);
  EXPECT_EQ(RequestHeaderVersionFor(27, 1), 2);  // WriteTxnMarkers
  EXPECT_EQ(RequestHeaderVersionFor(99, 5), 1);  // unknown key
  EXPECT_EQ(FirstFlexibleVersion(1), 12);
  EXPECT_EQ(FirstFlexibleVersion(47), -1);
}

TEST(RequestCodecTest, ServedTable) {
  ASSERT_EQ(ServedApis().size(), 40u);
  const ApiVersionRange* produce = FindServedApi(0);
  ASSERT_NE(produce, nullptr);
  EXPECT_STREQ(produce->name, "Produce");
  EXPECT_EQ(produce->min_version, 0);  // librdkafka issue 4956
  EXPECT_EQ(produce->max_version, 9);
  EXPECT_EQ(produce->first_flexible_version, 9);
  EXPECT_EQ(CheckVersion(0, 2), VersionSupport::kSupported);
  EXPECT_EQ(CheckVersion(0, 10), VersionSupport::kUnsupportedVersion);
  EXPECT_EQ(CheckVersion(0, 9), VersionSupport::kSupported);
  EXPECT_EQ(CheckVersion(68, 0), VersionSupport::kUnknownApi);
  EXPECT_EQ(FindServedApi(static_cast<int16_t>(ApiKey::kListTransactions))
                ->max_version,
            0);
  int16_t previous = -1;
  for (const ApiVersionRange& api : ServedApis()) {
    EXPECT_GT(api.api_key, previous);
    previous = api.api_key;
  }
}

// Every served request, framed and parsed back, at its newest version.
TEST(RequestCodecTest, RequestFramesRoundTrip) {
  for (const ApiVersionRange& api : ServedApis()) {
    for (int16_t v : {api.min_version, api.max_version}) {
      absl::StatusOr<Request> request = MakeFilledRequest(api.api_key, v, 1);
      ASSERT_TRUE(request.ok());
      const RequestHeader header{api.api_key, v, 1000 + v, "client-x"};
      absl::StatusOr<std::string> frame = EncodeRequestFrame(header, *request);
      ASSERT_TRUE(frame.ok()) << frame.status();
      absl::StatusOr<std::optional<Frame>> parsed = ParseFrame(*frame);
      ASSERT_TRUE(parsed.ok());
      ASSERT_TRUE(parsed->has_value());
      EXPECT_EQ((*parsed)->total_size, frame->size());
      absl::StatusOr<DecodedRequest> decoded =
          DecodeRequestPayload((*parsed)->payload);
      ASSERT_TRUE(decoded.ok()) << api.name << " v" << v << ": "
                                << decoded.status();
      EXPECT_EQ(decoded->header, header);
      EXPECT_EQ(decoded->support, VersionSupport::kSupported);
      ASSERT_TRUE(decoded->body.has_value());
      EXPECT_TRUE(*decoded->body == *request) << api.name << " v" << v;
      EXPECT_EQ(decoded->trailing_bytes, 0u);
    }
  }
}

TEST(RequestCodecTest, ApiVersionsOfUnsupportedVersion) {
  // An ApiVersions v4 request (flexible: header v2) from a newer client.
  const std::string payload = B({0x00, 0x12, 0x00, 0x04,  // key 18, v4
                                 0x00, 0x00, 0x00, 0x07,  // correlation 7
                                 0x00, 0x01, 'c',         // client id "c"
                                 0x00,                    // header tags
                                 0x02, 'x', 0x02, 'y', 0x00});  // body
  absl::StatusOr<DecodedRequest> decoded = DecodeRequestPayload(payload);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(decoded->header.correlation_id, 7);
  EXPECT_EQ(decoded->header.client_id, "c");
  EXPECT_EQ(decoded->support, VersionSupport::kUnsupportedVersion);
  EXPECT_FALSE(decoded->body.has_value());
  EXPECT_EQ(ResponseBodyVersion(decoded->header), 0);

  absl::StatusOr<std::string> frame = EncodeResponseFrame(
      decoded->header, MakeUnsupportedVersionApiVersionsResponse());
  ASSERT_TRUE(frame.ok()) << frame.status();
  // Size 16, correlation id, header v0 (no tags), v0 body: error 35 and the
  // single ApiVersions range 0-3. franz-go checks byte [1] of the body.
  EXPECT_EQ(*frame, B({0, 0, 0, 16, 0, 0, 0, 7, 0x00, 0x23, 0, 0, 0, 1, 0,
                       0x12, 0, 0, 0, 3}));
}

TEST(RequestCodecTest, ApiVersionsV3ResponseUsesHeaderV0) {
  const RequestHeader header{18, 3, 9, "librdkafka"};
  ApiVersionsResponse response = MakeApiVersionsResponse();
  EXPECT_EQ(response.api_keys.size(), ServedApis().size());
  absl::StatusOr<std::string> frame = EncodeResponseFrame(header, response);
  ASSERT_TRUE(frame.ok());
  // After the size and correlation id comes the v3 body directly: error 0,
  // then the compact array count (40 + 1).
  EXPECT_EQ(frame->substr(4, 7), B({0, 0, 0, 9, 0, 0, 41}));
  Reader reader(absl::string_view(*frame).substr(8));
  ApiVersionsResponse decoded;
  ASSERT_TRUE(decoded.Decode(reader, 3).ok());
  EXPECT_EQ(decoded, response);
}

TEST(RequestCodecTest, FlexibleResponseHasHeaderTags) {
  const RequestHeader header{3, 12, 5, std::nullopt};
  absl::StatusOr<std::string> frame =
      EncodeResponseFrame(header, MetadataResponse());
  ASSERT_TRUE(frame.ok());
  EXPECT_EQ(frame->substr(4, 5), B({0, 0, 0, 5, 0}));  // correlation, tags
}

TEST(RequestCodecTest, UnknownApiAndMismatchedResponse) {
  const std::string payload = B({0x00, 0x63, 0x00, 0x00, 0, 0, 0, 1,
                                 0xff, 0xff});  // key 99, null client id
  absl::StatusOr<DecodedRequest> decoded = DecodeRequestPayload(payload);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->support, VersionSupport::kUnknownApi);
  const RequestHeader header{0, 9, 1, "c"};
  EXPECT_FALSE(EncodeResponseFrame(header, MetadataResponse()).ok());
}

TEST(RequestCodecTest, MalformedPayloads) {
  EXPECT_FALSE(DecodeRequestPayload("").ok());
  EXPECT_FALSE(DecodeRequestPayload(B({0, 3, 0, 1, 0, 0})).ok());
  // Metadata v1 header, then a topics array of 2^31-1 elements.
  EXPECT_FALSE(DecodeRequestPayload(B({0, 3, 0, 1, 0, 0, 0, 1, 0xff, 0xff,
                                       0x7f, 0xff, 0xff, 0xff}))
                   .ok());
}

TEST(ErrorsTest, TableLookups) {
  const ErrorInfo* info = FindErrorInfo(35);
  ASSERT_NE(info, nullptr);
  EXPECT_STREQ(info->name, "UNSUPPORTED_VERSION");
  EXPECT_EQ(info->code, ErrorCode::kUnsupportedVersion);
  EXPECT_EQ(ToInt16(ErrorCode::kUnknownServerError), -1);
  EXPECT_EQ(ToInt16(ErrorCode::kInvalidRegularExpression), 128);
  EXPECT_TRUE(IsRetriable(ErrorCode::kNotCoordinator));
  EXPECT_TRUE(IsRetriable(ErrorCode::kUnknownTopicOrPartition));
  EXPECT_FALSE(IsRetriable(ErrorCode::kProducerFenced));
  EXPECT_EQ(ErrorName(ErrorCode::kNone), "NONE");
  EXPECT_EQ(ErrorMessage(ErrorCode::kUnknownTopicOrPartition),
            "Unknown topic or partition.");
  EXPECT_EQ(FindErrorInfo(99), nullptr);  // unused code
  EXPECT_EQ(ErrorName(static_cast<ErrorCode>(5000)), "UNKNOWN_ERROR_CODE");
}

}  // namespace
}  // namespace warp::kafka
