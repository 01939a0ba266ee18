#include "lib/storage/s3/s3_xml.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "lib/base/status_macros.h"

namespace warp::s3 {
namespace {

// Longest entity or character reference body between '&' and ';'. Enough for
// "&#x10FFFF;" with a few leading zeros; longer ones are rejected rather than
// scanned for a ';' that may never come.
constexpr size_t kMaxReferenceLength = 16;

constexpr char32_t kMaxCodePoint = 0x10FFFF;

// Debian's Abseil has its own absl::string_view class, distinct from
// std::string_view; this bridges the two without copying.
absl::string_view Sv(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// Untrusted text quoted in an error message: at most 64 bytes, C-escaped.
std::string Quote(std::string_view s) {
  return absl::CHexEscape(Sv(s.substr(0, 64)));
}

bool IsXmlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view TrimXmlSpace(std::string_view s) {
  while (!s.empty() && IsXmlSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsXmlSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool IsNameStartChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  return absl::ascii_isalpha(u) || c == '_' || c == ':' || u >= 0x80;
}

bool IsNameChar(char c) {
  return IsNameStartChar(c) ||
         absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' ||
         c == '.';
}

// Code points a character reference may name: Unicode scalar values except
// NUL and the non-characters U+FFFE / U+FFFF (XML 1.1 rules, which unlike
// XML 1.0 allow control characters through references).
bool IsReferenceableCodePoint(char32_t cp) {
  if (cp == 0 || cp > kMaxCodePoint) return false;
  if (cp >= 0xD800 && cp <= 0xDFFF) return false;
  return cp != 0xFFFE && cp != 0xFFFF;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  static constexpr unsigned char kLeadBits[] = {0, 0xC0, 0xE0, 0xF0};
  const int continuation_bytes = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  out->push_back(static_cast<char>(kLeadBits[continuation_bytes] |
                                   (cp >> (6 * continuation_bytes))));
  for (int shift = 6 * (continuation_bytes - 1); shift >= 0; shift -= 6) {
    out->push_back(static_cast<char>(0x80 | ((cp >> shift) & 0x3F)));
  }
}

// Decodes the body of a reference (the text between '&' and ';') into `out`.
// Returns an error message, or an empty string on success.
std::string DecodeReference(std::string_view body, std::string* out) {
  static constexpr std::pair<std::string_view, char> kEntities[] = {
      {"lt", '<'}, {"gt", '>'}, {"amp", '&'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [name, value] : kEntities) {
    if (body == name) {
      out->push_back(value);
      return "";
    }
  }
  const std::string invalid = absl::StrCat(
      "invalid entity or character reference '&", Quote(body), ";'");
  if (body.empty() || body[0] != '#') return invalid;
  const bool hex = body.size() > 1 && body[1] == 'x';
  const std::string_view digits = body.substr(hex ? 2 : 1);
  if (digits.empty()) return invalid;
  char32_t cp = 0;
  for (char c : digits) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(hex ? absl::ascii_isxdigit(u) : absl::ascii_isdigit(u))) {
      return invalid;
    }
    const int digit =
        absl::ascii_isdigit(u) ? c - '0' : absl::ascii_tolower(u) - 'a' + 10;
    // Saturate above the Unicode range so long inputs cannot overflow.
    if (cp <= kMaxCodePoint) cp = cp * (hex ? 16 : 10) + digit;
  }
  if (!IsReferenceableCodePoint(cp)) return invalid;
  AppendUtf8(cp, out);
  return "";
}

// A single-pass, non-recursive reader that builds the element list.
class Parser {
 public:
  explicit Parser(std::string_view input) : in_(input) {}

  absl::Status Run(std::vector<XmlElement>* elements) {
    if (LookingAt("\xEF\xBB\xBF")) pos_ += 3;  // UTF-8 byte-order mark.
    SkipSpace();
    if (LookingAt("<?xml") &&
        (pos_ + 5 >= in_.size() || IsXmlSpace(in_[pos_ + 5]) ||
         in_[pos_ + 5] == '?')) {
      std::string_view ignored;
      RETURN_IF_ERROR(SkipPast("?>", "in the XML declaration", &ignored));
    }
    while (true) {
      if (open_.empty()) {
        SkipSpace();
        if (AtEnd()) break;
        if (Peek() != '<') return Error("text outside the root element");
      } else if (AtEnd()) {
        return UnexpectedEnd(
            absl::StrCat("inside element <", Quote(open_.back().second), ">"));
      }
      std::string_view body;
      if (Peek() != '<') {
        RETURN_IF_ERROR(ReadText(&(*elements)[open_.back().first].text));
      } else if (LookingAt("<!--")) {
        pos_ += 4;
        RETURN_IF_ERROR(SkipPast("-->", "in a comment", &body));
      } else if (LookingAt("<![CDATA[")) {
        if (open_.empty()) return Error("CDATA outside the root element");
        pos_ += 9;
        RETURN_IF_ERROR(SkipPast("]]>", "in a CDATA section", &body));
        (*elements)[open_.back().first].text.append(body);
      } else if (LookingAt("<!")) {
        return Error("DOCTYPE and markup declarations are not supported");
      } else if (LookingAt("<?")) {
        pos_ += 2;
        ASSIGN_OR_RETURN(std::string_view target, ReadName());
        if (absl::EqualsIgnoreCase(Sv(target), "xml")) {
          return Error("XML declaration is only allowed at the start");
        }
        RETURN_IF_ERROR(SkipPast("?>", "in a processing instruction", &body));
      } else if (LookingAt("</")) {
        RETURN_IF_ERROR(ReadEndTag());
      } else {
        if (open_.empty() && !elements->empty()) {
          return Error("more than one root element");
        }
        RETURN_IF_ERROR(ReadStartTag(elements));
      }
    }
    if (elements->empty()) return Error("no root element");
    return absl::OkStatus();
  }

 private:
  // Moves past the next `terminator`, storing the bytes before it in `body`.
  absl::Status SkipPast(std::string_view terminator, std::string_view what,
                        std::string_view* body) {
    const size_t end = in_.find(terminator, pos_);
    if (end == std::string_view::npos) {
      pos_ = in_.size();
      return UnexpectedEnd(what);
    }
    *body = in_.substr(pos_, end - pos_);
    pos_ = end + terminator.size();
    return absl::OkStatus();
  }

  absl::StatusOr<std::string_view> ReadName() {
    if (AtEnd()) return UnexpectedEnd("where a name was expected");
    if (!IsNameStartChar(Peek())) return Error("expected a name");
    const size_t start = pos_;
    while (!AtEnd() && IsNameChar(Peek())) ++pos_;
    return in_.substr(start, pos_ - start);
  }

  // At '&': decodes one reference into `out`.
  absl::Status ReadReference(std::string* out) {
    ++pos_;  // '&'
    const std::string_view rest =
        in_.substr(pos_, std::min(in_.size() - pos_, kMaxReferenceLength + 1));
    const size_t semicolon = rest.find(';');
    if (semicolon == std::string_view::npos) {
      return Error("unterminated or overlong entity reference");
    }
    const std::string message = DecodeReference(rest.substr(0, semicolon), out);
    if (!message.empty()) return Error(message);
    pos_ += semicolon + 1;
    return absl::OkStatus();
  }

  // After the tag name: reads attributes up to and including '>' or '/>'.
  absl::Status ReadAttributes(bool* self_closing) {
    std::string scratch;  // Decoded values are checked, then dropped.
    while (true) {
      const size_t before_space = pos_;
      SkipSpace();
      if (AtEnd()) return UnexpectedEnd("inside a tag");
      if (Peek() == '>') {
        ++pos_;
        *self_closing = false;
        return absl::OkStatus();
      }
      if (LookingAt("/>")) {
        pos_ += 2;
        *self_closing = true;
        return absl::OkStatus();
      }
      if (pos_ == before_space) return Error("expected whitespace or '>'");
      RETURN_IF_ERROR(ReadName().status());
      SkipSpace();
      RETURN_IF_ERROR(Expect('=', "after an attribute name"));
      SkipSpace();
      if (AtEnd()) return UnexpectedEnd("inside a tag");
      const char quote = Peek();
      if (quote != '"' && quote != '\'') return Error("expected quoted value");
      ++pos_;
      while (true) {
        if (AtEnd()) return UnexpectedEnd("in an attribute value");
        const char c = Peek();
        if (c == quote) break;
        if (c == '<') return Error("'<' in an attribute value");
        if (c == '&') {
          RETURN_IF_ERROR(ReadReference(&scratch));
        } else {
          ++pos_;
        }
      }
      ++pos_;  // Closing quote.
    }
  }

  absl::Status ReadStartTag(std::vector<XmlElement>* elements) {
    if (open_.size() >= kMaxXmlDepth) {
      return Error(absl::StrCat("elements nested deeper than ", kMaxXmlDepth,
                                " levels (maximum depth exceeded)"));
    }
    if (elements->size() >= kMaxXmlElements) {
      return Error(absl::StrCat("more than ", kMaxXmlElements, " elements"));
    }
    ++pos_;  // '<'
    ASSIGN_OR_RETURN(std::string_view qname, ReadName());
    bool self_closing = false;
    RETURN_IF_ERROR(ReadAttributes(&self_closing));

    const size_t index = elements->size();
    XmlElement& element = elements->emplace_back();
    const size_t colon = qname.rfind(':');
    element.name = std::string(
        colon == std::string_view::npos ? qname : qname.substr(colon + 1));
    if (!open_.empty())
      (*elements)[open_.back().first].children.push_back(index);
    if (!self_closing) open_.emplace_back(index, qname);
    return absl::OkStatus();
  }

  absl::Status ReadEndTag() {
    if (open_.empty()) return Error("end tag without a matching start tag");
    pos_ += 2;  // "</"
    ASSIGN_OR_RETURN(std::string_view qname, ReadName());
    if (qname != open_.back().second) {
      return Error(absl::StrCat("end tag </", Quote(qname),
                                "> does not match <",
                                Quote(open_.back().second), ">"));
    }
    SkipSpace();
    RETURN_IF_ERROR(Expect('>', "to close an end tag"));
    open_.pop_back();
    return absl::OkStatus();
  }

  absl::Status ReadText(std::string* out) {
    while (!AtEnd() && Peek() != '<') {
      if (Peek() == '&') {
        RETURN_IF_ERROR(ReadReference(out));
        continue;
      }
      const size_t end = in_.find_first_of("<&", pos_);
      const size_t stop = end == std::string_view::npos ? in_.size() : end;
      out->append(in_.substr(pos_, stop - pos_));
      pos_ = stop;
    }
    return absl::OkStatus();
  }

  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return in_[pos_]; }  // Requires !AtEnd().
  bool LookingAt(std::string_view s) const {
    return in_.compare(pos_, s.size(), s) == 0;
  }
  void SkipSpace() {
    while (!AtEnd() && IsXmlSpace(Peek())) ++pos_;
  }

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed XML at byte ", pos_, ": ", Sv(what)));
  }
  absl::Status UnexpectedEnd(std::string_view where) const {
    return Error(absl::StrCat("unexpected end of input ", Sv(where)));
  }
  // Consumes `c`, or fails naming `where` it was expected.
  absl::Status Expect(char c, std::string_view where) {
    if (AtEnd()) return UnexpectedEnd(where);
    if (Peek() != c) {
      return Error(
          absl::StrCat("expected '", std::string(1, c), "' ", Sv(where)));
    }
    ++pos_;
    return absl::OkStatus();
  }

