// The Kafka UUID type (topic ids): 16 raw bytes on the wire, big-endian halves
// of a 128-bit value. The all-zero UUID means "no id".
//
// Thread-safety: a plain value type; const methods may be called
// concurrently.
#ifndef WARP_LIB_PROTOCOL_WIRE_UUID_H_
#define WARP_LIB_PROTOCOL_WIRE_UUID_H_

#include <array>
#include <cstdint>

namespace warp::kafka {

struct Uuid {
  // The 16 bytes exactly as they appear on the wire.
  std::array<uint8_t, 16> bytes{};

  // True for the all-zero UUID (Kafka's ZERO_UUID, "unset").
  bool IsZero() const {
    for (uint8_t b : bytes) {
      if (b != 0) return false;
    }
    return true;
  }

  bool operator==(const Uuid&) const = default;
};

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_WIRE_UUID_H_
