#include "lib/metadata/command.h"

#include <type_traits>

#include "absl/strings/str_cat.h"
#include "lib/metadata/fields.h"

namespace warp::metadata {

// The field list of every command, used for encoding and decoding.
template <typename Io> void Fields(Io& io, CommitFile& v) {
  io(v.object_key); io(v.object_size); io(v.commit_time_ms); io(v.batches);
}
template <typename Io> void Fields(Io& io, CreateTopic& v) {
  io(v.name); io(v.id); io(v.partitions); io(v.configs);
}
template <typename Io> void Fields(Io& io, DeleteTopic& v) { io(v.name); io(v.time_ms); }
template <typename Io> void Fields(Io& io, CreatePartitions& v) {
  io(v.topic); io(v.new_total);
}
template <typename Io> void Fields(Io& io, AlterTopicConfigs& v) {
  io(v.topic); io(v.set); io(v.remove); io(v.replace);
}
template <typename Io> void Fields(Io& io, AllocateProducerIds& v) { io(v.count); }
template <typename Io> void Fields(Io& io, CommitGroupOffsets::Entry& v) {
  io(v.tp); io(v.offset);
}
template <typename Io> void Fields(Io& io, CommitGroupOffsets& v) {
  io(v.group); io(v.commit_time_ms); io(v.offsets);
}
template <typename Io> void Fields(Io& io, DeleteGroupOffsets& v) {
  io(v.group); io(v.partitions);
}
template <typename Io> void Fields(Io& io, DeleteRecords& v) {
  io(v.tp); io(v.before_offset); io(v.time_ms);
}
template <typename Io> void Fields(Io& io, ReplaceFiles::Range& v) {
  io(v.tp); io(v.base_offset); io(v.last_offset); io(v.byte_offset);
  io(v.byte_length); io(v.max_timestamp);
}
template <typename Io> void Fields(Io& io, ReplaceFiles& v) {
  io(v.inputs); io(v.output_key); io(v.output_size); io(v.time_ms); io(v.ranges);
}
template <typename Io> void Fields(Io& io, ForgetObjects& v) { io(v.keys); }
template <typename Io> void Fields(Io& io, RegisterAgent& v) { io(v.agent); }
template <typename Io> void Fields(Io& io, ExpireAgents& v) { io(v.now_ms); }
template <typename Io> void Fields(Io& io, RegisterAgentWithListeners& v) {
  io(v.agent); io(v.agent.listeners);
}
template <typename Io> void Fields(Io& io, AddAcls& v) { io(v.bindings); }
template <typename Io> void Fields(Io& io, RemoveAcls& v) { io(v.bindings); }
template <typename Io> void Fields(Io& io, AlterScramCredentials& v) {
  io(v.user); io(v.upserts); io(v.deletions);
}
template <typename Io> void Fields(Io& io, InitTransactionalProducer& v) {
  io(v.transactional_id); io(v.timeout_ms); io(v.now_ms); io(v.expected_producer_id);
  io(v.expected_epoch);
}
template <typename Io> void Fields(Io& io, AddToTransaction& v) {
  io(v.transactional_id); io(v.producer_id); io(v.producer_epoch); io(v.partitions);
  io(v.groups); io(v.now_ms);
}
template <typename Io> void Fields(Io& io, CommitTransactionalOffsets& v) {
  io(v.transactional_id); io(v.group); io(v.producer_id); io(v.producer_epoch); io(v.offsets);
}
template <typename Io> void Fields(Io& io, EndTransaction& v) {
  io(v.transactional_id); io(v.producer_id); io(v.producer_epoch); io(v.commit); io(v.now_ms);
}
template <typename Io> void Fields(Io& io, ExpireTransactions& v) {
  io(v.now_ms); io(v.expiration_ms);
}
template <typename Io> void Fields(Io& io, ExpireProducers& v) {
  io(v.now_ms); io(v.expiration_ms);
}

namespace {

constexpr uint8_t kCommandFormatVersion = 1;

template <size_t I = 0>
absl::Status DecodeAlternative(size_t index, FieldReader& in, Command* out) {
  if constexpr (I < std::variant_size_v<Command>) {
    if (index == I) {
      std::variant_alternative_t<I, Command> value;
      Fields(in, value);
      *out = std::move(value);
      return absl::OkStatus();
    }
    return DecodeAlternative<I + 1>(index, in, out);
  } else {
    return absl::DataLossError(absl::StrCat("unknown command type ", index));
  }
}

}  // namespace

std::string EncodeCommand(const Command& command) {
  std::string out;
  FieldWriter io{BinaryWriter(&out)};
  io.w.Fixed<uint8_t>(kCommandFormatVersion);
  io.w.Fixed<uint8_t>(static_cast<uint8_t>(command.index()));
  std::visit([&](const auto& c) { io(c); }, command);
  return out;
}

absl::StatusOr<Command> DecodeCommand(absl::string_view bytes) {
  FieldReader in{BinaryReader(bytes)};
  uint8_t version = in.r.Fixed<uint8_t>();
  uint8_t index = in.r.Fixed<uint8_t>();
  if (!in.r.ok()) return in.r.status();
  if (version != kCommandFormatVersion) {
    return absl::DataLossError(
        absl::StrCat("unknown command format version ", version));
  }
  Command command;
  absl::Status status = DecodeAlternative(index, in, &command);
  if (!status.ok()) return status;
  if (!in.r.ok()) return in.r.status();
  if (!in.r.done()) return absl::DataLossError("trailing bytes after command");
  return command;
}

}  // namespace warp::metadata
