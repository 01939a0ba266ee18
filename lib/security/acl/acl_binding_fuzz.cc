// libFuzzer target for the stored form of ACL bindings (acl_codec.h), as the
// metadata journal and its snapshots carry them.
//
// Each input is a concatenation of encoded bindings. Decoding must never
// crash, read out of bounds or allocate by an unchecked length; every
// binding it accepts is valid (ValidateAclBinding), encodes to exactly the
// bytes it came from, and can be indexed and asked by the authorizer.
//
// Replayed over tests/fuzz/corpus/acl_binding by
// //lib/security/acl:acl_binding_fuzz_replay; fuzzed by
// `bash scripts/fuzz.sh 60 acl_binding`.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "lib/security/acl/acl_codec.h"
#include "lib/security/acl/authorizer.h"
#include "warp/acl.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::acl;  // NOLINT: a fuzz entry point.
  absl::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<AclBinding> bindings;
  while (!in.empty() && bindings.size() < 1000) {
    absl::string_view before = in;
    absl::StatusOr<AclBinding> binding = ReadAclBinding(&in);
    if (!binding.ok()) break;
    Check(ValidateAclBinding(*binding).ok());
    std::string encoded = EncodeAclBinding(*binding);
    Check(before.substr(0, encoded.size()) == encoded);
    Check(DecodeAclBinding(encoded).ok());
    bindings.push_back(*std::move(binding));
  }
  absl::StatusOr<std::shared_ptr<const AclSnapshot>> snapshot =
      AclSnapshot::Build(bindings, AuthorizerOptions());
  Check(snapshot.ok());
  for (const AclBinding& b : bindings) {
    (void)(*snapshot)->Authorize(b.entry.principal, b.entry.host, b.entry.operation,
                                 b.pattern.resource_type, b.pattern.name);
    (void)(*snapshot)->AuthorizeAny(b.entry.principal, b.entry.host, b.entry.operation,
                                    b.pattern.resource_type);
  }
  return 0;
}
