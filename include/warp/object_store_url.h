// Naming an ObjectStore by URL, as warpd's --bucket flag and the examples do:
//
//   file:///abs/path         a local folder (the embedded default)
//   mem://                   memory (tests)
//   s3://bucket?endpoint=http://127.0.0.1:4569&region=us-east-1&path_style=true
//                            S3 or an S3-compatible store; endpoint, region
//                            and path_style are optional (AWS defaults).
//
// Thread-safe (pure parsing, then the store's own factory).
#ifndef WARP_OBJECT_STORE_URL_H_
#define WARP_OBJECT_STORE_URL_H_

#include <functional>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "warp/object_store.h"
#include "warp/s3_object_store.h"

namespace warp {

// Opens the store `url` names. A malformed URL gets InvalidArgument with a
// message that says what is wrong. `s3_defaults` supplies the S3 options the
// URL does not carry (timeouts, credentials, CA file).
absl::StatusOr<std::unique_ptr<ObjectStore>> OpenObjectStore(
    absl::string_view url, const S3Options& s3_defaults = {});

// Opens the store a URL of a registered scheme names (the whole URL).
using ObjectStoreOpener =
    std::function<absl::StatusOr<std::unique_ptr<ObjectStore>>(absl::string_view url)>;

// Makes OpenObjectStore("SCHEME://...") (and so warpd's --bucket and
// StreamOptions::bucket_url) open stores with `factory`: a backend written
// outside warp, e.g. `RegisterObjectStoreScheme("gcs", ...)`. SCHEME is
// lower-case letters, digits, '+', '-' or '.', starting with a letter
// (InvalidArgument otherwise); AlreadyExists for file, mem, s3 or a scheme
// registered before. Thread-safe; call before opening.
absl::Status RegisterObjectStoreScheme(absl::string_view scheme, ObjectStoreOpener factory);

// Parses an s3:// URL into options layered over `defaults`.
absl::StatusOr<S3Options> ParseS3Url(absl::string_view url,
                                     const S3Options& defaults = {});

}  // namespace warp

#endif  // WARP_OBJECT_STORE_URL_H_
