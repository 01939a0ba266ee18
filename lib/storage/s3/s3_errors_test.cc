#include "lib/storage/s3/s3_errors.h"

#include "gtest/gtest.h"

namespace warp::s3 {
namespace {

http::HttpResponse Answer(int status, const std::string& retry_after) {
  http::HttpResponse response;
  response.status = status;
  if (!retry_after.empty()) response.headers = {{"retry-after", retry_after}};
  return response;
}

TEST(RetryAfterTest, SecondsAndTheThreeDateFormats) {
  // Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110.
  const absl::Time now = absl::FromUnixSeconds(784111777) - absl::Seconds(30);
  EXPECT_EQ(RetryAfter(Answer(503, "120"), now), absl::Seconds(120));
  EXPECT_EQ(RetryAfter(Answer(429, " 0 "), now), absl::ZeroDuration());
  EXPECT_EQ(RetryAfter(Answer(500, "99999999999999999999"), now), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(503, "99999999"), now), absl::Hours(24));
  EXPECT_EQ(RetryAfter(Answer(503, "Sun, 06 Nov 1994 08:49:37 GMT"), now),
            absl::Seconds(30));
  EXPECT_EQ(RetryAfter(Answer(503, "Sunday, 06-Nov-94 08:49:37 GMT"), now),
            absl::Seconds(30));
  EXPECT_EQ(RetryAfter(Answer(503, "Sun Nov  6 08:49:37 1994"), now),
            absl::Seconds(30));
  // A date already past: retry at once.
  EXPECT_EQ(RetryAfter(Answer(503, "Sun, 06 Nov 1994 08:49:00 GMT"), now),
            absl::ZeroDuration());
}

TEST(RetryAfterTest, OnlyOnThrottlingAndUnavailableAnswersAndWhenReadable) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(RetryAfter(Answer(503, ""), now), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(503, "soon"), now), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(503, "-5"), now), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(503, "1.5"), now), std::nullopt);
  EXPECT_EQ(RetryAfter(Answer(503, "Sun, 06 Nov 1994"), now), std::nullopt);
  for (int status : {200, 301, 400, 404, 501, 502, 504}) {
    EXPECT_EQ(RetryAfter(Answer(status, "5"), now), std::nullopt) << status;
  }
}

}  // namespace
}  // namespace warp::s3
