// kafkajs 2.2.4's admin ACL API against warpd with --authorizer=acl (usage:
// node kafkajs_acls.js SASL_BOOTSTRAP). As the super user "admin" (PLAIN):
// creates a topic and ACLs; then "alice" (SCRAM-SHA-256, WRITE on the topic)
// produces and may not consume; "bob" (SCRAM-SHA-512, READ on the topic and
// the group) consumes through a group and may not produce; the ACLs are
// described and one deleted, and bob is refused at once. Prints OK.
const { Kafka, logLevel, AclResourceTypes, AclOperationTypes, AclPermissionTypes,
        ResourcePatternTypes } = require('kafkajs');

const TOPIC = 'js-acl';
const GROUP = 'js-acl-group';

function client(user, mechanism) {
  return new Kafka({ clientId: `warp-acl-${user}`, brokers: [process.argv[2]],
                     logLevel: logLevel.NOTHING, retry: { retries: 2, initialRetryTime: 100 },
                     sasl: { mechanism, username: user, password: `${user}-secret` } });
}

function acl(principal, resourceType, resourceName, operation) {
  return { resourceType, resourceName, resourcePatternType: ResourcePatternTypes.LITERAL,
           principal, host: '*', operation, permissionType: AclPermissionTypes.ALLOW };
}

// Whether `promise` fails with one of `types` (an error type or message).
async function refused(what, promise, ...types) {
  try {
    await promise;
  } catch (e) {
    const seen = `${e.type || ''} ${e.message || ''} ${e.originalError ? e.originalError.type : ''}`;
    if (types.some((type) => seen.includes(type))) return;
    throw new Error(`${what}: refused, but not with ${types.join(' or ')}: ${seen}`);
  }
  throw new Error(`${what}: not refused`);
}

async function main() {
  const admin = client('admin', 'plain').admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 1 }] });
  await admin.createAcls({ acl: [
    acl('User:alice', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.WRITE),
    acl('User:bob', AclResourceTypes.TOPIC, TOPIC, AclOperationTypes.READ),
    acl('User:bob', AclResourceTypes.GROUP, GROUP, AclOperationTypes.READ),
  ] });
  const described = await admin.describeAcls({
    resourceType: AclResourceTypes.ANY, resourcePatternType: ResourcePatternTypes.ANY,
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY });
  const count = described.resources.reduce((n, r) => n + r.acls.length, 0);
  if (count !== 3) throw new Error(`describeAcls: ${count} ACLs, not 3`);

  const alice = client('alice', 'scram-sha-256');
  const producer = alice.producer();
  await producer.connect();
  await producer.send({ topic: TOPIC, messages: [1, 2, 3].map((i) => ({ value: `m${i}` })) });
  await producer.disconnect();
  const aliceAdmin = alice.admin();
  await aliceAdmin.connect();
  // FindCoordinator answers GROUP_AUTHORIZATION_FAILED, which kafkajs
  // reports as a coordinator it could not find.
  await refused('alice reading offsets', aliceAdmin.fetchTopicOffsets(TOPIC).then(() =>
    aliceAdmin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] })), 'GROUP_AUTHORIZATION_FAILED',
                'Failed to find group coordinator');
  await aliceAdmin.disconnect();

  const bob = client('bob', 'scram-sha-512');
  const bobProducer = bob.producer({ retry: { retries: 0 } });
  await bobProducer.connect();
  await refused('bob producing', bobProducer.send({ topic: TOPIC, messages: [{ value: 'x' }] }),
                'TOPIC_AUTHORIZATION_FAILED');
  await bobProducer.disconnect();
  const consumer = bob.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 1000 });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  const seen = [];
  await consumer.run({ eachMessage: async ({ message }) => { seen.push(message.value.toString()); } });
  const deadline = Date.now() + 60000;
  while (seen.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await consumer.disconnect();
  if (seen.join() !== 'm1,m2,m3') throw new Error(`bob consumed ${seen.join()}`);

  const deleted = await admin.deleteAcls({ filters: [{
    resourceType: AclResourceTypes.TOPIC, resourceName: TOPIC,
    resourcePatternType: ResourcePatternTypes.LITERAL, principal: 'User:bob',
    operation: AclOperationTypes.ANY, permissionType: AclPermissionTypes.ANY }] });
  const removed = deleted.filterResponses[0].matchingAcls.length;
  if (removed !== 1) throw new Error(`deleteAcls removed ${removed}, not 1`);
  const bobAdmin = bob.admin();
  await bobAdmin.connect();
  await refused('bob after the delete', bobAdmin.fetchTopicOffsets(TOPIC),
                'TOPIC_AUTHORIZATION_FAILED');
  await bobAdmin.disconnect();
  await admin.disconnect();
  console.log('OK');
}

main().catch((e) => { console.error(e); process.exit(1); });
