#include "lib/storage/s3/s3_endpoint.h"

#include <initializer_list>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace warp::s3 {
namespace {

TEST(S3EndpointTest, DefaultsToTheRegionalAwsEndpoint) {
  auto endpoint = ParseEndpoint("", "eu-central-1");
  ASSERT_TRUE(endpoint.ok());
  EXPECT_EQ(endpoint->scheme, "https");
  EXPECT_EQ(endpoint->authority, "s3.eu-central-1.amazonaws.com");
}

TEST(S3EndpointTest, VirtualHostedAddressing) {
  auto endpoint = ParseEndpoint("", "us-west-2");
  ASSERT_TRUE(endpoint.ok());
  RequestTarget target =
      MakeTarget(*endpoint, "my-bucket", /*path_style=*/false, "a b/c+d", {});
  EXPECT_EQ(target.host, "my-bucket.s3.us-west-2.amazonaws.com");
  EXPECT_EQ(target.path, "/a%20b/c%2Bd");
  EXPECT_EQ(target.url, "https://my-bucket.s3.us-west-2.amazonaws.com/a%20b/c%2Bd");
}

TEST(S3EndpointTest, PathStyleWithBasePathAndQuery) {
  auto endpoint = ParseEndpoint("http://127.0.0.1:9000/base/", "us-east-1");
  ASSERT_TRUE(endpoint.ok()) << endpoint.status();
  EXPECT_EQ(endpoint->base_path, "/base");
  RequestTarget target = MakeTarget(*endpoint, "bkt", /*path_style=*/true, "",
                                    {{"list-type", "2"}, {"prefix", "x/y z"}});
  EXPECT_EQ(target.host, "127.0.0.1:9000");
  EXPECT_EQ(target.path, "/base/bkt/");
  EXPECT_EQ(target.url,
            "http://127.0.0.1:9000/base/bkt/?list-type=2&prefix=x%2Fy%20z");
}

// curl sends "Host: host" for https://host:443, so the signed Host must not
// carry the default port either (or the signature would not match).
TEST(S3EndpointTest, DefaultPortsAreLeftOutOfTheHost) {
  struct Case {
    const char* endpoint;
    const char* authority;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"https://s3.example.com:443", "s3.example.com"},
           {"http://s3.example.com:80/base", "s3.example.com"},
           {"https://[::1]:443", "[::1]"},
           {"http://127.0.0.1:0080", "127.0.0.1"},
           // Not the scheme's default: kept.
           {"http://s3.example.com:443", "s3.example.com:443"},
           {"https://s3.example.com:80", "s3.example.com:80"},
           {"https://s3.example.com:8443", "s3.example.com:8443"},
           {"http://127.0.0.1:9000", "127.0.0.1:9000"},
           {"https://[::443]", "[::443]"}}) {
    SCOPED_TRACE(c.endpoint);
    auto endpoint = ParseEndpoint(c.endpoint, "us-east-1");
    ASSERT_TRUE(endpoint.ok()) << endpoint.status();
    EXPECT_EQ(endpoint->authority, c.authority);
    RequestTarget path_style =
        MakeTarget(*endpoint, "bkt", /*path_style=*/true, "k", {});
    EXPECT_EQ(path_style.host, c.authority);
    RequestTarget virtual_hosted =
        MakeTarget(*endpoint, "bkt", /*path_style=*/false, "k", {});
    EXPECT_EQ(virtual_hosted.host, absl::StrCat("bkt.", c.authority));
  }
}

TEST(S3EndpointTest, BadEndpointsAreRefused) {
  for (const char* bad : {"127.0.0.1:9000", "ftp://host", "http://",
                          "http://host?x=1", "http://bad host"}) {
    EXPECT_FALSE(ParseEndpoint(bad, "us-east-1").ok()) << bad;
  }
}

}  // namespace
}  // namespace warp::s3
