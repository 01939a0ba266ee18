#!/usr/bin/env bash
# Coverage-guided fuzzing with clang's libFuzzer (+ASan/UBSan), by hand:
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# New inputs that add coverage are merged into tests/fuzz/corpus/<target>/,
# which the test suite replays on every run (//...:*_fuzz_replay). Commit
# them. Crashes are written to fuzz-out/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true

# The metadata state machine, under the command and snapshot targets.
METADATA_STATE="lib/metadata/command.cc lib/metadata/partition_log.cc
  lib/metadata/state.cc lib/metadata/state_snapshot.cc
  lib/metadata/topic_config.cc lib/metadata/security_state.cc
  lib/metadata/transaction_index.cc lib/metadata/transaction_state.cc
  lib/security/acl/acl.cc lib/security/acl/acl_codec.cc"
# The SASL authenticators, under the sasl_plain and scram targets.
SASL="lib/security/sasl/authenticator.cc lib/security/sasl/base64.cc
  lib/security/sasl/credentials.cc lib/security/sasl/crypto.cc
  lib/security/sasl/mechanism.cc lib/security/sasl/plain.cc
  lib/security/sasl/scram.cc lib/security/sasl/scram_messages.cc
  lib/security/sasl/scram_client.cc lib/base/utf8.cc"
# target name -> sources
declare -A TARGETS=(
  [acl_binding]="lib/security/acl/acl_binding_fuzz.cc lib/security/acl/acl.cc
    lib/security/acl/acl_codec.cc lib/security/acl/authorizer.cc"
  [s3_xml]="lib/storage/s3/s3_xml_fuzz.cc lib/storage/s3/s3_xml.cc"
  [request]="lib/protocol/wire/request_fuzz.cc lib/protocol/wire/frame.cc
    lib/protocol/wire/reader.cc lib/protocol/wire/writer.cc
    $(ls lib/protocol/messages/*.cc |
      grep -Ev '_test\.cc$|/test_fill\.cc$|/write_request_corpus\.cc$')"
  [record_batch]="lib/protocol/record/record_batch_fuzz.cc
    lib/protocol/record/record_batch.cc
    lib/protocol/record/record_batch_builder.cc
    lib/protocol/record/compression.cc lib/protocol/record/crc32c.cc"
  [frame]="lib/protocol/wire/frame_fuzz.cc lib/protocol/wire/frame.cc
    lib/protocol/wire/reader.cc lib/protocol/wire/writer.cc"
  [journal_file]="lib/metadata/journal_file_fuzz.cc lib/metadata/journal_file.cc"
  [command]="lib/metadata/command_fuzz.cc $METADATA_STATE"
  [etcd_json]="lib/metadata/etcd/etcd_json_fuzz.cc lib/metadata/etcd/etcd_json.cc"
  [state_snapshot]="lib/metadata/state_snapshot_fuzz.cc $METADATA_STATE"
  [object_format]="lib/engine/object_format_fuzz.cc lib/engine/object_format.cc
    lib/protocol/record/crc32c.cc"
  [sasl_plain]="lib/security/sasl/sasl_plain_fuzz.cc
    lib/security/sasl/users_file.cc $SASL"
  [scram]="lib/security/sasl/scram_fuzz.cc $SASL"
)
# target name -> libraries it links beyond Abseil (optional)
declare -A EXTRA_LIBS=(
  [record_batch]="-llz4 -lsnappy -lzstd -lz"
  [journal_file]="-lz"
  [sasl_plain]="-lcrypto -labsl_raw_hash_set -labsl_hash -labsl_city
    -labsl_low_level_hash"
  [scram]="-lcrypto"
)
ABSL_LIBS="-labsl_statusor -labsl_status -labsl_strings -labsl_strings_internal
  -labsl_str_format_internal -labsl_cord -labsl_cord_internal -labsl_cordz_info
  -labsl_cordz_functions -labsl_cordz_handle -labsl_time -labsl_time_zone
  -labsl_int128 -labsl_synchronization -labsl_graphcycles_internal
  -labsl_spinlock_wait -labsl_stacktrace -labsl_symbolize
  -labsl_debugging_internal -labsl_demangle_internal -labsl_malloc_internal
  -labsl_exponential_biased -labsl_bad_optional_access
  -labsl_bad_variant_access -labsl_strerror -labsl_civil_time
  -labsl_raw_logging_internal -labsl_throw_delegate -labsl_base"

selected=("$@")
((${#selected[@]})) || selected=("${!TARGETS[@]}")
for name in "${selected[@]}"; do
  srcs="${TARGETS[$name]:?unknown fuzz target $name}"
  out="fuzz-out/$name"
  mkdir -p "$out" "tests/fuzz/corpus/$name"
  echo "fuzz: building $name"
  # shellcheck disable=SC2086
  clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined \
    -fno-sanitize-recover=undefined -I. -Iinclude $srcs $ABSL_LIBS \
    ${EXTRA_LIBS[$name]:-} -o "$out/$name"
  echo "fuzz: running $name for ${seconds}s"
  mkdir -p "$out/new"
  "$out/$name" -max_total_time="$seconds" -artifact_prefix="$out/" \
    -rss_limit_mb=2048 -malloc_limit_mb=512 "$out/new" "tests/fuzz/corpus/$name"
  "$out/$name" -merge=1 "tests/fuzz/corpus/$name" "$out/new" >/dev/null 2>&1
done
