// --listeners, --listener_security_protocol_map and --advertised_listeners
// parsed as Kafka parses them.
#include "server/listeners.h"

#include "gtest/gtest.h"

namespace warp::server {
namespace {

TEST(ListenersTest, ProtocolsNamesAndAdvertisedAddresses) {
  auto parsed = ParseListeners("PLAINTEXT://127.0.0.1:9092, ssl://0.0.0.0:9093,internal://[::1]:9094",
                               "INTERNAL:SASL_SSL", "SSL://kafka.example.com:19093");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].name, "PLAINTEXT");
  EXPECT_EQ((*parsed)[0].protocol, SecurityProtocol::kPlaintext);
  EXPECT_EQ((*parsed)[0].advertised_host, "127.0.0.1");
  EXPECT_EQ((*parsed)[1].name, "SSL");
  EXPECT_EQ((*parsed)[1].host, "0.0.0.0");
  EXPECT_EQ((*parsed)[1].advertised_host, "kafka.example.com");
  EXPECT_EQ((*parsed)[1].advertised_port, 19093);
  EXPECT_EQ((*parsed)[2].protocol, SecurityProtocol::kSaslSsl);
  EXPECT_EQ((*parsed)[2].host, "::1");
  EXPECT_TRUE(UsesTls((*parsed)[2].protocol));
  EXPECT_TRUE(UsesSasl((*parsed)[2].protocol));
  EXPECT_EQ(SecurityProtocolName(SecurityProtocol::kSaslPlaintext), "SASL_PLAINTEXT");
}

TEST(ListenersTest, MistakesAreNamed) {
  struct Case {
    const char* listeners;
    const char* map;
    const char* advertised;
    const char* says;
  };
  for (const Case& c : std::vector<Case>{
           {"", "", "", "names no listener"},
           {"127.0.0.1:9092", "", "", "no listener name"},
           {"PLAINTEXT://127.0.0.1", "", "", "no port"},
           {"PLAINTEXT://127.0.0.1:x", "", "", "no valid port"},
           {"PLAINTEXT://127.0.0.1:70000", "", "", "no valid port"},
           {"EXTERNAL://127.0.0.1:9092", "", "", "does not map it"},
           {"EXTERNAL://127.0.0.1:9092", "EXTERNAL:TLS", "", "NAME:PROTOCOL"},
           {"PLAINTEXT://a:1,PLAINTEXT://a:2", "", "", "given twice"},
           {"PLAINTEXT://a:1,SSL://a:1", "", "", "port 1 is given to two"},
           {"PLAINTEXT://a:1", "", "SSL://b:2", "not one of --listeners"},
           {"PLAINTEXT://0.0.0.0:1", "", "", "binds every interface"},
           {"PLAINTEXT://:1", "", "", "binds every interface"},
           {"PLAINTEXT://[::1:1", "", "", "unclosed"},
       }) {
    auto parsed = ParseListeners(c.listeners, c.map, c.advertised);
    ASSERT_FALSE(parsed.ok()) << c.listeners;
    EXPECT_NE(parsed.status().message().find(c.says), std::string::npos)
        << c.listeners << ": " << parsed.status().message();
  }
  // Every interface is fine when an address is advertised.
  EXPECT_TRUE(ParseListeners("PLAINTEXT://:9092", "", "PLAINTEXT://h:9092").ok());
}

TEST(ListenersTest, Loopback) {
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
  EXPECT_FALSE(IsLoopbackHost("10.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost(""));
}

}  // namespace
}  // namespace warp::server
