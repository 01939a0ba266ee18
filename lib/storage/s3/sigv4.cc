#include "lib/storage/s3/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "lib/base/status_macros.h"

namespace warp::s3 {
namespace {

constexpr absl::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr absl::string_view kTerminator = "aws4_request";
constexpr size_t kSha256Size = 32;
constexpr size_t kHmacBlockSize = 64;

constexpr absl::string_view kDateHeader = "x-amz-date";
constexpr absl::string_view kTokenHeader = "x-amz-security-token";
constexpr absl::string_view kContentSha256Header = "x-amz-content-sha256";
constexpr absl::string_view kAuthorizationHeader = "authorization";

constexpr absl::string_view kAlgorithmParam = "X-Amz-Algorithm";
constexpr absl::string_view kCredentialParam = "X-Amz-Credential";
constexpr absl::string_view kDateParam = "X-Amz-Date";
constexpr absl::string_view kExpiresParam = "X-Amz-Expires";
constexpr absl::string_view kTokenParam = "X-Amz-Security-Token";
constexpr absl::string_view kSignedHeadersParam = "X-Amz-SignedHeaders";
constexpr absl::string_view kSignatureParam = "X-Amz-Signature";

bool IsUnreserved(unsigned char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

// Whitespace inside header values, including the line breaks of folded
// (multi-line) values.
bool IsHeaderSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

// True when `text` is non-empty printable ASCII without spaces and without
// any character of `forbidden`.
bool IsPrintableToken(absl::string_view text, absl::string_view forbidden) {
  if (text.empty()) return false;
  for (unsigned char c : text) {
    if (c <= 0x20 || c >= 0x7f) return false;
    if (forbidden.find(c) != absl::string_view::npos) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Trims `value` and collapses every inner run of whitespace to one space.
std::string NormalizeHeaderValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Generic AWS path normalization: drops empty and "." segments, resolves
// ".." (never above the root) and keeps a trailing slash.
std::string NormalizePath(absl::string_view path) {
  std::vector<absl::string_view> segments;
  absl::string_view last;
  for (absl::string_view segment : absl::StrSplit(path, '/')) {
    last = segment;
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string out = absl::StrCat("/", absl::StrJoin(segments, "/"));
  const bool trailing_slash = last.empty() || last == "." || last == "..";
  if (trailing_slash && !segments.empty()) out.push_back('/');
  return out;
}

std::string CanonicalUri(absl::string_view path,
                         const SigningOptions& options) {
  std::string cleaned;
  if (options.normalize_path) {
    cleaned = NormalizePath(path);
  } else {
    cleaned = path.empty() ? "/" : std::string(path);
  }
  if (options.double_encode_path) return UriEncode(cleaned, true);
  // Encoded exactly once, whatever the caller did.
  return UriEncode(UriDecode(cleaned), true);
}

// Sorted by encoded name, then encoded value.
std::string CanonicalQuery(const HttpParams& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name), UriEncode(value));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    absl::StrAppend(&out, name, "=", value);
  }
  return out;
}

struct CanonicalHeaders {
  std::string block;           // "name:value\n" per header, sorted by name.
  std::string signed_headers;  // "name;name;..." sorted.
};

// Canonicalizes the caller's `headers` (dropping those named in `dropped`,
// given lowercase) followed by the signer's own `added` (lowercase names).
absl::StatusOr<CanonicalHeaders> BuildCanonicalHeaders(
    const HttpParams& headers, const HttpParams& added,
    const std::vector<absl::string_view>& dropped) {
  std::map<std::string, std::string> by_name;
  auto add = [&by_name](std::string name, absl::string_view value) {
    auto [it, inserted] = by_name.try_emplace(std::move(name));
    if (!inserted) it->second.push_back(',');
    it->second.append(NormalizeHeaderValue(value));
  };
  for (const auto& [raw_name, value] : headers) {
    if (!IsPrintableToken(raw_name, ":")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "SigV4: malformed header name '", absl::CHexEscape(raw_name), "'"));
    }
    std::string name = absl::AsciiStrToLower(raw_name);
    if (std::find(dropped.begin(), dropped.end(), name) != dropped.end()) {
      continue;
    }
    add(std::move(name), value);
  }
  auto host = by_name.find("host");
  if (host == by_name.end() || host->second.empty()) {
    return absl::InvalidArgumentError("SigV4: the Host header is required");
  }
  for (const auto& [name, value] : added) add(name, value);

