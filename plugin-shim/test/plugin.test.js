import { test } from 'node:test';
import assert from 'node:assert/strict';
import { init } from '../src/plugin.js';
import { readConfig } from '../src/config.js';
import { fakeFlex, quiet } from './fakeflex.js';

test('init registers channels, panel, notifications, strings and the auto-select listener', () => {
  const { flex, manager, calls } = fakeFlex();
  const { lines } = quiet(() => init(flex, manager));
  assert.deepEqual(calls.channels.map((c) => c.name), ['callback', 'voicemail']);
  assert.equal(calls.replaced.length, 1);
  assert.equal(calls.replaced[0].options.sortOrder, -1);
  // The panel's notifications only: the panel says what the agent is told, once.
  assert.deepEqual(calls.registered.map((n) => n.id), ['CallbackPanel_info', 'CallbackPanel_success', 'CallbackPanel_warning', 'CallbackPanel_error']);
  assert.equal(calls.registered[3].type, 'error');
  assert.equal(calls.registered[3].content, 'PSCallbackPanelNotification');
  assert.equal(calls.listeners.beforeSelectTask.length, 1);
  assert.equal(manager.strings.PSCallbackCallback, 'Callback');
  assert.equal(manager.strings.TaskLineOutboundCallTitle, 'kept');
  // One console.info line per registration, naming the hook.
  for (const name of ['createCallbackChannel', 'createVoicemailChannel', 'addCallPanelToTaskInfo', 'autoSelectCallbackTaskWhenEndingCall', 'registerStrings', 'registerNotifications']) {
    assert.equal(lines.filter((l) => l.includes(name)).length, 1, `log line for ${name} in ${lines.join('\n')}`);
  }
});

test('disabled feature registers nothing', () => {
  for (const feature of [{ enabled: false }, { enabled: 'true' }, { enabled: true, backend_url: '' }, { enabled: true, backend_url: 'javascript:alert(1)' }]) {
    const { flex, manager, calls } = fakeFlex({ feature });
    quiet(() => init(flex, manager));
    assert.equal(calls.channels.length, 0, JSON.stringify(feature));
    assert.equal(calls.replaced.length, 0);
    assert.equal(calls.registered.length, 0);
    assert.deepEqual(calls.listeners, {});
    assert.equal(manager.strings.PSCallbackCallback, undefined);
  }
});

test('no custom_data at all means disabled', () => {
  const { flex, manager, calls } = fakeFlex();
  manager.serviceConfiguration.ui_attributes = {};
  quiet(() => init(flex, manager));
  assert.equal(calls.channels.length, 0);
});

test('auto_select_task off: no SelectTask listener', () => {
  const { flex, manager, calls } = fakeFlex({ feature: { auto_select_task: false } });
  quiet(() => init(flex, manager));
  assert.equal(calls.channels.length, 2);
  assert.equal(calls.listeners.beforeSelectTask, undefined);
});

test('readConfig: defaults, derived values and worker config_overrides', () => {
  const { manager } = fakeFlex({
    feature: { allow_requeue: undefined, max_attempts: undefined, auto_select_task: undefined, backend_url: 'https://cb.example.com/base/' },
    workerAttributes: { config_overrides: { features: { callback_and_voicemail: { max_attempts: 5, allow_requeue: true } } } },
  });
  assert.deepEqual(readConfig(manager), {
    enabled: true,
    allowRequeue: true,
    maxAttempts: 5,
    autoSelectTask: false,
    backendUrl: 'https://cb.example.com/base',
    backendOrigin: 'https://cb.example.com',
    language: '',
  });
  const off = fakeFlex({ feature: { enabled: false, allow_requeue: true, auto_select_task: true } });
  const c = readConfig(off.manager);
  assert.equal(c.allowRequeue, false);
  assert.equal(c.autoSelectTask, false);
});

test('a worker override can turn the feature off', () => {
  const { flex, manager, calls } = fakeFlex({ workerAttributes: { config_overrides: { features: { callback_and_voicemail: { enabled: false } } } } });
  quiet(() => init(flex, manager));
  assert.equal(calls.channels.length, 0);
});
