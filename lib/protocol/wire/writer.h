// Encoding of Kafka wire primitives, appended to a std::string.
//
// Writes cannot fail for lack of space. Values that cannot be represented
// (a string longer than 32767 bytes, a null where the version allows none)
// record a sticky error instead: check status() once after encoding. Writes
// after an error still append bytes, which are then meaningless.
//
// Thread-safety: a Writer has mutable state; use one per thread.
#ifndef WARP_LIB_PROTOCOL_WIRE_WRITER_H_
#define WARP_LIB_PROTOCOL_WIRE_WRITER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "lib/protocol/wire/uuid.h"

namespace warp::kafka {

class Writer {
 public:
  // Appends to an internal buffer (see data() and Release()).
  Writer() : out_(&owned_) {}
  // Appends to `*out`, which must outlive the Writer.
  explicit Writer(std::string* out) : out_(out) {}

  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // The bytes written so far (the whole target string).
  const std::string& data() const { return *out_; }
  size_t size() const { return out_->size(); }
  // Moves the target string out, leaving it empty.
  std::string Release() { return std::move(*out_); }
  // OK unless an unrepresentable value was written (or Fail was called).
  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }
  // Records `status` as the sticky error unless one is already set.
  void Fail(absl::Status status);
  // Records that `field` is null in a version where it may not be.
  void FailNonNullable(absl::string_view field);

  // Fixed-width big-endian integers, bool (0/1), float64 and UUID.
  void WriteInt8(int8_t v) { Put(static_cast<uint8_t>(v)); }
  void WriteInt16(int16_t v) { PutBigEndian(static_cast<uint16_t>(v)); }
  void WriteInt32(int32_t v) { PutBigEndian(static_cast<uint32_t>(v)); }
  void WriteInt64(int64_t v) { PutBigEndian(static_cast<uint64_t>(v)); }
  void WriteUint16(uint16_t v) { PutBigEndian(v); }
  void WriteUint32(uint32_t v) { PutBigEndian(v); }
  void WriteBool(bool v) { Put(v ? 1 : 0); }
  void WriteFloat64(double v);
  void WriteUuid(const Uuid& v);

  // LEB128 unsigned varint/varlong, and zigzag signed varint/varlong.
  void WriteUnsignedVarint(uint32_t v);
  void WriteUnsignedVarlong(uint64_t v);
  void WriteVarint(int32_t v);
  void WriteVarlong(int64_t v);

  // The four string forms (see Reader). Strings longer than
  // kMaxStringLength record an error.
  void WriteString(absl::string_view v);
  void WriteCompactString(absl::string_view v);
  void WriteNullableString(const std::optional<std::string>& v);
  void WriteCompactNullableString(const std::optional<std::string>& v);
  // The four bytes forms (NULLABLE_BYTES is also RECORDS).
  void WriteBytes(absl::string_view v);
  void WriteCompactBytes(absl::string_view v);
  void WriteNullableBytes(const std::optional<std::string>& v);
  void WriteCompactNullableBytes(const std::optional<std::string>& v);
  // Raw bytes with no length prefix.
  void WriteRaw(absl::string_view v) { out_->append(v.data(), v.size()); }

  // An array count: int32 (-1 for null) or, if `compact`, uvarint count + 1
  // (0 for null). `count` -1 writes null.
  void WriteArrayCount(bool compact, int64_t count);

  // A whole array, each element written by `write_element(Writer&, const T&)`.
  template <typename T, typename WriteElement>
  void WriteArray(bool compact, const std::vector<T>& v,
                  WriteElement&& write_element) {
    WriteArrayCount(compact, static_cast<int64_t>(v.size()));
    for (const T& e : v) write_element(*this, e);
  }
  // Like WriteArray; std::nullopt writes a null array.
  template <typename T, typename WriteElement>
  void WriteNullableArray(bool compact, const std::optional<std::vector<T>>& v,
                          WriteElement&& write_element) {
    if (!v.has_value()) {
      WriteArrayCount(compact, -1);
      return;
    }
    WriteArray(compact, *v, std::forward<WriteElement>(write_element));
  }

  // One entry of a tagged-field block: uvarint tag, uvarint size, then the
  // bytes `write_value` writes into the Writer it is given. The caller writes
  // the block's count first and the entries in ascending tag order.
  void WriteTaggedField(uint32_t tag,
                        absl::FunctionRef<void(Writer&)> write_value);
  // An empty tagged-field block (the single byte 0x00).
  void WriteEmptyTaggedFields() { Put(0); }

  // Appends a 4-byte placeholder and returns its offset, for a length that
  // is only known later (see PatchInt32).
  size_t ReserveInt32();
  // Overwrites the 4 bytes at `offset` (from ReserveInt32) with `v`.
  void PatchInt32(size_t offset, int32_t v);

 private:
  void Put(uint8_t b) { out_->push_back(static_cast<char>(b)); }
  template <typename T>
  void PutBigEndian(T v) {
    char buf[sizeof(T)];
    for (size_t i = 0; i < sizeof(T); ++i) {
      buf[i] = static_cast<char>(v >> (8 * (sizeof(T) - 1 - i)));
    }
    out_->append(buf, sizeof(T));
  }
  void WriteLength(bool compact, int width, int64_t length);

  std::string owned_;
  std::string* out_;
  absl::Status status_;
};

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_WIRE_WRITER_H_
