#include "lib/protocol/wire/reader.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"

namespace warp::kafka {

absl::Status UnsupportedVersionError(absl::string_view message,
                                     int16_t version) {
  return absl::UnimplementedError(
      absl::StrCat(message, " version ", version, " is not supported"));
}

absl::Status Reader::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
  return status_;
}

absl::Status Reader::Error(absl::string_view what) {
  return Fail(absl::InvalidArgumentError(
      absl::StrCat("kafka decode error at byte ", pos_, ": ", what)));
}

absl::Status Reader::Need(size_t n, absl::string_view what) {
  if (!status_.ok()) return status_;
  if (n > remaining()) {
    return Error(absl::StrCat("truncated ", what, " (need ", n, " bytes, ",
                              remaining(), " left)"));
  }
  return absl::OkStatus();
}

template <typename T>
absl::Status Reader::ReadBigEndian(T* out, absl::string_view what) {
  absl::Status s = Need(sizeof(T), what);
  if (!s.ok()) return s;
  using U = std::make_unsigned_t<T>;
  U value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) {
    value = static_cast<U>((value << 8) |
                           static_cast<uint8_t>(data_[pos_ + i]));
  }
  pos_ += sizeof(T);
  *out = static_cast<T>(value);
  return absl::OkStatus();
}

absl::Status Reader::ReadInt8(int8_t* out) {
  return ReadBigEndian(out, "int8");
}
absl::Status Reader::ReadInt16(int16_t* out) {
  return ReadBigEndian(out, "int16");
}
absl::Status Reader::ReadInt32(int32_t* out) {
  return ReadBigEndian(out, "int32");
}
absl::Status Reader::ReadInt64(int64_t* out) {
  return ReadBigEndian(out, "int64");
}
absl::Status Reader::ReadUint16(uint16_t* out) {
  return ReadBigEndian(out, "uint16");
}
absl::Status Reader::ReadUint32(uint32_t* out) {
  return ReadBigEndian(out, "uint32");
}

absl::Status Reader::ReadBool(bool* out) {
  uint8_t b = 0;
  absl::Status s = ReadBigEndian(&b, "bool");
  if (s.ok()) *out = b != 0;
  return s;
}

absl::Status Reader::ReadFloat64(double* out) {
  uint64_t bits = 0;
  absl::Status s = ReadBigEndian(&bits, "float64");
  if (s.ok()) std::memcpy(out, &bits, sizeof(bits));
  return s;
}

absl::Status Reader::ReadUuid(Uuid* out) {
  absl::Status s = Need(out->bytes.size(), "uuid");
  if (!s.ok()) return s;
  std::memcpy(out->bytes.data(), data_.data() + pos_, out->bytes.size());
  pos_ += out->bytes.size();
  return absl::OkStatus();
}

absl::Status Reader::ReadUnsignedVarlong(uint64_t* out) {
  if (!status_.ok()) return status_;
  uint64_t value = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    // The 10th byte may only carry the top bit of a 64-bit value.
    if (shift == 63 && b > 1) return Error("varint overflows 64 bits");
    value |= static_cast<uint64_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = value;
      return absl::OkStatus();
    }
  }
  return Error("varint longer than 10 bytes");
}

absl::Status Reader::ReadUnsignedVarint(uint32_t* out) {
  if (!status_.ok()) return status_;
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos_ >= data_.size()) return Error("truncated varint");
    const uint8_t b = static_cast<uint8_t>(data_[pos_++]);
    // The 5th byte may only carry the top 4 bits of a 32-bit value.
    if (shift == 28 && b > 0x0f) return Error("varint overflows 32 bits");
    value |= static_cast<uint32_t>(b & 0x7f) << shift;
    if ((b & 0x80) == 0) {
      *out = value;
      return absl::OkStatus();
    }
  }
  return Error("varint longer than 5 bytes");
}

absl::Status Reader::ReadVarint(int32_t* out) {
  uint32_t raw = 0;
  absl::Status s = ReadUnsignedVarint(&raw);
  if (s.ok()) *out = static_cast<int32_t>((raw >> 1) ^ (~(raw & 1) + 1));
  return s;
}

absl::Status Reader::ReadVarlong(int64_t* out) {
  uint64_t raw = 0;
  absl::Status s = ReadUnsignedVarlong(&raw);
  if (s.ok()) *out = static_cast<int64_t>((raw >> 1) ^ (~(raw & 1) + 1));
  return s;
}

absl::Status Reader::ReadLength(int width, bool compact, size_t max_length,
                                absl::string_view what, int64_t* length) {
  int64_t n = 0;
  if (compact) {
    uint32_t raw = 0;
    absl::Status s = ReadUnsignedVarint(&raw);
    if (!s.ok()) return s;
    n = static_cast<int64_t>(raw) - 1;
  } else if (width == 2) {
    int16_t raw = 0;
    absl::Status s = ReadInt16(&raw);
    if (!s.ok()) return s;
    n = raw;
  } else {
    int32_t raw = 0;
    absl::Status s = ReadInt32(&raw);
    if (!s.ok()) return s;
    n = raw;
  }
  if (n < -1) return Error(absl::StrCat("negative ", what, " length ", n));
  if (n > static_cast<int64_t>(max_length)) {
    return Error(absl::StrCat(what, " length ", n, " exceeds the limit"));
  }
  if (n > static_cast<int64_t>(remaining())) {
    return Error(absl::StrCat(what, " length ", n, " exceeds the ",
                              remaining(), " bytes left"));
  }
  *length = n;
  return absl::OkStatus();
}

