// Writes the seed corpora of the metadata fuzz targets from real encodings
// of a sample history (sample_commands.h):
//   command/         each command, encoded as the journal stores it;
//   state_snapshot/  the state's snapshot after each command;
//   journal_file/    log files (version 2, and version 1 written by hand)
//                    and snapshot files of that history, whole, torn and
//                    damaged, behind the fuzz target's 11-byte prefix (mode
//                    and newest-file flag, first index, position).
// From the workspace root:
//
//   bazel run //lib/metadata:make_metadata_corpus -- "$PWD/tests/fuzz/corpus"
#include <zlib.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "lib/metadata/command.h"
#include "lib/metadata/journal_file.h"
#include "lib/metadata/state.h"
#include "lib/metadata/testing/sample_commands.h"

namespace warp::metadata {
namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(T));
}

// The journal fuzz target's prefix: mode, newest file, first index, position.
std::string Prefix(int mode, bool last_file, uint64_t first_index, uint16_t position) {
  std::string out;
  Put<uint8_t>(&out, static_cast<uint8_t>(mode << 1 | (last_file ? 1 : 0)));
  Put<uint64_t>(&out, first_index);
  Put<uint16_t>(&out, position);
  return out;
}

// A version-1 log file (no header; crc32 over length, index and payload).
std::string V1Log(const std::vector<std::string>& payloads, uint64_t first_index) {
  std::string out;
  for (size_t i = 0; i < payloads.size(); ++i) {
    std::string covered;
    Put<uint32_t>(&covered, static_cast<uint32_t>(payloads[i].size()));
    Put<uint64_t>(&covered, first_index + i);
    covered += payloads[i];
    Put<uint32_t>(&out, static_cast<uint32_t>(crc32(
                            0, reinterpret_cast<const Bytef*>(covered.data()),
                            covered.size())));
    out += covered;
  }
  return out;
}

bool Write(const std::string& dir, const std::vector<std::string>& inputs) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    std::ofstream out(absl::StrCat(dir, "/seed-", i), std::ios::binary);
    out << inputs[i];
    if (!out) {
      std::fprintf(stderr, "cannot write %s/seed-%zu\n", dir.c_str(), i);
      return false;
    }
  }
  std::printf("wrote %zu inputs to %s\n", inputs.size(), dir.c_str());
  return true;
}

int Main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  const std::string root = argv[1];
  std::vector<std::string> commands, snapshots, journal;
  MetadataState state;
  snapshots.push_back(state.Snapshot());
  for (const Command& command : testing::SampleCommands()) {
    if (!state.Apply(command).ok()) {
      std::fprintf(stderr, "sample command %zu failed\n", commands.size());
      return 1;
    }
    commands.push_back(EncodeCommand(command));
    snapshots.push_back(state.Snapshot());
  }

  // Log files of the history from entry 1, and of its second half.
  for (uint64_t first : {uint64_t{1}, uint64_t{9}}) {
    const std::vector<std::string> payloads(commands.begin() + (first - 1),
                                            commands.end());
    std::string log;
    journal_file::AppendLogHeader(first, &log);
    std::string lengths;  // the built-log body: a length byte before each
    for (size_t i = 0; i < payloads.size(); ++i) {
      journal_file::AppendRecord(first + i, payloads[i], &log);
      const size_t n = std::min<size_t>(payloads[i].size(), 255);
      lengths += static_cast<char>(n);
      lengths += payloads[i].substr(0, n);
    }
    for (bool last : {true, false}) {
      journal.push_back(Prefix(0, last, first, 0) + log);
      journal.push_back(Prefix(0, last, first, 0) + log.substr(0, log.size() - 7));
      journal.push_back(Prefix(0, last, first, 0) + V1Log(payloads, first));
    }
    std::string zeroed = log;
    std::memset(zeroed.data() + zeroed.size() - 30, 0, 30);
    journal.push_back(Prefix(0, true, first, 0) + zeroed);
    journal.push_back(Prefix(0, true, first + 1, 0) + log);  // misnamed file
    for (int damage = 1; damage <= 3; ++damage) {
      journal.push_back(Prefix(damage, damage % 2 == 1, first,
                               static_cast<uint16_t>(40 + 97 * damage)) +
                        lengths);
    }
  }
  for (size_t i : {size_t{1}, size_t{8}, snapshots.size() - 1}) {
    std::string file;
    journal_file::AppendSnapshot(i, snapshots[i], &file);
    journal.push_back(Prefix(4, false, i, 0) + file);
    journal.push_back(Prefix(5, false, i, static_cast<uint16_t>(3 * i)) +
                      snapshots[i]);
  }

  return Write(root + "/command", commands) &&
                 Write(root + "/state_snapshot", snapshots) &&
                 Write(root + "/journal_file", journal)
             ? 0
             : 1;
}

}  // namespace
}  // namespace warp::metadata

int main(int argc, char** argv) { return warp::metadata::Main(argc, argv); }
