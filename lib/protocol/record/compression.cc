#include "lib/protocol/record/compression.h"

#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>

#include "absl/strings/str_cat.h"
#include "lib/base/status_macros.h"

namespace warp::kafka {
namespace {

// Largest input either direction accepts: a RecordBatch cannot be larger.
constexpr size_t kMaxInputBytes = std::numeric_limits<int32_t>::max();

// Largest output cap honoured; bigger caps are clamped (keeps cap + 1 finite).
constexpr size_t kMaxOutputCap = size_t{1} << 40;

constexpr char kXerialMagic[8] = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr size_t kXerialHeaderSize = 16;

// A snappy tag copies at most 64 bytes for 3 input bytes, so no valid raw
// block inflates more than ~21x; a larger declared length is corrupt.
constexpr size_t kSnappyMaxRatio = 32;

absl::Status ExceedsCap(absl::string_view codec, size_t cap) {
  return absl::ResourceExhaustedError(absl::StrCat(
      codec, ": decompressed size exceeds the limit of ", cap, " bytes"));
}

absl::Status Corrupt(absl::string_view codec, absl::string_view what) {
  return absl::DataLossError(absl::StrCat(codec, ": corrupt input: ", what));
}

void AppendBigEndian32(uint32_t v, std::string* out) {
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

uint32_t LoadBigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) |
         (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

// A growing output buffer that holds at most cap + 1 bytes, so producing one
// byte beyond the cap is detectable without allocating more.
class BoundedOutput {
 public:
  BoundedOutput(size_t cap, size_t input_size)
      : cap_(std::min(cap, kMaxOutputCap)) {
    data_.resize(std::min(
        cap_ + 1, std::clamp<size_t>(input_size * 4, 4096, size_t{1} << 20)));
  }

  // Makes room for more output; requires !exceeded().
  void Grow() {
    if (produced_ < data_.size()) return;
    data_.resize(std::min(cap_ + 1, std::max<size_t>(data_.size() * 2, 4096)));
  }

  char* spare() { return data_.data() + produced_; }
  size_t spare_size() const { return data_.size() - produced_; }
  void Commit(size_t n) { produced_ += n; }
  bool exceeded() const { return produced_ > cap_; }
  size_t cap() const { return cap_; }

  std::string Finish() && {
    data_.resize(produced_);
    return std::move(data_);
  }

 private:
  size_t cap_;
  size_t produced_ = 0;
  std::string data_;
};

// ---- gzip ------------------------------------------------------------------

absl::Status GzipCompress(absl::string_view input, int level,
                          std::string* output) {
  if (level == 0) level = 6;
  if (level < 1 || level > 9) {
    return absl::InvalidArgumentError(
        absl::StrCat("gzip: level ", level, " is outside 1-9"));
  }
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return absl::InternalError("gzip: deflateInit2 failed");
  }
  const size_t start = output->size();
  output->resize(start + deflateBound(&zs, input.size()));
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  zs.next_out = reinterpret_cast<Bytef*>(output->data() + start);
  zs.avail_out = static_cast<uInt>(output->size() - start);
  const int rc = deflate(&zs, Z_FINISH);
  const size_t written = zs.total_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    output->resize(start);
    return absl::InternalError(absl::StrCat("gzip: deflate returned ", rc));
  }
  output->resize(start + written);
  return absl::OkStatus();
}

absl::StatusOr<std::string> GzipDecompress(absl::string_view input,
                                           size_t cap) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {
    return absl::InternalError("gzip: inflateInit2 failed");
  }
  std::unique_ptr<z_stream, int (*)(z_stream*)> cleanup(&zs, inflateEnd);
  BoundedOutput out(cap, input.size());
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  zs.avail_in = static_cast<uInt>(input.size());
  while (true) {
    out.Grow();
    const uInt room = static_cast<uInt>(
        std::min<size_t>(out.spare_size(), std::numeric_limits<uInt>::max()));
    zs.next_out = reinterpret_cast<Bytef*>(out.spare());
    zs.avail_out = room;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.Commit(room - zs.avail_out);
    if (out.exceeded()) return ExceedsCap("gzip", out.cap());
    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0) break;
      // Another gzip member follows (Java's GZIPInputStream reads them all).
      if (zs.avail_in < 2 || zs.next_in[0] != 0x1F || zs.next_in[1] != 0x8B) {
        return Corrupt("gzip", "trailing bytes after the gzip stream");
      }
      if (inflateReset(&zs) != Z_OK) return Corrupt("gzip", "bad member");
      continue;
    }
    if (rc == Z_MEM_ERROR) return absl::ResourceExhaustedError("gzip: oom");
    if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Corrupt("gzip", zs.msg != nullptr ? zs.msg : "inflate failed");
    }
    if (zs.avail_out > 0) {
      // Output left room, so inflate stopped for want of input.
      return Corrupt("gzip", zs.avail_in == 0 ? "truncated stream" : "stalled");
    }
  }
  return std::move(out).Finish();
}

