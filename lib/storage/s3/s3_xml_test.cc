#include "lib/storage/s3/s3_xml.h"

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace warp::s3 {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// AWS ListObjectsV2 response, one line as AWS sends it.
constexpr std::string_view kAwsListing =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n"
    R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
    "<Name>warp-bucket</Name><Prefix>topics/orders/</Prefix>"
    "<KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"
    "<IsTruncated>false</IsTruncated>"
    "<Contents><Key>topics/orders/0/00000000000000000000.seg</Key>"
    "<LastModified>2009-10-12T17:50:30.000Z</LastModified>"
    "<ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>"
    "<Size>434234</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>topics/orders/0/00000000000000001000.seg</Key>"
    "<LastModified>2023-04-01T08:00:00.123Z</LastModified>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328-2&quot;</ETag>"
    "<Size>0</Size><StorageClass>STANDARD</StorageClass></Contents>"
    "</ListBucketResult>";

// MinIO pretty-prints nothing but adds owners and uses &#34; for quotes.
constexpr std::string_view kMinioListing =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n"
    R"(<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
    "<Name>warp</Name><Prefix></Prefix><KeyCount>1</KeyCount>"
    "<MaxKeys>1</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</"
    "IsTruncated>"
    "<Contents><Key>a &amp; b &lt;c&gt; &#34;d&#34; &apos;e&apos; &#xE9;&#233;"
    "</Key><LastModified>2024-01-02T03:04:05.678Z</LastModified>"
    "<ETag>&#34;d41d8cd98f00b204e9800998ecf8427e&#34;</ETag><Size>18446744073"
    "709551615</Size><Owner><ID>02d6176db174dc93cb1b899f7c6078f08654445fe8cf1b6"
    "ce98d8855f66bdbf4</ID><DisplayName>minio</DisplayName></Owner>"
    "<StorageClass>STANDARD</StorageClass></Contents>"
    "<CommonPrefixes><Prefix>topics/</Prefix></CommonPrefixes>"
    "<NextContinuationToken>MTAwMA==/next&amp;page</NextContinuationToken>"
    "<EncodingType>url</EncodingType></ListBucketResult>";

// s3rver (the Node.js fake) pretty-prints with indentation.
constexpr std::string_view kS3rverEmptyListing = R"(<?xml version="1.0"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <IsTruncated>false</IsTruncated>
  <Name>warp</Name>
  <Prefix>nothing/</Prefix>
  <MaxKeys>1000</MaxKeys>
  <KeyCount>0</KeyCount>
</ListBucketResult>
)";

constexpr std::string_view kAwsError =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n<Error><Code>NoSuchKey</Code>"
    "<Message>The specified key does not exist.</Message>"
    "<Resource>/warp-bucket/topics/a&amp;b</Resource>"
    "<RequestId>4442587FB7D0A2F9</RequestId>"
    "<HostId>eftixk72aD6Ap51TnqcoF8eFidJG9Z/2mkiDFu8yU9AS1ed4OpIszj7UDNEHGran"
    "</HostId></Error>";

constexpr std::string_view kS3rverError =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<Error>
  <Code>NoSuchBucket</Code>
  <Message>The specified bucket does not exist</Message>
  <BucketName>warp</BucketName>
</Error>
)";

constexpr std::string_view kDeleteResult =
    R"(<?xml version="1.0" encoding="UTF-8"?>)"
    "\n"
    R"(<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">)"
    "<Deleted><Key>segments/1.seg</Key></Deleted>"
    "<Deleted><Key>segments/2&amp;3.seg</Key>"
    "<VersionId>null</VersionId></Deleted>"
    "<Error><Key>segments/4.seg</Key><Code>AccessDenied</Code>"
    "<Message>Access Denied</Message></Error>"
    "<Error><Key>segments/5.seg</Key><Code>InternalError</Code></Error>"
    "</DeleteResult>";

// Parses `xml` with the generic parser and returns the status.
absl::Status ParseStatus(std::string_view xml) {
  return XmlDocument::Parse(xml).status();
}

// ---------------------------------------------------------------- errors

TEST(ParseS3ErrorTest, AwsErrorWithRequestId) {
  absl::StatusOr<S3ErrorInfo> error = ParseS3Error(kAwsError);
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->code, "NoSuchKey");
  EXPECT_EQ(error->message, "The specified key does not exist.");
  EXPECT_EQ(error->resource, "/warp-bucket/topics/a&b");
  EXPECT_EQ(error->request_id, "4442587FB7D0A2F9");
}

