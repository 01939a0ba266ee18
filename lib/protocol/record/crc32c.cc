#include "lib/protocol/record/crc32c.h"

#include <array>
#include <cstring>

namespace warp::kafka {
namespace {

// The reflected Castagnoli polynomial.
constexpr uint32_t kPolynomial = 0x82F63B78;

// kTables[0] is the classic byte-at-a-time table; kTables[k][b] is the CRC
// register after byte b followed by k zero bytes, which lets the portable
// loop fold 8 input bytes per step (slicing-by-8).
using SlicingTables = std::array<std::array<uint32_t, 256>, 8>;

constexpr SlicingTables MakeSlicingTables() {
  SlicingTables tables{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1) ? (crc >> 1) ^ kPolynomial : crc >> 1;
    }
    tables[0][b] = crc;
  }
  for (int k = 1; k < 8; ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t prev = tables[k - 1][b];
      tables[k][b] = (prev >> 8) ^ tables[0][prev & 0xFF];
    }
  }
  return tables;
}

constexpr SlicingTables kTables = MakeSlicingTables();

inline uint32_t LoadLittleEndian32(const unsigned char* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

// Advances the raw CRC register (no initial or final inversion).
uint32_t PortableUpdate(uint32_t crc, const unsigned char* p, size_t size) {
  while (size >= 8) {
    const uint32_t lo = LoadLittleEndian32(p) ^ crc;
    const uint32_t hi = LoadLittleEndian32(p + 4);
    crc = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^
          kTables[5][(lo >> 16) & 0xFF] ^ kTables[4][lo >> 24] ^
          kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
          kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
    size -= 8;
  }
  while (size-- > 0) {
    crc = (crc >> 8) ^ kTables[0][(crc ^ *p++) & 0xFF];
  }
  return crc;
}

#if defined(__x86_64__)

// The hardware path runs three independent CRC streams over consecutive
// kStripe-byte stripes (the CRC32 instruction has a latency of 3 cycles but a
// throughput of 1 per cycle), then merges them. Merging uses linearity: the
// register after stripes A, B is Shift(R(A)) ^ R(B), where Shift(x) is the
// register after kStripe zero bytes starting from x, a linear map on 32 bits
// applied with four 256-entry tables.
constexpr size_t kStripe = 1024;

struct ShiftTables {
  std::array<std::array<uint32_t, 256>, 4> table;

  uint32_t Shift(uint32_t crc) const {
    return table[0][crc & 0xFF] ^ table[1][(crc >> 8) & 0xFF] ^
           table[2][(crc >> 16) & 0xFF] ^ table[3][crc >> 24];
  }
};

__attribute__((target("sse4.2"))) uint64_t HardwareUpdate(
    uint64_t crc, const unsigned char* p, size_t size) {
  while (size >= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof(word));
    crc = __builtin_ia32_crc32di(crc, word);
    p += 8;
    size -= 8;
  }
  uint32_t crc32 = static_cast<uint32_t>(crc);
  while (size-- > 0) crc32 = __builtin_ia32_crc32qi(crc32, *p++);
  return crc32;
}

const ShiftTables& GetShiftTables() {
  static const ShiftTables* const tables = [] {
    auto* t = new ShiftTables;
    static const unsigned char kZeros[kStripe] = {};
    uint32_t basis[32];
    for (int bit = 0; bit < 32; ++bit) {
      basis[bit] = PortableUpdate(uint32_t{1} << bit, kZeros, kStripe);
    }
    for (int k = 0; k < 4; ++k) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t value = 0;
        for (int bit = 0; bit < 8; ++bit) {
          if (b & (1u << bit)) value ^= basis[8 * k + bit];
        }
        t->table[k][b] = value;
      }
    }
    return t;
  }();
  return *tables;
}

__attribute__((target("sse4.2"))) uint32_t HardwareExtend(
    uint32_t crc, const unsigned char* p, size_t size) {
  uint64_t c0 = ~crc;
  if (size >= 3 * kStripe) {
    const ShiftTables& shift = GetShiftTables();
    do {
      uint64_t c1 = 0;
      uint64_t c2 = 0;
      const unsigned char* p1 = p + kStripe;
      const unsigned char* p2 = p + 2 * kStripe;
      for (size_t i = 0; i < kStripe; i += 8) {
        uint64_t w0, w1, w2;
        std::memcpy(&w0, p + i, 8);
        std::memcpy(&w1, p1 + i, 8);
        std::memcpy(&w2, p2 + i, 8);
        c0 = __builtin_ia32_crc32di(c0, w0);
        c1 = __builtin_ia32_crc32di(c1, w1);
        c2 = __builtin_ia32_crc32di(c2, w2);
      }
      const uint32_t merged =
          shift.Shift(static_cast<uint32_t>(c0)) ^ static_cast<uint32_t>(c1);
      c0 = shift.Shift(merged) ^ static_cast<uint32_t>(c2);
      p += 3 * kStripe;
      size -= 3 * kStripe;
    } while (size >= 3 * kStripe);
  }
  return ~static_cast<uint32_t>(HardwareUpdate(c0, p, size));
}

bool DetectHardware() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("sse4.2");
}

#endif  // defined(__x86_64__)

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const char* data, size_t size) {
  return ~PortableUpdate(~crc, reinterpret_cast<const unsigned char*>(data),
                         size);
}

bool Crc32cHardwareAvailable() {
#if defined(__x86_64__)
  static const bool available = DetectHardware();
  return available;
#else
  return false;
#endif
}

uint32_t Crc32cExtendHardware(uint32_t crc, const char* data, size_t size) {
#if defined(__x86_64__)
  if (Crc32cHardwareAvailable()) {
    return HardwareExtend(crc, reinterpret_cast<const unsigned char*>(data),
                          size);
  }
#endif
  return Crc32cExtendPortable(crc, data, size);
}

uint32_t Crc32cExtend(uint32_t crc, const char* data, size_t size) {
  return Crc32cExtendHardware(crc, data, size);
}

}  // namespace warp::kafka
