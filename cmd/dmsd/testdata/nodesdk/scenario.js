// scenario.js drives dmsd with the official Huawei Cloud Node.js SDK for
// Kafka and prints what it sees, one JSON object a line, each with the
// "step" it belongs to. It asserts nothing itself: the Go test
// (cmd/dmsd/nodesdk_test.go) reads the lines and checks them, so that a
// mismatch shows what a user of this SDK would have seen.
//
// Usage: node scenario.js ENDPOINT CREDENTIALS_FILE
// The credentials file is dmsd's (credentials.json); the first credential
// works, the second, of another project, looks at its instance.
"use strict";

const fs = require("fs");
const core = require("@huaweicloud/huaweicloud-sdk-core");
const kafka = require("@huaweicloud/huaweicloud-sdk-kafka");
// The SDK logs every error it throws to stdout through log4js; these lines
// would mix with the observations, and the errors are observations here.
require("@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger").Logger4jInstance.level = "off";

const [endpoint, credentialsFile] = process.argv.slice(2);
const creds = JSON.parse(fs.readFileSync(credentialsFile, "utf8")).credentials;

function client(c) {
  const credentials = new core.BasicCredentials()
    .withAk(c.access_key).withSk(c.secret_key).withProjectId(c.project_id);
  return kafka.KafkaClient.newBuilder().withCredential(credentials).withEndpoint(endpoint).build();
}

function emit(step, fields) {
  process.stdout.write(JSON.stringify({ step, ...fields }) + "\n");
}

// failure returns what the SDK's error carries, and rethrows anything that
// is not an answer of the server.
function failure(e) {
  if (e === null || typeof e !== "object" || e.httpStatusCode === undefined) {
    throw e;
  }
  return { status: e.httpStatusCode, code: e.errorCode, msg: e.errorMsg };
}

// expectError runs call, which should be refused, and emits the refusal.
async function expectError(step, call) {
  try {
    const resp = await call();
    emit(step, { unexpected: resp });
  } catch (e) {
    emit(step, failure(e));
  }
}