TEST(ParseS3ErrorTest, S3rverErrorWithoutRequestId) {
  absl::StatusOr<S3ErrorInfo> error = ParseS3Error(kS3rverError);
  ASSERT_TRUE(error.ok()) << error.status();
  EXPECT_EQ(error->code, "NoSuchBucket");
  EXPECT_EQ(error->message, "The specified bucket does not exist");
  EXPECT_EQ(error->resource, "");
  EXPECT_EQ(error->request_id, "");
}

TEST(ParseS3ErrorTest, RejectsDocumentsThatAreNotErrors) {
  EXPECT_THAT(
      ParseS3Error("<Error><Message>x</Message></Error>").status().message(),
      HasSubstr("no <Code>"));
  EXPECT_FALSE(ParseS3Error("<Error><Code></Code></Error>").ok());
  EXPECT_THAT(ParseS3Error("<html><body>502 Bad Gateway</body></html>")
                  .status()
                  .message(),
              HasSubstr("expected root element <Error>"));
  EXPECT_EQ(ParseS3Error("Bad Gateway").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(ParseS3Error("").ok());
}

// -------------------------------------------------------------- listings

TEST(ParseListObjectsV2Test, AwsListing) {
  absl::StatusOr<ListObjectsV2Page> page = ParseListObjectsV2(kAwsListing);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "topics/orders/0/00000000000000000000.seg");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].etag, "fba9dede5f27731c9771645a39863328");
  EXPECT_EQ(page->objects[0].last_modified, absl::FromUnixSeconds(1255369830));
  EXPECT_EQ(page->objects[1].size, 0u);
  EXPECT_EQ(page->objects[1].etag, "9b2cf535f27731c974343645a3985328-2");
  EXPECT_EQ(page->objects[1].last_modified,
            absl::FromUnixMillis(1680336000123));
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "");
  EXPECT_EQ(page->key_count, 2u);
  EXPECT_TRUE(page->common_prefixes.empty());
}

TEST(ParseListObjectsV2Test, MinioTruncatedListingWithEntitiesInKeys) {
  absl::StatusOr<ListObjectsV2Page> page = ParseListObjectsV2(kMinioListing);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "a & b <c> \"d\" 'e' \u00e9\u00e9");
  EXPECT_EQ(page->objects[0].size, 18446744073709551615u);
  EXPECT_EQ(page->objects[0].etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "MTAwMA==/next&page");
  EXPECT_EQ(page->key_count, 1u);
  EXPECT_THAT(page->common_prefixes, ElementsAre("topics/"));
}

TEST(ParseListObjectsV2Test, EmptyPrettyPrintedListing) {
  absl::StatusOr<ListObjectsV2Page> page =
      ParseListObjectsV2(kS3rverEmptyListing);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->is_truncated);
  EXPECT_EQ(page->key_count, 0u);

  page = ParseListObjectsV2("<ListBucketResult/>");
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_TRUE(page->objects.empty());
}

