// libFuzzer target for the data object format (object_format.h): the
// object parser, the trailer and index readers, and the builder.
//
// Byte 0 of the input picks the mode; the rest is the body:
//   0  the body is an object, parsed as found;
//   1  the same with its index and data CRC-32Cs recomputed first (over the
//      ranges the parser checks), so mutations reach the checks behind them;
//   2  the body is an index: its first 8 bytes the trailer's index offset,
//      the rest the index bytes, parsed with a matching trailer;
//   3  the body is a list of batches (topic length byte, topic, partition
//      byte, batch length byte, batch), built into an object with
//      ObjectBuilder and parsed back.
// Checked, besides no crash and no out-of-bounds read: every index entry
// the parsers accept lies inside the data section (no arithmetic wrap); a
// whole object's trailer points exactly at its index; a built object parses
// back with one entry per partition, in order and contiguous, and each
// batch at its placement.
//
// Replayed over tests/fuzz/corpus/object_format by //lib/engine:
// object_format_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 object_format`.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "lib/engine/object_format.h"
#include "lib/protocol/record/crc32c.h"

namespace warp::engine {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

void CheckEntriesInside(const std::vector<ObjectIndexEntry>& entries,
                        uint64_t index_offset) {
  for (const ObjectIndexEntry& e : entries) {
    Check(e.byte_offset >= kObjectHeaderSize);
    Check(e.byte_offset <= index_offset &&
          e.byte_length <= index_offset - e.byte_offset);
  }
}

void FuzzObject(absl::string_view object) {
  absl::StatusOr<std::vector<ObjectIndexEntry>> entries = ParseObject(object);
  if (!entries.ok()) return;
  Check(object.size() >= kObjectHeaderSize + kObjectTrailerSize);
  absl::StatusOr<ObjectTrailer> trailer =
      ParseObjectTrailer(object.substr(object.size() - kObjectTrailerSize));
  Check(trailer.ok());
  Check(trailer->index_offset <= object.size() - kObjectTrailerSize);
  Check(trailer->index_length ==
        object.size() - kObjectTrailerSize - trailer->index_offset);
  CheckEntriesInside(*entries, trailer->index_offset);
}

// Recomputes the CRCs the parser checks, over the same (clamped) ranges.
void FuzzObjectWithCrcs(absl::string_view body) {
  if (body.size() < kObjectHeaderSize + kObjectTrailerSize) return FuzzObject(body);
  std::string object(body);
  char* trailer = object.data() + object.size() - kObjectTrailerSize;
  uint64_t index_offset;
  uint32_t index_length;
  std::memcpy(&index_offset, trailer, 8);
  std::memcpy(&index_length, trailer + 8, 4);
  const absl::string_view view(object);
  if (index_offset >= kObjectHeaderSize) {
    const uint32_t data_crc = kafka::Crc32c(
        view.substr(kObjectHeaderSize, index_offset - kObjectHeaderSize));
    std::memcpy(trailer + 16, &data_crc, 4);
  }
  if (index_offset <= object.size()) {
    const uint32_t index_crc = kafka::Crc32c(view.substr(index_offset, index_length));
    std::memcpy(trailer + 12, &index_crc, 4);
  }
  FuzzObject(object);
}

void FuzzIndex(absl::string_view body) {
  if (body.size() < 8) return;
  ObjectTrailer trailer;
  std::memcpy(&trailer.index_offset, body.data(), 8);
  const absl::string_view index = body.substr(8);
  trailer.index_length = static_cast<uint32_t>(index.size());
  trailer.index_crc = kafka::Crc32c(index);
  absl::StatusOr<std::vector<ObjectIndexEntry>> entries =
      ParseObjectIndex(index, trailer);
  if (entries.ok()) CheckEntriesInside(*entries, trailer.index_offset);
}

void FuzzBuilder(absl::string_view body) {
  struct Added {
    std::string topic;
    int32_t partition;
    std::string batch;
  };
  std::vector<Added> added;
  auto take = [&](size_t n) {
    n = std::min(n, body.size());
    std::string out(body.substr(0, n));
    body.remove_prefix(n);
    return out;
  };
  while (body.size() >= 3) {
    Added a;
    a.topic = take(static_cast<uint8_t>(body[0]) % 8 + 1).substr(1);
    a.partition = static_cast<int8_t>(take(1)[0]);
    const std::string length = take(1);
    a.batch = take(length.empty() ? 0 : static_cast<uint8_t>(length[0]));
    added.push_back(std::move(a));
  }
  ObjectBuilder builder;
  for (size_t i = 0; i < added.size(); ++i) {
    builder.Add(added[i].topic, added[i].partition, added[i].batch,
                static_cast<int32_t>(i + 1), 1000 + static_cast<int64_t>(i));
  }
  const size_t bound = builder.object_size_bound();
  const AlignedBuffer object = builder.Finish();
  Check(object.size() <= bound);
  absl::StatusOr<std::vector<ObjectIndexEntry>> entries = ParseObject(object.view());
  Check(entries.ok());
  FuzzObject(object.view());

  std::map<std::pair<std::string, int32_t>, std::vector<size_t>> by_partition;
  for (size_t i = 0; i < added.size(); ++i) {
    by_partition[{added[i].topic, added[i].partition}].push_back(i);
  }
  Check(entries->size() == by_partition.size());
  uint64_t at = kObjectHeaderSize;
  size_t e = 0;
  for (const auto& [key, batches] : by_partition) {
    const ObjectIndexEntry& entry = (*entries)[e++];
    Check(entry.topic == key.first && entry.partition == key.second);
    Check(entry.byte_offset == at && entry.batch_count == batches.size());
    int64_t records = 0;
    for (size_t i : batches) {
      Check(builder.placements()[i] == at);
      Check(object.view().substr(at, added[i].batch.size()) == added[i].batch);
      at += added[i].batch.size();
      records += static_cast<int64_t>(i + 1);
    }
    Check(entry.byte_length == at - entry.byte_offset);
    Check(entry.record_count == records);
    Check(entry.min_timestamp == 1000 + static_cast<int64_t>(batches.front()));
    Check(entry.max_timestamp == 1000 + static_cast<int64_t>(batches.back()));
  }
}

}  // namespace
}  // namespace warp::engine

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::engine;  // NOLINT: a fuzz entry point.
  if (size == 0) return 0;
  const absl::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      FuzzObject(body);
      break;
    case 1:
      FuzzObjectWithCrcs(body);
      break;
    case 2:
      FuzzIndex(body);
      break;
    default:
      FuzzBuilder(body);
  }
  return 0;
}