  const std::string_view in_;
  size_t pos_ = 0;
  // Open elements: index in the element list and full (prefixed) tag name.
  std::vector<std::pair<size_t, std::string_view>> open_;
};
// Parses a non-negative decimal number that must fit in 64 bits. Surrounding
// XML whitespace is allowed; signs, blanks inside and overflow are not.
absl::StatusOr<uint64_t> ParseDecimal(std::string_view field,
                                      std::string_view text) {
  const std::string_view digits = TrimXmlSpace(text);
  const auto invalid = [&](std::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("<", Sv(field), "> '", Quote(text), "' ", Sv(why)));
  };
  if (digits.empty()) return invalid("is empty");
  uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return invalid("is not a decimal number");
    const uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (UINT64_MAX - digit) / 10) return invalid("overflows 64 bits");
    value = value * 10 + digit;
  }
  return value;
}

absl::StatusOr<bool> ParseBool(std::string_view field, std::string_view text) {
  const absl::string_view trimmed = Sv(TrimXmlSpace(text));
  if (trimmed == "true") return true;
  if (trimmed == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "<", Sv(field), "> '", Quote(text), "' is not true or false"));
}

// Parses `body` and checks that its root element is named `root_name`.
absl::StatusOr<XmlDocument> ParseWithRoot(std::string_view body,
                                          std::string_view root_name) {
  ASSIGN_OR_RETURN(XmlDocument doc, XmlDocument::Parse(body));
  if (doc.root().name == root_name) return doc;
  return absl::InvalidArgumentError(absl::StrCat("expected root element <",
                                                 Sv(root_name), ">, got <",
                                                 Quote(doc.root().name), ">"));
}

