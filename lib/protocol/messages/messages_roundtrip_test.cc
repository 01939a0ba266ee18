// Round trip of every request and response of every served API and version:
// fill every field present in the version (test_fill.h), encode, decode,
// compare, re-encode, compare bytes; and truncation of each encoding at
// every byte must fail cleanly.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "lib/protocol/messages/api_versions_table.h"
#include "lib/protocol/messages/dispatch.h"
#include "lib/protocol/messages/test_fill.h"

namespace warp::kafka {
namespace {

struct Case {
  int16_t api_key;
  int16_t version;
  std::string name;
};

std::vector<Case> AllCases() {
  std::vector<Case> cases;
  for (const ApiVersionRange& api : ServedApis()) {
    for (int16_t v = api.min_version; v <= api.max_version; ++v) {
      cases.push_back({api.api_key, v, absl::StrCat(api.name, "_v", v)});
    }
  }
  return cases;
}

class RoundTripTest : public testing::TestWithParam<Case> {};

// Encodes `message`, decodes the bytes, and checks the decoded message and
// its re-encoding are identical. Returns the encoding.
template <typename Variant, typename Encode, typename Decode>
std::string CheckRoundTrip(const Variant& message, const Case& c,
                           Encode encode, Decode decode) {
  Writer writer;
  absl::Status status = encode(message, c.version, writer);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(writer.ok()) << writer.status();

  Reader reader(writer.data());
  absl::StatusOr<Variant> decoded = decode(c.api_key, c.version, reader);
  EXPECT_TRUE(decoded.ok()) << decoded.status();
  if (!decoded.ok()) return writer.data();
  EXPECT_EQ(reader.remaining(), 0u);
  EXPECT_TRUE(*decoded == message) << "decoded message differs";

  Writer again;
  EXPECT_TRUE(encode(*decoded, c.version, again).ok());
  EXPECT_EQ(again.data(), writer.data()) << "re-encoding differs";
  return writer.data();
}

// Every strict prefix of `bytes` must fail to decode (and not crash).
template <typename Decode>
void CheckTruncations(const std::string& bytes, const Case& c, Decode decode) {
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    Reader reader(absl::string_view(bytes).substr(0, cut));
    EXPECT_FALSE(decode(c.api_key, c.version, reader).ok())
        << "prefix of " << cut << "/" << bytes.size() << " bytes decoded";
  }
}

TEST_P(RoundTripTest, Request) {
  const Case& c = GetParam();
  std::string defaults;
  for (int seed : {1, 2}) {
    absl::StatusOr<Request> filled = MakeFilledRequest(c.api_key, c.version,
                                                       seed);
    ASSERT_TRUE(filled.ok()) << filled.status();
    EXPECT_EQ(ApiKeyOf(*filled), c.api_key);
    const std::string bytes =
        CheckRoundTrip(*filled, c, EncodeRequest, DecodeRequest);
    CheckTruncations(bytes, c, DecodeRequest);
  }
}

TEST_P(RoundTripTest, Response) {
  const Case& c = GetParam();
  for (int seed : {1, 2}) {
    absl::StatusOr<Response> filled = MakeFilledResponse(c.api_key, c.version,
                                                         seed);
    ASSERT_TRUE(filled.ok()) << filled.status();
    EXPECT_EQ(ApiKeyOf(*filled), c.api_key);
    const std::string bytes =
        CheckRoundTrip(*filled, c, EncodeResponse, DecodeResponse);
    CheckTruncations(bytes, c, DecodeResponse);
  }
}

// A default-constructed message also round-trips, and filling changes the
// encoding wherever the version has any field.
TEST_P(RoundTripTest, DefaultsRoundTripAndDifferFromFilled) {
  const Case& c = GetParam();
  absl::StatusOr<Request> filled = MakeFilledRequest(c.api_key, c.version, 1);
  ASSERT_TRUE(filled.ok());
  Request empty = std::visit(
      [](const auto& m) -> Request { return std::decay_t<decltype(m)>(); },
      *filled);
  const std::string empty_bytes =
      CheckRoundTrip(empty, c, EncodeRequest, DecodeRequest);
  Writer writer;
  ASSERT_TRUE(EncodeRequest(*filled, c.version, writer).ok());
  if (writer.size() > 1) {
    EXPECT_NE(writer.data(), empty_bytes);
  }

  absl::StatusOr<Response> response = MakeFilledResponse(c.api_key,
                                                         c.version, 1);
  ASSERT_TRUE(response.ok());
  Response empty_response = std::visit(
      [](const auto& m) -> Response { return std::decay_t<decltype(m)>(); },
      *response);
  CheckRoundTrip(empty_response, c, EncodeResponse, DecodeResponse);
}

// Versions just outside the served range are rejected by Decode and Encode.
TEST_P(RoundTripTest, UnservedVersionsRejected) {
  const Case& c = GetParam();
  const ApiVersionRange* api = FindServedApi(c.api_key);
  ASSERT_NE(api, nullptr);
  if (c.version != api->max_version) return;
  absl::StatusOr<Request> filled = MakeFilledRequest(c.api_key, c.version, 1);
  ASSERT_TRUE(filled.ok());
  for (int16_t bad : {static_cast<int16_t>(api->min_version - 1),
                      static_cast<int16_t>(api->max_version + 1)}) {
    Writer writer;
    EXPECT_EQ(EncodeRequest(*filled, bad, writer).code(),
              absl::StatusCode::kUnimplemented);
    Reader reader("");
    EXPECT_EQ(DecodeRequest(c.api_key, bad, reader).status().code(),
              absl::StatusCode::kUnimplemented);
  }
}

INSTANTIATE_TEST_SUITE_P(AllApis, RoundTripTest, testing::ValuesIn(AllCases()),
                         [](const testing::TestParamInfo<Case>& info) {
                           return info.param.name;
                         });

TEST(RoundTripCoverageTest, EveryServedVersionIsCovered) {
  // 40 APIs; their served ranges add up to 195 versions.
  EXPECT_EQ(ServedApis().size(), 40u);
  EXPECT_EQ(AllCases().size(), 195u);
}

}  // namespace
}  // namespace warp::kafka
