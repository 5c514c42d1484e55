// The demo desk's page, drawn with React 17 (the UMD global Flex provides) and no build step:
// Flex's task list, task canvas and TaskInfoPanel as the emulation holds them, the caller
// scenarios and the notifications. Stable hooks for the browser tests: [data-task-sid] list
// items, #scenario-ivr, #scenario-inqueue, #scenario-voicemail, #scenario-repeat, #scenario-scheduled,
// #accept, #wrapup, #complete, #outbound-call, #hangup, #refresh-token, #activity, #clock-advance,
// #sandbox-clock, #notifications, #desk-status.
import { channelOf, template } from './flex/emulation.js';

/** @typedef {import('./sandbox.js').DeskTask} DeskTask */
/**
 * View is what the page shows and what its buttons do.
 * @typedef {object} View
 * @property {any} desk the desk's own state (desk.js)
 * @property {ReturnType<typeof import('./flex/emulation.js').createFlex>} emulation
 * @property {(name: string, sid?: string) => void} act runs a Flex action on a task
 * @property {() => void} hangUp
 * @property {() => void} toggleActivity
 * @property {() => void} refreshToken
 * @property {(name: string) => void} runScenario
 * @property {() => void} advanceClock moves the sandbox's clock an hour on
 * @property {(note: unknown) => void} dismiss
 */

const h = React.createElement;

// The list shows the task's status (data-status); Flex's ITask.status is the reservation's.
/** @type {Record<string, string>} */
const deskStatus = { pending: 'pending', accepted: 'assigned', wrapping: 'wrapping' };

/** @param {import('./flex/emulation.js').TaskChannelDefinition} channel */
function channelIcon(channel) {
  const icon = channel.icons && channel.icons.list;
  return React.isValidElement(icon) ? icon : h('span', { className: 'dot' });
}

/** @param {{v: View, task: DeskTask}} props */
function TaskItem({ v, task }) {
  const channel = channelOf(v.emulation.calls, task);
  const selected = v.emulation.state.view.selectedTaskSid === task.sid;
  const status = deskStatus[task.status];
  const listItem = channel.templates?.TaskListItem;
  return h(
    'li',
    {
      className: `task${selected ? ' selected' : ''} status-${status}`,
      'data-task-sid': task.taskSid || task.sid,
      'data-reservation-sid': task.sid,
      'data-status': status,
      'data-task-type': task.attributes.taskType || '',
      'data-channel': channel.name,
    },
    h(
      'button',
      { type: 'button', className: 'task-select', 'aria-pressed': selected ? 'true' : 'false', onClick: () => v.act('SelectTask', task.sid) },
      h('span', { className: 'task-icon', style: { color: channel.colors.main, borderColor: channel.colors.main } }, channelIcon(channel)),
      h('span', { className: 'task-lines' }, h('span', { className: 'task-first' }, template(listItem && listItem.firstLine, task)), h('span', { className: 'task-second' }, `${status} · ${channel.name}`)),
    ),
  );
}

/**
 * @param {View} v
 * @param {DeskTask} task
 */
function canvasButtons(v, task) {
  /** @param {string} id @param {string} label @param {string} className @param {() => void} onClick */
  const button = (id, label, className, onClick) => h('button', { key: id, id, type: 'button', className, onClick }, label);
  if (v.desk.localTasks.has(task.sid)) return [button('hangup', 'Hang up', 'danger', v.hangUp)];
  switch (deskStatus[task.status]) {
    case 'pending':
      return [button('accept', 'Accept', 'primary', () => v.act('AcceptTask', task.sid))];
    case 'assigned':
      return [button('wrapup', 'Wrap up', '', () => v.act('WrapupTask', task.sid))];
    case 'wrapping':
      return [button('complete', 'Complete', 'primary', () => v.act('CompleteTask', task.sid))];
    default:
      return [];
  }
}

/** @param {{v: View, task: DeskTask}} props */
function TaskCanvas({ v, task }) {
  const channel = channelOf(v.emulation.calls, task);
  const t = channel.templates || {};
  const header = t.TaskCanvasHeader ? template(t.TaskCanvasHeader.title, task) : template(t.TaskListItem && t.TaskListItem.firstLine, task);
  // Flex renders each TaskInfoPanel fragment whose `if` holds, in sortOrder, with the task.
  const panels = v.emulation.calls.replaced
    .filter((r) => !r.options?.if || r.options.if({ task }))
    .sort((a, b) => (a.options?.sortOrder || 0) - (b.options?.sortOrder || 0));
  const info = panels.length
    ? panels.map((r, i) => h('div', { key: i, className: 'info-slot' }, React.cloneElement(r.element, { task })))
    : h('dl', { className: 'default-info' }, h('dt', null, 'Task'), h('dd', null, task.taskSid || '(outbound call)'), h('dt', null, 'Attributes'), h('dd', null, h('pre', null, JSON.stringify(task.attributes, null, 2))));
  return h(
    'section',
    { className: 'canvas', 'aria-label': 'Task canvas', 'data-selected-sid': task.sid },
    h('header', { className: 'canvas-header', style: { borderTopColor: channel.colors.main } }, h('h2', null, header), h('div', { className: 'canvas-actions' }, canvasButtons(v, task))),
    h('h3', { className: 'info-title' }, 'Info'),
    h('div', { className: 'task-info-panel', 'data-testid': 'task-info-panel' }, info),
  );
}

