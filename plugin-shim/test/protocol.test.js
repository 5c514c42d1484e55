// The protocol fixtures (testdata/protocol, shared with Go's protocol_fixtures_test.go) against
// the shim: `npm run typecheck` checks each one against its typedef in src/protocol.js (every
// field there, of its type, and no other), and the tests below check that the shim sends exactly
// the shim's fixtures and accepts the panel's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PanelBridge, contextMessage } from '../src/panel.js';
import { createActionRunner } from '../src/actions.js';
import { OutboundCalls } from '../src/outbound.js';
import { readConfig } from '../src/config.js';
import { fakeFlex, fakeFrameWindow, callbackTask, backendOrigin } from './fakeflex.js';
import readyJSON from '../../testdata/protocol/ready.json' with { type: 'json' };
import actionJSON from '../../testdata/protocol/action.json' with { type: 'json' };
import notifyJSON from '../../testdata/protocol/notify.json' with { type: 'json' };
import resizeJSON from '../../testdata/protocol/resize.json' with { type: 'json' };
import contextJSON from '../../testdata/protocol/context.json' with { type: 'json' };
import taskJSON from '../../testdata/protocol/task.json' with { type: 'json' };
import actionResultJSON from '../../testdata/protocol/actionResult.json' with { type: 'json' };
import actionResultErrorJSON from '../../testdata/protocol/actionResult-error.json' with { type: 'json' };

/**
 * Wire is a message typedef as a JSON import types it: literal strings and numbers widen.
 * @template T
 * @typedef {T extends string ? string : T extends number ? number : T extends boolean ? boolean : T extends Record<string, unknown> ? {[K in keyof T]: Wire<T[K]>} : T} Wire
 */
/**
 * Exact maps every field of F that W does not have, at any depth, to never, so a fixture with a
 * field the typedef lacks cannot be assigned to it.
 * @template F, W
 * @typedef {F extends Record<string, unknown> ? (W extends Record<string, unknown> ? {[K in keyof F]: K extends keyof W ? Exact<F[K], W[K]> : never} : F) : F} Exact
 */
/**
 * Fixture is what a fixture F of message type M must be.
 * @template F, M
 * @typedef {Wire<M> & Exact<F, Wire<M>>} Fixture
 */

/** @type {Fixture<typeof readyJSON, import('../src/protocol.js').ReadyMessage>} */
const ready = readyJSON;
/** @type {Fixture<typeof actionJSON, import('../src/protocol.js').ActionMessage>} */
const action = actionJSON;
/** @type {Fixture<typeof notifyJSON, import('../src/protocol.js').NotifyMessage>} */
const notify = notifyJSON;
/** @type {Fixture<typeof resizeJSON, import('../src/protocol.js').ResizeMessage>} */
const resize = resizeJSON;
/** @type {Fixture<typeof contextJSON, import('../src/protocol.js').ContextMessage>} */
const context = contextJSON;
/** @type {Fixture<typeof taskJSON, import('../src/protocol.js').TaskMessage>} */
const taskMsg = taskJSON;
/** @type {Fixture<typeof actionResultJSON, import('../src/protocol.js').ActionResultMessage>} */
const actionResult = actionResultJSON;
/** @type {Fixture<typeof actionResultErrorJSON, import('../src/protocol.js').ActionResultMessage>} */
const actionResultError = actionResultErrorJSON;

const fixtures = { ready, action, notify, resize, context, task: taskMsg, actionResult, 'actionResult-error': actionResultError };

test('every fixture in testdata/protocol is type-checked here', () => {
  const files = fs.readdirSync(new URL('../../testdata/protocol/', import.meta.url)).filter((f) => f.endsWith('.json'));
  assert.deepEqual(files.map((f) => f.replace(/\.json$/, '')).sort(), Object.keys(fixtures).sort());
});

// harness runs one PanelBridge over the fake Flex, as PanelFrame does, with the panel's window.
function harness() {
  const { flex, manager, calls } = fakeFlex();
  const config = { ...readConfig(manager), locale: 'es-MX' };
  const frame = fakeFrameWindow();
  const notes = /** @type {{level: string, text: string}[]} */ ([]);
  const heights = /** @type {number[]} */ ([]);
  const task = callbackTask();
  const outbound = new OutboundCalls();
  const bridge = new PanelBridge({
    targetOrigin: backendOrigin,
    getTarget: () => frame,
    getTask: () => task,
    buildContext: (t) => contextMessage(manager, config, t),
    runAction: createActionRunner(flex, { lastPlacedReservationSid: null }),
    notify: (level, text) => notes.push({ level, text }),
    resize: (h) => heights.push(h),
    outboundCall: (sid) => outbound.get(sid),
  });
  /** @param {unknown} data */
  const send = (data) => bridge.handleMessage({ origin: backendOrigin, source: /** @type {MessageEventSource} */ (/** @type {unknown} */ (frame)), data });
  const posted = () => frame.posted.map((p) => p.message);
  return { bridge, calls, send, posted, notes, heights, frame, outbound };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

test('the shim sends exactly the context, task and actionResult fixtures', async () => {
  const h = harness();
  assert.equal(h.send(ready), true);
  assert.deepEqual(h.posted()[0], context);
  // The call back placed from the task ended (its task in wrap-up).
  const ended = callbackTask({ sid: 'WRoutbound1', taskSid: 'WToutbound1', taskStatus: 'wrapping', attributes: { taskType: 'callback-outbound', parentTask: 'WRcallback1', conference: { participants: { customer: taskMsg.task.outboundCall.callSid } } } });
  h.outbound.update(new Map([['WRcallback1', callbackTask()], ['WRoutbound1', ended]]));
  h.bridge.taskChanged(callbackTask({ status: 'wrapping', taskStatus: 'wrapping' }));
  assert.deepEqual(h.posted()[1], taskMsg);
  assert.equal(h.send({ ...action, id: actionResult.id, name: 'WrapupTask', payload: undefined }), true);
  await settle();
  assert.deepEqual(h.posted()[2], actionResult);
  h.calls.failNext = new Error(actionResultError.error);
  h.send({ ...action, id: actionResultError.id, name: 'WrapupTask', payload: undefined });
  await settle();
  assert.deepEqual(h.posted()[3], actionResultError);
});

test('the shim accepts the panel fixtures as they are', async () => {
  const h = harness();
  assert.equal(h.send(ready), true);
  assert.equal(h.send(action), true);
  await settle();
  assert.deepEqual(h.calls.invoked.map((c) => c.name), ['StartOutboundCall']);
  assert.equal(h.send(notify), true);
  assert.deepEqual(h.notes, [{ level: notify.level, text: notify.text }]);
  assert.equal(h.send(resize), true);
  assert.deepEqual(h.heights, [resize.height]);
});
