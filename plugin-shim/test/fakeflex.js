// A small hand-written fake of the Flex globals the shim uses. It records what the shim does,
// and behaves like Flex where the shim depends on it (manager events, the worker's task map,
// invokeAction resolving or rejecting).
import { EventEmitter } from 'node:events';

export const backendOrigin = 'http://127.0.0.1:8080';

/** fakeFlex returns {flex, manager, calls, store}; opts tweak the service configuration. */
export function fakeFlex(opts = {}) {
  const calls = { channels: [], replaced: [], registered: [], shown: [], invoked: [], listeners: {} };
  const flexState = {
    view: { selectedTaskSid: opts.selectedTaskSid ?? null },
    worker: { tasks: new Map(), activity: { sid: 'WAavailable' } },
  };
  const flex = {
    DefaultTaskChannels: {
      createDefaultTaskChannel(name, isApplicable, icon, iconActive, color) {
        return {
          name,
          isApplicable,
          capabilities: new Set(),
          colors: { main: color },
          icons: { list: icon, main: icon, active: iconActive },
          templates: {
            TaskListItem: { firstLine: 'default first', secondLine: 'default second' },
            TaskCanvasHeader: { title: 'default title', endButton: 'End' },
            IncomingTaskCanvas: { firstLine: 'default', secondLine: 'x' },
            TaskCard: { firstLine: 'default', secondLine: 'x' },
            Supervisor: { TaskCanvasHeader: { title: 't', endButton: 'e' }, TaskOverviewCanvas: { firstLine: 'f', secondLine: 's' } },
          },
        };
      },
    },
    TaskChannels: { register: (def) => calls.channels.push(def) },
    TaskInfoPanel: { Content: { replace: (element, options) => calls.replaced.push({ element, options }) } },
    Notifications: {
      registerNotification: (n) => calls.registered.push(n),
      showNotification: (id, context) => calls.shown.push({ id, context }),
    },
    Actions: {
      failNext: null,
      async invokeAction(name, payload) {
        calls.invoked.push({ name, payload });
        if (flex.Actions.failNext) {
          const err = flex.Actions.failNext;
          flex.Actions.failNext = null;
          throw err;
        }
      },
      addListener(event, fn) {
        (calls.listeners[event] ||= []).push(fn);
      },
    },
  };
  const callbackAndVoicemail = {
    enabled: true,
    allow_requeue: true,
    max_attempts: 3,
    auto_select_task: true,
    backend_url: `${backendOrigin}/`,
    ...(opts.feature || {}),
  };
  const workerClient = new EventEmitter();
  Object.assign(workerClient, { sid: 'WKalice', activity: { sid: 'WAavailable' }, attributes: opts.workerAttributes || {} });
  const manager = {
    user: { token: 'flex-token-1' },
    strings: { ExistingFlexString: 'kept' },
    events: new EventEmitter(),
    workerClient,
    store: { getState: () => ({ flex: flexState }) },
    serviceConfiguration: {
      taskrouter_offline_activity_sid: 'WAoffline',
      outbound_call_flows: 'outboundFlows' in opts ? opts.outboundFlows : { default: { enabled: true } },
      ui_attributes: { custom_data: { features: { callback_and_voicemail: callbackAndVoicemail }, ...(opts.customData || {}) } },
    },
  };
  return { flex, manager, calls, flexState };
}

/** callbackTask returns a Flex ITask-like object of a callback. */
export function callbackTask(over = {}) {
  return {
    sid: 'WRcallback1',
    taskSid: 'WTcallback1',
    status: 'assigned',
    queueSid: 'WQsupport',
    queueName: 'Support',
    taskChannelUniqueName: 'voice',
    dateCreated: new Date('2026-11-25T10:00:00Z'),
    attributes: { taskType: 'callback', name: '+15551230000', callBackData: { numberToCall: '+15551230000' } },
    ...over,
  };
}

/** fakeWindow is a window that records message listeners and can dispatch events to them. */
export function fakeWindow() {
  const listeners = new Set();
  return {
    addEventListener: (type, fn) => type === 'message' && listeners.add(fn),
    removeEventListener: (type, fn) => type === 'message' && listeners.delete(fn),
    dispatch: (event) => [...listeners].map((fn) => fn(event)),
    get listenerCount() {
      return listeners.size;
    },
  };
}

/** fakeFrameWindow is the iframe's contentWindow: it records what the shim posts to it. */
export function fakeFrameWindow() {
  const posted = [];
  return { posted, postMessage: (message, targetOrigin) => posted.push({ message, targetOrigin }) };
}

/** quiet silences console.info/console.error while fn runs (the shim logs each registration). */
export function quiet(fn) {
  const { info, error } = console;
  const lines = [];
  console.info = (...a) => lines.push(a.join(' '));
  console.error = (...a) => lines.push(a.join(' '));
  try {
    return { result: fn(), lines };
  } finally {
    console.info = info;
    console.error = error;
  }
}
