// libFuzzer target for the journal's command encoding (command.h) and the
// state machine that applies what it decodes (state.h).
//
// Each input is an encoded command. DecodeCommand must never crash, read
// out of bounds or allocate by an unchecked count. A decoded command must
// re-encode to bytes that decode again and re-encode to the same bytes (the
// first encoding may differ from the input: a bool byte other than 1, or a
// map key given twice, decode to the same command), no longer than the
// input. It is then applied to a state built from a sample history
// (testing/sample_commands.h) twice, which must give the same result and the
// same snapshot (determinism), change nothing if rejected, and leave every
// partition consistent: log start <= high watermark, index entries
// contiguous, ordered and ending at the high watermark, each inside a known
// object or a transaction marker.
//
// Replayed over tests/fuzz/corpus/command by //lib/metadata:
// command_fuzz_replay; fuzzed by `bash scripts/fuzz.sh 60 command`.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "lib/metadata/command.h"
#include "lib/metadata/state.h"
#include "lib/metadata/testing/sample_commands.h"

namespace warp::metadata {
namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

const MetadataState& SampleState() {
  static const MetadataState* state = [] {
    auto* s = new MetadataState;
    for (const Command& command : testing::SampleCommands()) {
      Check(s->Apply(command).ok());
    }
    return s;
  }();
  return *state;
}

void CheckConsistent(const MetadataState& state) {
  for (const TopicInfo& topic : state.ListTopics()) {
    for (int32_t p = 0; p < topic.partitions; ++p) {
      const TopicPartition tp{topic.name, p};
      const PartitionLog* log = state.FindPartition(tp);
      Check(log != nullptr);
      Check(0 <= log->log_start_offset() &&
            log->log_start_offset() <= log->high_watermark());
      const auto& entries = log->entries();
      for (size_t i = 0; i < entries.size(); ++i) {
        Check(entries[i].base_offset <= entries[i].last_offset);
        if (i > 0) Check(entries[i].base_offset == entries[i - 1].last_offset + 1);
      }
      if (!entries.empty()) {
        Check(entries.back().last_offset + 1 == log->high_watermark());
        Check(entries.front().last_offset >= log->log_start_offset());
      }
      std::vector<BatchLocation> found;
      Check(state.FindBatches(tp, log->log_start_offset(),
                              std::numeric_limits<uint64_t>::max(),
                              &found) == KafkaError::kNone);
      for (const BatchLocation& batch : found) {
        if (batch.marker) {  // a transaction marker: in no object
          Check(batch.object_key.empty() && batch.base_offset == batch.last_offset &&
                log->markers().contains(batch.base_offset));
          continue;
        }
        const ObjectRecord* object = state.FindObject(batch.object_key);
        Check(object != nullptr && object->live_entries > 0);
        Check(batch.byte_offset <= object->size &&
              batch.byte_length <= object->size - batch.byte_offset);
      }
    }
  }
}

}  // namespace
}  // namespace warp::metadata

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace warp::metadata;  // NOLINT: a fuzz entry point.
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<warp::Command> command = DecodeCommand(input);
  if (!command.ok()) return 0;

  const std::string encoded = EncodeCommand(*command);
  Check(encoded.size() <= input.size());
  absl::StatusOr<warp::Command> again = DecodeCommand(encoded);
  Check(again.ok() && again->index() == command->index());
  Check(EncodeCommand(*again) == encoded);

  MetadataState first = SampleState();
  MetadataState second = SampleState();
  const warp::CommandResult a = first.Apply(*command);
  const warp::CommandResult b = second.Apply(*again);
  Check(a.error == b.error && a.message == b.message &&
        a.producer_id == b.producer_id && a.log_start_offset == b.log_start_offset &&
        a.batches.size() == b.batches.size());
  const std::string snapshot = first.Snapshot();
  Check(second.Snapshot() == snapshot);
  // A rejected command changes nothing.
  if (!a.ok()) Check(snapshot == SampleState().Snapshot());
  CheckConsistent(first);
  return 0;
}
