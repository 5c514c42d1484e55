// The demo desk: the one Flex emulation (flex/emulation.js) with the REAL built shim bundle loaded
// into it the way Flex loads plugins (plugins.js), and an agent's tasks backed by the sandbox over
// its REST and admin APIs (sandbox.js); view.js draws it. This module holds the desk's state and
// runs the agent's side: Flex's task actions, polling, the token, the caller scenarios.
import { createFlex } from './flex/emulation.js';
import { installFlex, loadPlugin } from './plugins.js';
import { admin, flexStatus, request, toITask, twilioClient } from './sandbox.js';
import { renderDesk } from './view.js';

/** @typedef {import('./sandbox.js').DeskTask} DeskTask */

const pluginSrc = '/demo/plugin-flexcallback.js';
const demoWorker = 'alice';
const deskCallerId = '+15550100000';
const tokenTTL = 3600;

// desk is the desk's own state; the tasks and the selection are Flex's, in the emulation's store.
const desk = {
  status: 'starting',
  error: '',
  info: /** @type {any} */ (null), // GET /_sandbox/
  workerSid: '',
  backendUrl: '',
  remoteTasks: /** @type {Map<string, DeskTask>} */ (new Map()), // the sandbox's reservations, from the last poll
  localTasks: /** @type {Map<string, DeskTask>} */ (new Map()), // outbound-call tasks the desk made (Flex makes these itself)
  outboundCall: /** @type {{sid: string, to: string, status: string, reservationSid: string} | null} */ (null),
  notifications: /** @type {{key: number, id: string, type: string, text: string}[]} */ ([]),
  scenario: '',
  pluginState: 'not loaded',
  clock: '', // the sandbox's time (ISO), from the last clock call
};
/** @type {ReturnType<typeof twilioClient>} */
let twilio;

const emulation = createFlex({
  actions: {
    AcceptTask: (p) => updateReservation(p.sid, 'accepted'),
    WrapupTask: (p) => (desk.localTasks.has(p.sid) ? hangUp() : updateReservation(p.sid, 'wrapping')),
    CompleteTask: (p) => updateReservation(p.sid, 'completed'),
    StartOutboundCall: startOutboundCall,
  },
  onNotification(n) {
    desk.notifications = [...desk.notifications, { key: Date.now() + Math.random(), ...n }].slice(-5);
    render();
  },
});
const { flex, manager, state } = emulation;
flex.Actions.addListener('afterSelectTask', () => render());

/**
 * @param {string} sid
 * @param {string} status
 */
async function updateReservation(sid, status) {
  const task = state.worker.tasks.get(sid);
  if (!task) throw new Error('no such task ' + sid);
  await twilio.setReservation(desk.workerSid, task.taskSid, sid, status);
  await poll();
}

// Flex dials through its outbound call flow; here the sandbox places the call and the desk shows
// the call's task in the list, as Flex does.
/** @param {any} payload */
async function startOutboundCall(payload) {
  const call = await twilio.createCall({ To: payload.destination, From: payload.callerId || deskCallerId, Url: location.origin + '/demo/outbound.xml' });
  const sid = 'WRoutbound' + call.sid.slice(2);
  const attributes = { ...payload.taskAttributes, taskType: payload.taskAttributes?.taskType || 'callback-outbound', outbound_to: payload.destination, call_sid: call.sid };
  desk.outboundCall = { sid: call.sid, to: payload.destination, status: call.status || 'queued', reservationSid: sid };
  desk.localTasks.set(sid, {
    sid,
    taskSid: '',
    status: 'accepted',
    taskStatus: 'assigned',
    queueSid: payload.queueSid || '',
    queueName: '',
    taskChannelUniqueName: 'voice',
    dateCreated: new Date(),
    attributes,
    defaultFrom: payload.destination,
    workflowSid: '',
    priority: 0,
    timeout: 0,
  });
  mergeTasks(desk.remoteTasks);
  render();
  // Flex selects the call's task once its reservation arrives, a moment after the action resolved
  // (so the panel still gets its actionResult).
  window.setTimeout(() => {
    if (state.worker.tasks.has(sid)) act('SelectTask', sid);
  }, 300);
}

