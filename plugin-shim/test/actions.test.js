import { test } from 'node:test';
import assert from 'node:assert/strict';
import { autoSelectCallbackTaskWhenEndingCall, createActionRunner } from '../src/actions.js';
import { outboundDialingEnabled } from '../src/panel.js';
import { fakeFlex, callbackTask } from './fakeflex.js';

test('outboundDialingEnabled needs one enabled flow, in an object or an array', () => {
  const m = (flows) => ({ serviceConfiguration: { outbound_call_flows: flows } });
  assert.equal(outboundDialingEnabled(m({ default: { enabled: true } })), true);
  assert.equal(outboundDialingEnabled(m([{ enabled: false }, { enabled: true }])), true);
  assert.equal(outboundDialingEnabled(m({ default: { enabled: false } })), false);
  assert.equal(outboundDialingEnabled(m([])), false);
  assert.equal(outboundDialingEnabled(m(undefined)), false);
  assert.equal(outboundDialingEnabled({}), false);
});

// setup places an outbound call from a callback task, as the panel would, with the listener on.
async function setup() {
  const f = fakeFlex({ selectedTaskSid: 'WRoutbound' });
  const state = { lastPlacedReservationSid: null };
  autoSelectCallbackTaskWhenEndingCall(f.flex, f.manager, state);
  const task = callbackTask();
  f.flexState.worker.tasks.set(task.sid, task);
  await createActionRunner(f.flex, state)('StartOutboundCall', { destination: '+15551230000' }, task);
  f.calls.invoked.length = 0;
  const listener = f.calls.listeners.beforeSelectTask[0];
  // fire runs the listener as Flex would and reports whether it aborted the original action.
  const fire = async (payload) => {
    let aborted = false;
    await listener(payload, () => { aborted = true; });
    return aborted;
  };
  return { ...f, state, task, fire };
}

test('auto-select: the null SelectTask after the call selects the callback again, once', async () => {
  const s = await setup();
  assert.equal(s.state.lastPlacedReservationSid, 'WRcallback1');
  assert.equal(await s.fire({}), true);
  assert.deepEqual(s.calls.invoked, [{ name: 'SelectTask', payload: { sid: 'WRcallback1' } }]);
  assert.equal(s.state.lastPlacedReservationSid, null, 'cleared after it fired');
  // A later unrelated null selection is left alone (the reference jumped back every time).
  assert.equal(await s.fire({}), false);
  assert.equal(s.calls.invoked.length, 1);
});

test('auto-select ignores selections of a task', async () => {
  const s = await setup();
  assert.equal(await s.fire({ sid: 'WRother' }), false);
  assert.equal(await s.fire({ task: { sid: 'WRother' } }), false);
  assert.equal(s.calls.invoked.length, 0);
  assert.equal(s.state.lastPlacedReservationSid, 'WRcallback1', 'still armed');
});

test('auto-select does nothing when no task was selected', async () => {
  const s = await setup();
  s.flexState.view.selectedTaskSid = null;
  assert.equal(await s.fire({}), false);
  assert.equal(s.calls.invoked.length, 0);
});

test('auto-select forgets a reservation that has left the worker', async () => {
  const s = await setup();
  s.flexState.worker.tasks.delete('WRcallback1');
  assert.equal(await s.fire({}), false);
  assert.equal(s.state.lastPlacedReservationSid, null);
  s.flexState.worker.tasks.set('WRcallback1', s.task);
  assert.equal(await s.fire({}), false, 'stays cleared');
  assert.equal(s.calls.invoked.length, 0);
});
