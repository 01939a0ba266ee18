// Tests of the Kafka wire primitives: round trips, the byte vectors of the
// protocol reference (§1.5) and hostile input.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "lib/protocol/wire/reader.h"
#include "lib/protocol/wire/writer.h"

namespace warp::kafka {
namespace {

std::string Bytes(std::initializer_list<uint8_t> bytes) {
  return std::string(bytes.begin(), bytes.end());
}

TEST(WireTest, ReferenceVectors) {
  // zigzag varint -1 -> 01, 1 -> 02, -2 -> 03.
  for (auto [value, encoded] : std::vector<std::pair<int32_t, std::string>>{
           {-1, Bytes({0x01})}, {1, Bytes({0x02})}, {-2, Bytes({0x03})}}) {
    Writer w;
    w.WriteVarint(value);
    EXPECT_EQ(w.data(), encoded) << value;
    Reader r(encoded);
    int32_t decoded = 0;
    ASSERT_TRUE(r.ReadVarint(&decoded).ok());
    EXPECT_EQ(decoded, value);
    EXPECT_EQ(r.remaining(), 0u);
  }
  {  // uvarint 300 -> AC 02.
    Writer w;
    w.WriteUnsignedVarint(300);
    EXPECT_EQ(w.data(), Bytes({0xAC, 0x02}));
    Reader r(w.data());
    uint32_t v = 0;
    ASSERT_TRUE(r.ReadUnsignedVarint(&v).ok());
    EXPECT_EQ(v, 300u);
  }
  {  // compact string "" -> 01, null -> 00.
    Writer w;
    w.WriteCompactString("");
    w.WriteCompactNullableString(std::nullopt);
    EXPECT_EQ(w.data(), Bytes({0x01, 0x00}));
    Reader r(w.data());
    std::string empty = "x";
    std::optional<std::string> null = "x";
    ASSERT_TRUE(r.ReadCompactString(&empty).ok());
    ASSERT_TRUE(r.ReadCompactNullableString(&null).ok());
    EXPECT_EQ(empty, "");
    EXPECT_EQ(null, std::nullopt);
  }
  {  // empty tagged-field block -> 00.
    Writer w;
    w.WriteEmptyTaggedFields();
    EXPECT_EQ(w.data(), Bytes({0x00}));
    Reader r(w.data());
    EXPECT_TRUE(r.SkipTaggedFields().ok());
    EXPECT_EQ(r.remaining(), 0u);
  }
}

TEST(WireTest, FixedWidthRoundTrip) {
  Writer w;
  w.WriteInt8(-2);
  w.WriteInt16(-12345);
  w.WriteInt32(std::numeric_limits<int32_t>::min());
  w.WriteInt64(0x0102030405060708);
  w.WriteUint16(0xfffe);
  w.WriteUint32(0xfffffffe);
  w.WriteBool(true);
  w.WriteFloat64(-1.5);
  Uuid uuid;
  for (int i = 0; i < 16; ++i) uuid.bytes[i] = static_cast<uint8_t>(i * 17);
  w.WriteUuid(uuid);
  EXPECT_EQ(w.size(), 1u + 2 + 4 + 8 + 2 + 4 + 1 + 8 + 16);
  // Big-endian layout.
  EXPECT_EQ(w.data().substr(7, 8),
            Bytes({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08}));

  Reader r(w.data());
  int8_t i8;
  int16_t i16;
  int32_t i32;
  int64_t i64;
  uint16_t u16;
  uint32_t u32;
  bool b;
  double f;
  Uuid u;
  ASSERT_TRUE(r.ReadInt8(&i8).ok());
  ASSERT_TRUE(r.ReadInt16(&i16).ok());
  ASSERT_TRUE(r.ReadInt32(&i32).ok());
  ASSERT_TRUE(r.ReadInt64(&i64).ok());
  ASSERT_TRUE(r.ReadUint16(&u16).ok());
  ASSERT_TRUE(r.ReadUint32(&u32).ok());
  ASSERT_TRUE(r.ReadBool(&b).ok());
  ASSERT_TRUE(r.ReadFloat64(&f).ok());
  ASSERT_TRUE(r.ReadUuid(&u).ok());
  EXPECT_EQ(i8, -2);
  EXPECT_EQ(i16, -12345);
  EXPECT_EQ(i32, std::numeric_limits<int32_t>::min());
  EXPECT_EQ(i64, 0x0102030405060708);
  EXPECT_EQ(u16, 0xfffe);
  EXPECT_EQ(u32, 0xfffffffeu);
  EXPECT_TRUE(b);
  EXPECT_EQ(f, -1.5);
  EXPECT_EQ(u, uuid);
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_FALSE(r.ReadInt8(&i8).ok());
}

TEST(WireTest, VarintExtremes) {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{63},
                    int64_t{-64}, int64_t{1} << 40,
                    std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    Writer w;
    w.WriteVarlong(v);
    Reader r(w.data());
    int64_t out = 0;
    ASSERT_TRUE(r.ReadVarlong(&out).ok()) << v;
    EXPECT_EQ(out, v);
  }
  for (int32_t v : {0, -1, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max()}) {
    Writer w;
    w.WriteVarint(v);
    Reader r(w.data());
    int32_t out = 0;
    ASSERT_TRUE(r.ReadVarint(&out).ok()) << v;
    EXPECT_EQ(out, v);
  }
  Writer w;
  w.WriteUnsignedVarint(0xffffffff);
  EXPECT_EQ(w.data(), Bytes({0xff, 0xff, 0xff, 0xff, 0x0f}));
}

TEST(WireTest, VarintOverflowAndTruncation) {
  uint32_t v = 0;
  {  // 5th byte with more than 4 bits.
    const std::string s = Bytes({0xff, 0xff, 0xff, 0xff, 0x1f});
    Reader r(s);
    EXPECT_FALSE(r.ReadUnsignedVarint(&v).ok());
  }
  {  // Too long.
    const std::string s = Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00});
    Reader r(s);
    EXPECT_FALSE(r.ReadUnsignedVarint(&v).ok());
  }
  {  // Truncated.
    const std::string s = Bytes({0x80, 0x80});
    Reader r(s);
    EXPECT_FALSE(r.ReadUnsignedVarint(&v).ok());
  }
  {
    const std::string s(11, '\xff');
    Reader r(s);
    uint64_t l = 0;
    EXPECT_FALSE(r.ReadUnsignedVarlong(&l).ok());
  }
}

