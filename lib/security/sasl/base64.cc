#include "lib/security/sasl/base64.h"

#include "absl/strings/escaping.h"

namespace warp::sasl {

std::optional<std::string> DecodeBase64Strict(absl::string_view text) {
  std::string bytes;
  if (text.size() % 4 != 0 || !absl::Base64Unescape(text, &bytes) ||
      absl::Base64Escape(bytes) != text) {
    return std::nullopt;
  }
  return bytes;
}

}  // namespace warp::sasl
