#include "lib/security/acl/acl_codec.h"

#include "absl/strings/str_cat.h"

namespace warp::acl {
namespace {

void AppendVarint(uint32_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

void AppendString(absl::string_view s, std::string* out) {
  AppendVarint(static_cast<uint32_t>(s.size()), out);
  out->append(s.data(), s.size());
}

absl::Status Truncated() {
  return absl::DataLossError("ACL binding: truncated");
}

absl::StatusOr<uint8_t> ReadByte(absl::string_view* in) {
  if (in->empty()) return Truncated();
  uint8_t b = static_cast<uint8_t>(in->front());
  in->remove_prefix(1);
  return b;
}

absl::StatusOr<std::string> ReadString(absl::string_view* in) {
  uint64_t length = 0;
  for (int shift = 0;; shift += 7) {
    if (shift > 28) return absl::DataLossError("ACL binding: varint too long");
    absl::StatusOr<uint8_t> b = ReadByte(in);
    if (!b.ok()) return b.status();
    length |= uint64_t{*b & 0x7fu} << shift;
    if ((*b & 0x80) == 0) break;
  }
  if (length > in->size()) return Truncated();
  std::string s(in->substr(0, length));
  in->remove_prefix(length);
  return s;
}

}  // namespace

void AppendAclBinding(const AclBinding& b, std::string* out) {
  out->push_back(static_cast<char>(kAclBindingFormatVersion));
  out->push_back(static_cast<char>(b.pattern.resource_type));
  out->push_back(static_cast<char>(b.pattern.pattern_type));
  out->push_back(static_cast<char>(b.entry.operation));
  out->push_back(static_cast<char>(b.entry.permission));
  AppendString(b.pattern.name, out);
  AppendString(b.entry.principal, out);
  AppendString(b.entry.host, out);
}

std::string EncodeAclBinding(const AclBinding& binding) {
  std::string out;
  AppendAclBinding(binding, &out);
  return out;
}

absl::StatusOr<AclBinding> ReadAclBinding(absl::string_view* in) {
  if (in->size() < 5) return Truncated();
  const uint8_t version = static_cast<uint8_t>((*in)[0]);
  if (version != kAclBindingFormatVersion) {
    return absl::DataLossError(
        absl::StrCat("ACL binding: unknown format version ", version));
  }
  AclBinding b;
  b.pattern.resource_type = ResourceTypeFromCode((*in)[1]);
  b.pattern.pattern_type = PatternTypeFromCode((*in)[2]);
  b.entry.operation = AclOperationFromCode((*in)[3]);
  b.entry.permission = AclPermissionTypeFromCode((*in)[4]);
  in->remove_prefix(5);
  for (std::string* field :
       {&b.pattern.name, &b.entry.principal, &b.entry.host}) {
    absl::StatusOr<std::string> s = ReadString(in);
    if (!s.ok()) return s.status();
    *field = *std::move(s);
  }
  if (absl::Status valid = ValidateAclBinding(b); !valid.ok()) {
    return absl::DataLossError(absl::StrCat("ACL binding: ", valid.message()));
  }
  return b;
}

absl::StatusOr<AclBinding> DecodeAclBinding(absl::string_view bytes) {
  absl::StatusOr<AclBinding> b = ReadAclBinding(&bytes);
  if (b.ok() && !bytes.empty()) {
    return absl::DataLossError(
        absl::StrCat("ACL binding: ", bytes.size(), " trailing bytes"));
  }
  return b;
}

}  // namespace warp::acl