absl::StatusOr<std::string> RequiredChildText(const XmlDocument& doc,
                                              const XmlElement& parent,
                                              std::string_view name) {
  std::optional<std::string_view> text = doc.ChildText(parent, name);
  if (!text.has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("<", parent.name, "> has no <", Sv(name), ">"));
  }
  return std::string(*text);
}

std::string OptionalChildText(const XmlDocument& doc, const XmlElement& parent,
                              std::string_view name) {
  return std::string(doc.ChildText(parent, name).value_or(""));
}

absl::StatusOr<S3ObjectInfo> ParseContents(const XmlDocument& doc,
                                           const XmlElement& contents) {
  S3ObjectInfo object;
  ASSIGN_OR_RETURN(object.key, RequiredChildText(doc, contents, "Key"));
  ASSIGN_OR_RETURN(std::string size, RequiredChildText(doc, contents, "Size"));
  ASSIGN_OR_RETURN(object.size, ParseDecimal("Size", size));
  std::string_view etag = doc.ChildText(contents, "ETag").value_or("");
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  object.etag = std::string(etag);
  if (std::optional<std::string_view> modified =
          doc.ChildText(contents, "LastModified")) {
    std::string ignored_error;
    if (!absl::ParseTime(absl::RFC3339_full, Sv(TrimXmlSpace(*modified)),
                         &object.last_modified, &ignored_error)) {
      object.last_modified = absl::InfinitePast();
    }
  }
  return object;
}

}  // namespace

