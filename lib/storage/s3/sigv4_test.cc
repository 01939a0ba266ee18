#include "lib/storage/s3/sigv4.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace warp::s3 {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMinVectorCases = 30;

// ---------------------------------------------------------------------------
// AWS SigV4 test suite (tests/testdata/aws-sigv4).

std::string VectorRoot() {
  const char* srcdir = std::getenv("TEST_SRCDIR");
  return absl::StrCat(srcdir == nullptr ? "." : srcdir,
                      "/warp/tests/testdata/aws-sigv4");
}

// Case folders (those holding a context.json), sorted; empty if none.
std::vector<std::string> ListCases() {
  std::vector<std::string> cases;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(VectorRoot(), error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "context.json")) {
      cases.push_back(entry.path().filename().string());
    }
  }
  std::sort(cases.begin(), cases.end());
  return cases;
}

// Returns the file's bytes; records a failure and returns "" if unreadable.
std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read " << path;
    return "";
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// Parses request.txt (or a *-signed-request.txt): request line, headers (a
// line starting with a space or tab continues the previous value, kept with
// its line break), blank line, body. The payload hash is that of the body.
HttpRequestToSign ParseRequest(const std::string& text) {
  HttpRequestToSign request;
  size_t pos = text.find('\n');
  absl::string_view line = absl::string_view(text).substr(0, pos);
  const size_t first_space = line.find(' ');
  const size_t last_space = line.rfind(' ');
  if (first_space == absl::string_view::npos || first_space == last_space) {
    ADD_FAILURE() << "malformed request line: " << line;
    return request;
  }
  request.method = std::string(line.substr(0, first_space));
  const absl::string_view target =
      line.substr(first_space + 1, last_space - first_space - 1);
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != absl::string_view::npos) {
    request.query = ParseQueryString(target.substr(question + 1));
  }
  request.payload_hash = std::string(kEmptyPayloadSha256);
  while (pos != std::string::npos) {
    const size_t start = pos + 1;
    pos = text.find('\n', start);
    line = absl::string_view(text).substr(
        start, pos == std::string::npos ? std::string::npos : pos - start);
    if (line.empty()) {
      if (pos != std::string::npos) {
        request.payload_hash = Sha256Hex(text.substr(pos + 1));
      }
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      absl::StrAppend(&request.headers.back().second, "\n", line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      ADD_FAILURE() << "malformed header line: " << line;
      continue;
    }
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return request;
}

// The value of `name` in a *-signed-request.txt file, or "" when absent.
std::string SignedHeader(const std::string& signed_request,
                         absl::string_view name) {
  for (const auto& [header, value] : ParseRequest(signed_request).headers) {
    if (header == name) return value;
  }
  return "";
}

class AwsVectorTest : public testing::TestWithParam<std::string> {};

TEST(AwsVectorSuiteTest, VectorsArePresent) {
  ASSERT_TRUE(fs::is_directory(VectorRoot()))
      << "missing SigV4 test vectors at " << VectorRoot();
  EXPECT_GE(ListCases().size(), kMinVectorCases)
      << "too few SigV4 vector cases under " << VectorRoot();
}

TEST_P(AwsVectorTest, MatchesExpectedSigning) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(VectorRoot()) / name;
  SCOPED_TRACE("vector case " + name);

  const nlohmann::json context =
      nlohmann::json::parse(ReadFile(dir / "context.json"), /*cb=*/nullptr,
                            /*allow_exceptions=*/false);
  ASSERT_FALSE(context.is_discarded()) << name << ": bad context.json";
  const nlohmann::json& credentials = context["credentials"];

  SigningParams params;
  params.credentials.access_key_id = credentials.value("access_key_id", "");
  params.credentials.secret_access_key =
      credentials.value("secret_access_key", "");
  params.credentials.session_token = credentials.value("token", "");
  params.region = context.value("region", "");
  params.service = context.value("service", "");
  std::string error;
  ASSERT_TRUE(absl::ParseTime(
      absl::RFC3339_full, context.value("timestamp", ""), &params.time, &error))
      << name << ": " << error;
  // The suite tests the generic service rules.
  params.options.normalize_path = context.value("normalize", false);
  params.options.double_encode_path = true;
  params.options.add_content_sha256_header = context.value("sign_body", false);
  params.options.sign_session_token =
      !context.value("omit_session_token", false);

  const HttpRequestToSign request = ParseRequest(ReadFile(dir / "request.txt"));

  absl::StatusOr<HeaderSignature> header = SignRequest(request, params);
  ASSERT_TRUE(header.ok()) << name << ": " << header.status();
  EXPECT_EQ(header->canonical_request,
            ReadFile(dir / "header-canonical-request.txt"))
      << name << ": header canonical request";
  EXPECT_EQ(header->string_to_sign, ReadFile(dir / "header-string-to-sign.txt"))
      << name << ": header string to sign";
  EXPECT_EQ(header->signature, ReadFile(dir / "header-signature.txt"))
      << name << ": header signature";
  EXPECT_EQ(header->authorization,
            SignedHeader(ReadFile(dir / "header-signed-request.txt"),
                         "Authorization"))
      << name << ": Authorization header";

  if (!fs::exists(dir / "query-canonical-request.txt")) return;
  const absl::Duration expires =
      absl::Seconds(context.value("expiration_in_seconds", 0));
  absl::StatusOr<QuerySignature> query =
      PresignRequest(request, params, expires);
  ASSERT_TRUE(query.ok()) << name << ": " << query.status();
  EXPECT_EQ(query->canonical_request,
            ReadFile(dir / "query-canonical-request.txt"))
      << name << ": query canonical request";
  EXPECT_EQ(query->string_to_sign, ReadFile(dir / "query-string-to-sign.txt"))
      << name << ": query string to sign";
  EXPECT_EQ(query->signature, ReadFile(dir / "query-signature.txt"))
      << name << ": query signature";

  // The final query parameters are those of the signed request, in any order.
  HttpParams expected_query =
      ParseRequest(ReadFile(dir / "query-signed-request.txt")).query;
  HttpParams actual_query = query->query;
  std::sort(expected_query.begin(), expected_query.end());
  std::sort(actual_query.begin(), actual_query.end());
  EXPECT_EQ(actual_query, expected_query) << name << ": final query";
  HttpParams from_string = ParseQueryString(query->query_string);
  std::sort(from_string.begin(), from_string.end());
  EXPECT_EQ(from_string, expected_query) << name << ": final query string";
}

