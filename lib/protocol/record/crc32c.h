// CRC-32C (Castagnoli: polynomial 0x1EDC6F41, reflected 0x82F63B78, initial
// value and final XOR 0xFFFFFFFF), the checksum of Kafka RecordBatch v2.
//
// Crc32c() uses the SSE4.2 CRC32 instruction when the CPU has it (checked once
// at run time, so the binary needs no -msse4.2) and a portable slicing-by-8
// table otherwise. Both paths are exposed so tests and benchmarks can compare
// them. Check value: Crc32c("123456789") == 0xE3069283.
//
// Thread-safety: every function is pure and thread-safe.
#ifndef WARP_LIB_PROTOCOL_RECORD_CRC32C_H_
#define WARP_LIB_PROTOCOL_RECORD_CRC32C_H_

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"

namespace warp::kafka {

// Returns the CRC-32C of `data` continued from `crc`, the CRC-32C of the bytes
// before it (0 for none): Crc32cExtend(Crc32c(a), b) == Crc32c(a + b).
// Picks the fastest implementation this CPU supports.
uint32_t Crc32cExtend(uint32_t crc, const char* data, size_t size);

// Returns the CRC-32C of `data`.
inline uint32_t Crc32c(absl::string_view data) {
  return Crc32cExtend(0, data.data(), data.size());
}

// As Crc32cExtend, always with the portable slicing-by-8 tables.
uint32_t Crc32cExtendPortable(uint32_t crc, const char* data, size_t size);

// True if this CPU has the SSE4.2 CRC32 instruction (x86-64 only).
bool Crc32cHardwareAvailable();

// As Crc32cExtend, always with the SSE4.2 instruction. Requires
// Crc32cHardwareAvailable(); on other CPUs it falls back to the portable code.
uint32_t Crc32cExtendHardware(uint32_t crc, const char* data, size_t size);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_CRC32C_H_
