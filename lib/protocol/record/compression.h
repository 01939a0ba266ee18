// The four Kafka record compression codecs, in the framings Kafka clients use
// inside a RecordBatch (see reference kafka-protocol.md §2):
//
//   gzip    an RFC 1952 gzip stream (zlib); the decoder accepts concatenated
//           members, as Java's GZIPInputStream does.
//   snappy  either the xerial framing that the Java client and kafka-python
//           write (16-byte header "\x82SNAPPY\0" + int32 version + int32
//           min-compatible version, then [int32 BE length][raw snappy block]
//           chunks) or one raw snappy block (librdkafka, franz-go). The
//           encoder writes xerial by default; the decoder detects either.
//   lz4     the LZ4 frame format (liblz4 lz4frame), with independent 64 KiB
//           blocks as the Java client requires; the decoder accepts any
//           valid frame(s).
//   zstd    standard zstd frame(s), with or without a content size.
//
// Decompression never produces more than `max_output_bytes`: a larger output
// (a zip bomb) fails with ResourceExhaustedError, before the memory is
// allocated whenever the codec declares its size up front. Corrupt or
// truncated input fails with DataLossError naming the codec. No input can
// crash a decoder or make it read out of bounds.
//
// Thread-safety: every function is thread-safe (each call uses its own codec
// state).
#ifndef WARP_LIB_PROTOCOL_RECORD_COMPRESSION_H_
#define WARP_LIB_PROTOCOL_RECORD_COMPRESSION_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace warp::kafka {

// The codec of a RecordBatch: bits 0-2 of its attributes. 5-7 are unassigned.
enum class Compression : uint8_t {
  kNone = 0,
  kGzip = 1,
  kSnappy = 2,
  kLz4 = 3,
  kZstd = 4,
};

// Lower-case Kafka name of a codec ("none", "gzip", ...), or "unknown".
absl::string_view CompressionName(Compression codec);

// How the snappy encoder frames its output.
enum class SnappyFraming {
  kXerial,  // Java client and kafka-python: chunked, with the 16-byte header.
  kRaw,     // librdkafka and franz-go: one raw snappy block.
};

struct CompressionOptions {
  // Codec-specific level; 0 picks the codec's (and Kafka's) default: gzip 6
  // (range 1-9), lz4 fast mode (levels >= 3 use the slower, denser LZ4-HC),
  // zstd 3 (range 1-22; negative levels trade ratio for speed). Snappy has
  // no levels and ignores it.
  int level = 0;
  // Framing of snappy output; decoders accept both.
  SnappyFraming snappy_framing = SnappyFraming::kXerial;
  // Uncompressed bytes per xerial chunk (kafka-python and the Java client use
  // 32 KiB). Larger chunks compress slightly better and need more memory.
  size_t snappy_xerial_block_size = 32 * 1024;
};

// Default cap on one decompressed record payload. Kafka's default
// message.max.bytes is 1 MiB of compressed data; 64 MiB leaves room for
// highly compressible batches while bounding memory per batch.
inline constexpr size_t kDefaultMaxDecompressedBytes = 64 << 20;

// Appends `input` compressed with `codec` to `*output`. kNone appends it
// unchanged. Fails with InvalidArgumentError for an unknown codec, a bad
// option or an input over 2 GiB, InternalError if the library fails.
absl::Status CompressAppend(Compression codec, absl::string_view input,
                            const CompressionOptions& options,
                            std::string* output);

// Returns `input` compressed with `codec`; see CompressAppend.
absl::StatusOr<std::string> Compress(Compression codec, absl::string_view input,
                                     const CompressionOptions& options = {});

// Returns the decompressed content of `input` (for kNone, `input` itself), at
// most `max_output_bytes` long. Fails with ResourceExhaustedError if the
// content is longer, DataLossError if `input` is corrupt or truncated,
// InvalidArgumentError for an unknown codec.
absl::StatusOr<std::string> Decompress(Compression codec,
                                       absl::string_view input,
                                       size_t max_output_bytes);

// True if `input` starts with the xerial snappy header.
bool IsXerialSnappy(absl::string_view input);

}  // namespace warp::kafka

#endif  // WARP_LIB_PROTOCOL_RECORD_COMPRESSION_H_
