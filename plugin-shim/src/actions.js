// The Flex actions the panel may ask for, and the auto-select listener of spec §5.8, which has to
// live in Flex's action pipeline rather than in the panel. The shim shows no notification of its
// own for these actions: a failure goes back to the panel, which decides what the agent sees, so
// each failure makes one toast.

/** @typedef {import('./flex.js').FlexApi} FlexApi */
/** @typedef {import('./flex.js').ManagerApi} ManagerApi */
/** @typedef {import('./flex.js').TaskData} TaskData */
/**
 * ShimState is shared between the panel's StartOutboundCall and the auto-select listener.
 * @typedef {{lastPlacedReservationSid: string | null}} ShimState
 */
/** @typedef {(name: string, payload: unknown, task: TaskData) => Promise<void>} RunPanelAction */

/** AllowedActions are the only Flex actions a panel `action` message can run. */
export const AllowedActions = Object.freeze(['StartOutboundCall', 'WrapupTask', 'SelectTask']);

/**
 * createActionRunner returns runPanelAction(name, payload, task), which runs one allowed Flex
 * action for the panel showing `task` (a Flex ITask) and resolves when Flex has run it. It
 * rejects with an Error for an action that is not allowed, a payload naming another task, or a
 * failure inside Flex. state.lastPlacedReservationSid is shared with the auto-select listener.
 * @param {FlexApi} flex
 * @param {ShimState} state
 * @returns {RunPanelAction}
 */
export function createActionRunner(flex, state) {
  return async function runPanelAction(name, payload, task) {
    if (!AllowedActions.includes(name)) {
      throw new Error(`action ${String(name)} is not allowed`);
    }
    const p = /** @type {Record<string, unknown>} */ (payload && typeof payload === 'object' ? payload : {});
    switch (name) {
      case 'StartOutboundCall':
        return startOutboundCall(flex, state, p, task);
      case 'WrapupTask':
      case 'SelectTask':
        // The panel acts only on the task it shows; it has no business wrapping another one.
        if (p.sid !== undefined && p.sid !== task.sid && p.sid !== task.taskSid) {
          throw new Error(`${name} may only name this panel's task`);
        }
        await flex.Actions.invokeAction(name, { sid: task.sid });
        return undefined;
      default:
        throw new Error(`action ${name} is not allowed`);
    }
  };
}

// startOutboundCall places the call the panel prepared (destination, caller ID and outbound task
// attributes are decided in Go; whether outbound dialing is on too, from the context's
// outboundEnabled) and remembers the reservation for auto-select. It does not retry: a second
// StartOutboundCall after an ambiguous failure could dial the customer twice.
/**
 * @param {FlexApi} flex
 * @param {ShimState} state
 * @param {Record<string, unknown>} payload
 * @param {TaskData} task
 */
async function startOutboundCall(flex, state, payload, task) {
  const { destination, callerId, queueSid, taskAttributes } = payload;
  if (typeof destination !== 'string' || destination === '') {
    throw new Error('StartOutboundCall needs a destination');
  }
  state.lastPlacedReservationSid = task.sid;
  try {
    await flex.Actions.invokeAction('StartOutboundCall', { destination, callerId, queueSid, taskAttributes });
  } catch (err) {
    state.lastPlacedReservationSid = null;
    throw new Error(`StartOutboundCall failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  return undefined;
}

/**
 * autoSelectCallbackTaskWhenEndingCall adds a "before SelectTask" listener: when the outbound call
 * of a callback ends, Flex selects no task, and the listener selects the callback's reservation
 * again for wrap-up. Unlike the reference it forgets that reservation once it has been used, or
 * once it has left the worker's tasks, so later unrelated selections are left alone.
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 * @param {ShimState} state
 */
export function autoSelectCallbackTaskWhenEndingCall(flex, manager, state) {
  flex.Actions.addListener('beforeSelectTask', async function selectCallbackAfterOutboundCall(/** @type {{task?: unknown, sid?: string} | undefined} */ payload, /** @type {() => void} */ abortOriginal) {
    // Only the "nothing selected" SelectTask Flex runs when a reservation leaves its list.
    if (payload?.task || payload?.sid) return;
    const parent = state.lastPlacedReservationSid;
    if (!parent) return;
    const flexState = manager.store.getState().flex;
    if (!flexState.worker.tasks.get(parent)) {
      state.lastPlacedReservationSid = null;
      return;
    }
    if (!flexState.view.selectedTaskSid) return;
    state.lastPlacedReservationSid = null;
    abortOriginal();
    await flex.Actions.invokeAction('SelectTask', { sid: parent });
  });
}

/**
 * registerActions registers the auto-select listener when auto_select_task is on.
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 * @param {{autoSelectTask: boolean}} config
 * @param {ShimState} state
 */
export function registerActions(flex, manager, config, state) {
  if (!config.autoSelectTask) return;
  autoSelectCallbackTaskWhenEndingCall(flex, manager, state);
  console.info('[plugin-flexcallback] registered beforeSelectTask listener with autoSelectCallbackTaskWhenEndingCall');
}