/**
 * act runs a Flex action on a task, as Flex's buttons do.
 * @param {string} name
 * @param {string} [sid]
 */
function act(name, sid) {
  flex.Actions.invokeAction(name, sid ? { sid } : {}).catch(reportError);
}

// mergeTasks sets the worker's tasks (sandbox reservations plus the desk's outbound tasks). When
// the selected task leaves, it runs SelectTask with no task, as Flex does: the shim's auto-select
// listener may then bring the callback back.
/** @param {Map<string, DeskTask>} remote */
function mergeTasks(remote) {
  desk.remoteTasks = remote;
  const all = new Map([...remote, ...desk.localTasks]);
  // Keep the same object while nothing changed, as Flex's store does.
  const old = state.worker.tasks;
  state.worker.tasks = new Map([...all].map(([sid, t]) => [sid, old.has(sid) && JSON.stringify(old.get(sid)) === JSON.stringify(t) ? old.get(sid) : t]));
  const selected = state.view.selectedTaskSid;
  if (selected && !all.has(selected)) act('SelectTask');
}

let polling = false;
async function poll() {
  if (polling || !desk.info) return;
  polling = true;
  try {
    const [list, tasks] = await Promise.all([twilio.reservations(desk.workerSid), admin('GET', '/tasks'), pollOutboundCall(), pollWorker()]);
    const bySid = new Map((Array.isArray(tasks) ? tasks : tasks?.tasks || []).map((/** @type {any} */ t) => [t.sid, t]));
    /** @type {Map<string, DeskTask>} */
    const remote = new Map();
    for (const res of list?.reservations || []) {
      const t = bySid.get(res.task_sid);
      if (t && flexStatus[res.reservation_status]) remote.set(res.sid, toITask(res, t));
    }
    mergeTasks(remote);
    desk.error = '';
  } catch (err) {
    reportError(err);
  } finally {
    polling = false;
    render();
  }
}

// pollWorker follows the worker's activity; Flex's workerClient emits activityUpdated, and the shim
// then tells the panel whether the agent is offline.
async function pollWorker() {
  const wk = await twilio.worker(desk.workerSid);
  const wc = manager.workerClient;
  if (wk.activity_sid && wk.activity_sid !== wc.activity.sid) {
    wc.activity = { sid: wk.activity_sid, name: wk.activity_name || '' };
    wc.emit('activityUpdated');
  }
}

/** @param {string} name */
async function setActivity(name) {
  await admin('POST', `/workers/${desk.workerSid}/activity`, { activity: name });
  await pollWorker();
}

async function toggleActivity() {
  const offline = manager.workerClient.activity.sid === desk.info.offlineActivitySid;
  await setActivity(offline ? 'available' : 'offline');
  await poll();
}

async function pollOutboundCall() {
  const c = desk.outboundCall;
  if (!c || c.status === 'completed') return;
  const call = await twilio.getCall(c.sid);
  c.status = call.status;
  if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(call.status)) desk.localTasks.delete(c.reservationSid);
}

async function hangUp() {
  const c = desk.outboundCall;
  if (!c) return;
  await twilio.endCall(c.sid);
  c.status = 'completed';
  desk.localTasks.delete(c.reservationSid);
  mergeTasks(desk.remoteTasks);
  render();
}

/** @param {unknown} err */
function reportError(err) {
  desk.error = String((err && /** @type {Error} */ (err).message) || err);
  console.error(err);
  render();
}