TEST(ParseListObjectsV2Test, KeysKeepWhitespaceCdataAndControlReferences) {
  absl::StatusOr<ListObjectsV2Page> page = ParseListObjectsV2(
      "<ListBucketResult><Contents><Key>  spaced  </Key><Size> 7\n</Size>"
      "</Contents><Contents><Key><![CDATA[a<b>&c]]>&#13;&#10;&#x9;&#1;</Key>"
      "<Size>1</Size><LastModified>yesterday</LastModified></Contents>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "  spaced  ");
  EXPECT_EQ(page->objects[0].size, 7u);
  EXPECT_EQ(page->objects[0].last_modified, absl::InfinitePast());
  EXPECT_EQ(page->objects[1].key, "a<b>&c\r\n\t\x01");
  EXPECT_EQ(page->objects[1].last_modified, absl::InfinitePast());
  EXPECT_EQ(page->key_count, 2u);  // No <KeyCount>: derived.
}

TEST(ParseListObjectsV2Test, ValidatesNumbersAndFlags) {
  const auto with_size = [](std::string_view size) {
    return ParseListObjectsV2(
               std::string("<ListBucketResult><Contents><Key>k</Key><Size>") +
               std::string(size) + "</Size></Contents></ListBucketResult>")
        .status();
  };
  EXPECT_TRUE(with_size("18446744073709551615").ok());
  EXPECT_THAT(with_size("99999999999999999999999").message(),
              HasSubstr("overflows"));
  EXPECT_THAT(with_size("18446744073709551616").message(),
              HasSubstr("overflows"));
  EXPECT_THAT(with_size("12abc").message(), HasSubstr("not a decimal"));
  EXPECT_FALSE(with_size("-1").ok());
  EXPECT_FALSE(with_size("+1").ok());
  EXPECT_FALSE(with_size("1 2").ok());
  EXPECT_FALSE(with_size("0x10").ok());
  EXPECT_THAT(with_size("").message(), HasSubstr("empty"));
  EXPECT_THAT(ParseListObjectsV2("<ListBucketResult><Contents><Key>k</Key>"
                                 "</Contents></ListBucketResult>")
                  .status()
                  .message(),
              HasSubstr("no <Size>"));
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><Contents><Size>1</Size>"
                                  "</Contents></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><IsTruncated>maybe"
                                  "</IsTruncated></ListBucketResult>")
                   .ok());
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><KeyCount>two"
                                  "</KeyCount></ListBucketResult>")
                   .ok());
  EXPECT_THAT(ParseListObjectsV2("<ListBucketResult><IsTruncated>true"
                                 "</IsTruncated></ListBucketResult>")
                  .status()
                  .message(),
              HasSubstr("NextContinuationToken"));
  EXPECT_FALSE(ParseListObjectsV2(kAwsError).ok());
}

// --------------------------------------------------------------- deletes

TEST(ParseDeleteObjectsResultTest, MixedResult) {
  absl::StatusOr<DeleteObjectsResult> result =
      ParseDeleteObjectsResult(kDeleteResult);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->deleted,
              ElementsAre("segments/1.seg", "segments/2&3.seg"));
  ASSERT_EQ(result->errors.size(), 2u);
  EXPECT_EQ(result->errors[0].key, "segments/4.seg");
  EXPECT_EQ(result->errors[0].code, "AccessDenied");
  EXPECT_EQ(result->errors[0].message, "Access Denied");
  EXPECT_EQ(result->errors[1].code, "InternalError");
  EXPECT_EQ(result->errors[1].message, "");
}

TEST(ParseDeleteObjectsResultTest, QuietEmptyResultAndMalformedEntries) {
  absl::StatusOr<DeleteObjectsResult> result = ParseDeleteObjectsResult(
      R"(<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>)");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->deleted.empty());
  EXPECT_TRUE(result->errors.empty());
  EXPECT_FALSE(ParseDeleteObjectsResult(
                   "<DeleteResult><Deleted></Deleted></DeleteResult>")
                   .ok());
  EXPECT_FALSE(ParseDeleteObjectsResult(
                   "<DeleteResult><Error><Key>k</Key></Error></DeleteResult>")
                   .ok());
  EXPECT_FALSE(ParseDeleteObjectsResult(kAwsError).ok());
}

// ------------------------------------------------------- request builder

TEST(XmlEscapeTest, EscapesMarkupAndControlCharacters) {
  EXPECT_EQ(XmlEscape("plain/key-1.seg"), "plain/key-1.seg");
  EXPECT_EQ(XmlEscape("a&b<c>\"d\"'e'"),
            "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;");
  EXPECT_EQ(XmlEscape("\t\n\r\x01\x7f"), "&#9;&#10;&#13;&#1;&#127;");
  EXPECT_EQ(XmlEscape("\u00e9\U0001F600"), "\u00e9\U0001F600");
  EXPECT_EQ(XmlEscape(std::string_view("\0", 1)), "&#0;");
}

TEST(BuildDeleteObjectsRequestTest, ExactBody) {
  const std::vector<std::string> keys = {"a.seg", "b&c"};
  EXPECT_EQ(BuildDeleteObjectsRequest(keys, /*quiet=*/true),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "<Quiet>true</Quiet><Object><Key>a.seg</Key></Object>"
            "<Object><Key>b&amp;c</Key></Object></Delete>");
  EXPECT_EQ(BuildDeleteObjectsRequest({}, /*quiet=*/false),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
            "</Delete>");
}