// ---- snappy ----------------------------------------------------------------

void SnappyRawCompress(absl::string_view input, std::string* output) {
  const size_t start = output->size();
  output->resize(start + snappy::MaxCompressedLength(input.size()));
  size_t written = 0;
  snappy::RawCompress(input.data(), input.size(), output->data() + start,
                      &written);
  output->resize(start + written);
}

absl::Status SnappyCompress(absl::string_view input,
                            const CompressionOptions& options,
                            std::string* output) {
  if (options.snappy_framing == SnappyFraming::kRaw) {
    SnappyRawCompress(input, output);
    return absl::OkStatus();
  }
  const size_t block = options.snappy_xerial_block_size;
  if (block == 0 || block > (size_t{1} << 30)) {
    return absl::InvalidArgumentError("snappy: bad xerial block size");
  }
  output->append(kXerialMagic, sizeof(kXerialMagic));
  AppendBigEndian32(1, output);  // Version.
  AppendBigEndian32(1, output);  // Minimum compatible version.
  for (size_t pos = 0; pos < input.size(); pos += block) {
    const size_t length_at = output->size();
    output->append(4, '\0');
    SnappyRawCompress(input.substr(pos, block), output);
    const uint32_t length =
        static_cast<uint32_t>(output->size() - length_at - 4);
    for (int i = 0; i < 4; ++i) {
      (*output)[length_at + i] = static_cast<char>(length >> (24 - 8 * i));
    }
  }
  return absl::OkStatus();
}

// Appends one decoded raw snappy block to `*out`, which may hold at most
// `cap` bytes in total.
absl::Status SnappyRawDecompressAppend(absl::string_view block, size_t cap,
                                       std::string* out) {
  size_t length = 0;
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &length)) {
    return Corrupt("snappy", "bad block header");
  }
  if (length > block.size() * kSnappyMaxRatio + 64) {
    return Corrupt("snappy", "declared length impossible for the block size");
  }
  if (length > cap - out->size()) return ExceedsCap("snappy", cap);
  const size_t start = out->size();
  out->resize(start + length);
  if (!snappy::RawUncompress(block.data(), block.size(), out->data() + start)) {
    return Corrupt("snappy", "bad block");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> SnappyDecompress(absl::string_view input,
                                             size_t cap) {
  std::string out;
  if (!IsXerialSnappy(input)) {
    RETURN_IF_ERROR(SnappyRawDecompressAppend(input, cap, &out));
    return out;
  }
  // The version fields are not checked: every writer uses 1 and readers
  // (librdkafka, franz-go, the Java client) ignore them.
  input.remove_prefix(kXerialHeaderSize);
  while (!input.empty()) {
    if (input.size() < 4) return Corrupt("snappy", "truncated xerial chunk");
    const uint32_t length = LoadBigEndian32(input.data());
    input.remove_prefix(4);
    if (length > input.size()) {
      return Corrupt("snappy", "xerial chunk longer than the input");
    }
    RETURN_IF_ERROR(
        SnappyRawDecompressAppend(input.substr(0, length), cap, &out));
    input.remove_prefix(length);
  }
  return out;
}

// ---- lz4 -------------------------------------------------------------------

absl::Status Lz4Compress(absl::string_view input, int level,
                         std::string* output) {
  LZ4F_preferences_t prefs;
  std::memset(&prefs, 0, sizeof(prefs));
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // Java requires it.
  prefs.compressionLevel = level;
  const size_t start = output->size();
  output->resize(start + LZ4F_compressFrameBound(input.size(), &prefs));
  const size_t written =
      LZ4F_compressFrame(output->data() + start, output->size() - start,
                         input.data(), input.size(), &prefs);
  if (LZ4F_isError(written)) {
    output->resize(start);
    return absl::InternalError(
        absl::StrCat("lz4: ", LZ4F_getErrorName(written)));
  }
  output->resize(start + written);
  return absl::OkStatus();
}

absl::StatusOr<std::string> Lz4Decompress(absl::string_view input, size_t cap) {
  LZ4F_dctx* raw_dctx = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw_dctx, LZ4F_VERSION))) {
    return absl::InternalError("lz4: cannot create a decompression context");
  }
  std::unique_ptr<LZ4F_dctx, LZ4F_errorCode_t (*)(LZ4F_dctx*)> dctx(
      raw_dctx, LZ4F_freeDecompressionContext);
  BoundedOutput out(cap, input.size());
  while (true) {
    out.Grow();
    size_t dst_size = out.spare_size();
    size_t src_size = input.size();
    const size_t hint = LZ4F_decompress(dctx.get(), out.spare(), &dst_size,
                                        input.data(), &src_size, nullptr);
    if (LZ4F_isError(hint)) return Corrupt("lz4", LZ4F_getErrorName(hint));
    out.Commit(dst_size);
    input.remove_prefix(src_size);
    if (out.exceeded()) return ExceedsCap("lz4", out.cap());
    if (input.empty() && hint == 0) break;  // Every frame complete.
    if (src_size == 0 && dst_size == 0) {
      // Room for output but nothing decoded: the frame wants more input.
      return Corrupt("lz4", input.empty() ? "truncated frame" : "stalled");
    }
  }
  return std::move(out).Finish();
}