/** @param {View} v */
function activityButton(v) {
  const wc = v.emulation.manager.workerClient;
  if (!v.desk.info) return null;
  const offline = wc.activity.sid === v.desk.info.offlineActivitySid;
  return h(
    'button',
    { id: 'activity', type: 'button', className: 'ghost', 'data-activity': offline ? 'offline' : 'available', onClick: v.toggleActivity },
    `${offline ? 'Offline' : wc.activity.name || 'Available'} · switch`,
  );
}

/** @param {View} v */
function topBar(v) {
  const { desk } = v;
  return h(
    'header',
    { className: 'topbar' },
    h('h1', null, 'flexcallback demo desk'),
    h('span', { id: 'desk-status', 'data-status': desk.status, className: 'pill' }, desk.status + (desk.pluginState ? ` · plugin ${desk.pluginState}` : '')),
    h('span', { className: 'agent' }, v.emulation.manager.workerClient.name + (desk.workerSid ? ` (${desk.workerSid})` : '')),
    activityButton(v),
    h('button', { id: 'refresh-token', type: 'button', className: 'ghost', onClick: v.refreshToken }, 'Refresh token'),
    // Scheduled callbacks wait for the sandbox's (virtual) clock; this moves it.
    h('output', { id: 'sandbox-clock', className: 'pill', 'data-now': desk.clock }, desk.clock ? `sandbox ${new Date(desk.clock).toISOString().slice(0, 16).replace('T', ' ')} UTC` : ''),
    h('button', { id: 'clock-advance', type: 'button', className: 'ghost', onClick: v.advanceClock }, 'Clock +1 h'),
  );
}

/** @param {View} v */
function scenarios(v) {
  /** @param {string} id @param {string} name @param {string} label */
  const button = (id, name, label) => h('button', { id, type: 'button', onClick: () => v.runScenario(name) }, label);
  return h(
    'nav',
    { className: 'scenarios', 'aria-label': 'Caller scenarios' },
    h('span', { className: 'label' }, 'Play a caller:'),
    button('scenario-ivr', 'ivr-callback', 'Callback requested in the IVR'),
    button('scenario-inqueue', 'inqueue-callback', 'Caller presses * in queue'),
    button('scenario-voicemail', 'voicemail', 'Caller leaves a voicemail'),
    button('clock-after-hours', 'after-hours', 'Clock: after hours'),
    button('scenario-repeat', 'repeat-caller', 'Caller asks twice'),
    button('scenario-scheduled', 'scheduled-callback', 'Caller picks a time (in 1 h)'),
    h('output', { id: 'scenario-status', className: 'scenario-status' }, v.desk.scenario),
  );
}

/** @param {View} v */
function taskList(v) {
  const tasks = [...v.emulation.state.worker.tasks.values()].sort((a, b) => +a.dateCreated - +b.dateCreated);
  const call = v.desk.outboundCall;
  return h(
    'aside',
    { className: 'task-list', 'aria-label': 'Tasks' },
    h('h2', null, 'Tasks'),
    tasks.length ? h('ul', null, tasks.map((t) => h(TaskItem, { key: t.sid, v, task: /** @type {DeskTask} */ (t) }))) : h('p', { className: 'empty' }, 'No tasks. Play a caller above.'),
    h(
      'div',
      { id: 'outbound-call', className: 'outbound', 'data-call-sid': call ? call.sid : '', 'data-status': call ? call.status : 'none' },
      call ? `Outbound call to ${call.to}: ${call.status}` : 'No outbound call',
    ),
  );
}

/** @param {View} v */
function notifications(v) {
  return h(
    'div',
    { id: 'notifications', className: 'notifications', 'aria-live': 'polite' },
    v.desk.notifications.map((/** @type {any} */ n) =>
      h('div', { key: n.key, className: `notification ${n.type}`, 'data-notification-id': n.id }, h('span', null, n.text), h('button', { type: 'button', className: 'ghost', 'aria-label': 'Dismiss', onClick: () => v.dismiss(n) }, '×')),
    ),
  );
}

/** @param {{v: View}} props */
function Desk({ v }) {
  const { state } = v.emulation;
  const selected = state.view.selectedTaskSid && state.worker.tasks.get(state.view.selectedTaskSid);
  return h(
    React.Fragment,
    null,
    topBar(v),
    scenarios(v),
    v.desk.error ? h('div', { id: 'desk-error', role: 'alert', className: 'error' }, v.desk.error) : null,
    h(
      'main',
      { className: 'workspace' },
      taskList(v),
      selected ? h(TaskCanvas, { key: 'canvas', v, task: /** @type {DeskTask} */ (selected) }) : h('section', { className: 'canvas empty-canvas' }, h('p', null, 'Select a task.')),
    ),
    notifications(v),
  );
}

/**
 * renderDesk draws the page into root.
 * @param {Element} root
 * @param {View} v
 */
export function renderDesk(root, v) {
  ReactDOM.render(h(Desk, { v }), root);
}
