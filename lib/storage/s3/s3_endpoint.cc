#include "lib/storage/s3/s3_endpoint.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace warp::s3 {
namespace {

// `authority` without an explicit port that is the scheme's default (":443"
// for https, ":80" for http). curl leaves a default port out of the Host
// header it sends, so the signed Host must leave it out too.
std::string WithoutDefaultPort(absl::string_view scheme,
                               absl::string_view authority) {
  size_t colon = authority.rfind(':');
  size_t bracket = authority.rfind(']');  // IPv6 literal: "[::1]:443"
  if (colon == absl::string_view::npos ||
      (bracket != absl::string_view::npos && colon < bracket)) {
    return std::string(authority);
  }
  uint32_t port = 0;
  absl::string_view digits = authority.substr(colon + 1);
  if (digits.empty() || digits.size() > 5 ||
      !std::all_of(digits.begin(), digits.end(), absl::ascii_isdigit) ||
      !absl::SimpleAtoi(digits, &port)) {
    return std::string(authority);
  }
  if ((scheme == "https" && port == 443) || (scheme == "http" && port == 80)) {
    return std::string(authority.substr(0, colon));
  }
  return std::string(authority);
}

}  // namespace

absl::StatusOr<Endpoint> ParseEndpoint(absl::string_view endpoint,
                                       absl::string_view region) {
  if (endpoint.empty()) {
    if (region.empty()) {
      return absl::InvalidArgumentError("S3 region is empty");
    }
    return Endpoint{"https", absl::StrCat("s3.", region, ".amazonaws.com"), ""};
  }
  Endpoint out;
  absl::string_view rest = endpoint;
  if (absl::ConsumePrefix(&rest, "http://")) {
    out.scheme = "http";
  } else if (absl::ConsumePrefix(&rest, "https://")) {
    out.scheme = "https";
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 endpoint \"", endpoint, "\" must start with http:// or https://"));
  }
  size_t slash = rest.find('/');
  absl::string_view authority = rest.substr(0, slash);
  if (authority.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("S3 endpoint \"", endpoint, "\" has no host"));
  }
  for (char c : authority) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != ':' &&
        c != '[' && c != ']' && c != '_') {
      return absl::InvalidArgumentError(absl::StrCat(
          "S3 endpoint \"", endpoint, "\" has an invalid host character '",
          std::string(1, c), "'"));
    }
  }
  if (absl::StrContains(rest, '?') || absl::StrContains(rest, '#')) {
    return absl::InvalidArgumentError(absl::StrCat(
        "S3 endpoint \"", endpoint, "\" must not have a query or fragment"));
  }
  out.authority = WithoutDefaultPort(out.scheme, authority);
  if (slash != absl::string_view::npos) {
    absl::string_view path = rest.substr(slash);
    while (absl::ConsumeSuffix(&path, "/")) {
    }
    out.base_path = std::string(path);
  }
  return out;
}

RequestTarget MakeTarget(const Endpoint& endpoint, absl::string_view bucket,
                         bool path_style, absl::string_view key,
                         HttpParams query) {
  RequestTarget target;
  std::string encoded_key = UriEncodePath(key);
  if (path_style) {
    target.host = endpoint.authority;
    target.path = absl::StrCat(endpoint.base_path, "/", UriEncode(bucket), "/",
                               encoded_key);
  } else {
    target.host = absl::StrCat(bucket, ".", endpoint.authority);
    target.path = absl::StrCat(endpoint.base_path, "/", encoded_key);
  }
  // Encode the query the same way the signer canonicalizes it.
  std::string query_string;
  for (const auto& [name, value] : query) {
    absl::StrAppend(&query_string, query_string.empty() ? "" : "&",
                    UriEncode(name), "=", UriEncode(value));
  }
  target.url = absl::StrCat(endpoint.scheme, "://", target.host, target.path,
                            query_string.empty() ? "" : "?", query_string);
  target.query = std::move(query);
  return target;
}

}  // namespace warp::s3