// ---- zstd ------------------------------------------------------------------

absl::Status ZstdCompress(absl::string_view input, int level,
                          std::string* output) {
  if (level == 0) level = ZSTD_CLEVEL_DEFAULT;
  if (level > ZSTD_maxCLevel() || level < ZSTD_minCLevel()) {
    return absl::InvalidArgumentError(
        absl::StrCat("zstd: level ", level, " is out of range"));
  }
  const size_t start = output->size();
  output->resize(start + ZSTD_compressBound(input.size()));
  const size_t written =
      ZSTD_compress(output->data() + start, output->size() - start,
                    input.data(), input.size(), level);
  if (ZSTD_isError(written)) {
    output->resize(start);
    return absl::InternalError(
        absl::StrCat("zstd: ", ZSTD_getErrorName(written)));
  }
  output->resize(start + written);
  return absl::OkStatus();
}

// Largest window the streaming decoder allocates: enough for any standard
// level (levels up to 19 use at most 8 MiB windows), and at least the cap.
int ZstdWindowLogMax(size_t cap) {
  int log = 23;
  while (log < 27 && (size_t{1} << log) < cap) ++log;
  return log;
}

// Sums the content sizes the frames of `input` declare, or returns
// ZSTD_CONTENTSIZE_UNKNOWN if one does not declare it (streaming writers).
absl::StatusOr<unsigned long long> ZstdTotalContentSize(
    absl::string_view input) {
  unsigned long long total = 0;
  while (!input.empty()) {
    const unsigned long long content =
        ZSTD_getFrameContentSize(input.data(), input.size());
    if (content == ZSTD_CONTENTSIZE_ERROR) {
      return Corrupt("zstd", "bad frame header");
    }
    if (content == ZSTD_CONTENTSIZE_UNKNOWN) return content;
    const size_t frame_size =
        ZSTD_findFrameCompressedSize(input.data(), input.size());
    if (ZSTD_isError(frame_size)) {
      return Corrupt("zstd", ZSTD_getErrorName(frame_size));
    }
    total += std::min<unsigned long long>(content, kMaxOutputCap);
    if (total > kMaxOutputCap) return total;  // Over any cap; stop summing.
    input.remove_prefix(frame_size);
  }
  return total;
}

