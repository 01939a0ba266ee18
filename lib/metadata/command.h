// The binary encoding of metadata commands (warp/metadata_commands.h) as they
// go into the journal. Pure and thread-safe; Decode never trusts a length it
// has not checked against the bytes left.
#ifndef WARP_LIB_METADATA_COMMAND_H_
#define WARP_LIB_METADATA_COMMAND_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "warp/metadata_commands.h"

namespace warp::metadata {

// Serializes `command` (a version byte, the variant index, the fields).
std::string EncodeCommand(const Command& command);

// Parses what EncodeCommand wrote; InvalidArgument/DataLoss on bad bytes.
absl::StatusOr<Command> DecodeCommand(absl::string_view bytes);

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_COMMAND_H_
