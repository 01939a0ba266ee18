#include "warp/object_store_url.h"

#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "lib/base/scheme_registry.h"
#include "lib/base/status_macros.h"
#include "lib/storage/s3/sigv4.h"
#include "warp/local_object_store.h"
#include "warp/memory_object_store.h"

namespace warp {
namespace {

absl::Status UrlError(absl::string_view url, absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("bad object store URL \"", url, "\": ", what,
                   " (expected file:///abs/path, mem:// or "
                   "s3://bucket?endpoint=...&region=...&path_style=true)"));
}

absl::StatusOr<bool> ParseBool(absl::string_view url, absl::string_view name,
                               absl::string_view value) {
  std::string v = absl::AsciiStrToLower(value);
  if (v == "true" || v == "1" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "no") return false;
  return UrlError(url, absl::StrCat(name, "=", value, " is not true or false"));
}

}  // namespace

absl::StatusOr<S3Options> ParseS3Url(absl::string_view url,
                                     const S3Options& defaults) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "s3://")) {
    return UrlError(url, "not an s3:// URL");
  }
  S3Options options = defaults;
  absl::string_view bucket = rest.substr(0, rest.find('?'));
  absl::string_view query =
      bucket.size() < rest.size() ? rest.substr(bucket.size() + 1) : "";
  if (bucket.empty()) return UrlError(url, "the bucket name is missing");
  if (absl::StrContains(bucket, '/')) {
    return UrlError(url, "an s3 URL names a bucket, not a path within it");
  }
  if (bucket.size() < 3 || bucket.size() > 63) {
    return UrlError(url, "a bucket name has 3 to 63 characters");
  }
  for (char c : bucket) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-' &&
        c != '.') {
      return UrlError(url,
                      "a bucket name has only a-z, 0-9, '-' and '.' characters");
    }
  }
  options.bucket = std::string(bucket);
  for (const auto& [name, value] : s3::ParseQueryString(query)) {
    if (name == "endpoint") {
      options.endpoint = value;
    } else if (name == "region") {
      if (value.empty()) return UrlError(url, "region is empty");
      options.region = value;
    } else if (name == "path_style") {
      ASSIGN_OR_RETURN(options.path_style, ParseBool(url, name, value));
    } else if (name == "ca_file") {
      options.ca_file = value;
    } else {
      return UrlError(url, absl::StrCat("unknown parameter \"", name,
                                        "\" (known: endpoint, region, "
                                        "path_style, ca_file)"));
    }
  }
  return options;
}

namespace {

SchemeRegistry<ObjectStoreOpener>& Schemes() {
  static auto* schemes = new SchemeRegistry<ObjectStoreOpener>({"file", "mem", "s3"});
  return *schemes;
}

}  // namespace

absl::Status RegisterObjectStoreScheme(absl::string_view scheme, ObjectStoreOpener factory) {
  return Schemes().Register(scheme, std::move(factory));
}

absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(
    absl::string_view url, const S3Options& s3_defaults) {
  if (url == "mem://") return NewMemoryObjectStore();
  if (absl::StartsWith(url, "mem:")) {
    return UrlError(url, "a memory store is named exactly mem://");
  }
  absl::string_view path = url;
  if (absl::ConsumePrefix(&path, "file://")) {
    if (path.empty() || path.front() != '/') {
      return UrlError(url, "a file URL needs an absolute path: file:///abs/path");
    }
    if (absl::StrContains(path, '?') || absl::StrContains(path, '#')) {
      return UrlError(url, "a file URL takes no query or fragment");
    }
    return OpenLocalObjectStore(std::string(path));
  }
  if (absl::StartsWith(url, "s3://")) {
    ASSIGN_OR_RETURN(S3Options options, ParseS3Url(url, s3_defaults));
    return OpenS3ObjectStore(options);
  }
  if (url.empty()) return UrlError(url, "the URL is empty");
  if (std::optional<ObjectStoreOpener> factory = Schemes().Find(url)) return (*factory)(url);
  return UrlError(url, "unknown scheme");
}

}  // namespace warp
