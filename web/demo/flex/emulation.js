// The one emulation of Flex UI's globals, for the demo desk (web/demo) and the shim's unit tests
// (plugin-shim/test/fakeflex.js): the parts of the Flex module and its Manager the shim uses, with
// Flex's behaviour where the shim depends on it (actions run through before-listeners that may
// abort, then the action, then after-listeners; manager and worker events; the task map in the
// store). It records what the shim asks of Flex in `calls`. It is typed as the shim's FlexApi and
// ManagerApi (plugin-shim/src/flex.js), Picks of Flex UI's own declarations, so `npm run typecheck`
// rejects a member that Flex does not have or that has another shape. No DOM and no Node APIs:
// the desk imports it in the browser, the tests in Node.

/** @typedef {import('../../../plugin-shim/src/flex.js').FlexApi} FlexApi */
/** @typedef {import('../../../plugin-shim/src/flex.js').ManagerApi} ManagerApi */
/** @typedef {import('../../../plugin-shim/src/flex.js').TaskData} TaskData */
/** @typedef {import('../../../plugin-shim/src/flex.js').TaskChannelDefinition} TaskChannelDefinition */
/** @typedef {import('../../../plugin-shim/src/flex.js').Notification} Notification */
/** @typedef {import('../../../plugin-shim/src/flex.js').Worker} Worker */
/** @typedef {Parameters<FlexApi['TaskInfoPanel']['Content']['replace']>} ReplaceArgs */
/**
 * Calls records what the shim asked of Flex; failNext makes the next invokeAction reject.
 * @typedef {object} Calls
 * @property {TaskChannelDefinition[]} channels registered with TaskChannels.register, in order
 * @property {{element: ReplaceArgs[0], options: ReplaceArgs[1]}[]} replaced TaskInfoPanel.Content.replace
 * @property {Notification[]} registered
 * @property {{id: string, context: object | undefined}[]} shown
 * @property {{name: string, payload: unknown}[]} invoked
 * @property {Record<string, ((...args: any[]) => unknown)[]>} listeners the listener type of Flex's Actions.addListener
 * @property {Error | null} failNext
 */
/**
 * Emitter is a minimal event emitter with Node's and Flex's method names.
 * @typedef {{addListener(name: any, fn: (...args: any[]) => unknown): unknown, removeListener(name: any, fn: (...args: any[]) => unknown): unknown, emit(name: any, ...args: unknown[]): void, listenerCount(name: any): number}} Emitter
 */
/**
 * EmulatedWorker is the TaskRouter worker (manager.workerClient): what the shim uses, plus the
 * name and emit an emulation needs.
 * @typedef {import('../../../plugin-shim/src/flex.js').WorkerApi & Emitter & Pick<Worker, 'name'> & {activity: Pick<Worker['activity'], 'sid' | 'name'>}} EmulatedWorker
 */
/**
 * EmulatedManager is Flex's Manager as emulated.
 * @typedef {ManagerApi & {user: ManagerApi['user'] & {tokenExpirationDate?: Date}, workerClient: EmulatedWorker, events: Emitter}} EmulatedManager
 */
/**
 * FlexState is Flex's Redux state as far as the shim reads it (store.getState().flex).
 * @typedef {{view: {selectedTaskSid?: string}, worker: {tasks: Map<string, TaskData>, readonly activity: {sid: string}}}} FlexState
 */
/** @typedef {(payload: any) => unknown} ActionImpl */

/**
 * notificationType is Flex's NotificationType enum as the Flex bundle defines it at run time.
 * JavaScript cannot name a TypeScript enum's members, hence the cast; the values are Flex's.
 */
export const notificationType = /** @type {FlexApi['NotificationType']} */ (
  /** @type {unknown} */ (Object.freeze({ information: 'information', success: 'success', warning: 'warning', error: 'error' }))
);

/** @returns {Emitter} */
export function emitter() {
  /** @type {Map<unknown, ((...args: any[]) => unknown)[]>} */
  const listeners = new Map();
  return {
    addListener(name, fn) {
      listeners.set(name, [...(listeners.get(name) || []), fn]);
      return this;
    },
    removeListener(name, fn) {
      listeners.set(name, (listeners.get(name) || []).filter((f) => f !== fn));
      return this;
    },
    emit(name, ...args) {
      for (const fn of listeners.get(name) || []) fn(...args);
    },
    listenerCount: (name) => (listeners.get(name) || []).length,
  };
}

/** @type {FlexApi['DefaultTaskChannels']['createDefaultTaskChannel']} */
export const createDefaultTaskChannel = (name, isApplicable, icon, iconActive, color) => ({
  name,
  isApplicable,
  capabilities: new Set(),
  charLimit: 0,
  componentProps: {},
  notifications: { override: {} },
  colors: { main: color || '#1976d2' },
  icons: { list: icon, main: icon, active: iconActive },
  templates: {
    TaskListItem: { firstLine: '{{task.defaultFrom}}', secondLine: '{{task.status}}' },
    TaskCanvasHeader: { title: '{{task.defaultFrom}}', endButton: 'End' },
    IncomingTaskCanvas: { firstLine: '{{task.defaultFrom}}' },
    TaskCard: { firstLine: '{{task.defaultFrom}}' },
    Supervisor: { TaskCanvasHeader: { title: '' }, TaskOverviewCanvas: { firstLine: '' } },
  },
});

