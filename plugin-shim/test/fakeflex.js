// The shim's tests run against the one Flex emulation (web/demo/flex/emulation.js, which the demo
// desk runs too), set up here as a Flex with the feature configured, a logged-in worker and a
// selected task; plus the windows and tasks the tests need.
import { createFlex } from '../../web/demo/flex/emulation.js';

export { notificationType } from '../../web/demo/flex/emulation.js';

/** @typedef {import('../src/flex.js').TaskData} TaskData */
/** @typedef {import('../src/flex.js').ServiceConfiguration['outbound_call_flows']} OutboundFlows */

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
 * fakeFlex returns {flex, manager, calls, flexState}: the emulation with the feature on (opts
 * tweak the service configuration), a worker and a token. The panel's actions resolve at once.
 * @param {{selectedTaskSid?: string, feature?: Record<string, unknown>, workerAttributes?: Record<string, unknown>, outboundFlows?: OutboundFlows, customData?: Record<string, unknown>}} [opts]
 */
export function fakeFlex(opts = {}) {
  const done = () => undefined;
  const { flex, manager, calls, state } = createFlex({ actions: { StartOutboundCall: done, WrapupTask: done } });
  state.view.selectedTaskSid = opts.selectedTaskSid;
  manager.user.token = 'flex-token-1';
  manager.strings = { TaskLineOutboundCallTitle: 'kept' };
  Object.assign(manager.workerClient, { sid: 'WKalice', activity: { sid: 'WAavailable', name: 'Available' }, attributes: opts.workerAttributes || {} });
  const callbackAndVoicemail = {
    enabled: true,
    allow_requeue: true,
    max_attempts: 3,
    auto_select_task: true,
    backend_url: `${backendOrigin}/`,
    ...(opts.feature || {}),
  };
  manager.serviceConfiguration = {
    taskrouter_offline_activity_sid: 'WAoffline',
    outbound_call_flows: opts.outboundFlows ?? { default: outboundFlow(true) },
    ui_attributes: { custom_data: { features: { callback_and_voicemail: callbackAndVoicemail }, ...(opts.customData || {}) } },
  };
  return { flex, manager, calls, flexState: state };
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
