// Variable-length integers as Kafka encodes them.
//
// Unsigned varints are LEB128: 7 bits per byte, least significant group first,
// the top bit set on every byte but the last (uvarint 300 = AC 02). They carry
// the lengths of flexible-version (KIP-482) compact types.
//
// Signed varints (varint, 32-bit) and varlongs (64-bit) inside RecordBatch v2
// records are zigzag-encoded first, so small negative numbers stay short:
// 0 -> 00, -1 -> 01, 1 -> 02, -2 -> 03.
//
// Readers are bounds-checked: they never read past the input, and reject
// truncated input, encodings longer than 5 bytes (32-bit) or 10 bytes (64-bit),
// and final bytes whose bits do not fit the type (for example a fifth byte
// above 0x0F). Non-minimal encodings within those lengths (80 00 for 0) are
// accepted, as Kafka accepts them.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef WARP_LIB_PROTOCOL_RECORD_VARINT_H_
#define WARP_LIB_PROTOCOL_RECORD_VARINT_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace warp::kafka {

// Longest valid encodings.
inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

// Zigzag mapping between signed and unsigned values: 0, -1, 1, -2, ... map to
// 0, 1, 2, 3, ...
inline constexpr uint32_t ZigZagEncode32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline constexpr uint64_t ZigZagEncode64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline constexpr int32_t ZigZagDecode32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
inline constexpr int64_t ZigZagDecode64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Number of bytes the unsigned varint encoding of `v` takes (1 to 10).
inline constexpr size_t UnsignedVarintSize(uint64_t v) {
  size_t size = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++size;
  }
  return size;
}

// Number of bytes the zigzag varint / varlong encoding of `v` takes.
inline constexpr size_t VarintSize32(int32_t v) {
  return UnsignedVarintSize(ZigZagEncode32(v));
}
inline constexpr size_t VarintSize64(int64_t v) {
  return UnsignedVarintSize(ZigZagEncode64(v));
}

// Writes the unsigned varint encoding of `v` at `out`, which must have room
// for UnsignedVarintSize(v) bytes, and returns the byte after it.
inline char* EncodeUnsignedVarint(uint64_t v, char* out) {
  while (v >= 0x80) {
    *out++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *out++ = static_cast<char>(v);
  return out;
}

// Appends the unsigned varint encoding of `v` to `*out`.
inline void AppendUnsignedVarint(std::string* out, uint64_t v) {
  char buffer[kMaxVarint64Bytes];
  out->append(buffer, EncodeUnsignedVarint(v, buffer) - buffer);
}

// Appends the zigzag varint (32-bit) / varlong (64-bit) encoding of `v`.
inline void AppendVarint32(std::string* out, int32_t v) {
  AppendUnsignedVarint(out, ZigZagEncode32(v));
}
inline void AppendVarint64(std::string* out, int64_t v) {
  AppendUnsignedVarint(out, ZigZagEncode64(v));
}

namespace varint_internal {

// Decodes an unsigned varint of at most `max_bytes` bytes whose last byte is
// at most `max_last_byte`; see ReadUnsignedVarint32/64.
inline bool ReadUnsigned(absl::string_view* input, size_t max_bytes,
                         unsigned char max_last_byte, uint64_t* value) {
  const size_t size = input->size();
  const unsigned char* p =
      reinterpret_cast<const unsigned char*>(input->data());
  if (size > 0 && p[0] < 0x80) {  // One-byte fast path.
    *value = p[0];
    input->remove_prefix(1);
    return true;
  }
  uint64_t result = 0;
  for (size_t i = 0; i < max_bytes && i < size; ++i) {
    const unsigned char byte = p[i];
    if (i + 1 == max_bytes && byte > max_last_byte) return false;
    result |= static_cast<uint64_t>(byte & 0x7F) << (7 * i);
    if (byte < 0x80) {
      *value = result;
      input->remove_prefix(i + 1);
      return true;
    }
  }
  return false;  // Truncated.
}

}  // namespace varint_internal

// Reads an unsigned varint from the front of `*input` into `*value` and
// removes it from `*input`. Returns false, leaving both unchanged, if the
// input is truncated, overlong or overflows the type.
inline bool ReadUnsignedVarint32(absl::string_view* input, uint32_t* value) {
  uint64_t v;
  if (!varint_internal::ReadUnsigned(input, kMaxVarint32Bytes, 0x0F, &v)) {
    return false;
  }
  *value = static_cast<uint32_t>(v);
  return true;
}
inline bool ReadUnsignedVarint64(absl::string_view* input, uint64_t* value) {
  return varint_internal::ReadUnsigned(input, kMaxVarint64Bytes, 0x01, value);
}

// Reads a zigzag varint (32-bit) / varlong (64-bit); same contract as
// ReadUnsignedVarint32/64.
inline bool ReadVarint32(absl::string_view* input, int32_t* value) {
  uint32_t v;
  if (!ReadUnsignedVarint32(input, &v)) return false;
  *value = ZigZagDecode32(v);
  return true;
}
inline bool ReadVarint64(absl::string_view* input, int64_t* value) {
  uint64_t v;
  if (!ReadUnsignedVarint64(input, &v)) return false;
  *value = ZigZagDecode64(v);
  return true;
}

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_VARINT_H_