TEST(BuildDeleteObjectsRequestTest, RoundTripsThroughTheParser) {
  const std::vector<std::string> keys = {
      "topics/orders/0/00000000000000000000.seg",
      "a & b <c> \"d\" 'e'",
      "  leading and trailing spaces  ",
      "line\nbreak\r\nand\ttab\x01\x1f\x7f",
      "]]> <![CDATA[ --> <!-- &amp; &#65;",
      "\u00e9t\u00e9/\u65e5\u672c/\U0001F600",
      "",
  };
  for (bool quiet : {false, true}) {
    absl::StatusOr<XmlDocument> doc =
        XmlDocument::Parse(BuildDeleteObjectsRequest(keys, quiet));
    ASSERT_TRUE(doc.ok()) << doc.status();
    EXPECT_EQ(doc->root().name, "Delete");
    EXPECT_EQ(doc->ChildText(doc->root(), "Quiet").has_value(), quiet);
    std::vector<std::string> parsed;
    for (const XmlElement* object : doc->FindChildren(doc->root(), "Object")) {
      parsed.emplace_back(doc->ChildText(*object, "Key").value_or("<none>"));
    }
    EXPECT_EQ(parsed, keys);
  }
}

// -------------------------------------------------------- generic parser

TEST(XmlDocumentTest, ParsesStructureAndIgnoresAttributesAndNamespaces) {
  absl::StatusOr<XmlDocument> doc = XmlDocument::Parse(
      "\xEF\xBB\xBF<?xml version='1.0'?><!-- lead --><?pi data?>\n"
      "<s3:Root xmlns:s3=\"urn:x\" a='1' b = \"&lt;&#65;\">"
      "<s3:Item id=\"1\">one</s3:Item><!-- c --><Item/>"
      "<Other>x<![CDATA[<y>]]>z</Other ></s3:Root>\n<!-- tail -->\n");
  ASSERT_TRUE(doc.ok()) << doc.status();
  const XmlElement& root = doc->root();
  EXPECT_EQ(root.name, "Root");
  ASSERT_EQ(root.children.size(), 3u);
  EXPECT_EQ(doc->child(root, 0).text, "one");
  EXPECT_EQ(doc->FindChildren(root, "Item").size(), 2u);
  EXPECT_EQ(doc->ChildText(root, "Other"), "x<y>z");
  EXPECT_EQ(doc->ChildText(root, "Missing"), std::nullopt);
  EXPECT_EQ(doc->FindChild(root, "Missing"), nullptr);
}

TEST(XmlDocumentTest, DecodesCharacterReferencesToUtf8) {
  absl::StatusOr<XmlDocument> doc = XmlDocument::Parse(
      "<a>&#65;&#x41;&#x0041;&#xe9;&#x20AC;&#x1F600;&#x10FFFF;</a>");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_TRUE(ParseStatus("\n  <?xml version=\"1.0\"?>\n<a/>").ok());
  EXPECT_EQ(doc->root().text, "AAA\u00e9\u20ac\U0001F600\U0010FFFF");
}

TEST(XmlDocumentTest, RejectsInvalidReferences) {
  for (const char* xml : {"<a>&#x110000;</a>",
                          "<a>&#0;</a>",
                          "<a>&#x0;</a>",
                          "<a>&#xD800;</a>",
                          "<a>&#xFFFE;</a>",
                          "<a>&#;</a>",
                          "<a>&#x;</a>",
                          "<a>&#12a;</a>",
                          "<a>&#X41;</a>",
                          "<a>&#-1;</a>",
                          "<a>&nbsp;</a>",
                          "<a>&;</a>",
                          "<a>&amp</a>",
                          "<a>& b</a>",
                          "<a>&",
                          "<a>&#99999999999999999999999999;</a>",
                          "<a>&#x4100000000000000000041;</a>",
                          "<a>&#4294967361;</a>",
                          "<a b='&#0;'/>",
                          "<a b='&bogus;'/>"}) {
    absl::Status status = ParseStatus(xml);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << xml;
  }
  EXPECT_THAT(ParseStatus("<a>&amp</a>").message(), HasSubstr("reference"));
}

