// The demo desk (web/demo) with the BUILT shim bundle, in jsdom against desksandbox.js: the
// emulation of Flex loads the plugin as Flex does and an agent's day runs through the shim. The
// Go chromedp test drives the same page in Chromium with the real sandbox and panel; this one
// needs no browser. jsdom's postMessage sets neither origin nor source, so the stand-in panel
// (testdata/panel.html) records what the shim posts and dispatches its own messages itself.
// jsdom runs no module scripts: the page's classic scripts (React, the plugin bundle) run in
// jsdom, and the desk's modules are imported here with jsdom's window as the page's globals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { startDeskServer } from './desksandbox.js';

const require = createRequire(import.meta.url);
const { JSDOM, VirtualConsole } = require('jsdom');

const nodeFetch = globalThis.fetch;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('demo desk: scenario, accept, panel context, outbound call, auto-select, wrap-up, complete', { timeout: 60000 }, async (t) => {
  const { server, state, port } = await startDeskServer();
  const logs = [];
  const vc = new VirtualConsole();
  for (const level of ['log', 'info', 'warn', 'error']) vc.on(level, (...a) => logs.push(`${level} ${a.join(' ')}`));
  vc.on('jsdomError', (e) => logs.push(`jsdomError ${e.message}`));
  const dom = await JSDOM.fromURL(`http://localhost:${port}/demo/`, {
    runScripts: 'dangerously',
    resources: 'usable',
    pretendToBeVisual: true,
    virtualConsole: vc,
  });
  await new Promise((resolve) => dom.window.addEventListener('load', resolve));
  const page = dom.window;
  Object.assign(globalThis, {
    window: page,
    document: page.document,
    location: page.location,
    React: page.React,
    ReactDOM: page.ReactDOM,
    fetch: (input, init) => nodeFetch(new URL(String(input), page.location.href), init),
    console: { ...console, error: (...a) => logs.push(`error ${a.join(' ')}`) },
  });
  const { start } = await import('../../web/demo/desk.js');
  start();
  t.after(() => {
    dom.window.close();
    server.closeAllConnections();
    server.close();
  });
  const w = dom.window;
  const d = w.document;
  const until = async (what, fn, ms = 10000) => {
    for (const t0 = Date.now(); ; await sleep(25)) {
      const v = fn();
      if (v) return v;
      if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}\n${logs.join('\n')}`);
    }
  };
  const click = async (selector) => (await until(selector, () => d.querySelector(selector))).dispatchEvent(new w.MouseEvent('click', { bubbles: true }));
  const panel = () => {
    const f = d.querySelector('iframe[data-testid="flexcallback-panel"]');
    return f && f.contentWindow && f.contentWindow.received ? f.contentWindow : null;
  };
  const contexts = (pw) => pw.received.filter((m) => m.data.type === 'context');

  await until('desk ready', () => d.querySelector('#desk-status[data-status="ready"]'));
  assert.equal(state.activity, 'WAavailable', 'the agent went available');
  assert.ok(logs.some((l) => l.includes('replaced TaskInfoPanel content with addCallPanelToTaskInfo')));

  await click('#scenario-ivr');
  const item = await until('pending callback', () => d.querySelector('[data-task-sid][data-status="pending"][data-task-type="callback"]'));
  assert.equal(item.dataset.channel, 'callback', 'the shim channel applies');
  assert.match(item.textContent, /Everyone: Callback \(\+15551230000\)/, 'the shim task-name template is used');
  item.querySelector('button').dispatchEvent(new w.MouseEvent('click', { bubbles: true }));
  await click('#accept');
  await until('assigned', () => d.querySelector('[data-task-sid][data-status="assigned"]'));

  const iframe = await until('panel iframe', () => d.querySelector('iframe[data-testid="flexcallback-panel"]'));
  assert.equal(iframe.src, `http://127.0.0.1:${port}/panel/`);
  const pw = await until('context', () => panel() && contexts(panel()).length && panel());
  const ctx = contexts(pw)[0];
  assert.equal(ctx.origin, `http://127.0.0.1:${port}`, 'posted to the backend origin only');
  assert.match(ctx.data.token, /^token-/);
  assert.equal(ctx.data.task.sid, item.dataset.reservationSid);
  assert.equal(ctx.data.worker.offline, false);
  // The desk reads Flex's configuration from the sandbox, where `flexcallback setup` wrote the backend's max_attempts (3).
  assert.deepEqual(JSON.parse(JSON.stringify(ctx.data.config)), { allowRequeue: true, maxAttempts: 3, autoSelectTask: true, outboundEnabled: true });

  // Place the call as the panel would; the desk dials through the sandbox.
  const wr = ctx.data.task.sid;
  pw.sendToShim({ type: 'action', id: 'o1', name: 'StartOutboundCall', payload: { destination: '+15551230000', queueSid: ctx.data.task.queueSid, taskAttributes: { taskType: 'callback-outbound', parentTask: wr } } });
  const o1 = await until('actionResult o1', () => pw.received.find((m) => m.data.type === 'actionResult' && m.data.id === 'o1'));
  assert.equal(o1.data.ok, true, o1.data.error);
  const create = state.requests.find((r) => r.includes('/Calls.json'));
  assert.match(create, /To=%2B15551230000/);
  assert.match(create, new RegExp(`Url=http%3A%2F%2Flocalhost%3A${port}%2Fdemo%2Foutbound.xml`));
  await until('outbound task selected', () => d.querySelector('.canvas[data-selected-sid^="WRoutbound"]'));
  assert.match(d.querySelector('[data-task-type="callback-outbound"]').textContent, /Outbound call to \+15551230000/);
  assert.match(d.querySelector('#outbound-call').dataset.callSid, /^CA/);

  // Hanging up removes the call's task; the shim's listener brings the callback back.
  await click('#hangup');
  await until('callback selected again', () => d.querySelector(`.canvas[data-selected-sid="${wr}"]`));
  assert.equal(d.querySelector('#outbound-call').dataset.status, 'completed');

  const pw2 = await until('new panel context', () => panel() && contexts(panel()).length && panel());
  pw2.sendToShim({ type: 'action', id: 'k1', name: 'KickParticipant', payload: {} });
  const k1 = await until('actionResult k1', () => pw2.received.find((m) => m.data.id === 'k1'));
  assert.equal(k1.data.ok, false);

  const before = contexts(pw2).length;
  await click('#refresh-token');
  await until('context after token refresh', () => contexts(pw2).length > before);
  assert.notEqual(contexts(pw2).at(-1).data.token, ctx.data.token);

  pw2.sendToShim({ type: 'notify', level: 'warning', text: 'Could not requeue' });
  const note = await until('notification', () => d.querySelector('[data-notification-id="CallbackPanel_warning"]'));
  assert.match(note.textContent, /Could not requeue/);

  await click('#wrapup');
  await until('wrapping', () => d.querySelector('[data-task-sid][data-status="wrapping"]'));
  await until('task message', () => pw2.received.find((m) => m.data.type === 'task' && m.data.task.status === 'wrapping'));
  await click('#complete');
  await until('task list empty', () => !d.querySelector('[data-task-sid]:not([data-task-type="callback-outbound"])'));
  assert.ok(state.requests.some((r) => r.includes(`/Reservations/${wr}`) && r.includes('ReservationStatus=completed')));

  await click('#scenario-voicemail');
  const vm = await until('voicemail', () => d.querySelector('[data-task-type="voicemail"]'));
  assert.equal(vm.dataset.channel, 'voicemail');
  assert.deepEqual(logs.filter((l) => /^(error|jsdomError)/.test(l)), [], "no errors in the page");
});