absl::StatusOr<std::string> ZstdDecompress(absl::string_view input,
                                           size_t cap) {
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(ZSTD_createDCtx(),
                                                          ZSTD_freeDCtx);
  if (dctx == nullptr) return absl::InternalError("zstd: no context");
  if (input.empty()) return Corrupt("zstd", "empty input");
  cap = std::min(cap, kMaxOutputCap);
  ASSIGN_OR_RETURN(const unsigned long long content,
                   ZstdTotalContentSize(input));
  if (content != ZSTD_CONTENTSIZE_UNKNOWN) {
    // Every frame declares its size: one call into an exactly sized buffer.
    if (content > cap) return ExceedsCap("zstd", cap);
    std::string out(static_cast<size_t>(content), '\0');
    const size_t written = ZSTD_decompressDCtx(
        dctx.get(), out.data(), out.size(), input.data(), input.size());
    if (ZSTD_isError(written)) {
      return Corrupt("zstd", ZSTD_getErrorName(written));
    }
    if (written != out.size()) {
      return Corrupt("zstd", "content shorter than its declared size");
    }
    return out;
  }
  ZSTD_DCtx_setParameter(dctx.get(), ZSTD_d_windowLogMax,
                         ZstdWindowLogMax(cap));
  BoundedOutput out(cap, input.size());
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  while (true) {
    out.Grow();
    ZSTD_outBuffer buffer{out.spare(), out.spare_size(), 0};
    const size_t ret = ZSTD_decompressStream(dctx.get(), &buffer, &in);
    if (ZSTD_isError(ret)) {
      if (ZSTD_getErrorCode(ret) == ZSTD_error_frameParameter_windowTooLarge) {
        return absl::ResourceExhaustedError(
            "zstd: frame window larger than the decoder allows");
      }
      return Corrupt("zstd", ZSTD_getErrorName(ret));
    }
    out.Commit(buffer.pos);
    if (out.exceeded()) return ExceedsCap("zstd", cap);
    if (in.pos == in.size) {
      if (ret == 0) break;  // Last frame complete.
      if (buffer.pos < buffer.size) return Corrupt("zstd", "truncated frame");
    }
  }
  return std::move(out).Finish();
}

}  // namespace

absl::string_view CompressionName(Compression codec) {
  switch (codec) {
    case Compression::kNone:
      return "none";
    case Compression::kGzip:
      return "gzip";
    case Compression::kSnappy:
      return "snappy";
    case Compression::kLz4:
      return "lz4";
    case Compression::kZstd:
      return "zstd";
  }
  return "unknown";
}

bool IsXerialSnappy(absl::string_view input) {
  return input.size() >= kXerialHeaderSize &&
         std::memcmp(input.data(), kXerialMagic, sizeof(kXerialMagic)) == 0;
}

absl::Status CompressAppend(Compression codec, absl::string_view input,
                            const CompressionOptions& options,
                            std::string* output) {
  if (input.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError("compress: input larger than 2 GiB");
  }
  switch (codec) {
    case Compression::kNone:
      output->append(input.data(), input.size());
      return absl::OkStatus();
    case Compression::kGzip:
      return GzipCompress(input, options.level, output);
    case Compression::kSnappy:
      return SnappyCompress(input, options, output);
    case Compression::kLz4:
      return Lz4Compress(input, options.level, output);
    case Compression::kZstd:
      return ZstdCompress(input, options.level, output);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

absl::StatusOr<std::string> Compress(Compression codec, absl::string_view input,
                                     const CompressionOptions& options) {
  std::string output;
  RETURN_IF_ERROR(CompressAppend(codec, input, options, &output));
  return output;
}

absl::StatusOr<std::string> Decompress(Compression codec,
                                       absl::string_view input,
                                       size_t max_output_bytes) {
  if (input.size() > kMaxInputBytes) {
    return absl::InvalidArgumentError("decompress: input larger than 2 GiB");
  }
  switch (codec) {
    case Compression::kNone:
      if (input.size() > max_output_bytes) {
        return ExceedsCap("none", max_output_bytes);
      }
      return std::string(input);
    case Compression::kGzip:
      return GzipDecompress(input, max_output_bytes);
    case Compression::kSnappy:
      return SnappyDecompress(input, std::min(max_output_bytes, kMaxOutputCap));
    case Compression::kLz4:
      return Lz4Decompress(input, max_output_bytes);
    case Compression::kZstd:
      return ZstdDecompress(input, max_output_bytes);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown compression codec ", static_cast<int>(codec)));
}

}  // namespace warp::kafka
