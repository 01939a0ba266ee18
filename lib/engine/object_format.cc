#include "lib/engine/object_format.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "lib/metadata/binary_codec.h"
#include "lib/protocol/record/crc32c.h"

namespace warp::engine {
namespace {

using metadata::BinaryReader;
using metadata::BinaryWriter;

}  // namespace

void ObjectBuilder::Add(absl::string_view topic, int32_t partition,
                        absl::string_view batch, int32_t record_count,
                        int64_t max_timestamp) {
  pending_.push_back(Pending{std::string(topic), partition, batch, record_count,
                             max_timestamp});
  bytes_ += batch.size();
}

size_t ObjectBuilder::object_size_bound() const {
  // Header, data, index (a count, then at most one entry per batch: a fixed
  // part and the topic name), trailer.
  size_t size = kObjectHeaderSize + bytes_ + 4 + kObjectTrailerSize;
  for (const Pending& p : pending_) size += kIndexEntryFixedSize + p.topic.size();
  return size;
}

AlignedBuffer ObjectBuilder::Finish(AlignedBuffer buffer) {
  // Group by partition, keeping each partition's batches in the order added.
  std::vector<size_t> order(pending_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    const Pending& x = pending_[a];
    const Pending& y = pending_[b];
    return x.topic != y.topic ? x.topic < y.topic : x.partition < y.partition;
  });
  // The layout first: placements and the index.
  placements_.assign(pending_.size(), 0);
  std::vector<ObjectIndexEntry> index;
  uint64_t at = kObjectHeaderSize;
  for (size_t i : order) {
    const Pending& p = pending_[i];
    if (index.empty() || index.back().topic != p.topic ||
        index.back().partition != p.partition) {
      ObjectIndexEntry entry;
      entry.topic = p.topic;
      entry.partition = p.partition;
      entry.byte_offset = at;
      index.push_back(entry);
    }
    ObjectIndexEntry& entry = index.back();
    placements_[i] = at;
    at += p.batch.size();
    entry.byte_length += p.batch.size();
    entry.batch_count += 1;
    entry.record_count += p.record_count;
    entry.min_timestamp = entry.min_timestamp < 0
                              ? p.max_timestamp
                              : std::min(entry.min_timestamp, p.max_timestamp);
    entry.max_timestamp = std::max(entry.max_timestamp, p.max_timestamp);
  }
  const uint64_t index_offset = at;
  std::string tail;  // index, then trailer
  BinaryWriter w(&tail);
  w.Fixed<uint32_t>(static_cast<uint32_t>(index.size()));
  for (const ObjectIndexEntry& e : index) {
    w.Fixed<uint16_t>(static_cast<uint16_t>(e.topic.size()));
    tail.append(e.topic);
    w.Fixed<int32_t>(e.partition);
    w.Fixed<uint64_t>(e.byte_offset);
    w.Fixed<uint32_t>(e.byte_length);
    w.Fixed<uint32_t>(e.batch_count);
    w.Fixed<int64_t>(e.record_count);
    w.Fixed<int64_t>(e.min_timestamp);
    w.Fixed<int64_t>(e.max_timestamp);
  }
  const uint32_t index_length = static_cast<uint32_t>(tail.size());
  const uint32_t index_crc = kafka::Crc32c(tail);

  // Then the bytes, copied once into a page-aligned buffer (direct I/O).
  AlignedBuffer out = std::move(buffer);
  out.Resize(index_offset + index_length + kObjectTrailerSize);
  std::string header;
  header.append(kObjectMagic, 8);
  BinaryWriter h(&header);
  h.Fixed<uint16_t>(kObjectVersion);
  h.Fixed<uint16_t>(0);
  h.Fixed<uint32_t>(0);
  std::memcpy(out.data(), header.data(), kObjectHeaderSize);
  // In layout order, each batch checksummed while it is still in cache.
  uint32_t data_crc = 0;
  for (size_t i : order) {
    char* at = out.data() + placements_[i];
    std::memcpy(at, pending_[i].batch.data(), pending_[i].batch.size());
    data_crc = kafka::Crc32cExtend(data_crc, at, pending_[i].batch.size());
  }
  w.Fixed<uint64_t>(index_offset);
  w.Fixed<uint32_t>(index_length);
  w.Fixed<uint32_t>(index_crc);
  w.Fixed<uint32_t>(data_crc);
  w.Fixed<uint32_t>(0);
  tail.append(kObjectEndMagic, 8);
  std::memcpy(out.data() + index_offset, tail.data(), tail.size());
  return out;
}

absl::StatusOr<ObjectTrailer> ParseObjectTrailer(absl::string_view trailer) {
  if (trailer.size() != kObjectTrailerSize ||
      std::memcmp(trailer.data() + 24, kObjectEndMagic, 8) != 0) {
    return absl::DataLossError("not a warp data object (bad trailer)");
  }
  BinaryReader r(trailer);
  ObjectTrailer t;
  t.index_offset = r.Fixed<uint64_t>();
  t.index_length = r.Fixed<uint32_t>();
  t.index_crc = r.Fixed<uint32_t>();
  t.data_crc = r.Fixed<uint32_t>();
  if (r.Fixed<uint32_t>() != 0) {
    return absl::DataLossError("object trailer has unknown flags");
  }
  return t;
}