absl::StatusOr<XmlDocument> XmlDocument::Parse(std::string_view xml) {
  XmlDocument doc;
  Parser parser(xml);
  RETURN_IF_ERROR(parser.Run(&doc.elements_));
  return doc;
}

const XmlElement* XmlDocument::FindChild(const XmlElement& parent,
                                         std::string_view name) const {
  for (size_t index : parent.children) {
    if (elements_[index].name == name) return &elements_[index];
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlDocument::FindChildren(
    const XmlElement& parent, std::string_view name) const {
  std::vector<const XmlElement*> found;
  for (size_t index : parent.children) {
    if (elements_[index].name == name) found.push_back(&elements_[index]);
  }
  return found;
}

std::optional<std::string_view> XmlDocument::ChildText(
    const XmlElement& parent, std::string_view name) const {
  const XmlElement* element = FindChild(parent, name);
  if (element == nullptr) return std::nullopt;
  return std::string_view(element->text);
}

absl::StatusOr<S3ErrorInfo> ParseS3Error(std::string_view body) {
  ASSIGN_OR_RETURN(XmlDocument doc, ParseWithRoot(body, "Error"));
  const XmlElement& root = doc.root();
  S3ErrorInfo info;
  ASSIGN_OR_RETURN(info.code, RequiredChildText(doc, root, "Code"));
  if (info.code.empty()) {
    return absl::InvalidArgumentError("S3 error document has an empty <Code>");
  }
  info.message = OptionalChildText(doc, root, "Message");
  info.resource = OptionalChildText(doc, root, "Resource");
  info.request_id = OptionalChildText(doc, root, "RequestId");
  return info;
}

absl::StatusOr<ListObjectsV2Page> ParseListObjectsV2(std::string_view body) {
  ASSIGN_OR_RETURN(XmlDocument doc, ParseWithRoot(body, "ListBucketResult"));
  const XmlElement& root = doc.root();
  ListObjectsV2Page page;
  for (const XmlElement* contents : doc.FindChildren(root, "Contents")) {
    ASSIGN_OR_RETURN(S3ObjectInfo object, ParseContents(doc, *contents));
    page.objects.push_back(std::move(object));
  }
  for (const XmlElement* prefixes : doc.FindChildren(root, "CommonPrefixes")) {
    ASSIGN_OR_RETURN(std::string prefix,
                     RequiredChildText(doc, *prefixes, "Prefix"));
    page.common_prefixes.push_back(std::move(prefix));
  }
  if (std::optional<std::string_view> truncated =
          doc.ChildText(root, "IsTruncated")) {
    ASSIGN_OR_RETURN(page.is_truncated, ParseBool("IsTruncated", *truncated));
  }
  page.next_continuation_token =
      OptionalChildText(doc, root, "NextContinuationToken");
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return absl::InvalidArgumentError(
        "truncated listing has no <NextContinuationToken>");
  }
  if (std::optional<std::string_view> count = doc.ChildText(root, "KeyCount")) {
    ASSIGN_OR_RETURN(page.key_count, ParseDecimal("KeyCount", *count));
  } else {
    page.key_count = page.objects.size() + page.common_prefixes.size();
  }
  return page;
}

absl::StatusOr<DeleteObjectsResult> ParseDeleteObjectsResult(
    std::string_view body) {
  ASSIGN_OR_RETURN(XmlDocument doc, ParseWithRoot(body, "DeleteResult"));
  const XmlElement& root = doc.root();
  DeleteObjectsResult result;
  for (const XmlElement* deleted : doc.FindChildren(root, "Deleted")) {
    ASSIGN_OR_RETURN(std::string key, RequiredChildText(doc, *deleted, "Key"));
    result.deleted.push_back(std::move(key));
  }
  for (const XmlElement* error : doc.FindChildren(root, "Error")) {
    DeleteObjectError entry;
    ASSIGN_OR_RETURN(entry.key, RequiredChildText(doc, *error, "Key"));
    ASSIGN_OR_RETURN(entry.code, RequiredChildText(doc, *error, "Code"));
    entry.message = OptionalChildText(doc, *error, "Message");
    result.errors.push_back(std::move(entry));
  }
  return result;
}

std::string BuildDeleteObjectsRequest(absl::Span<const std::string> keys,
                                      bool quiet) {
  std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  if (quiet) xml += "<Quiet>true</Quiet>";
  for (const std::string& key : keys) {
    absl::StrAppend(&xml, "<Object><Key>", XmlEscape(key), "</Key></Object>");
  }
  xml += "</Delete>";
  return xml;
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    const char* entity = c == '&'    ? "&amp;"
                         : c == '<'  ? "&lt;"
                         : c == '>'  ? "&gt;"
                         : c == '"'  ? "&quot;"
                         : c == '\'' ? "&apos;"
                                     : nullptr;
    if (entity != nullptr) {
      out += entity;
    } else if (u < 0x20 || u == 0x7F) {
      absl::StrAppend(&out, "&#", static_cast<int>(u), ";");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace warp::s3
