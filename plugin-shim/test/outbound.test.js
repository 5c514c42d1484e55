// The shim follows the call back of a callback (Flex's outbound task, parentTask = the callback's
// reservation) and tells the panel when it is on and when it ended, with its call SID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OutboundCalls, callSidOf, followOutboundCalls } from '../src/outbound.js';
import { PanelBridge, connectPanel, contextMessage } from '../src/panel.js';
import { createActionRunner } from '../src/actions.js';
import { readConfig } from '../src/config.js';
import { fakeFlex, fakeFrameWindow, fakeWindow, callbackTask, backendOrigin } from './fakeflex.js';

const callSid = 'CA0123456789abcdef0123456789abcdef';

/** @param {string} taskStatus @param {Record<string, unknown>} [attrs] */
function outboundTask(taskStatus, attrs = {}) {
  return callbackTask({ sid: 'WRout1', taskSid: 'WTout1', taskStatus, attributes: { taskType: 'callback-outbound', parentTask: 'WRcallback1', call_sid: callSid, ...attrs } });
}

test('callSidOf prefers the customer leg of the conference', () => {
  assert.equal(callSidOf({ conference: { participants: { customer: 'CAcustomer', worker: 'CAworker' } }, call_sid: 'CAother' }), 'CAcustomer');
  assert.equal(callSidOf({ call_sid: 'CAother' }), 'CAother');
  assert.equal(callSidOf({}), '');
});

test('a call back is active while its task is assigned, ended in wrap-up or once gone', () => {
  const calls = new OutboundCalls();
  let changes = 0;
  calls.onChange(() => changes++);
  const cb = callbackTask();
  calls.update(new Map([['WRcallback1', cb]]));
  assert.equal(calls.get('WRcallback1'), undefined);
  calls.update(new Map([['WRcallback1', cb], ['WRout1', outboundTask('assigned')]]));
  assert.deepEqual(calls.get('WRcallback1'), { status: 'active', callSid });
  calls.update(new Map([['WRcallback1', cb], ['WRout1', outboundTask('wrapping')]]));
  assert.deepEqual(calls.get('WRcallback1'), { status: 'ended', callSid });
  calls.update(new Map([['WRcallback1', cb], ['WRout1', outboundTask('wrapping')]]));
  assert.equal(changes, 2, 'no change, no news');
  // Flex removes the call's task after wrap-up: the call stays ended while the callback is listed.
  calls.update(new Map([['WRcallback1', cb]]));
  assert.deepEqual(calls.get('WRcallback1'), { status: 'ended', callSid });
  // Hung up without wrap-up: from active to gone is ended too.
  calls.update(new Map([['WRcallback1', cb], ['WRout2', { ...outboundTask('assigned'), sid: 'WRout2' }]]));
  calls.update(new Map([['WRcallback1', cb]]));
  assert.equal(calls.get('WRcallback1')?.status, 'ended');
  // The callback left the list: forgotten.
  calls.update(new Map());
  assert.equal(calls.calls.size, 0);
});

test('the panel hears that the call back ended, from the store, with its call SID', async () => {
  const { flex, manager, flexState } = fakeFlex();
  const calls = new OutboundCalls();
  const stop = followOutboundCalls(manager, calls);
  const frame = fakeFrameWindow();
  const cb = callbackTask();
  const bridge = new PanelBridge({
    targetOrigin: backendOrigin,
    getTarget: () => frame,
    getTask: () => cb,
    buildContext: (t) => contextMessage(manager, readConfig(manager), t),
    runAction: createActionRunner(flex, { lastPlacedReservationSid: null }),
    notify: () => {},
    resize: () => {},
    outboundCall: (sid) => calls.get(sid),
  });
  const disconnect = connectPanel(bridge, fakeWindow(), manager, calls);
  bridge.handleMessage({ origin: backendOrigin, source: /** @type {MessageEventSource} */ (/** @type {unknown} */ (frame)), data: { source: 'flexcallback-panel', type: 'ready', v: 1 } });
  flexState.worker.tasks = new Map([['WRcallback1', cb], ['WRout1', outboundTask('assigned')]]);
  flexState.worker.tasks = new Map([['WRcallback1', cb]]);
  const tasks = frame.posted.map((p) => /** @type {any} */ (p.message)).filter((m) => m.type === 'task');
  assert.deepEqual(tasks.map((m) => m.task.outboundCall), [{ status: 'active', callSid }, { status: 'ended', callSid }]);
  disconnect();
  stop();
  flexState.worker.tasks = new Map([['WRcallback1', cb], ['WRout1', outboundTask('assigned')]]);
  assert.equal(frame.posted.length, 3, 'nothing after disconnect');
});
