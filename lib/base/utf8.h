// UTF-8 validation (RFC 3629): the checks object keys and SASL identities
// share.
//
// Thread-safety: pure functions.
#ifndef WARP_LIB_BASE_UTF8_H_
#define WARP_LIB_BASE_UTF8_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace warp {

// The length of the well-formed UTF-8 sequence at the start of `text` (1 to
// 4), or 0 if it is not one (or `text` is empty): no overlong forms, no
// surrogates (U+D800 to U+DFFF), nothing above U+10FFFF.
size_t Utf8SequenceLength(absl::string_view text);

// True when all of `text` is well-formed UTF-8 (the empty string is).
bool IsValidUtf8(absl::string_view text);

}  // namespace warp

#endif  // WARP_LIB_BASE_UTF8_H_
