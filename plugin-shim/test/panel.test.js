import { test } from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { renderToStaticMarkup } from 'react-dom/server.js';
import { PanelBridge, connectPanel, contextMessage, isShimTask, Protocol } from '../src/panel.js';
import { createActionRunner } from '../src/actions.js';
import { readConfig } from '../src/config.js';
import { init } from '../src/plugin.js';
import { fakeFlex, fakeWindow, fakeFrameWindow, callbackTask, backendOrigin, quiet } from './fakeflex.js';

test('TaskInfoPanel predicate: callback and voicemail on any channel', () => {
  const { flex, manager, calls } = fakeFlex();
  quiet(() => init(flex, manager));
  const pred = calls.replaced[0].options.if;
  const props = (channel, taskType) => ({ task: { taskChannelUniqueName: channel, attributes: { taskType } } });
  assert.equal(pred(props('voice', 'callback')), true);
  assert.equal(pred(props('voice', 'voicemail')), true);
  assert.equal(pred(props('chat', 'callback')), true);
  assert.equal(pred(props('voice', 'callback-outbound')), false);
  assert.equal(pred(props('voice', undefined)), false);
  assert.equal(pred({}), false);
  assert.equal(isShimTask(undefined), false);
});

test('the replaced content renders an iframe of {backend_url}/panel/ with no token in it', () => {
  const { flex, manager, calls } = fakeFlex();
  quiet(() => init(flex, manager));
  const { element } = calls.replaced[0];
  // Flex clones the element with the TaskInfoPanel props, task among them.
  const html = renderToStaticMarkup(React.cloneElement(element, { task: callbackTask() }));
  assert.match(html, /^<iframe /);
  assert.match(html, new RegExp(`src="${backendOrigin}/panel/"`));
  assert.match(html, /title="Callback panel"/);
  assert.doesNotMatch(html, /flex-token/);
  assert.equal(renderToStaticMarkup(element), '', 'renders nothing without a task');
});

// harness builds a bridge wired to a fake window, iframe and Flex, as PanelFrame does.
function harness(opts = {}) {
  const { flex, manager, calls, flexState } = fakeFlex(opts);
  const config = { ...readConfig(manager), locale: 'es-MX' };
  const state = { lastPlacedReservationSid: null };
  const frame = fakeFrameWindow();
  const win = fakeWindow();
  let task = callbackTask();
  const heights = [];
  const notes = [];
  const bridge = new PanelBridge({
    targetOrigin: config.backendOrigin,
    getTarget: () => frame,
    getTask: () => task,
    buildContext: (t) => contextMessage(manager, config, t),
    runAction: createActionRunner(flex, state),
    notify: (level, text) => notes.push({ level, text }),
    resize: (h) => heights.push(h),
  });
  const disconnect = connectPanel(bridge, win, manager);
  const send = (data, over = {}) => win.dispatch({ origin: backendOrigin, source: frame, data: { source: Protocol.panel, v: 1, ...data }, ...over })[0];
  return { flex, manager, calls, flexState, state, frame, win, bridge, disconnect, send, heights, notes, setTask: (t) => { task = t; } };
}

// settle lets the bridge's async action handling finish.
const settle = () => new Promise((r) => setImmediate(r));

test('ready → context with token, locale, task, worker and config, posted to the backend origin', () => {
  const h = harness();
  assert.equal(h.send({ type: 'ready' }), true);
  assert.equal(h.frame.posted.length, 1);
  const { message, targetOrigin } = h.frame.posted[0];
  assert.equal(targetOrigin, backendOrigin);
  assert.deepEqual(message, {
    source: 'flexcallback-shim',
    v: 1,
    type: 'context',
    token: 'flex-token-1',
    locale: 'es-MX',
    task: {
      sid: 'WRcallback1',
      taskSid: 'WTcallback1',
      status: 'assigned',
      queueSid: 'WQsupport',
      queueName: 'Support',
      channel: 'voice',
      dateCreated: '2026-11-25T10:00:00.000Z',
      attributes: { taskType: 'callback', name: '+15551230000', callBackData: { numberToCall: '+15551230000' } },
    },
    worker: { sid: 'WKalice', offline: false },
    config: { allowRequeue: true, maxAttempts: 3, autoSelectTask: true, outboundEnabled: true },
  });
});