absl::Status Reader::ReadStringLike(int width, bool compact, size_t max_length,
                                    bool nullable, absl::string_view what,
                                    std::optional<std::string>* out) {
  int64_t n = 0;
  absl::Status s = ReadLength(width, compact, max_length, what, &n);
  if (!s.ok()) return s;
  if (n < 0) {
    if (!nullable) return Error(absl::StrCat("null ", what, " not allowed"));
    out->reset();
    return absl::OkStatus();
  }
  out->emplace(data_.data() + pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return absl::OkStatus();
}

namespace {

// Moves a known-present optional's value into `out`.
absl::Status Unwrap(absl::Status s, std::optional<std::string>& v,
                    std::string* out) {
  if (s.ok()) *out = std::move(*v);
  return s;
}

constexpr size_t kMaxBytesLength = std::numeric_limits<int32_t>::max();

}  // namespace

absl::Status Reader::ReadString(std::string* out) {
  std::optional<std::string> v;
  return Unwrap(ReadStringLike(2, false, kMaxStringLength, false, "string", &v),
                v, out);
}
absl::Status Reader::ReadCompactString(std::string* out) {
  std::optional<std::string> v;
  return Unwrap(ReadStringLike(0, true, kMaxStringLength, false, "string", &v),
                v, out);
}
absl::Status Reader::ReadNullableString(std::optional<std::string>* out) {
  return ReadStringLike(2, false, kMaxStringLength, true, "string", out);
}
absl::Status Reader::ReadCompactNullableString(
    std::optional<std::string>* out) {
  return ReadStringLike(0, true, kMaxStringLength, true, "string", out);
}
absl::Status Reader::ReadBytes(std::string* out) {
  std::optional<std::string> v;
  return Unwrap(ReadStringLike(4, false, kMaxBytesLength, false, "bytes", &v),
                v, out);
}
absl::Status Reader::ReadCompactBytes(std::string* out) {
  std::optional<std::string> v;
  return Unwrap(ReadStringLike(0, true, kMaxBytesLength, false, "bytes", &v),
                v, out);
}
absl::Status Reader::ReadNullableBytes(std::optional<std::string>* out) {
  return ReadStringLike(4, false, kMaxBytesLength, true, "bytes", out);
}
absl::Status Reader::ReadCompactNullableBytes(std::optional<std::string>* out) {
  return ReadStringLike(0, true, kMaxBytesLength, true, "bytes", out);
}

absl::Status Reader::ReadRaw(size_t n, absl::string_view* out) {
  absl::Status s = Need(n, "raw bytes");
  if (!s.ok()) return s;
  *out = data_.substr(pos_, n);
  pos_ += n;
  return absl::OkStatus();
}

absl::Status Reader::Skip(size_t n) {
  absl::Status s = Need(n, "skipped bytes");
  if (s.ok()) pos_ += n;
  return s;
}

absl::Status Reader::ReadArrayCount(bool compact, size_t min_element_size,
                                    int32_t* count) {
  int64_t n = 0;
  if (compact) {
    uint32_t raw = 0;
    absl::Status s = ReadUnsignedVarint(&raw);
    if (!s.ok()) return s;
    n = static_cast<int64_t>(raw) - 1;
  } else {
    int32_t raw = 0;
    absl::Status s = ReadInt32(&raw);
    if (!s.ok()) return s;
    n = raw;
  }
  if (n < -1) return Error(absl::StrCat("negative array length ", n));
  const size_t element = std::max<size_t>(1, min_element_size);
  if (n > 0 && static_cast<uint64_t>(n) > remaining() / element) {
    return Error(absl::StrCat("array length ", n, " exceeds the ", remaining(),
                              " bytes left"));
  }
  *count = static_cast<int32_t>(n);
  return absl::OkStatus();
}

absl::Status Reader::ReadTaggedFields(
    absl::FunctionRef<absl::Status(uint32_t tag, Reader& field)> on_field) {
  uint32_t count = 0;
  absl::Status s = ReadUnsignedVarint(&count);
  if (!s.ok()) return s;
  // Each field takes at least two bytes (tag and size).
  if (count > remaining() / 2) {
    return Error(absl::StrCat("tagged field count ", count, " exceeds the ",
                              remaining(), " bytes left"));
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t tag = 0;
    uint32_t size = 0;
    s = ReadUnsignedVarint(&tag);
    if (!s.ok()) return s;
    s = ReadUnsignedVarint(&size);
    if (!s.ok()) return s;
    absl::string_view bytes;
    s = ReadRaw(size, &bytes);
    if (!s.ok()) return s;
    Reader field(bytes);
    s = on_field(tag, field);
    if (!s.ok()) return Fail(std::move(s));
  }
  return absl::OkStatus();
}

absl::Status Reader::SkipTaggedFields() {
  return ReadTaggedFields(
      [](uint32_t, Reader&) -> absl::Status { return absl::OkStatus(); });
}

}  // namespace warp::kafka