/**
 * voiceChannel is Flex's default voice channel, used when no registered channel applies.
 * @type {TaskChannelDefinition}
 */
export const voiceChannel = {
  ...createDefaultTaskChannel('voice', (task) => task.taskChannelUniqueName === 'voice', undefined, undefined, '#1976d2'),
  templates: {
    TaskListItem: {
      firstLine: (/** @type {TaskData} */ task) =>
        task.attributes.taskType === 'callback-outbound' ? `Outbound call to ${task.attributes.outbound_to || ''}` : task.attributes.name || task.attributes.from || 'Voice call',
    },
  },
};

/**
 * channelOf picks a task's channel as Flex does: registered channels first, newest first.
 * @param {Calls} calls
 * @param {TaskData} task
 */
export function channelOf(calls, task) {
  // Channels take Flex's whole ITask; the emulation's tasks carry what channels read (TaskData).
  const flexTask = /** @type {import('../../../plugin-shim/src/flex.js').ITask} */ (/** @type {unknown} */ (task));
  return [...calls.channels].reverse().find((c) => c.isApplicable(flexTask)) || voiceChannel;
}

/**
 * template renders a channel template: a function of the task, or a string with {{task.x}}.
 * @param {unknown} value
 * @param {TaskData} task
 */
export function template(value, task) {
  if (typeof value === 'function') return String(value(task));
  const fields = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (task));
  return String(value || '').replace(/{{task\.(\w+)}}/g, (_, k) => (fields[k] == null ? '' : String(fields[k])));
}

/**
 * createFlex returns a fresh emulation: {flex, manager, calls, state}. actions implement Flex
 * actions beyond SelectTask (which sets state.view.selectedTaskSid, as Flex does); an action with
 * no implementation rejects. onNotification sees each notification shown, with its text.
 * @param {{actions?: Record<string, ActionImpl>, onNotification?: (n: {id: string, type: string, text: string}) => void}} [opts]
 */
export function createFlex(opts = {}) {
  /** @type {Calls} */
  const calls = { channels: [], replaced: [], registered: [], shown: [], invoked: [], listeners: {}, failNext: null };
  /** @type {Record<string, ActionImpl>} */
  const actions = {
    SelectTask: (payload) => {
      state.view.selectedTaskSid = payload?.sid || payload?.task?.sid || undefined;
    },
    ...opts.actions,
  };

  /** @type {FlexApi['Actions']['invokeAction']} */
  async function invokeAction(name, payload = {}) {
    calls.invoked.push({ name, payload });
    if (calls.failNext) {
      const err = calls.failNext;
      calls.failNext = null;
      throw err;
    }
    let aborted = false;
    for (const fn of calls.listeners[`before${name}`] || []) await fn(payload, () => (aborted = true));
    if (aborted) return undefined;
    const impl = actions[name];
    if (!impl) throw new Error(`the Flex emulation does not run ${name}`);
    const result = await impl(payload);
    for (const fn of calls.listeners[`after${name}`] || []) fn(payload);
    return result;
  }

  /** @type {FlexApi} */
  const flex = {
    NotificationType: notificationType,
    DefaultTaskChannels: { createDefaultTaskChannel },
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
        const def = calls.registered.find((n) => n.id === id) ?? null;
        opts.onNotification?.({ id, type: def?.type || notificationType.information, text: notificationText(manager, def, id, context) });
        return def;
      },
    },
    Actions: {
      invokeAction,
      addListener(event, fn) {
        (calls.listeners[String(event)] ||= []).push(fn);
      },
    },
  };

  /** @type {EmulatedWorker} */
  const workerClient = Object.assign(emitter(), { sid: '', name: '', activity: { sid: '', name: '' }, attributes: {} });
  /** @type {EmulatedManager} */
  const manager = {
    user: { token: '' },
    strings: {},
    events: emitter(),
    workerClient,
    store: {
      getState: () => ({ flex: state }),
      // Flex's store tells its subscribers after every change; here, after each new task map.
      subscribe(fn) {
        subscribers.add(fn);
        return () => void subscribers.delete(fn);
      },
    },
    serviceConfiguration: { taskrouter_offline_activity_sid: '', outbound_call_flows: {}, ui_attributes: {} },
  };
  /** @type {Set<() => void>} */
  const subscribers = new Set();
  /** @type {Map<string, TaskData>} */
  let tasks = new Map();
  /** @type {FlexState} */
  const state = {
    view: {},
    worker: {
      get tasks() {
        return tasks;
      },
      set tasks(next) {
        tasks = next;
        for (const fn of subscribers) fn();
      },
      get activity() {
        return manager.workerClient.activity;
      },
    },
  };
  return { flex, manager, calls, state };
}

/**
 * notificationText is what Flex shows for a notification: its content, a key of manager.strings
 * or the text itself, with {{name}} filled from the context.
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {Notification | null} def
 * @param {string} id
 * @param {object | undefined} context
 */
function notificationText(manager, def, id, context) {
  // Flex's Strings type declares only Flex's keys; a plugin's are there at run time.
  const strings = /** @type {Record<string, string | undefined>} */ (manager.strings);
  const content = def && typeof def.content === 'string' ? strings[def.content] || def.content : id;
  const values = /** @type {Record<string, unknown>} */ (context || {});
  return content.replace(/{{(\w+)}}/g, (_, k) => (values[k] == null ? '' : String(values[k])));
}