absl::StatusOr<std::vector<ObjectIndexEntry>> ParseObjectIndex(
    absl::string_view index, const ObjectTrailer& trailer) {
  if (index.size() != trailer.index_length ||
      kafka::Crc32c(index) != trailer.index_crc) {
    return absl::DataLossError("object index checksum mismatch");
  }
  BinaryReader r(index);
  uint32_t n = r.Count(46);
  std::vector<ObjectIndexEntry> out;
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    ObjectIndexEntry e;
    uint16_t topic_length = r.Fixed<uint16_t>();
    for (uint16_t c = 0; c < topic_length && r.ok(); ++c) {
      e.topic.push_back(static_cast<char>(r.Fixed<uint8_t>()));
    }
    e.partition = r.Fixed<int32_t>();
    e.byte_offset = r.Fixed<uint64_t>();
    e.byte_length = r.Fixed<uint32_t>();
    e.batch_count = r.Fixed<uint32_t>();
    e.record_count = r.Fixed<int64_t>();
    e.min_timestamp = r.Fixed<int64_t>();
    e.max_timestamp = r.Fixed<int64_t>();
    out.push_back(std::move(e));
  }
  if (!r.ok()) return r.status();
  if (!r.done()) return absl::DataLossError("trailing bytes in object index");
  for (const ObjectIndexEntry& e : out) {
    // Written so that no sum can wrap past the end of the data section.
    if (e.byte_offset < kObjectHeaderSize || e.byte_offset > trailer.index_offset ||
        e.byte_length > trailer.index_offset - e.byte_offset) {
      return absl::DataLossError("object index entry outside the data section");
    }
  }
  return out;
}

absl::StatusOr<std::vector<ObjectIndexEntry>> ParseObject(absl::string_view object) {
  if (object.size() < kObjectHeaderSize + kObjectTrailerSize ||
      std::memcmp(object.data(), kObjectMagic, 8) != 0) {
    return absl::DataLossError("not a warp data object (bad header)");
  }
  uint16_t version, flags;
  uint32_t reserved;
  std::memcpy(&version, object.data() + 8, 2);
  std::memcpy(&flags, object.data() + 10, 2);
  std::memcpy(&reserved, object.data() + 12, 4);
  if (version != kObjectVersion) {
    return absl::DataLossError(absl::StrCat("unknown object version ", version));
  }
  if (flags != 0 || reserved != 0) {
    return absl::DataLossError("object header has unknown flags");
  }
  absl::StatusOr<ObjectTrailer> trailer =
      ParseObjectTrailer(object.substr(object.size() - kObjectTrailerSize));
  if (!trailer.ok()) return trailer.status();
  const uint64_t index_end = object.size() - kObjectTrailerSize;
  if (trailer->index_offset < kObjectHeaderSize || trailer->index_offset > index_end ||
      trailer->index_length != index_end - trailer->index_offset) {
    return absl::DataLossError("object trailer points outside the object");
  }
  if (kafka::Crc32c(object.substr(kObjectHeaderSize,
                                  trailer->index_offset - kObjectHeaderSize)) !=
      trailer->data_crc) {
    return absl::DataLossError("object data checksum mismatch");
  }
  return ParseObjectIndex(object.substr(trailer->index_offset, trailer->index_length),
                          *trailer);
}

std::string MakeObjectKey(absl::string_view cluster, absl::Time now,
                          absl::string_view agent, uint64_t sequence) {
  return absl::StrFormat("%s/data/%016d-%s-%d", cluster, absl::ToUnixMicros(now),
                         agent, sequence);
}

std::string MakeCompactedObjectKey(absl::string_view cluster, int level, absl::Time now,
                                   absl::string_view agent, uint64_t sequence) {
  return absl::StrFormat("%s/data/L%d/%016d-%s-%d", cluster, level,
                         absl::ToUnixMicros(now), agent, sequence);
}

absl::StatusOr<ObjectKeyInfo> ParseObjectKey(absl::string_view cluster,
                                             absl::string_view key) {
  auto invalid = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", key, "\" is not a data object key of cluster ", cluster));
  };
  const std::string prefix = absl::StrCat(cluster, "/data/");
  if (!absl::ConsumePrefix(&key, prefix)) return invalid();
  ObjectKeyInfo info;
  if (absl::ConsumePrefix(&key, "L")) {
    size_t slash = key.find('/');
    if (slash == absl::string_view::npos || !absl::SimpleAtoi(key.substr(0, slash), &info.level) ||
        info.level < 1) {
      return invalid();
    }
    key.remove_prefix(slash + 1);
  }
  int64_t micros = 0;
  if (key.size() < 18 || key[16] != '-' || !absl::SimpleAtoi(key.substr(0, 16), &micros) ||
      micros < 0) {
    return invalid();
  }
  info.created = absl::FromUnixMicros(micros);
  return info;
}

}  // namespace warp::engine