TEST(XmlDocumentTest, RejectsMalformedDocuments) {
  for (const char* xml : {"",
                          "<",
                          ">",
                          "   \n",
                          "garbage",
                          "<?xml version=\"1.0\"?>",
                          "<a>",
                          "<a></b>",
                          "</a>",
                          "<a></a></a>",
                          "<a/><b/>",
                          "<a/>text",
                          "text<a/>",
                          "<a b></a>",
                          "<a b=c></a>",
                          "<a b='<'></a>",
                          "<a b='x></a>",
                          "<ab='x'></a>",
                          "<1a/>",
                          "< a/>",
                          "<a><!-- x</a>",
                          "<a><![CDATA[ x</a>",
                          "<a><?pi x</a>",
                          "<?xml version='1.0'",
                          "<a/><?xml version='1.0'?>",
                          "<!-- c --><?xml version='1.0'?><a/>",
                          "<![CDATA[x]]><a/>",
                          "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><a>&lol;</a>",
                          "<a></a",
                          "<a></ a>",
                          "<a><b></a></b>"}) {
    absl::Status status = ParseStatus(xml);
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << xml;
  }
  EXPECT_THAT(ParseStatus("<a><![CDATA[ never closed").message(),
              HasSubstr("CDATA"));
  EXPECT_THAT(ParseStatus("<a><!-- never closed").message(),
              HasSubstr("comment"));
  EXPECT_THAT(ParseStatus("<a></b>").message(), HasSubstr("does not match"));
  EXPECT_THAT(ParseStatus("<!DOCTYPE a><a/>").message(), HasSubstr("DOCTYPE"));
}

TEST(XmlDocumentTest, LimitsNestingDepth) {
  const auto nested = [](size_t depth) {
    std::string xml;
    for (size_t i = 0; i < depth; ++i) xml += "<a>";
    for (size_t i = 0; i < depth; ++i) xml += "</a>";
    return xml;
  };
  EXPECT_TRUE(ParseStatus(nested(kMaxXmlDepth)).ok());
  EXPECT_THAT(ParseStatus(nested(kMaxXmlDepth + 1)).message(),
              HasSubstr("depth"));
  EXPECT_THAT(ParseStatus(nested(100000)).message(), HasSubstr("depth"));
  std::string unclosed;
  for (int i = 0; i < 100000; ++i) unclosed += "<a>";
  EXPECT_FALSE(ParseListObjectsV2(unclosed).ok());
}

TEST(XmlDocumentTest, LimitsElementCount) {
  const auto siblings = [](size_t count) {
    std::string xml = "<r>";
    for (size_t i = 0; i < count; ++i) xml += "<a/>";
    return xml + "</r>";
  };
  EXPECT_TRUE(ParseStatus(siblings(kMaxXmlElements - 1)).ok());
  EXPECT_THAT(ParseStatus(siblings(kMaxXmlElements)).message(),
              HasSubstr("elements"));
}

TEST(XmlDocumentTest, BinaryGarbageIsRejected) {
  const std::string garbage("\0<\xff\xfe<a\0>\x80</a>", 12);
  EXPECT_FALSE(ParseStatus(garbage).ok());
  std::string noise;
  for (int i = 0; i < 4096; ++i) noise.push_back(static_cast<char>(i * 37));
  EXPECT_FALSE(ParseStatus(noise).ok());
}

// Every proper prefix of a valid document that cuts before the end of the
// root element must be rejected; none may crash or read past its end (the
// prefix lives in an exactly-sized heap buffer so ASan would notice).
TEST(XmlDocumentTest, EveryTruncationIsHandled) {
  for (std::string_view document :
       {kAwsListing, kMinioListing, kS3rverEmptyListing, kAwsError,
        kS3rverError, kDeleteResult}) {
    const size_t root_end = document.rfind('>') + 1;
    for (size_t length = 0; length < document.size(); ++length) {
      std::unique_ptr<char[]> buffer(new char[length]);
      std::memcpy(buffer.get(), document.data(), length);
      const std::string_view prefix(buffer.get(), length);
      const absl::Status parsed = ParseStatus(prefix);
      (void)ParseS3Error(prefix);
      (void)ParseListObjectsV2(prefix);
      (void)ParseDeleteObjectsResult(prefix);
      if (length < root_end) {
        EXPECT_EQ(parsed.code(), absl::StatusCode::kInvalidArgument)
            << "prefix of length " << length << " of " << document;
      } else {
        EXPECT_TRUE(parsed.ok()) << parsed;
      }
    }
  }
}

}  // namespace
}  // namespace warp::s3