  CanonicalHeaders out;
  for (const auto& [name, value] : by_name) {
    absl::StrAppend(&out.block, name, ":", value, "\n");
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers.append(name);
  }
  return out;
}

absl::Status ValidateInputs(const HttpRequestToSign& request,
                            const SigningParams& params) {
  if (!IsPrintableToken(request.method, "")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed method");
  }
  if (!IsPrintableToken(request.payload_hash, "")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed payload hash");
  }
  const Credentials& credentials = params.credentials;
  if (!IsPrintableToken(credentials.access_key_id, "/,")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed access key");
  }
  if (credentials.secret_access_key.empty()) {
    return absl::InvalidArgumentError("SigV4: empty secret access key");
  }
  if (!IsPrintableToken(params.region, "/")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed region");
  }
  if (!IsPrintableToken(params.service, "/")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed service");
  }
  if (!credentials.session_token.empty() &&
      !IsPrintableToken(credentials.session_token, "")) {
    return absl::InvalidArgumentError("SigV4: malformed session token");
  }
  return absl::OkStatus();
}

// The parts shared by both signing forms, computed once validated.
struct Prepared {
  std::string amz_date;  // "YYYYMMDDTHHMMSSZ".
  std::string scope;     // "YYYYMMDD/region/service/aws4_request".
  std::string key;       // Raw signing key.
};

absl::StatusOr<Prepared> Prepare(const HttpRequestToSign& request,
                                 const SigningParams& params) {
  RETURN_IF_ERROR(ValidateInputs(request, params));
  Prepared prepared;
  ASSIGN_OR_RETURN(prepared.amz_date, FormatAmzDate(params.time));
  const std::string date = prepared.amz_date.substr(0, 8);
  const SigningKey* cached = params.cached_key;
  if (cached != nullptr && cached->date == date &&
      cached->region == params.region && cached->service == params.service &&
      cached->key.size() == kSha256Size) {
    prepared.key = cached->key;
  } else {
    ASSIGN_OR_RETURN(
        SigningKey derived,
        DeriveSigningKey(params.credentials.secret_access_key, params.time,
                         params.region, params.service));
    prepared.key = std::move(derived.key);
  }
  prepared.scope = absl::StrCat(date, "/", params.region, "/", params.service,
                                "/", kTerminator);
  return prepared;
}

struct Signed {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;
};

absl::StatusOr<Signed> SignCanonical(const HttpRequestToSign& request,
                                     const SigningParams& params,
                                     const Prepared& prepared,
                                     absl::string_view canonical_query,
                                     const CanonicalHeaders& headers) {
  Signed out;
  out.canonical_request = absl::StrCat(
      request.method, "\n", CanonicalUri(request.path, params.options), "\n",
      canonical_query, "\n", headers.block, "\n", headers.signed_headers, "\n",
      request.payload_hash);
  const std::string request_hash = Sha256Hex(out.canonical_request);
  out.string_to_sign = absl::StrCat(kAlgorithm, "\n", prepared.amz_date, "\n",
                                    prepared.scope, "\n", request_hash);
  const std::string mac = HmacSha256(prepared.key, out.string_to_sign);
  if (request_hash.empty() || mac.empty()) {
    return absl::InternalError("SigV4: OpenSSL hashing failed");
  }
  out.signature = LowerHex(mac);
  return out;
}

}  // namespace

