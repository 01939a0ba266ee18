// Describing a type's fields once for both encoding and decoding:
//
//   template <typename Io> void Fields(Io& io, MyType& v) { io(v.a); io(v.b); }
//
// `FieldWriter` serializes with it and `FieldReader` parses with it
// (integers, bools, strings, vectors, deques, maps, and any type with a
// Fields overload found by argument-dependent lookup). Used by the journal's
// commands and the state snapshots. Pure; thread-compatible.
#ifndef WARP_LIB_METADATA_FIELDS_H_
#define WARP_LIB_METADATA_FIELDS_H_

#include <deque>
#include <map>
#include <string>
#include <type_traits>
#include <vector>

#include "lib/metadata/binary_codec.h"
#include "lib/security/acl/acl_codec.h"
#include "warp/acl.h"
#include "warp/metadata.h"

namespace warp::metadata {

// Field lists of the public value types (namespace warp, so declared here).
template <typename Io> void Fields(Io& io, TopicId& v) { io(v.hi); io(v.lo); }
template <typename Io> void Fields(Io& io, TopicPartition& v) {
  io(v.topic); io(v.partition);
}
template <typename Io> void Fields(Io& io, GroupOffset& v) {
  io(v.offset); io(v.leader_epoch); io(v.metadata); io(v.commit_time_ms);
}
template <typename Io> void Fields(Io& io, AgentListener& v) { io(v.name); io(v.address); }
// Without its listeners (older formats): see RegisterAgentWithListeners and
// the snapshot's listener section.
template <typename Io> void Fields(Io& io, AgentInfo& v) {
  io(v.id); io(v.address); io(v.zone); io(v.roles); io(v.lease_expires_ms);
}
template <typename Io> void Fields(Io& io, BatchToCommit& v) {
  io(v.topic); io(v.partition); io(v.byte_offset); io(v.byte_length);
  io(v.record_count); io(v.max_timestamp); io(v.producer_id);
  io(v.producer_epoch); io(v.base_sequence); io(v.transactional);
}
template <typename Io> void Fields(Io& io, TopicInfo& v) {
  io(v.name); io(v.id); io(v.partitions); io(v.configs);
}
template <typename Io> void Fields(Io& io, TransactionInfo& v) {
  int8_t state = static_cast<int8_t>(v.state);
  io(v.transactional_id); io(v.producer_id); io(v.producer_epoch); io(state);
  io(v.timeout_ms); io(v.start_ms); io(v.last_update_ms); io(v.partitions); io(v.groups);
  v.state = static_cast<TransactionState>(state);
}
template <typename Io> void Fields(Io& io, ScramCredentialRecord& v) {
  io(v.mechanism); io(v.credential);
}
struct FieldWriter;
// An ACL binding in its own stored form (docs/acl-format.md) as one string;
// a reader refuses (DataLoss) one that does not decode to a valid binding.
template <typename Io> void Fields(Io& io, acl::AclBinding& v) {
  if constexpr (std::is_same_v<Io, FieldWriter>) {
    io(acl::EncodeAclBinding(v));
  } else {
    std::string encoded;
    io(encoded);
    if (!io.r.ok()) return;
    absl::StatusOr<acl::AclBinding> binding = acl::DecodeAclBinding(encoded);
    if (!binding.ok()) {
      io.r.Fail(binding.status().message());
      return;
    }
    v = *std::move(binding);
  }
}

template <typename T> struct IsSequence : std::false_type {};
template <typename T> struct IsSequence<std::vector<T>> : std::true_type {};
template <typename T> struct IsSequence<std::deque<T>> : std::true_type {};
template <typename T> struct IsMap : std::false_type {};
template <typename K, typename V, typename C>
struct IsMap<std::map<K, V, C>> : std::true_type {};

struct FieldWriter {
  BinaryWriter w;
  template <typename T>
  void operator()(const T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      w.Bool(v);
    } else if constexpr (std::is_integral_v<T>) {
      w.Fixed<T>(v);
    } else if constexpr (std::is_same_v<T, std::string>) {
      w.String(v);
    } else if constexpr (IsSequence<T>::value) {
      w.Fixed<uint32_t>(static_cast<uint32_t>(v.size()));
      for (const auto& e : v) (*this)(e);
    } else if constexpr (IsMap<T>::value) {
      w.Fixed<uint32_t>(static_cast<uint32_t>(v.size()));
      for (const auto& [k, val] : v) {
        (*this)(k);
        (*this)(val);
      }
    } else {
      Fields(*this, const_cast<T&>(v));  // Fields only reads through a writer
    }
  }
};

struct FieldReader {
  BinaryReader r;
  template <typename T>
  void operator()(T& v) {
    if constexpr (std::is_same_v<T, bool>) {
      v = r.Bool();
    } else if constexpr (std::is_integral_v<T>) {
      v = r.Fixed<T>();
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = r.String();
    } else if constexpr (IsSequence<T>::value) {
      uint32_t n = r.Count(1);
      v.clear();
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        v.emplace_back();
        (*this)(v.back());
      }
    } else if constexpr (IsMap<T>::value) {
      uint32_t n = r.Count(2);
      v.clear();
      for (uint32_t i = 0; i < n && r.ok(); ++i) {
        typename T::key_type key{};
        (*this)(key);
        (*this)(v[key]);
      }
    } else {
      Fields(*this, v);
    }
  }
};

}  // namespace warp::metadata

#endif  // WARP_LIB_METADATA_FIELDS_H_
