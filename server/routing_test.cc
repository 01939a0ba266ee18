#include "server/routing.h"

#include <map>

#include "gtest/gtest.h"
#include "server/groups/placement.h"

namespace warp::server {
namespace {

std::vector<AgentInfo> ThreeZones() {
  return {{"a1", "10.0.0.1:9092", "az1", {"produce", "fetch"}, 0},
          {"a2", "10.0.0.2:9092", "az2", {"produce", "fetch"}, 0},
          {"a3", "10.0.0.3:9093", "az1", {"produce", "fetch"}, 0}};
}

TEST(RoutingTest, ClientZone) {
  EXPECT_EQ(ClientZone("warp_az=us-east-1a"), "us-east-1a");
  EXPECT_EQ(ClientZone("app=billing, warp_az = az2 ,x=y"), "az2");
  EXPECT_EQ(ClientZone("rdkafka"), "");
  EXPECT_EQ(ClientZone("ws_az=az1"), "");
  EXPECT_EQ(ClientZone(""), "");
}

TEST(RoutingTest, BrokersOfTheClientsZoneWhenThereAreAny) {
  std::vector<Broker> all = BrokersForClient(ThreeZones(), "");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[2].host, "10.0.0.3");
  EXPECT_EQ(all[2].port, 9093);
  EXPECT_EQ(all[2].zone, "az1");
  EXPECT_EQ(all[2].node_id, groups::NodeIdFor("a3"));
  std::vector<Broker> az1 = BrokersForClient(ThreeZones(), "az1");
  ASSERT_EQ(az1.size(), 2u);
  EXPECT_EQ(az1[0].agent_id, "a1");
  EXPECT_EQ(az1[1].agent_id, "a3");
  EXPECT_EQ(BrokersForClient(ThreeZones(), "az2").size(), 1u);
  EXPECT_EQ(BrokersForClient(ThreeZones(), "az9").size(), 3u);  // none there: all
}

TEST(RoutingTest, LeadersSpreadEvenlyAndDeterministically) {
  std::vector<Broker> brokers = BrokersForClient(ThreeZones(), "");
  std::map<std::string, int> led;
  for (int p = 0; p < 99; ++p) led[LeaderFor(brokers, "topic", p).agent_id]++;
  EXPECT_EQ(led, (std::map<std::string, int>{{"a1", 33}, {"a2", 33}, {"a3", 33}}));
  // Partition 0 of different topics does not always land on one broker.
  std::map<std::string, int> first;
  for (int t = 0; t < 30; ++t) first[LeaderFor(brokers, "t" + std::to_string(t), 0).agent_id]++;
  EXPECT_EQ(first.size(), 3u);
  EXPECT_EQ(LeaderFor(brokers, "x", 7).agent_id, LeaderFor(brokers, "x", 7).agent_id);
}

}  // namespace
}  // namespace warp::server