TEST(WireTest, StringAndBytesForms) {
  Writer w;
  w.WriteString("abc");
  w.WriteNullableString(std::nullopt);
  w.WriteNullableString("de");
  w.WriteCompactString("fgh");
  w.WriteCompactNullableString("");
  w.WriteBytes(std::string("\0\1", 2));
  w.WriteNullableBytes(std::nullopt);
  w.WriteCompactBytes("z");
  w.WriteCompactNullableBytes(std::nullopt);
  EXPECT_EQ(w.data().substr(0, 5), Bytes({0x00, 0x03, 'a', 'b', 'c'}));
  EXPECT_EQ(w.data().substr(5, 2), Bytes({0xff, 0xff}));
  ASSERT_TRUE(w.ok());

  Reader r(w.data());
  std::string s;
  std::optional<std::string> o;
  ASSERT_TRUE(r.ReadString(&s).ok());
  EXPECT_EQ(s, "abc");
  ASSERT_TRUE(r.ReadNullableString(&o).ok());
  EXPECT_EQ(o, std::nullopt);
  ASSERT_TRUE(r.ReadNullableString(&o).ok());
  EXPECT_EQ(o, "de");
  ASSERT_TRUE(r.ReadCompactString(&s).ok());
  EXPECT_EQ(s, "fgh");
  ASSERT_TRUE(r.ReadCompactNullableString(&o).ok());
  EXPECT_EQ(o, "");
  ASSERT_TRUE(r.ReadBytes(&s).ok());
  EXPECT_EQ(s, std::string("\0\1", 2));
  ASSERT_TRUE(r.ReadNullableBytes(&o).ok());
  EXPECT_EQ(o, std::nullopt);
  ASSERT_TRUE(r.ReadCompactBytes(&s).ok());
  EXPECT_EQ(s, "z");
  ASSERT_TRUE(r.ReadCompactNullableBytes(&o).ok());
  EXPECT_EQ(o, std::nullopt);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(WireTest, NullWhereNotAllowedFails) {
  const std::string classic = Bytes({0xff, 0xff});
  std::string s;
  Reader r1(classic);
  EXPECT_FALSE(r1.ReadString(&s).ok());
  const std::string compact = Bytes({0x00});
  Reader r2(compact);
  EXPECT_FALSE(r2.ReadCompactString(&s).ok());
  const std::string bytes = Bytes({0xff, 0xff, 0xff, 0xff});
  Reader r3(bytes);
  EXPECT_FALSE(r3.ReadBytes(&s).ok());
}

TEST(WireTest, NegativeLengthsOtherThanMinusOneFail) {
  std::optional<std::string> o;
  const std::string s16 = Bytes({0xff, 0xfe});  // -2
  Reader r1(s16);
  EXPECT_FALSE(r1.ReadNullableString(&o).ok());
  const std::string s32 = Bytes({0x80, 0x00, 0x00, 0x00});  // INT32_MIN
  Reader r2(s32);
  EXPECT_FALSE(r2.ReadNullableBytes(&o).ok());
  int32_t count = 0;
  const std::string a = Bytes({0xff, 0xff, 0xff, 0xfe, 0, 0, 0, 0});
  Reader r3(a);
  EXPECT_FALSE(r3.ReadArrayCount(false, 4, &count).ok());
}

// A 2 GiB length inside a 100-byte frame fails before allocating.
TEST(WireTest, HugeLengthsInSmallFrameFailFast) {
  std::string frame = Bytes({0x7f, 0xff, 0xff, 0xff});
  frame.resize(100, 'x');
  std::optional<std::string> o;
  std::string s;
  Reader r1(frame);
  EXPECT_FALSE(r1.ReadNullableBytes(&o).ok());
  Reader r2(frame);
  int32_t count = 0;
  EXPECT_FALSE(r2.ReadArrayCount(false, 1, &count).ok());
  Reader r3(frame);
  std::vector<int32_t> ints;
  EXPECT_FALSE(r3.ReadArray(false, 4, &ints, [](Reader& r, int32_t* e) {
                   return r.ReadInt32(e);
                 }).ok());
  EXPECT_TRUE(ints.empty());
  // Compact forms: uvarint 0xffffffff.
  std::string compact = Bytes({0xff, 0xff, 0xff, 0xff, 0x0f});
  compact.resize(100, 'x');
  Reader r4(compact);
  EXPECT_FALSE(r4.ReadCompactBytes(&s).ok());
  Reader r5(compact);
  EXPECT_FALSE(r5.ReadArrayCount(true, 1, &count).ok());
  // A string longer than 32767 bytes is rejected even if present.
  Writer w;
  w.WriteUnsignedVarint(40000);
  std::string big = w.data() + std::string(40000, 'a');
  Reader r6(big);
  EXPECT_FALSE(r6.ReadCompactString(&s).ok());
}

TEST(WireTest, ArrayCountIsCappedByElementSize) {
  // 3 int64 elements need 24 bytes; only 16 remain.
  std::string data = Bytes({0, 0, 0, 3});
  data.append(16, '\0');
  Reader r(data);
  int32_t count = 0;
  EXPECT_FALSE(r.ReadArrayCount(false, 8, &count).ok());
  Reader r2(data);
  EXPECT_TRUE(r2.ReadArrayCount(false, 4, &count).ok());
  EXPECT_EQ(count, 3);
}

TEST(WireTest, ArraysRoundTrip) {
  const auto write_int = [](Writer& w, int32_t e) { w.WriteInt32(e); };
  const auto read_int = [](Reader& r, int32_t* e) { return r.ReadInt32(e); };
  for (bool compact : {false, true}) {
    Writer w;
    w.WriteArray(compact, std::vector<int32_t>{1, 2, 3}, write_int);
    w.WriteNullableArray(compact, std::optional<std::vector<int32_t>>(),
                         write_int);
    w.WriteNullableArray(compact,
                         std::optional<std::vector<int32_t>>(
                             std::vector<int32_t>{}),
                         write_int);
    Reader r(w.data());
    std::vector<int32_t> v;
    std::optional<std::vector<int32_t>> null_v = std::vector<int32_t>{9};
    std::optional<std::vector<int32_t>> empty_v;
    ASSERT_TRUE(r.ReadArray(compact, 4, &v, read_int).ok());
    ASSERT_TRUE(r.ReadNullableArray(compact, 4, &null_v, read_int).ok());
    ASSERT_TRUE(r.ReadNullableArray(compact, 4, &empty_v, read_int).ok());
    EXPECT_EQ(v, (std::vector<int32_t>{1, 2, 3}));
    EXPECT_EQ(null_v, std::nullopt);
    ASSERT_TRUE(empty_v.has_value());
    EXPECT_TRUE(empty_v->empty());
    EXPECT_EQ(r.remaining(), 0u);
    // A null where a non-nullable array is expected fails.
    Writer nw;
    nw.WriteArrayCount(compact, -1);
    Reader nr(nw.data());
    EXPECT_FALSE(nr.ReadArray(compact, 4, &v, read_int).ok());
  }
}

TEST(WireTest, TaggedFieldsKnownAndUnknown) {
  Writer w;
  w.WriteUnsignedVarint(3);
  w.WriteTaggedField(0, [](Writer& f) { f.WriteInt32(42); });
  w.WriteTaggedField(5, [](Writer& f) { f.WriteString("skip me"); });
  w.WriteTaggedField(300, [](Writer& f) { f.WriteInt64(7); });
  w.WriteInt8(99);  // data after the block

  Reader r(w.data());
  int32_t tag0 = 0;
  int64_t tag300 = 0;
  std::vector<uint32_t> seen;
  ASSERT_TRUE(r.ReadTaggedFields([&](uint32_t tag, Reader& f) -> absl::Status {
                 seen.push_back(tag);
                 if (tag == 0) return f.ReadInt32(&tag0);
                 if (tag == 300) return f.ReadInt64(&tag300);
                 return absl::OkStatus();  // unknown: skipped
               }).ok());
  EXPECT_EQ(seen, (std::vector<uint32_t>{0, 5, 300}));
  EXPECT_EQ(tag0, 42);
  EXPECT_EQ(tag300, 7);
  int8_t after = 0;
  ASSERT_TRUE(r.ReadInt8(&after).ok());
  EXPECT_EQ(after, 99);

  Reader skip(w.data());
  ASSERT_TRUE(skip.SkipTaggedFields().ok());
  EXPECT_EQ(skip.remaining(), 1u);
}

TEST(WireTest, TaggedFieldHostileSizes) {
  {  // Field size beyond the buffer.
    const std::string s = Bytes({0x01, 0x00, 0x7f, 0x01});
    Reader r(s);
    EXPECT_FALSE(r.SkipTaggedFields().ok());
  }
  {  // A count of 2^31 fields in 4 bytes.
    const std::string s = Bytes({0x80, 0x80, 0x80, 0x80, 0x08, 0, 0, 0, 0});
    Reader r(s);
    EXPECT_FALSE(r.SkipTaggedFields().ok());
  }
  {  // A known field whose decoder fails fails the block.
    Writer w;
    w.WriteUnsignedVarint(1);
    w.WriteTaggedField(0, [](Writer& f) { f.WriteInt8(1); });
    Reader r(w.data());
    EXPECT_FALSE(r.ReadTaggedFields([](uint32_t, Reader& f) -> absl::Status {
                    int64_t v;
                    return f.ReadInt64(&v);
                  }).ok());
    EXPECT_FALSE(r.ok());
  }
}

TEST(WireTest, StickyErrorAndTruncation) {
  Writer w;
  w.WriteInt32(7);
  w.WriteString("hello");
  const std::string full = w.data();
  for (size_t cut = 0; cut < full.size(); ++cut) {
    Reader r(absl::string_view(full).substr(0, cut));
    int32_t i = 0;
    std::string s;
    absl::Status st = r.ReadInt32(&i);
    if (st.ok()) st = r.ReadString(&s);
    EXPECT_FALSE(st.ok()) << cut;
    EXPECT_FALSE(r.ok());
    // Sticky: even a read that would fit fails now.
    int8_t b = 0;
    EXPECT_EQ(r.ReadInt8(&b), r.status());
  }
}

TEST(WireTest, WriterRejectsOverlongString) {
  Writer w;
  w.WriteString(std::string(40000, 'a'));
  EXPECT_FALSE(w.ok());
  Writer w2;
  w2.FailNonNullable("X.y");
  EXPECT_FALSE(w2.ok());
  EXPECT_NE(w2.status().message().find("X.y"), absl::string_view::npos);
}

}  // namespace
}  // namespace warp::kafka
