// Bounds-checked decoding of Kafka wire primitives from a byte buffer.
//
// Every Read* method returns absl::Status; the first failure is also kept as
// a sticky error (status()), after which every read fails with that same
// status. A Reader never reads past the end of its buffer, and every length
// prefix (strings, bytes, arrays, tagged fields) is checked against the bytes
// that remain *before* anything is allocated, so a 2 GiB length inside a
// 100-byte frame fails at once. Array element counts are capped by
// remaining() / min_element_size.
//
// Malformed input yields absl::InvalidArgumentError naming the byte offset.
//
// Thread-safety: a Reader is a cursor with mutable state; use one per thread.
// It does not own the bytes it reads, which must outlive it.
#ifndef WARP_LIB_PROTOCOL_WIRE_READER_H_
#define WARP_LIB_PROTOCOL_WIRE_READER_H_

#include <algorithm>
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

// Longest string (not bytes) Kafka accepts: the classic length is an int16.
inline constexpr size_t kMaxStringLength = 0x7fff;

class Reader {
 public:
  // Reads from `data`, which must outlive the Reader.
  explicit Reader(absl::string_view data) : data_(data) {}

  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Bytes not yet consumed.
  size_t remaining() const { return data_.size() - pos_; }
  // Bytes consumed so far (the offset of the next read).
  size_t position() const { return pos_; }
  // The unconsumed bytes, as a view into the original buffer.
  absl::string_view rest() const { return data_.substr(pos_); }
  // OK until the first failed read; afterwards that failure.
  const absl::Status& status() const { return status_; }
  bool ok() const { return status_.ok(); }

  // Records `status` as the sticky error (if none is set yet) and returns the
  // sticky error. Use it to report semantic errors found while decoding.
  absl::Status Fail(absl::Status status);

  // Fixed-width big-endian integers, bool (any non-zero byte is true) and
  // IEEE-754 float64.
  absl::Status ReadInt8(int8_t* out);
  absl::Status ReadInt16(int16_t* out);
  absl::Status ReadInt32(int32_t* out);
  absl::Status ReadInt64(int64_t* out);
  absl::Status ReadUint16(uint16_t* out);
  absl::Status ReadUint32(uint32_t* out);
  absl::Status ReadBool(bool* out);
  absl::Status ReadFloat64(double* out);
  // 16 raw bytes.
  absl::Status ReadUuid(Uuid* out);

  // LEB128 unsigned varint (no zigzag), at most 5 bytes / 32 bits.
  absl::Status ReadUnsignedVarint(uint32_t* out);
  // LEB128 unsigned varlong, at most 10 bytes / 64 bits.
  absl::Status ReadUnsignedVarlong(uint64_t* out);
  // Zigzag-encoded signed varint (32 bits) and varlong (64 bits), as used
  // inside record batches.
  absl::Status ReadVarint(int32_t* out);
  absl::Status ReadVarlong(int64_t* out);

  // STRING: int16 length + bytes. A null (-1) length is an error.
  absl::Status ReadString(std::string* out);
  // COMPACT_STRING: uvarint (length + 1) + bytes. Null (0) is an error.
  absl::Status ReadCompactString(std::string* out);
  // NULLABLE_STRING: like STRING; length -1 yields std::nullopt.
  absl::Status ReadNullableString(std::optional<std::string>* out);
  // COMPACT_NULLABLE_STRING: like COMPACT_STRING; 0 yields std::nullopt.
  absl::Status ReadCompactNullableString(std::optional<std::string>* out);

  // BYTES: int32 length + bytes. Null is an error.
  absl::Status ReadBytes(std::string* out);
  // COMPACT_BYTES: uvarint (length + 1) + bytes. Null is an error.
  absl::Status ReadCompactBytes(std::string* out);
  // NULLABLE_BYTES (also RECORDS): length -1 yields std::nullopt.
  absl::Status ReadNullableBytes(std::optional<std::string>* out);
  // COMPACT_NULLABLE_BYTES (also COMPACT_RECORDS): 0 yields std::nullopt.
  absl::Status ReadCompactNullableBytes(std::optional<std::string>* out);

  // `n` raw bytes as a view into the buffer (no copy).
  absl::Status ReadRaw(size_t n, absl::string_view* out);
  // Skips `n` bytes.
  absl::Status Skip(size_t n);