// poll calls get until done accepts its answer, and returns that answer.
async function poll(what, get, done) {
  const deadline = Date.now() + 30000;
  for (;;) {
    const resp = await get();
    if (done(resp)) {
      return resp;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: still ${JSON.stringify(resp).slice(0, 300)} after 30 s`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// utcStamp formats t as the task list's begin_time and end_time want it:
// YYYYMMDDHHmmss in UTC.
function utcStamp(t) {
  return t.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

async function main() {
  const c = client(creds[0]);
  const foreign = client(creds[1]);

  // Signed GET without a project in the path.
  const zones = await c.listAvailableZones(new kafka.ListAvailableZonesRequest());
  emit("zones", { status: zones.httpStatusCode, ids: zones.available_zones.map((z) => z.id) });

  // The engine in the path, and a query parameter.
  const products = await c.listEngineProducts(
    new kafka.ListEngineProductsRequest().withEngine("kafka").withProductId("c6.2u4g.cluster"));
  emit("products", {
    status: products.httpStatusCode,
    ids: products.products.map((p) => p.product_id),
  });

  // Signed POST with a body, on /v2/{engine}/{project_id}/instances.
  const body = new kafka.CreateInstanceByEngineReq()
    .withName("node-sdk-cluster").withDescription("Knoten für Tests").withEngine("kafka")
    .withEngineVersion("3.x").withBrokerNum(3).withStorageSpace(300)
    .withStorageSpecCode("dms.physical.storage.ultra.v2").withProductId("c6.2u4g.cluster")
    .withVpcId("vpc").withSubnetId("subnet").withSecurityGroupId("sg")
    .withAvailableZones([zones.available_zones[0].id]);
  const created = await c.createInstanceByEngine(
    new kafka.CreateInstanceByEngineRequest().withEngine("kafka").withBody(body));
  const id = created.instance_id;
  emit("create", { status: created.httpStatusCode, id });

  const show = (i) => c.showInstance(new kafka.ShowInstanceRequest().withInstanceId(i));
  const running = await poll("instance", () => show(id), (r) => r.status !== "CREATING");
  emit("running", {
    status: running.status,
    name: running.name,
    description: running.description,
    brokers: running.broker_num,
    task: running.task && running.task.name,
  });

  // Query parameters that the canonical request percent-encodes: a space,
  // parentheses (which Node's querystring leaves as they are) and a
  // character outside ASCII; then a plain substring that matches.
  const list = async (name) => {
    const resp = await c.listInstances(new kafka.ListInstancesRequest().withEngine("kafka").withName(name));
    return { status: resp.httpStatusCode, count: resp.instance_num, names: resp.instances.map((i) => i.name) };
  };
  emit("list-encoded", await list("node sdk (ü)! *'"));
  emit("list-name", await list("sdk-clu"));

  // The task list with start, limit and a time window around now, then a
  // window of a year ago.
  const listTasks = async (start, limit, begin, end) => {
    const resp = await c.listBackgroundTasks(new kafka.ListBackgroundTasksRequest()
      .withInstanceId(id).withStart(start).withLimit(limit)
      .withBeginTime(utcStamp(begin)).withEndTime(utcStamp(end)));
    return {
      status: resp.httpStatusCode,
      count: resp.task_count,
      ids: resp.tasks.map((t) => t.id),
      names: resp.tasks.map((t) => t.name),
      statuses: resp.tasks.map((t) => t.status),
    };
  };
  const hourAgo = new Date(Date.now() - 3600e3);
  const inAnHour = new Date(Date.now() + 3600e3);
  const tasks = await listTasks(1, 10, hourAgo, inAnHour);
  emit("tasks", tasks);
  const yearAgo = Date.now() - 365 * 86400e3;
  emit("tasks-old", await listTasks(1, 10, new Date(yearAgo - 30 * 86400e3), new Date(yearAgo)));

  // Two path parameters.
  const createTask = tasks.ids[0];
  const showTask = (t) => c.showBackgroundTask(new kafka.ShowBackgroundTaskRequest().withInstanceId(id).withTaskId(t));
  const shownTask = await showTask(createTask);
  emit("task", {
    status: shownTask.httpStatusCode,
    count: shownTask.task_count,
    id: shownTask.tasks[0].id,
    name: shownTask.tasks[0].name,
    task_status: shownTask.tasks[0].status,
  });
  const waitTask = (t) => poll("task " + t, () => showTask(t),
    (r) => r.tasks[0].status !== "CREATED" && r.tasks[0].status !== "EXECUTING");

  // A topic created and listed.
  const topic = await c.createInstanceTopic(new kafka.CreateInstanceTopicRequest().withInstanceId(id)
    .withBody(new kafka.CreateInstanceTopicReq().withId("node-orders").withPartition(3).withReplication(3)));
  emit("topic-create", { status: topic.httpStatusCode, name: topic.name });
  const topics = await c.listInstanceTopics(new kafka.ListInstanceTopicsRequest().withInstanceId(id));
  emit("topics", {
    status: topics.httpStatusCode,
    total: topics.total,
    topics: topics.topics.map((t) => ({ name: t.name, partition: t.partition, replication: t.replication })),
  });
  // A topic quota through /v2/kafka/{project_id}/...: created with a
  // signed POST, listed with a keyword, deleted with a signed DELETE that
  // has a body; each change is a task.
  const quota = new kafka.KafkaTopicQuota().withTopic("node-orders")
    .withProducerByteRate(1048576).withConsumerByteRate(2097152);
  const quotaCreated = await c.createKafkaTopicQuota(new kafka.CreateKafkaTopicQuotaRequest().withInstanceId(id).withBody(quota));
  const quotaCreateTask = await waitTask(quotaCreated.job_id);
  emit("quota-create", { status: quotaCreated.httpStatusCode, name: quotaCreateTask.tasks[0].name, task_status: quotaCreateTask.tasks[0].status });
  const showQuotas = async () => {
    const resp = await c.showKafkaTopicQuota(new kafka.ShowKafkaTopicQuotaRequest().withInstanceId(id).withKeyword("orders"));
    return { status: resp.httpStatusCode, count: resp.count, quotas: resp.quotas };
  };
  emit("quotas", await showQuotas());
  const quotaDeleted = await c.deleteKafkaTopicQuota(new kafka.DeleteKafkaTopicQuotaRequest().withInstanceId(id)
    .withBody(new kafka.KafkaTopicQuota().withTopic("node-orders")));
  const quotaDeleteTask = await waitTask(quotaDeleted.job_id);
  emit("quota-delete", { status: quotaDeleted.httpStatusCode, name: quotaDeleteTask.tasks[0].name, task_status: quotaDeleteTask.tasks[0].status });
  emit("quotas-after", await showQuotas());

  // A signed PUT that starts a task; followed to its end.
  const upd = await c.updateInstance(new kafka.UpdateInstanceRequest().withInstanceId(id)
    .withBody(new kafka.UpdateInstanceReq().withRetentionPolicy("produce_reject")));
  emit("update", { status: upd.httpStatusCode });
  const latest = await listTasks(1, 1, hourAgo, inAnHour);
  const retention = await waitTask(latest.ids[0]);
  emit("retention", {
    name: retention.tasks[0].name,
    task_status: retention.tasks[0].status,
    retention_policy: (await show(id)).retention_policy,
  });

  // Pages of the four tasks: start counts from 1.
  emit("tasks-page1", await listTasks(1, 3, hourAgo, inAnHour));
  emit("tasks-page2", await listTasks(4, 3, hourAgo, inAnHour));

  // A signed DELETE without a body; the task is gone after it.
  const deleted = await c.deleteBackgroundTask(
    new kafka.DeleteBackgroundTaskRequest().withInstanceId(id).withTaskId(createTask));
  emit("task-delete", { status: deleted.httpStatusCode });
  await expectError("task-gone", () => showTask(createTask));
  await expectError("instance-bad-id", () => show("not-an-instance-id"));

  // A consumer group through the /v2/{engine}/{project_id}/... routes:
  // shown, changed with a signed PUT and deleted with a signed DELETE.
  const group = "node-group";
  const groupCreated = await c.createKafkaConsumerGroup(new kafka.CreateKafkaConsumerGroupRequest()
    .withInstanceId(id).withBody(new kafka.CreateGroupReq().withGroupName(group).withGroupDesc("first")));
  emit("group-create", { status: groupCreated.httpStatusCode });
  const updated = await c.updateInstanceConsumerGroup(new kafka.UpdateInstanceConsumerGroupRequest()
    .withEngine("kafka").withInstanceId(id).withGroup(group)
    .withBody(new kafka.GroupCreateReq().withGroupName(group).withGroupDesc("zweite Beschreibung ü")));
  emit("group-update", { status: updated.httpStatusCode });
  const shownGroup = await c.listInstanceConsumerGroup(new kafka.ListInstanceConsumerGroupRequest()
    .withEngine("kafka").withInstanceId(id).withGroup(group));
  emit("group", {
    status: shownGroup.httpStatusCode,
    id: shownGroup.group && shownGroup.group.group_id,
    state: shownGroup.group && shownGroup.group.state,
    desc: shownGroup.group && shownGroup.group.group_desc,
  });
  const groupDeleted = await c.deleteInstanceConsumerGroup(new kafka.DeleteInstanceConsumerGroupRequest()
    .withEngine("kafka").withInstanceId(id).withGroup(group));
  emit("group-delete", { status: groupDeleted.httpStatusCode });
  await expectError("group-gone", () => c.listInstanceConsumerGroup(new kafka.ListInstanceConsumerGroupRequest()
    .withEngine("kafka").withInstanceId(id).withGroup(group)));

  // Another project's credentials do not see the instance.
  await expectError("foreign-show", () => foreign.showInstance(new kafka.ShowInstanceRequest().withInstanceId(id)));
  await expectError("foreign-tasks", () => foreign.listBackgroundTasks(
    new kafka.ListBackgroundTasksRequest().withInstanceId(id)));
  const foreignList = await foreign.listInstances(new kafka.ListInstancesRequest().withEngine("kafka"));
  emit("foreign-list", { status: foreignList.httpStatusCode, count: foreignList.instance_num });

  // The instance deleted, then gone.
  const del = await c.deleteInstance(new kafka.DeleteInstanceRequest().withInstanceId(id));
  emit("delete", { status: del.httpStatusCode });
  const gone = await poll("deletion", async () => {
    try {
      return { shown: (await show(id)).status };
    } catch (e) {
      return failure(e);
    }
  }, (r) => r.shown === undefined);
  emit("gone", gone);
}

main().catch((e) => {
  process.stderr.write(`scenario failed: ${e && e.httpStatusCode !== undefined ? JSON.stringify(failure(e)) : (e && e.stack) || e}\n`);
  process.exit(1);
});
