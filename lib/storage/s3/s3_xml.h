// A small, hand-written XML reader for the S3 responses warp reads (error
// documents, ListObjectsV2 pages, DeleteObjects results) and a writer for the
// DeleteObjects request body.
//
// The reader supports exactly what S3 and S3-compatible servers (AWS, MinIO,
// Ceph, s3rver) send: an optional UTF-8 byte-order mark and XML declaration,
// elements, attributes (checked for well-formedness, then ignored; so are
// namespaces: element names lose their prefix), text, the five predefined
// entities, numeric character references (any Unicode scalar value except
// U+0000, U+FFFE and U+FFFF, so control characters escaped by XmlEscape read
// back), CDATA sections, comments and processing instructions. DOCTYPE and
// other markup declarations are rejected, so no entity expansion can happen.
// Nesting is limited to kMaxXmlDepth levels, the element count to
// kMaxXmlElements, and the parser never recurses. Whitespace before the XML
// declaration is tolerated. Text bytes are copied verbatim (no UTF-8
// validation, no line-ending normalisation), so object keys round-trip
// exactly. Callers must bound the input size (the parser allocates O(input)
// memory).
//
// Every malformed, truncated or unexpected document yields
// absl::InvalidArgumentError with a message naming the byte offset or element
// at fault; no input can crash the parser or make it read out of bounds.
//
// All functions here are pure and thread-safe; XmlDocument is an immutable
// value once parsed and may be read from many threads.
#ifndef WARP_LIB_STORAGE_S3_S3_XML_H_
#define WARP_LIB_STORAGE_S3_S3_XML_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace warp::s3 {

// Deepest element nesting the parser accepts (the root element is depth 1).
// S3 documents need 4.
inline constexpr size_t kMaxXmlDepth = 64;

// Most elements one document may hold, which bounds the parser's memory
// beyond the input size. A 1000-key listing page has about 10,000.
inline constexpr size_t kMaxXmlElements = 200'000;

// One element of a parsed document.
struct XmlElement {
  // Local name: the part after the last ':' of the tag name
  // ("ListBucketResult").
  std::string name;
  // Decoded character data (text and CDATA) directly inside this element,
  // concatenated; text of child elements is not included.
  std::string text;
  // Indices of the child elements, in document order (see XmlDocument::child).
  std::vector<size_t> children;
};

// A parsed XML document: a flat tree of elements, the root first.
class XmlDocument {
 public:
  // Parses a whole document. Requires exactly one root element; anything but
  // whitespace, comments and processing instructions outside it is an error.
  // Returns InvalidArgumentError on malformed, truncated, too deeply nested or
  // unsupported (DOCTYPE) input.
  static absl::StatusOr<XmlDocument> Parse(std::string_view xml);

  // The root element. Always valid on a successfully parsed document.
  const XmlElement& root() const { return elements_.front(); }

  // The `i`-th child of `parent`; requires i < parent.children.size().
  const XmlElement& child(const XmlElement& parent, size_t i) const {
    return elements_[parent.children[i]];
  }

  // The first child of `parent` named `name`, or nullptr. The pointer is valid
  // as long as this document is.
  const XmlElement* FindChild(const XmlElement& parent,
                              std::string_view name) const;

  // All children of `parent` named `name`, in document order.
  std::vector<const XmlElement*> FindChildren(const XmlElement& parent,
                                              std::string_view name) const;

  // The text of the first child of `parent` named `name`, or nullopt if there
  // is no such child. The view is valid as long as this document is.
  std::optional<std::string_view> ChildText(const XmlElement& parent,
                                            std::string_view name) const;

 private:
  XmlDocument() = default;

  std::vector<XmlElement> elements_;  // elements_[0] is the root.
};

// An S3 error document (<Error><Code>NoSuchKey</Code>...</Error>).
struct S3ErrorInfo {
  std::string code;        // "NoSuchKey", "SlowDown", ...; never empty.
  std::string message;     // Human-readable; may be empty.
  std::string resource;    // The bucket or object concerned; may be empty.
  std::string request_id;  // For support tickets; may be empty.
};

// Parses the body of an S3 error response. Requires a root <Error> element
// with a non-empty <Code>; the other fields are optional.
absl::StatusOr<S3ErrorInfo> ParseS3Error(std::string_view body);

// One <Contents> entry of a listing.
struct S3ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;  // Surrounding double quotes removed.
  // absl::InfinitePast() when <LastModified> is missing or unparsable.
  absl::Time last_modified = absl::InfinitePast();
};

// One page of a ListObjectsV2 response.
struct ListObjectsV2Page {
  std::vector<S3ObjectInfo> objects;         // <Contents>, in server order.
  std::vector<std::string> common_prefixes;  // <CommonPrefixes><Prefix>.
  bool is_truncated = false;                 // More pages follow.
  // Token for the next request; non-empty whenever is_truncated is true.
  std::string next_continuation_token;
  // <KeyCount> as reported; objects.size() + common_prefixes.size() when the
  // server omits it.
  uint64_t key_count = 0;
};

// Parses a ListObjectsV2 response body (root <ListBucketResult>). Every
// <Contents> needs a <Key> and a decimal <Size> that fits in 64 bits; numbers
// and booleans are validated strictly. A truncated page without a
// continuation token is an error (it would make the caller loop forever).
absl::StatusOr<ListObjectsV2Page> ParseListObjectsV2(std::string_view body);

// A key that a DeleteObjects request failed to delete.
struct DeleteObjectError {
  std::string key;
  std::string code;     // "AccessDenied", "InternalError", ...
  std::string message;  // May be empty.
};

// The outcome of a DeleteObjects (POST ?delete) request.
struct DeleteObjectsResult {
  std::vector<std::string>
      deleted;  // Keys reported as deleted (none if quiet).
  std::vector<DeleteObjectError> errors;
};

// Parses a DeleteObjects response body (root <DeleteResult>). Every <Deleted>
// and <Error> entry needs a <Key>; every <Error> needs a <Code>.
absl::StatusOr<DeleteObjectsResult> ParseDeleteObjectsResult(
    std::string_view body);

// Builds the XML body of a DeleteObjects request for `keys` (at most 1000 per
// request, which the caller enforces). With `quiet`, the server reports only
// failures. Keys are UTF-8 and escaped with XmlEscape.
std::string BuildDeleteObjectsRequest(absl::Span<const std::string> keys,
                                      bool quiet);

// Escapes `text` for use as XML character data or a quoted attribute value:
// & < > " ' become entities and every ASCII control character (including tab,
// CR and LF, so that they survive line-ending normalisation) and DEL become
// numeric references such as "&#13;". Other bytes, including non-ASCII UTF-8,
// are copied as is. U+0000 becomes "&#0;", which XML cannot represent and
// XmlDocument::Parse rejects.
std::string XmlEscape(std::string_view text);

}  // namespace warp::s3

#endif  // WARP_LIB_STORAGE_S3_S3_XML_H_