test('worker.offline follows the offline activity SID', () => {
  const h = harness();
  h.manager.workerClient.activity = { sid: 'WAoffline' };
  h.send({ type: 'ready' });
  assert.equal(h.frame.posted[0].message.worker.offline, true);
  // An activity change sends the context again.
  h.manager.workerClient.activity = { sid: 'WAavailable' };
  h.manager.workerClient.emit('activityUpdated');
  assert.equal(h.frame.posted[1].message.worker.offline, false);
});

test('messages from another origin, another window or another protocol are refused', () => {
  const h = harness();
  assert.equal(h.send({ type: 'ready' }, { origin: 'http://localhost:8080' }), false);
  assert.equal(h.send({ type: 'ready' }, { origin: 'https://evil.example' }), false);
  assert.equal(h.send({ type: 'ready' }, { source: fakeFrameWindow() }), false);
  assert.equal(h.send({ type: 'ready' }, { source: null }), false);
  assert.equal(h.send({ type: 'ready', source: 'someone-else' }), false);
  assert.equal(h.send({ type: 'ready', v: 2 }), false);
  assert.equal(h.win.dispatch({ origin: backendOrigin, source: h.frame, data: 'ready' })[0], false);
  assert.equal(h.frame.posted.length, 0, 'nothing was sent, so the token did not leak');
  assert.equal(h.send({ type: 'action', id: 'a1', name: 'WrapupTask' }, { origin: 'https://evil.example' }), false);
  assert.equal(h.calls.invoked.length, 0);
});

test('nothing is sent before ready; a token refresh sends the context again', () => {
  const h = harness();
  h.manager.events.emit('tokenUpdated');
  h.bridge.taskChanged(callbackTask({ status: 'wrapping', taskStatus: 'wrapping' }));
  assert.equal(h.frame.posted.length, 0);
  h.send({ type: 'ready' });
  h.manager.user.token = 'flex-token-2';
  h.manager.events.emit('tokenUpdated');
  assert.equal(h.frame.posted.length, 2);
  assert.equal(h.frame.posted[1].message.type, 'context');
  assert.equal(h.frame.posted[1].message.token, 'flex-token-2');
});

test('task updates are sent when the task changed, once', () => {
  const h = harness();
  h.send({ type: 'ready' });
  h.bridge.taskChanged(callbackTask());
  assert.equal(h.frame.posted.length, 1, 'unchanged task is not re-sent');
  const wrapping = callbackTask({ status: 'wrapping', taskStatus: 'wrapping' });
  h.setTask(wrapping);
  h.bridge.taskChanged(wrapping);
  h.bridge.taskChanged(wrapping);
  assert.equal(h.frame.posted.length, 2);
  const { message } = h.frame.posted[1];
  assert.equal(message.type, 'task');
  assert.equal(message.task.status, 'wrapping');
  assert.equal(message.task.sid, 'WRcallback1');
  assert.equal(message.source, 'flexcallback-shim');
});

test('allowed actions run and answer actionResult ok', async () => {
  const h = harness();
  h.send({ type: 'action', id: 'w1', name: 'WrapupTask', payload: { sid: 'WRcallback1' } });
  h.send({ type: 'action', id: 's1', name: 'SelectTask', payload: {} });
  await settle();
  assert.deepEqual(h.calls.invoked, [
    { name: 'WrapupTask', payload: { sid: 'WRcallback1' } },
    { name: 'SelectTask', payload: { sid: 'WRcallback1' } },
  ]);
  assert.deepEqual(h.frame.posted.map((p) => p.message), [
    { source: 'flexcallback-shim', v: 1, type: 'actionResult', id: 'w1', ok: true, error: '' },
    { source: 'flexcallback-shim', v: 1, type: 'actionResult', id: 's1', ok: true, error: '' },
  ]);
  assert.ok(h.frame.posted.every((p) => p.targetOrigin === backendOrigin));
});