  // An array element count: ARRAY (int32, -1 = null) or, if `compact`,
  // COMPACT_ARRAY (uvarint count + 1, 0 = null). Stores -1 for null. Fails
  // unless count * max(1, min_element_size) <= remaining().
  absl::Status ReadArrayCount(bool compact, size_t min_element_size,
                              int32_t* count);

  // Reads a non-nullable array, decoding each element with
  // `read_element(Reader&, T*) -> absl::Status`. `min_element_size` is the
  // smallest encoding of one element (bounds the count; see ReadArrayCount).
  template <typename T, typename ReadElement>
  absl::Status ReadArray(bool compact, size_t min_element_size,
                         std::vector<T>* out, ReadElement&& read_element);

  // Like ReadArray, but a null array yields std::nullopt.
  template <typename T, typename ReadElement>
  absl::Status ReadNullableArray(bool compact, size_t min_element_size,
                                 std::optional<std::vector<T>>* out,
                                 ReadElement&& read_element);

  // Reads a tagged-field block (uvarint count, then per field uvarint tag,
  // uvarint size, size bytes). Calls `on_field(tag, field_reader)` with a
  // Reader limited to the field's bytes; the callback may decode them or
  // ignore them (unknown tags are skipped either way, as are bytes a known
  // field leaves unread). A failing callback fails the read.
  absl::Status ReadTaggedFields(
      absl::FunctionRef<absl::Status(uint32_t tag, Reader& field)> on_field);
  // Reads a tagged-field block and ignores every field.
  absl::Status SkipTaggedFields();

 private:
  // Fails (sticky) with a message naming the current offset and `what`.
  absl::Status Error(absl::string_view what);
  // Ensures `n` more bytes are available.
  absl::Status Need(size_t n, absl::string_view what);
  // Reads a length prefix for string/bytes forms: classic int16 or int32,
  // or compact uvarint. Stores -1 for null and validates the length against
  // remaining() and `max_length`.
  absl::Status ReadLength(int width, bool compact, size_t max_length,
                          absl::string_view what, int64_t* length);
  absl::Status ReadStringLike(int width, bool compact, size_t max_length,
                              bool nullable, absl::string_view what,
                              std::optional<std::string>* out);
  template <typename T>
  absl::Status ReadBigEndian(T* out, absl::string_view what);

  absl::string_view data_;
  size_t pos_ = 0;
  absl::Status status_;
};

// The error a message's Decode/Encode returns for a version it does not
// support: absl::UnimplementedError naming the message and version.
absl::Status UnsupportedVersionError(absl::string_view message,
                                     int16_t version);

// ---------------------------------------------------------------------------
// Template implementations.

template <typename T, typename ReadElement>
absl::Status Reader::ReadArray(bool compact, size_t min_element_size,
                               std::vector<T>* out,
                               ReadElement&& read_element) {
  int32_t count = 0;
  absl::Status s = ReadArrayCount(compact, min_element_size, &count);
  if (!s.ok()) return s;
  if (count < 0) return Error("null array where none is allowed");
  out->clear();
  // Elements may decode to much more memory than their wire size; grow as
  // they arrive, so memory stays proportional to the bytes consumed.
  out->reserve(std::min<size_t>(count, 1024));
  for (int32_t i = 0; i < count; ++i) {
    out->emplace_back();
    s = read_element(*this, &out->back());
    if (!s.ok()) return Fail(std::move(s));
  }
  return absl::OkStatus();
}

template <typename T, typename ReadElement>
absl::Status Reader::ReadNullableArray(bool compact, size_t min_element_size,
                                       std::optional<std::vector<T>>* out,
                                       ReadElement&& read_element) {
  int32_t count = 0;
  absl::Status s = ReadArrayCount(compact, min_element_size, &count);
  if (!s.ok()) return s;
  if (count < 0) {
    out->reset();
    return absl::OkStatus();
  }
  std::vector<T>& v = out->emplace();
  v.reserve(std::min<size_t>(count, 1024));
  for (int32_t i = 0; i < count; ++i) {
    v.emplace_back();
    s = read_element(*this, &v.back());
    if (!s.ok()) return Fail(std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_WIRE_READER_H_