std::string CaseTestName(const testing::TestParamInfo<std::string>& info) {
  std::string out = info.param;
  std::replace_if(
      out.begin(), out.end(), [](char c) { return !absl::ascii_isalnum(c); },
      '_');
  return out;
}

INSTANTIATE_TEST_SUITE_P(Aws, AwsVectorTest, testing::ValuesIn(ListCases()),
                         CaseTestName);

// ---------------------------------------------------------------------------
// S3 mode (the SigningOptions defaults).

// The example credentials and time of the AWS S3 SigV4 documentation.
SigningParams S3DocParams() {
  SigningParams params;
  params.credentials.access_key_id = "AKIAIOSFODNN7EXAMPLE";
  params.credentials.secret_access_key =
      "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  params.region = "us-east-1";
  params.service = "s3";
  params.time = absl::FromCivil(absl::CivilSecond(2013, 5, 24, 0, 0, 0),
                                absl::UTCTimeZone());
  return params;
}

HttpRequestToSign S3Get(std::string path) {
  HttpRequestToSign request;
  request.method = "GET";
  request.path = std::move(path);
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"}};
  request.payload_hash = std::string(kEmptyPayloadSha256);
  return request;
}

// The second line of a canonical request: the canonical URI.
std::string CanonicalUriOf(const std::string& canonical_request) {
  std::vector<std::string> lines = absl::StrSplit(canonical_request, '\n');
  return lines.size() > 1 ? lines[1] : "";
}

bool HasHeader(const HttpParams& headers, absl::string_view name,
               absl::string_view value) {
  return std::find(headers.begin(), headers.end(),
                   std::pair<std::string, std::string>(name, value)) !=
         headers.end();
}

