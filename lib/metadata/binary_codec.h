// A small little-endian binary writer and bounds-checked reader for the
// metadata journal and snapshots. Pure; thread-compatible.
#ifndef WARP_LIB_METADATA_BINARY_CODEC_H_
#define WARP_LIB_METADATA_BINARY_CODEC_H_

#include <cstdint>
#include <cstring>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace warp::metadata {

class BinaryWriter {
 public:
  explicit BinaryWriter(std::string* out) : out_(out) {}
  template <typename T>
  void Fixed(T v) {
    static_assert(std::is_integral_v<T>);
    char buf[sizeof(T)];
    std::memcpy(buf, &v, sizeof(T));  // little-endian hosts only (x86-64)
    out_->append(buf, sizeof(T));
  }
  void Bool(bool v) { Fixed<uint8_t>(v ? 1 : 0); }
  void String(absl::string_view s) {
    Fixed<uint32_t>(static_cast<uint32_t>(s.size()));
    out_->append(s.data(), s.size());
  }

 private:
  std::string* out_;
};

// Reads values; the first failure sticks and later reads return zero values,
// so callers check status() once at the end.
class BinaryReader {
 public:
  explicit BinaryReader(absl::string_view in) : in_(in) {}
  template <typename T>
  T Fixed() {
    static_assert(std::is_integral_v<T>);
    T v{};
    if (!Need(sizeof(T))) return v;
    std::memcpy(&v, in_.data(), sizeof(T));
    in_.remove_prefix(sizeof(T));
    return v;
  }
  bool Bool() { return Fixed<uint8_t>() != 0; }
  std::string String() {
    uint32_t n = Fixed<uint32_t>();
    if (!Need(n)) return {};
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  // A count of elements each at least `min_element_bytes` long; fails when
  // the bytes left cannot hold that many (so no allocation trusts it).
  uint32_t Count(size_t min_element_bytes) {
    uint32_t n = Fixed<uint32_t>();
    if (ok() && n > in_.size() / std::max<size_t>(1, min_element_bytes)) {
      Fail(absl::StrCat("count ", n, " exceeds the bytes left"));
      return 0;
    }
    return ok() ? n : 0;
  }
  bool ok() const { return status_.ok(); }
  bool done() const { return in_.empty(); }
  void Fail(absl::string_view why) {
    if (status_.ok()) status_ = absl::DataLossError(why);
  }
  absl::Status status() const { return status_; }

 private:
  bool Need(size_t n) {
    if (!status_.ok()) return false;
    if (in_.size() < n) {
      Fail(absl::StrCat("truncated: need ", n, " bytes, have ", in_.size()));
      return false;
    }
    return true;
  }
  absl::string_view in_;
  absl::Status status_;
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_BINARY_CODEC_H_
