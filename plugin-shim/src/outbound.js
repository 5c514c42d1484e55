// The call back of a callback task, as Flex runs it: StartOutboundCall makes a task of its own
// (taskType callback-outbound, attributes.parentTask = the callback's reservation SID), which is
// assigned while the call is on and goes to wrap-up, then leaves the worker's list, once it ended.
// The panel of the callback is not mounted while the agent looks at the call, so the shim follows
// the worker's tasks in Flex's store and remembers each callback's last call back, for the panel
// to ask what came of it (protocol: task.outboundCall).

/** @typedef {import('./flex.js').TaskData} TaskData */
/** @typedef {import('./flex.js').ManagerApi} ManagerApi */
/** @typedef {import('./protocol.js').OutboundCall} OutboundCall */

/** Task statuses of a call back that is still on. */
const live = new Set(['pending', 'reserved', 'assigned']);

/**
 * callSidOf returns the customer's call SID of a Flex voice task: Flex records the conference's
 * participants in the task's attributes; call_sid is the task's own call.
 * @param {Record<string, any>} attrs
 * @returns {string}
 */
export function callSidOf(attrs) {
  const sid = attrs?.conference?.participants?.customer || attrs?.call_sid || '';
  return typeof sid === 'string' ? sid : '';
}

/** OutboundCalls remembers, per callback reservation SID, the state of its last call back. */
export class OutboundCalls {
  constructor() {
    /** @type {Map<string, OutboundCall & {reservationSid: string}>} */
    this.calls = new Map();
    /** @type {Set<() => void>} */
    this.listeners = new Set();
  }

  /**
   * get returns the call back of the callback reservation sid, if the shim saw one.
   * @param {string | undefined} sid
   * @returns {OutboundCall | undefined}
   */
  get(sid) {
    const c = sid ? this.calls.get(sid) : undefined;
    return c && { status: c.status, callSid: c.callSid };
  }

  /**
   * update reads the worker's tasks: a call back's task assigned is a call on; in wrap-up, or
   * gone from the list, the call ended. A callback that left the list is forgotten.
   * @param {ReadonlyMap<string, TaskData>} tasks
   */
  update(tasks) {
    let changed = false;
    const seen = new Set();
    for (const t of tasks.values()) {
      const a = /** @type {Record<string, any>} */ (t.attributes || {});
      if (a.taskType !== 'callback-outbound' || typeof a.parentTask !== 'string' || a.parentTask === '') continue;
      seen.add(a.parentTask);
      /** @type {OutboundCall & {reservationSid: string}} */
      const next = { status: live.has(t.taskStatus) ? 'active' : 'ended', callSid: callSidOf(a), reservationSid: t.sid };
      const old = this.calls.get(a.parentTask);
      if (!old || old.status !== next.status || old.callSid !== next.callSid || old.reservationSid !== next.reservationSid) {
        this.calls.set(a.parentTask, next);
        changed = true;
      }
    }
    for (const [parent, c] of this.calls) {
      if (seen.has(parent)) continue;
      if (!tasks.has(parent)) {
        this.calls.delete(parent);
      } else if (c.status !== 'ended') {
        c.status = 'ended';
        changed = true;
      }
    }
    if (changed) for (const fn of this.listeners) fn();
  }

  /**
   * onChange calls fn whenever a call back changes; it returns the function that stops it.
   * @param {() => void} fn
   */
  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}

/**
 * followOutboundCalls keeps calls up to date with Flex's store.
 * @param {Pick<ManagerApi, 'store'>} manager
 * @param {OutboundCalls} calls
 */
export function followOutboundCalls(manager, calls) {
  const read = () => calls.update(manager.store.getState().flex.worker.tasks);
  read();
  return manager.store.subscribe(read);
}
