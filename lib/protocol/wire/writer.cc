#include "lib/protocol/wire/writer.h"

#include <cstring>
#include <limits>

#include "absl/strings/str_cat.h"
#include "lib/protocol/wire/reader.h"

namespace warp::kafka {

void Writer::Fail(absl::Status status) {
  if (status_.ok()) status_ = std::move(status);
}

void Writer::FailNonNullable(absl::string_view field) {
  Fail(absl::InvalidArgumentError(
      absl::StrCat("kafka encode error: ", field,
                   " is null in a version where it is not nullable")));
}

void Writer::WriteFloat64(double v) {
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(bits));
  PutBigEndian(bits);
}

void Writer::WriteUuid(const Uuid& v) {
  out_->append(reinterpret_cast<const char*>(v.bytes.data()), v.bytes.size());
}

void Writer::WriteUnsignedVarlong(uint64_t v) {
  while (v >= 0x80) {
    Put(static_cast<uint8_t>(v) | 0x80);
    v >>= 7;
  }
  Put(static_cast<uint8_t>(v));
}

void Writer::WriteUnsignedVarint(uint32_t v) { WriteUnsignedVarlong(v); }

void Writer::WriteVarint(int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  WriteUnsignedVarint((u << 1) ^ static_cast<uint32_t>(v >> 31));
}

void Writer::WriteVarlong(int64_t v) {
  const uint64_t u = static_cast<uint64_t>(v);
  WriteUnsignedVarlong((u << 1) ^ static_cast<uint64_t>(v >> 63));
}

void Writer::WriteLength(bool compact, int width, int64_t length) {
  if (compact) {
    WriteUnsignedVarint(static_cast<uint32_t>(length + 1));
  } else if (width == 2) {
    WriteInt16(static_cast<int16_t>(length));
  } else {
    WriteInt32(static_cast<int32_t>(length));
  }
}

namespace {

bool StringTooLong(Writer& w, size_t size) {
  if (size <= kMaxStringLength) return false;
  w.Fail(absl::InvalidArgumentError(absl::StrCat(
      "kafka encode error: string of ", size, " bytes exceeds 32767")));
  return true;
}

bool BytesTooLong(Writer& w, size_t size) {
  if (size <= static_cast<size_t>(std::numeric_limits<int32_t>::max() - 1)) {
    return false;
  }
  w.Fail(absl::InvalidArgumentError("kafka encode error: bytes too long"));
  return true;
}

}  // namespace

void Writer::WriteString(absl::string_view v) {
  if (StringTooLong(*this, v.size())) return;
  WriteLength(false, 2, static_cast<int64_t>(v.size()));
  WriteRaw(v);
}

void Writer::WriteCompactString(absl::string_view v) {
  if (StringTooLong(*this, v.size())) return;
  WriteLength(true, 0, static_cast<int64_t>(v.size()));
  WriteRaw(v);
}

void Writer::WriteNullableString(const std::optional<std::string>& v) {
  if (!v.has_value()) {
    WriteLength(false, 2, -1);
    return;
  }
  WriteString(*v);
}

void Writer::WriteCompactNullableString(const std::optional<std::string>& v) {
  if (!v.has_value()) {
    WriteLength(true, 0, -1);
    return;
  }
  WriteCompactString(*v);
}

void Writer::WriteBytes(absl::string_view v) {
  if (BytesTooLong(*this, v.size())) return;
  WriteLength(false, 4, static_cast<int64_t>(v.size()));
  WriteRaw(v);
}

void Writer::WriteCompactBytes(absl::string_view v) {
  if (BytesTooLong(*this, v.size())) return;
  WriteLength(true, 0, static_cast<int64_t>(v.size()));
  WriteRaw(v);
}

void Writer::WriteNullableBytes(const std::optional<std::string>& v) {
  if (!v.has_value()) {
    WriteLength(false, 4, -1);
    return;
  }
  WriteBytes(*v);
}

void Writer::WriteCompactNullableBytes(const std::optional<std::string>& v) {
  if (!v.has_value()) {
    WriteLength(true, 0, -1);
    return;
  }
  WriteCompactBytes(*v);
}

void Writer::WriteArrayCount(bool compact, int64_t count) {
  if (count > std::numeric_limits<int32_t>::max() - 1) {
    Fail(absl::InvalidArgumentError("kafka encode error: array too long"));
    return;
  }
  WriteLength(compact, 4, count);
}

void Writer::WriteTaggedField(uint32_t tag,
                              absl::FunctionRef<void(Writer&)> write_value) {
  std::string value;
  Writer field(&value);
  write_value(field);
  if (!field.ok()) Fail(field.status());
  WriteUnsignedVarint(tag);
  WriteUnsignedVarint(static_cast<uint32_t>(value.size()));
  WriteRaw(value);
}

size_t Writer::ReserveInt32() {
  const size_t offset = out_->size();
  out_->append(4, '\0');
  return offset;
}

void Writer::PatchInt32(size_t offset, int32_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  for (int i = 0; i < 4; ++i) {
    (*out_)[offset + i] = static_cast<char>(u >> (8 * (3 - i)));
  }
}

}  // namespace warp::kafka
