// kafkajs 2.2.4 over warpd's TLS and SASL listeners (usage: node
// kafkajs_secure.js BOOTSTRAP CA_FILE MODE [USER PASSWORD | CERT KEY]).
// MODE: ssl, mtls (CERT and KEY), or a SASL mechanism over SASL_SSL (plain,
// scram-sha-256, scram-sha-512; USER and PASSWORD). Produces 20 records and
// consumes them through a consumer group; prints "OK <mode> <count>".
const fs = require('fs');
const { Kafka, logLevel } = require('kafkajs');

async function main() {
  const [bootstrap, caFile, mode, a, b] = process.argv.slice(2);
  const ssl = { ca: [fs.readFileSync(caFile, 'utf-8')] };
  const config = { clientId: `warp-secure-${mode}`, brokers: [bootstrap], ssl,
                   logLevel: logLevel.ERROR, retry: { retries: 3 } };
  if (mode === 'mtls') {
    ssl.cert = fs.readFileSync(a, 'utf-8');
    ssl.key = fs.readFileSync(b, 'utf-8');
  } else if (mode !== 'ssl') {
    config.sasl = { mechanism: mode, username: a, password: b };
  }
  const kafka = new Kafka(config);
  const topic = `js-secure-${mode}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let i = 0; i < 20; i++) messages.push({ key: `k${i}`, value: `v${i}` });
  await producer.send({ topic, messages });
  await producer.disconnect();
  const consumer = kafka.consumer({ groupId: `${topic}-group`, sessionTimeout: 6000,
                                    heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen = new Set();
  await consumer.run({ eachMessage: async ({ message }) => { seen.add(message.value.toString()); } });
  const deadline = Date.now() + 60000;
  while (seen.size < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  if (seen.size !== 20) throw new Error(`consumed ${seen.size} of 20`);
  console.log(`OK ${mode} ${seen.size}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
