// A small hand-written fake of the Flex globals the shim uses. It records what the shim does,
// and behaves like Flex where the shim depends on it (manager events, the worker's task map,
// invokeAction resolving or rejecting). It is typed as the shim's FlexApi and ManagerApi, which are
// Picks of Flex UI's own declarations (src/flex.js), so `npm run typecheck` rejects a member that
// Flex does not have or that has another shape.
import { EventEmitter } from 'node:events';

/** @typedef {import('../src/flex.js').FlexApi} FlexApi */
/** @typedef {import('../src/flex.js').ManagerApi} ManagerApi */
/** @typedef {import('../src/flex.js').TaskData} TaskData */
/** @typedef {import('../src/flex.js').TaskChannelDefinition} TaskChannelDefinition */
/** @typedef {import('../src/flex.js').Notification} Notification */
/** @typedef {import('../src/flex.js').ServiceConfiguration['outbound_call_flows']} OutboundFlows */
/**
 * Calls records what the shim asked of Flex; failNext makes the next invokeAction reject.
 * @typedef {object} Calls
 * @property {TaskChannelDefinition[]} channels
 * @property {{element: import('react').ReactElement, options: import('@twilio/flex-ui').ContentFragmentProps | undefined}[]} replaced
 * @property {Notification[]} registered
 * @property {{id: string, context: object | undefined}[]} shown
 * @property {{name: string, payload: unknown}[]} invoked
 * @property {Record<string, ((...args: any[]) => unknown)[]>} listeners the listener type of Flex's Actions.addListener
 * @property {Error | null} failNext
 */

/**
 * notificationType is Flex's NotificationType enum as the Flex bundle defines it at run time.
 * JavaScript cannot name a TypeScript enum's members, hence the cast; the values are Flex's.
 */
export const notificationType = /** @type {FlexApi['NotificationType']} */ (
  /** @type {unknown} */ (Object.freeze({ information: 'information', success: 'success', warning: 'warning', error: 'error' }))
);

/**
 * outboundFlow is one complete outbound call flow of Flex's service configuration.
 * @param {boolean} enabled
 * @returns {OutboundFlows[string]}
 */
export function outboundFlow(enabled) {
  return { enabled, caller_id: '+15550100000', queue_sid: 'WQsupport', location: 'US', workflow_sid: 'WWdefault' };
}

export const backendOrigin = 'http://127.0.0.1:8080';

/**
 * fakeFlex returns {flex, manager, calls, flexState}; opts tweak the service configuration.
 * @param {{selectedTaskSid?: string, feature?: Record<string, unknown>, workerAttributes?: Record<string, unknown>, outboundFlows?: OutboundFlows, customData?: Record<string, unknown>}} [opts]
 */
export function fakeFlex(opts = {}) {
  /** @type {Calls} */
  const calls = { channels: [], replaced: [], registered: [], shown: [], invoked: [], listeners: {}, failNext: null };
  /** @type {{view: {selectedTaskSid?: string}, worker: {tasks: Map<string, TaskData>, activity: {sid: string}}}} */
  const flexState = {
    view: { selectedTaskSid: opts.selectedTaskSid },
    worker: { tasks: new Map(), activity: { sid: 'WAavailable' } },
  };
  /** @type {FlexApi} */
  const flex = {
    NotificationType: notificationType,
    DefaultTaskChannels: {
      createDefaultTaskChannel(name, isApplicable, icon, iconActive, color) {
        return {
          name,
          isApplicable,
          capabilities: new Set(),
          charLimit: 0,
          componentProps: {},
          notifications: { override: {} },
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
    TaskInfoPanel: {
      Content: {
        replace(element, options) {
          calls.replaced.push({ element, options });
          return () => {};
        },
      },
    },
    Notifications: {
      registerNotification: (n) => calls.registered.push(n),
      showNotification(id, context) {
        calls.shown.push({ id, context });
        return calls.registered.find((n) => n.id === id) ?? null;
      },
    },
    Actions: {
      async invokeAction(name, payload) {
        calls.invoked.push({ name, payload });
        if (calls.failNext) {
          const err = calls.failNext;
          calls.failNext = null;
          throw err;
        }
      },
      addListener(event, fn) {
        (calls.listeners[String(event)] ||= []).push(fn);
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
  const workerClient = Object.assign(new EventEmitter(), { sid: 'WKalice', activity: { sid: 'WAavailable' }, attributes: opts.workerAttributes || {} });
  /** @type {ManagerApi} */
  const manager = {
    user: { token: 'flex-token-1' },
    strings: { TaskLineOutboundCallTitle: 'kept' },
    events: new EventEmitter(),
    workerClient,
    store: { getState: () => ({ flex: flexState }) },
    serviceConfiguration: {
      taskrouter_offline_activity_sid: 'WAoffline',
      outbound_call_flows: opts.outboundFlows ?? { default: outboundFlow(true) },
      ui_attributes: { custom_data: { features: { callback_and_voicemail: callbackAndVoicemail }, ...(opts.customData || {}) } },
    },
  };
  return { flex, manager, calls, flexState };
}

/**
 * callbackTask returns what the shim reads of a Flex ITask of a callback.
 * @param {Partial<TaskData>} [over]
 * @returns {TaskData}
 */
export function callbackTask(over = {}) {
  return {
    sid: 'WRcallback1',
    taskSid: 'WTcallback1',
    status: 'accepted',
    taskStatus: 'assigned',
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
  /** @type {Set<(event: unknown) => unknown>} */
  const listeners = new Set();
  return {
    addEventListener: (/** @type {string} */ type, /** @type {(event: unknown) => unknown} */ fn) => type === 'message' && listeners.add(fn),
    removeEventListener: (/** @type {string} */ type, /** @type {(event: unknown) => unknown} */ fn) => type === 'message' && listeners.delete(fn),
    dispatch: (/** @type {unknown} */ event) => [...listeners].map((fn) => fn(event)),
    get listenerCount() {
      return listeners.size;
    },
  };
}

/** fakeFrameWindow is the iframe's contentWindow: it records what the shim posts to it. */
export function fakeFrameWindow() {
  /** @type {{message: unknown, targetOrigin: string}[]} */
  const posted = [];
  return { posted, postMessage: (/** @type {unknown} */ message, /** @type {string} */ targetOrigin) => posted.push({ message, targetOrigin }) };
}

/**
 * quiet silences console.info/console.error while fn runs (the shim logs each registration).
 * @template T
 * @param {() => T} fn
 */
export function quiet(fn) {
  const { info, error } = console;
  /** @type {string[]} */
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