TEST(S3SigningTest, AwsDocumentationGetObjectExample) {
  HttpRequestToSign request = S3Get("/test.txt");
  request.headers.emplace_back("Range", "bytes=0-9");
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->canonical_request,
            "GET\n/test.txt\n\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "range:bytes=0-9\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\n"
            "host;range;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result->signature,
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(result->authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/"
            "us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature="
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  const HttpParams expected_headers = {
      {"x-amz-date", "20130524T000000Z"},
      {"x-amz-content-sha256", std::string(kEmptyPayloadSha256)},
      {"Authorization", result->authorization}};
  EXPECT_EQ(result->headers_to_add, expected_headers);
}

TEST(S3SigningTest, AwsDocumentationPutObjectExample) {
  HttpRequestToSign request;
  request.method = "PUT";
  request.path = "/" + UriEncodePath("test$file.text");
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                     {"x-amz-storage-class", "REDUCED_REDUNDANCY"}};
  request.payload_hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(request.payload_hash,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(CanonicalUriOf(result->canonical_request), "/test%24file.text");
  EXPECT_EQ(result->signature,
            "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

// The two other header-signing examples of the same AWS S3 documentation
// page (expected signatures also recomputed independently with Python's
// hmac and hashlib): a subresource without a value, and a listing query.
TEST(S3SigningTest, AwsDocumentationGetBucketLifecycleExample) {
  HttpRequestToSign request = S3Get("/");
  request.query = ParseQueryString("lifecycle");
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->canonical_request,
            "GET\n/\nlifecycle=\n"
            "host:examplebucket.s3.amazonaws.com\n"
            "x-amz-content-sha256:"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
            "x-amz-date:20130524T000000Z\n\n"
            "host;x-amz-content-sha256;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(result->signature,
            "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(S3SigningTest, AwsDocumentationListObjectsExample) {
  HttpRequestToSign request = S3Get("/");
  request.query = ParseQueryString("max-keys=2&prefix=J");
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<std::string> lines =
      absl::StrSplit(result->canonical_request, '\n');
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(lines[2], "max-keys=2&prefix=J");
  EXPECT_EQ(result->signature,
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(S3SigningTest, UnsignedPayloadIsSentAndSigned) {
  HttpRequestToSign request = S3Get("/big-object");
  request.method = "PUT";
  request.payload_hash = std::string(kUnsignedPayload);
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(absl::EndsWith(result->canonical_request,
                             "\nhost;x-amz-content-sha256;x-amz-date\n"
                             "UNSIGNED-PAYLOAD"))
      << result->canonical_request;
  EXPECT_TRUE(absl::StrContains(result->canonical_request,
                                "\nx-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
  EXPECT_TRUE(HasHeader(result->headers_to_add, "x-amz-content-sha256",
                        "UNSIGNED-PAYLOAD"));
}

TEST(S3SigningTest, KeyIsEncodedExactlyOnce) {
  const std::string key = "dir/my file+v=1 \xC3\xA9.txt";  // "é" in UTF-8.
  const std::string expected_uri = "/bucket/dir/my%20file%2Bv%3D1%20%C3%A9.txt";
  EXPECT_EQ("/bucket/" + UriEncodePath(key), expected_uri);

  // Encoded by the caller (the normal case), left raw, or encoded with
  // lowercase hex: the canonical URI is the same, with no "%25".
  for (const std::string& path :
       {expected_uri, "/bucket/" + key,
        std::string("/bucket/dir/my%20file%2bv%3d1%20%c3%a9.txt")}) {
    absl::StatusOr<HeaderSignature> result =
        SignRequest(S3Get(path), S3DocParams());
    ASSERT_TRUE(result.ok()) << path << ": " << result.status();
    EXPECT_EQ(CanonicalUriOf(result->canonical_request), expected_uri) << path;
  }

  // S3 keeps dot segments and repeated slashes in keys.
  absl::StatusOr<HeaderSignature> dots =
      SignRequest(S3Get("/bucket//a/./b/../c"), S3DocParams());
  ASSERT_TRUE(dots.ok()) << dots.status();
  EXPECT_EQ(CanonicalUriOf(dots->canonical_request), "/bucket//a/./b/../c");
}

TEST(S3SigningTest, QueryParametersAreEncodedOnceAndSorted) {
  HttpRequestToSign request = S3Get("/bucket");
  request.query = ParseQueryString("prefix=a%20b%2Bc&list-type=2&delimiter=/");
  request.query.emplace_back("continuation-token", "x+y=");
  absl::StatusOr<HeaderSignature> result = SignRequest(request, S3DocParams());
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<std::string> lines =
      absl::StrSplit(result->canonical_request, '\n');
  ASSERT_GT(lines.size(), 2u);
  EXPECT_EQ(lines[2],
            "continuation-token=x%2By%3D&delimiter=%2F&list-type=2&"
            "prefix=a%20b%2Bc");
}

TEST(S3SigningTest, SessionTokenHeaderIsAddedAndSigned) {
  SigningParams params = S3DocParams();
  params.credentials.session_token = "token/with+chars==";
  absl::StatusOr<HeaderSignature> result =
      SignRequest(S3Get("/test.txt"), params);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(absl::StrContains(
      result->canonical_request,
      "\nx-amz-security-token:token/with+chars==\n\n"
      "host;x-amz-content-sha256;x-amz-date;x-amz-security-token\n"))
      << result->canonical_request;
  EXPECT_TRUE(
      absl::StrContains(result->authorization,
                        "SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                        "x-amz-security-token,"));
  EXPECT_TRUE(HasHeader(result->headers_to_add, "x-amz-security-token",
                        "token/with+chars=="));

  // The token changes the signature.
  absl::StatusOr<HeaderSignature> without =
      SignRequest(S3Get("/test.txt"), S3DocParams());
  ASSERT_TRUE(without.ok()) << without.status();
  EXPECT_NE(result->signature, without->signature);
}

TEST(S3SigningTest, CallerCopiesOfSignerHeadersAreReplaced) {
  HttpRequestToSign request = S3Get("/test.txt");
  request.headers.emplace_back("X-Amz-Date", "19700101T000000Z");
  request.headers.emplace_back("Authorization", "stale");
  absl::StatusOr<HeaderSignature> with_extra =
      SignRequest(request, S3DocParams());
  absl::StatusOr<HeaderSignature> plain =
      SignRequest(S3Get("/test.txt"), S3DocParams());
  ASSERT_TRUE(with_extra.ok()) << with_extra.status();
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ(with_extra->canonical_request, plain->canonical_request);
  EXPECT_EQ(with_extra->signature, plain->signature);
}

TEST(S3SigningTest, AwsDocumentationPresignedGetExample) {
  HttpRequestToSign request = S3Get("/test.txt");
  request.payload_hash = std::string(kUnsignedPayload);
  absl::StatusOr<QuerySignature> result =
      PresignRequest(request, S3DocParams(), absl::Hours(24));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->canonical_request,
            "GET\n/test.txt\n"
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
            "AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&"
            "X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&"
            "X-Amz-SignedHeaders=host\n"
            "host:examplebucket.s3.amazonaws.com\n\n"
            "host\nUNSIGNED-PAYLOAD");
  // The presigned URL example of the AWS S3 documentation.
  EXPECT_EQ(result->signature,
            "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
  ASSERT_FALSE(result->query.empty());
  EXPECT_EQ(result->query.back(), (std::pair<std::string, std::string>(
                                      "X-Amz-Signature", result->signature)));
  EXPECT_TRUE(absl::EndsWith(result->query_string,
                             "&X-Amz-Signature=" + result->signature));
}

TEST(S3SigningTest, CachedSigningKeyGivesTheSameSignature) {
  const SigningParams params = S3DocParams();
  absl::StatusOr<SigningKey> key =
      DeriveSigningKey(params.credentials.secret_access_key, params.time,
                       params.region, params.service);
  ASSERT_TRUE(key.ok()) << key.status();
  EXPECT_EQ(key->date, "20130524");
  EXPECT_EQ(key->key.size(), 32u);

  absl::StatusOr<HeaderSignature> fresh =
      SignRequest(S3Get("/test.txt"), params);
  SigningParams cached = params;
  cached.cached_key = &*key;
  absl::StatusOr<HeaderSignature> reused =
      SignRequest(S3Get("/test.txt"), cached);
  ASSERT_TRUE(fresh.ok() && reused.ok());
  EXPECT_EQ(reused->signature, fresh->signature);

  // A key for another day is not used.
  SigningKey stale = *key;
  stale.date = "20130523";
  stale.key = std::string(32, 'x');
  cached.cached_key = &stale;
  absl::StatusOr<HeaderSignature> ignored =
      SignRequest(S3Get("/test.txt"), cached);
  ASSERT_TRUE(ignored.ok()) << ignored.status();
  EXPECT_EQ(ignored->signature, fresh->signature);
}

// ---------------------------------------------------------------------------
// Helpers, errors and odd input.

TEST(SigV4HelpersTest, HashesAndEncodings) {
  EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256);
  EXPECT_EQ(LowerHex(absl::string_view("\x00\x7f\xff", 3)), "007fff");
  EXPECT_EQ(UriEncode("a b/c~d%"), "a%20b%2Fc~d%25");
  EXPECT_EQ(UriEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(UriDecode("%41%zz%4"), "A%zz%4");
  const HttpParams expected = {{"a", "1"}, {"b", ""}, {"c d", "x=y"}};
  EXPECT_EQ(ParseQueryString("a=1&&b&c%20d=x%3Dy"), expected);
  // RFC 4231 test case 2.
  EXPECT_EQ(LowerHex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Keys longer than the block size are hashed first (RFC 4231 case 6).
  EXPECT_EQ(LowerHex(HmacSha256(
                std::string(131, '\xaa'),
                "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SigV4ErrorsTest, UnusableInputIsRejected) {
  constexpr absl::StatusCode kInvalid = absl::StatusCode::kInvalidArgument;
  const SigningParams params = S3DocParams();
  auto sign_code = [](const HttpRequestToSign& request,
                      const SigningParams& with) {
    return SignRequest(request, with).status().code();
  };
  HttpRequestToSign no_host = S3Get("/test.txt");
  no_host.headers = {{"Range", "bytes=0-9"}};
  EXPECT_EQ(sign_code(no_host, params), kInvalid);
  EXPECT_EQ(PresignRequest(no_host, params, absl::Hours(1)).status().code(),
            kInvalid);

  SigningParams bad = params;
  bad.credentials.access_key_id.clear();
  EXPECT_EQ(sign_code(S3Get("/"), bad), kInvalid) << "empty access key";
  bad = params;
  bad.credentials.secret_access_key.clear();
  EXPECT_EQ(sign_code(S3Get("/"), bad), kInvalid) << "empty secret";
  bad = params;
  bad.region.clear();
  EXPECT_EQ(sign_code(S3Get("/"), bad), kInvalid) << "empty region";
  bad = params;
  bad.time = absl::InfiniteFuture();
  EXPECT_EQ(sign_code(S3Get("/"), bad), kInvalid) << "infinite time";

  HttpRequestToSign bad_request = S3Get("/");
  bad_request.headers.emplace_back("Bad Name", "v");
  EXPECT_EQ(sign_code(bad_request, params), kInvalid) << "header name";
  bad_request = S3Get("/");
  bad_request.payload_hash.clear();
  EXPECT_EQ(sign_code(bad_request, params), kInvalid) << "no payload hash";

  for (absl::Duration expiry : {absl::ZeroDuration(), absl::Hours(24 * 8)}) {
    EXPECT_EQ(PresignRequest(S3Get("/"), params, expiry).status().code(),
              kInvalid)
        << expiry;
  }
}

TEST(SigV4OddInputTest, NeverCrashes) {
  const std::string weird("\xff\x00%%zz/../\t\r\n?#", 14);
  for (bool normalize : {false, true}) {
    for (bool double_encode : {false, true}) {
      SigningParams params = S3DocParams();
      params.options.normalize_path = normalize;
      params.options.double_encode_path = double_encode;
      for (const std::string& path : {std::string(), std::string("/"), weird,
                                      std::string("%"), std::string("..")}) {
        HttpRequestToSign request = S3Get(path);
        request.query = {{weird, weird}, {"", ""}};
        request.headers.emplace_back("x-odd", weird);
        absl::StatusOr<HeaderSignature> header = SignRequest(request, params);
        ASSERT_TRUE(header.ok()) << header.status();
        EXPECT_EQ(header->signature.size(), 64u);
        if (path.empty()) {
          EXPECT_EQ(CanonicalUriOf(header->canonical_request), "/");
        }
        EXPECT_TRUE(PresignRequest(request, params, absl::Minutes(5)).ok());
      }
    }
  }
}

}  // namespace
}  // namespace warp::s3