/** @type {number | undefined} */
let refreshTimer;
async function refreshToken() {
  const r = await admin('POST', '/tokens', { identity: manager.workerClient.name, roles: ['agent'], workerSid: desk.workerSid, ttl: tokenTTL });
  manager.user.token = r.token;
  manager.user.tokenExpirationDate = new Date(Date.now() + tokenTTL * 1000);
  manager.events.emit('tokenUpdated', manager.user);
  window.clearTimeout(refreshTimer);
  // Flex refreshes its token before it expires; so does the desk.
  refreshTimer = window.setTimeout(() => refreshToken().catch(reportError), tokenTTL * 800);
  render();
}

/** @param {string} name */
async function runScenario(name) {
  desk.scenario = `${name}: running…`;
  render();
  try {
    const r = await request('POST', `/demo/scenario/${name}`, { json: {} });
    desk.scenario = `${name}: ${r && typeof r === 'object' ? JSON.stringify(r) : 'started'}`;
    await poll();
  } catch (err) {
    desk.scenario = `${name}: failed`;
    reportError(err);
  }
  render();
}

// advanceClock moves the sandbox's clock an hour on (scheduled callbacks fall due on it), then
// renews the token: the sandbox judges its expiry on the same clock.
async function advanceClock() {
  const r = await admin('POST', '/clock', { advance: '1h' });
  desk.clock = r.now;
  await refreshToken();
  await poll();
}

/** @type {Element | null} */
let root = null;
function render() {
  if (!root) return;
  renderDesk(root, {
    desk,
    emulation,
    act,
    hangUp: () => hangUp().catch(reportError),
    toggleActivity: () => toggleActivity().catch(reportError),
    refreshToken: () => refreshToken().catch(reportError),
    runScenario,
    advanceClock: () => advanceClock().catch(reportError),
    dismiss(note) {
      desk.notifications = desk.notifications.filter((x) => x !== note);
      render();
    },
  });
}

async function backendURL() {
  const meta = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="backend-url"]'));
  if (meta && meta.content) return meta.content;
  return (await request('GET', '/demo/config.json')).backendUrl;
}

// configure sets up the Flex the plugin finds: the demo worker, logged in, and Flex's
// configuration as the sandbox's Configuration API serves it (`flexcallback setup` wrote the
// feature's custom_data there at start, as it would on a real account), with the desk's own
// outbound calling.
/** @param {any} info */
async function configure(info) {
  const w = (info.workers || {})[demoWorker] || {};
  desk.info = info;
  desk.workerSid = w.sid || '';
  twilio = twilioClient(info);
  Object.assign(manager.workerClient, { sid: desk.workerSid, name: w.identity || demoWorker, activity: { sid: info.availableActivitySid || '', name: '' } });
  const conf = await twilio.flexConfiguration();
  manager.serviceConfiguration = {
    taskrouter_offline_activity_sid: conf.taskrouter_offline_activity_sid || info.offlineActivitySid || '',
    outbound_call_flows: { default: { enabled: true, caller_id: deskCallerId, queue_sid: '', location: 'US', workflow_sid: '' } },
    ui_attributes: conf.ui_attributes || {},
  };
}

export async function start() {
  root = document.getElementById('desk');
  render();
  try {
    const [url, info, clock] = await Promise.all([backendURL(), admin('GET', '/'), admin('POST', '/clock', { advance: '0s' })]);
    desk.clock = clock.now;
    desk.backendUrl = String(url).replace(/\/+$/, '');
    await configure(info);
    // The demo agent logs in and goes available, so the sandbox routes tasks to them.
    await Promise.all([refreshToken(), setActivity('available')]);
    desk.pluginState = 'loading';
    render();
    installFlex(flex, manager);
    await loadPlugin(pluginSrc);
    desk.pluginState = `loaded (${emulation.calls.channels.length} channels)`;
    desk.status = 'ready';
    render();
    window.setInterval(poll, 1000);
    await poll();
  } catch (err) {
    desk.status = 'failed';
    reportError(err);
  }
}

// For the browser tests and the curious: the emulation's state, read-only in spirit.
Object.assign(window, { demoDesk: { desk, emulation, poll } });
