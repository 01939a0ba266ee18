#include "benchmarks/rdkafka_client.h"

#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"

namespace warp::bench {

absl::StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, const Settings& settings,
                                   void* opaque,
                                   void (*dr_msg_cb)(rd_kafka_t*, const rd_kafka_message_t*,
                                                     void*)) {
  return NewClient(type, settings, [&](rd_kafka_conf_t* conf) {
    if (opaque != nullptr) rd_kafka_conf_set_opaque(conf, opaque);
    if (dr_msg_cb != nullptr) rd_kafka_conf_set_dr_msg_cb(conf, dr_msg_cb);
  });
}

namespace {

std::map<std::string, Settings>& ExtraSettings() {
  static auto* extra = new std::map<std::string, Settings>();
  return *extra;
}

}  // namespace

void AddClientSettingsFor(const std::string& bootstrap, Settings extra) {
  Settings& to = ExtraSettings()[bootstrap];
  to.insert(to.end(), extra.begin(), extra.end());
}

absl::StatusOr<KafkaPtr> NewClient(rd_kafka_type_t type, const Settings& given,
                                   const std::function<void(rd_kafka_conf_t*)>& configure) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Settings settings = given;
  for (const auto& [name, value] : given) {
    if (name != "bootstrap.servers") continue;
    auto extra = ExtraSettings().find(value);
    if (extra != ExtraSettings().end()) {
      settings.insert(settings.end(), extra->second.begin(), extra->second.end());
    }
  }
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(absl::StrCat(name, "=", value, ": ", errstr));
    }
  }
  configure(conf);
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat("rd_kafka_new: ", errstr));
  }
  return KafkaPtr(rk);
}

absl::Status EnsureTopic(const std::string& bootstrap, const std::string& topic,
                         int partitions) {
  absl::StatusOr<KafkaPtr> admin =
      NewClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", bootstrap}});
  if (!admin.ok()) return admin.status();
  char errstr[512];
  rd_kafka_NewTopic_t* new_topic = rd_kafka_NewTopic_new(
      topic.c_str(), partitions, -1, errstr, sizeof(errstr));
  if (new_topic == nullptr) return absl::InvalidArgumentError(errstr);
  QueuePtr queue(rd_kafka_queue_new(admin->get()));
  rd_kafka_CreateTopics(admin->get(), &new_topic, 1, nullptr, queue.get());
  rd_kafka_NewTopic_destroy(new_topic);
  EventPtr event(rd_kafka_queue_poll(queue.get(), 30000));
  if (event == nullptr) return absl::DeadlineExceededError("CreateTopics");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(absl::StrCat(
        "CreateTopics: ", rd_kafka_event_error_string(event.get())));
  }
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(
      rd_kafka_event_CreateTopics_result(event.get()), &n);
  for (size_t i = 0; i < n; ++i) {
    rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      std::fprintf(stderr, "topic %s exists; using it as it is\n", topic.c_str());
    } else if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(
          absl::StrCat("CreateTopics ", topic, ": ", rd_kafka_err2str(err)));
    }
  }
  return absl::OkStatus();
}

}  // namespace warp::bench