std::string LowerHex(absl::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

std::string Sha256Hex(absl::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(),
                 nullptr) != 1 ||
      length != kSha256Size) {
    return "";
  }
  return LowerHex(
      absl::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  // HMAC hashes keys longer than the block size first (RFC 2104); doing it
  // here keeps the key length within OpenSSL's int parameter.
  unsigned char hashed_key[EVP_MAX_MD_SIZE];
  if (key.size() > kHmacBlockSize) {
    unsigned int length = 0;
    if (EVP_Digest(key.data(), key.size(), hashed_key, &length, EVP_sha256(),
                   nullptr) != 1) {
      return "";
    }
    key = absl::string_view(reinterpret_cast<const char*>(hashed_key), length);
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(),
           mac, &length) == nullptr ||
      length != kSha256Size) {
    return "";
  }
  return std::string(reinterpret_cast<const char*>(mac), length);
}

std::string UriEncode(absl::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string UriEncodePath(absl::string_view key) {
  return UriEncode(key, /*keep_slash=*/true);
}

std::string UriDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

HttpParams ParseQueryString(absl::string_view raw_query) {
  HttpParams out;
  for (absl::string_view piece :
       absl::StrSplit(raw_query, '&', absl::SkipEmpty())) {
    const size_t equals = piece.find('=');
    if (equals == absl::string_view::npos) {
      out.emplace_back(UriDecode(piece), "");
    } else {
      out.emplace_back(UriDecode(piece.substr(0, equals)),
                       UriDecode(piece.substr(equals + 1)));
    }
  }
  return out;
}

absl::StatusOr<std::string> FormatAmzDate(absl::Time time) {
  if (time == absl::InfiniteFuture() || time == absl::InfinitePast()) {
    return absl::InvalidArgumentError("SigV4: infinite signing time");
  }
  const absl::CivilSecond civil =
      absl::ToCivilSecond(time, absl::UTCTimeZone());
  if (civil.year() < 1 || civil.year() > 9999) {
    return absl::InvalidArgumentError(
        "SigV4: signing time outside years 1..9999");
  }
  return absl::StrFormat("%04d%02d%02dT%02d%02d%02dZ", civil.year(),
                         civil.month(), civil.day(), civil.hour(),
                         civil.minute(), civil.second());
}

absl::StatusOr<SigningKey> DeriveSigningKey(absl::string_view secret_access_key,
                                            absl::Time time,
                                            absl::string_view region,
                                            absl::string_view service) {
  if (secret_access_key.empty()) {
    return absl::InvalidArgumentError("SigV4: empty secret access key");
  }
  if (!IsPrintableToken(region, "/")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed region");
  }
  if (!IsPrintableToken(service, "/")) {
    return absl::InvalidArgumentError("SigV4: empty or malformed service");
  }
  ASSIGN_OR_RETURN(const std::string amz_date, FormatAmzDate(time));
  SigningKey out;
  out.date = amz_date.substr(0, 8);
  out.region = std::string(region);
  out.service = std::string(service);
  const std::string date_key =
      HmacSha256(absl::StrCat("AWS4", secret_access_key), out.date);
  const std::string region_key = HmacSha256(date_key, region);
  const std::string service_key = HmacSha256(region_key, service);
  out.key = HmacSha256(service_key, kTerminator);
  if (date_key.empty() || region_key.empty() || service_key.empty() ||
      out.key.empty()) {
    return absl::InternalError("SigV4: OpenSSL HMAC failed");
  }
  return out;
}

absl::StatusOr<HeaderSignature> SignRequest(const HttpRequestToSign& request,
                                            const SigningParams& params) {
  ASSIGN_OR_RETURN(const Prepared prepared, Prepare(request, params));
  const SigningOptions& options = params.options;
  const std::string& token = params.credentials.session_token;

  HeaderSignature out;
  std::vector<absl::string_view> dropped = {kAuthorizationHeader, kDateHeader};
  out.headers_to_add.emplace_back(kDateHeader, prepared.amz_date);
  if (!token.empty()) {
    dropped.push_back(kTokenHeader);
    out.headers_to_add.emplace_back(kTokenHeader, token);
  }
  if (options.add_content_sha256_header) {
    dropped.push_back(kContentSha256Header);
    out.headers_to_add.emplace_back(kContentSha256Header, request.payload_hash);
  }
  HttpParams signed_extra;
  for (const auto& [name, value] : out.headers_to_add) {
    if (name == kTokenHeader && !options.sign_session_token) continue;
    signed_extra.emplace_back(name, value);
  }
  ASSIGN_OR_RETURN(
      const CanonicalHeaders headers,
      BuildCanonicalHeaders(request.headers, signed_extra, dropped));
  ASSIGN_OR_RETURN(Signed result,
                   SignCanonical(request, params, prepared,
                                 CanonicalQuery(request.query), headers));
  out.canonical_request = std::move(result.canonical_request);
  out.string_to_sign = std::move(result.string_to_sign);
  out.signature = std::move(result.signature);
  out.authorization = absl::StrCat(
      kAlgorithm, " Credential=", params.credentials.access_key_id, "/",
      prepared.scope, ", SignedHeaders=", headers.signed_headers,
      ", Signature=", out.signature);
  out.headers_to_add.emplace_back("Authorization", out.authorization);
  return out;
}

absl::StatusOr<QuerySignature> PresignRequest(const HttpRequestToSign& request,
                                              const SigningParams& params,
                                              absl::Duration expires_in) {
  const int64_t expires_seconds = absl::ToInt64Seconds(expires_in);
  if (expires_seconds < 1 ||
      expires_seconds > absl::ToInt64Seconds(kMaxPresignExpiry)) {
    return absl::InvalidArgumentError(
        "SigV4: presign expiry must be 1 second to 7 days");
  }
  ASSIGN_OR_RETURN(const Prepared prepared, Prepare(request, params));
  ASSIGN_OR_RETURN(const CanonicalHeaders headers,
                   BuildCanonicalHeaders(request.headers, /*added=*/{},
                                         {kAuthorizationHeader}));
  const std::string& token = params.credentials.session_token;
  const bool sign_token = !token.empty() && params.options.sign_session_token;

  QuerySignature out;
  for (const auto& param : request.query) {
    const absl::string_view name = param.first;
    if (name == kAlgorithmParam || name == kCredentialParam ||
        name == kDateParam || name == kExpiresParam ||
        name == kSignedHeadersParam || name == kSignatureParam ||
        (name == kTokenParam && !token.empty())) {
      continue;
    }
    out.query.push_back(param);
  }
  out.query.emplace_back(kAlgorithmParam, kAlgorithm);
  out.query.emplace_back(
      kCredentialParam,
      absl::StrCat(params.credentials.access_key_id, "/", prepared.scope));
  out.query.emplace_back(kDateParam, prepared.amz_date);
  out.query.emplace_back(kExpiresParam, absl::StrCat(expires_seconds));
  if (sign_token) out.query.emplace_back(kTokenParam, token);
  out.query.emplace_back(kSignedHeadersParam, headers.signed_headers);

  const std::string canonical_query = CanonicalQuery(out.query);
  ASSIGN_OR_RETURN(Signed result, SignCanonical(request, params, prepared,
                                                canonical_query, headers));
  out.canonical_request = std::move(result.canonical_request);
  out.string_to_sign = std::move(result.string_to_sign);
  out.signature = std::move(result.signature);

  out.query_string = canonical_query;
  if (!token.empty() && !sign_token) {
    out.query.emplace_back(kTokenParam, token);
    absl::StrAppend(&out.query_string, "&", kTokenParam, "=", UriEncode(token));
  }
  out.query.emplace_back(kSignatureParam, out.signature);
  absl::StrAppend(&out.query_string, "&", kSignatureParam, "=", out.signature);
  return out;
}

}  // namespace warp::s3
