// ObjectStore: the bucket that holds the only durable copy of every record.
//
// warp agents own no disks. Everything they write goes to an ObjectStore:
// S3 or any S3-compatible store in production, a local folder for the
// embedded default, memory in tests. The interface is the common subset of S3
// semantics that warp relies on: whole-object PUT (optionally create-only),
// ranged GET, HEAD, DELETE (one key or a batch), and LIST by prefix.
//
// Thread-safety: every implementation is safe to call from many threads at
// once, and calls really run concurrently (no store serialises its requests
// behind one lock), so a caller may keep dozens of GETs and several PUTs in
// flight from a thread pool.
//
// Errors (the same on every backend; the conformance suite checks them):
//   NotFound        Get/Head of a key that does not exist.
//   AlreadyExists   a create-only Put of a key that exists.
//   OutOfRange      a ranged Get that starts at or past the end of the object.
//   InvalidArgument a key that is not valid (see ValidateObjectKey), or a
//                   List prefix that is not (see ValidateObjectKeyPrefix).
//   FailedPrecondition  a Put the backend cannot store: on the local folder
//                   store, a key that is an object and a folder of another
//                   key at once (see "Keys and folders" below); a missing
//                   S3 bucket.
//   Unavailable / DeadlineExceeded  transient failures, worth retrying.
//   PermissionDenied / Unauthenticated  bad credentials or policy.
//   DataLoss        a store answered with bytes that cannot be right.
//
// Keys and folders: keys are flat names, and on S3 and in memory "a" and
// "a/b" are two independent objects. The local folder store maps each '/' to
// a folder, so there a key cannot be an object and the folder of another key
// at once: a Put of "a" while any "a/..." exists, or of "a/b" (or deeper)
// while the object "a" exists, fails with FailedPrecondition, create-only or
// not, and writes nothing. Portable callers never use a key as the folder of
// another (the conformance flag allows_file_and_folder_keys says which
// backends allow it).
#ifndef WARP_OBJECT_STORE_H_
#define WARP_OBJECT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace warp {

// What a store knows about one object.
struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  // When the object was last written, as the store reports it.
  absl::Time last_modified = absl::InfinitePast();
  // An opaque version tag (the S3 ETag, without quotes); may be empty.
  std::string etag;
};

// Options of one Put.
struct PutOptions {
  // Create-only: fail with AlreadyExists if the key exists (S3's
  // `If-None-Match: *`). A retried create-only Put whose first attempt really
  // succeeded is recognised and reported as success.
  bool if_not_exists = false;
};

// A byte range of an object: `length` bytes from `offset`, or to the end of
// the object when `length` is unset. A range that reaches past the end is cut
// at the end; one that starts at or past the end is OutOfRange (except that
// the whole of an empty object is readable).
struct ByteRange {
  uint64_t offset = 0;
  std::optional<uint64_t> length;

  static ByteRange All() { return ByteRange{}; }
  static ByteRange Of(uint64_t offset, uint64_t length) {
    return ByteRange{offset, length};
  }
  bool IsAll() const { return offset == 0 && !length.has_value(); }
};

class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;
  virtual ~ObjectStore() = default;

  // Writes `data` as the whole object `key`, replacing any object there unless
  // `options.if_not_exists`. When it returns OK the object is durable and
  // visible to every reader; a reader never sees part of an object.
  virtual absl::Status Put(absl::string_view key, absl::string_view data,
                           const PutOptions& options = {}) = 0;

  // Reads `range` of object `key`.
  virtual absl::StatusOr<std::string> Get(
      absl::string_view key, const ByteRange& range = ByteRange::All()) = 0;

  // Returns the size and version of object `key`.
  virtual absl::StatusOr<ObjectInfo> Head(absl::string_view key) = 0;

  // Deletes object `key`. Deleting a key that does not exist is OK.
  virtual absl::Status Delete(absl::string_view key) = 0;

  // Deletes every key in `keys` (any number: backends batch as they need).
  // Keys that do not exist are OK. On error some keys may have been deleted.
  virtual absl::Status DeleteMany(absl::Span<const std::string> keys) = 0;

  // Lists every object whose key starts with `prefix` (all pages), sorted by
  // key in byte order. `prefix` must pass ValidateObjectKeyPrefix
  // (InvalidArgument otherwise); the empty prefix lists everything.
  virtual absl::StatusOr<std::vector<ObjectInfo>> List(
      absl::string_view prefix) = 0;

  // A short human-readable name of this store, e.g. "file:///data/bucket".
  virtual std::string Describe() const = 0;
};

// Checks that `key` is a valid object key for every backend: 1 to 1024 bytes
// of well-formed UTF-8 text without control characters, a relative path of
// non-empty segments separated by '/', none of them "." or "..", no
// backslash. Returns InvalidArgument saying what is wrong otherwise.
absl::Status ValidateObjectKey(absl::string_view key);

// Checks that `prefix` can be the beginning of a valid object key, as List
// requires: at most 1024 bytes of well-formed UTF-8 without control
// characters or backslash, not starting with '/', and every complete segment
// (one followed by '/') non-empty and neither "." nor "..". The last segment
// may be any beginning of a segment, empty included ("" and "a/" are valid
// prefixes; "../", "a//" and "./x" are not). Returns InvalidArgument
// otherwise.
absl::Status ValidateObjectKeyPrefix(absl::string_view prefix);

}  // namespace warp

#endif  // WARP_OBJECT_STORE_H_