test('other actions, and actions on another task, are refused with actionResult ok:false', async () => {
  const h = harness();
  for (const name of ['KickParticipant', 'CompleteTask', 'HangupCall', 'NavigateToView', '__proto__', undefined]) {
    h.send({ type: 'action', id: `x-${name}`, name, payload: {} });
  }
  h.send({ type: 'action', id: 'other', name: 'WrapupTask', payload: { sid: 'WRsomeoneelse' } });
  await settle();
  assert.equal(h.calls.invoked.length, 0);
  assert.equal(h.frame.posted.length, 7);
  for (const { message } of h.frame.posted) {
    assert.equal(message.type, 'actionResult');
    assert.equal(message.ok, false);
    assert.ok(message.error.length > 0);
  }
  assert.match(h.frame.posted[0].message.error, /not allowed/);
});

test('a Flex failure comes back as actionResult ok:false with its message', async () => {
  const h = harness();
  h.calls.failNext = new Error('task is not assigned');
  h.send({ type: 'action', id: 'w2', name: 'WrapupTask' });
  await settle();
  assert.deepEqual(h.frame.posted[0].message, { source: 'flexcallback-shim', v: 1, type: 'actionResult', id: 'w2', ok: false, error: 'task is not assigned' });
});

test('StartOutboundCall passes the panel payload and remembers the reservation', async () => {
  const h = harness();
  const payload = { destination: '+15551230000', callerId: '+15550001111', queueSid: 'WQsupport', taskAttributes: { taskType: 'callback-outbound', parentTask: 'WRcallback1' }, extra: 'dropped' };
  h.send({ type: 'action', id: 'o1', name: 'StartOutboundCall', payload });
  await settle();
  assert.deepEqual(h.calls.invoked, [{ name: 'StartOutboundCall', payload: { destination: '+15551230000', callerId: '+15550001111', queueSid: 'WQsupport', taskAttributes: { taskType: 'callback-outbound', parentTask: 'WRcallback1' } } }]);
  assert.equal(h.frame.posted[0].message.ok, true);
  assert.equal(h.state.lastPlacedReservationSid, 'WRcallback1');
});

// The panel decides whether outbound dialing is on (context.config.outboundEnabled) and says so
// itself; the shim runs what it is asked and shows no notification of its own, so one failure
// makes one toast (the panel's notify).
test('a failed StartOutboundCall: ok:false with the reason, no notification of the shim, reservation forgotten', async () => {
  const h = harness();
  h.calls.failNext = new Error('device busy');
  h.send({ type: 'action', id: 'o3', name: 'StartOutboundCall', payload: { destination: '+15551230000' } });
  await settle();
  assert.deepEqual(h.calls.shown, []);
  assert.equal(h.frame.posted[0].message.ok, false);
  assert.match(h.frame.posted[0].message.error, /device busy/);
  assert.equal(h.state.lastPlacedReservationSid, null);
  assert.equal(h.calls.invoked.length, 1, 'no retry that could dial twice');
});

test('notify → notification by level; resize → height, bounded', () => {
  const h = harness();
  assert.equal(h.send({ type: 'notify', level: 'error', text: 'Could not requeue' }), true);
  assert.equal(h.send({ type: 'notify', level: 'info', text: '' }), false);
  assert.deepEqual(h.notes, [{ level: 'error', text: 'Could not requeue' }]);
  assert.equal(h.send({ type: 'resize', height: 612.4 }), true);
  assert.equal(h.send({ type: 'resize', height: 1e9 }), true);
  assert.equal(h.send({ type: 'resize', height: 'tall' }), false);
  assert.equal(h.send({ type: 'resize', height: -1 }), false);
  assert.deepEqual(h.heights, [613, 4000]);
});

test('disconnect removes every listener', () => {
  const h = harness();
  h.disconnect();
  assert.equal(h.win.listenerCount, 0);
  assert.equal(h.manager.events.listenerCount('tokenUpdated'), 0);
  assert.equal(h.manager.workerClient.listenerCount('activityUpdated'), 0);
});
