import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCallbackTask, isVoicemailTask, registerChannels } from '../src/channels.js';
import { fakeFlex, quiet, callbackTask } from './fakeflex.js';

test('isApplicable matrix', () => {
  const cases = [
    // channel, taskType, callback?, voicemail?
    ['voice', 'callback', true, false],
    ['voice', 'voicemail', false, true],
    ['voice', 'callback-outbound', false, false],
    ['voice', undefined, false, false],
    ['chat', 'callback', false, false],
    ['sms', 'voicemail', false, false],
    [undefined, 'callback', false, false],
  ];
  for (const [channel, taskType, cb, vm] of cases) {
    const task = { taskChannelUniqueName: channel, attributes: { taskType } };
    assert.equal(isCallbackTask(task), cb, `callback ${channel}/${taskType}`);
    assert.equal(isVoicemailTask(task), vm, `voicemail ${channel}/${taskType}`);
  }
  assert.equal(isCallbackTask(undefined), false);
  assert.equal(isVoicemailTask({}), false);
});

test('registered channels: colours, icons, isApplicable and task-name templates', () => {
  const { flex, manager, calls } = fakeFlex();
  manager.strings.PSCallbackCallback = 'Callback';
  manager.strings.PSCallbackVoicemail = 'Voicemail';
  quiet(() => registerChannels(flex, manager));
  const [cb, vm] = calls.channels;
  assert.equal(cb.colors.main, 'palegreen');
  assert.equal(vm.colors.main, 'deepskyblue');
  assert.equal(cb.isApplicable, isCallbackTask);
  assert.equal(vm.isApplicable, isVoicemailTask);
  for (const icon of [cb.icons.active, cb.icons.list, cb.icons.main]) assert.equal(icon.type, 'svg');

  const task = callbackTask();
  const t = cb.templates;
  assert.equal(t.TaskListItem.firstLine(task), 'Support: Callback (+15551230000)');
  assert.equal(t.TaskListItem.secondLine, '{{task.status}}', 'other default templates are kept');
  assert.equal(t.TaskCanvasHeader.title(task), 'Support: Callback (+15551230000)');
  assert.equal(t.IncomingTaskCanvas.firstLine(task), 'Support: Callback (+15551230000)');
  assert.equal(t.Supervisor.TaskOverviewCanvas.firstLine(task), 'Support: Callback (+15551230000)');
  assert.equal(t.TaskCard.firstLine(task), 'Callback (+15551230000)');
  assert.equal(t.Supervisor.TaskCanvasHeader.title(task), 'Callback (+15551230000)');
  assert.equal(vm.templates.TaskCard.firstLine({ ...task, attributes: { name: '+1555' } }), 'Voicemail (+1555)');

  // Labels are read when Flex renders, so a locale merged later applies.
  manager.strings.PSCallbackCallback = 'Devolución de llamada';
  assert.equal(t.TaskCard.firstLine(task), 'Devolución de llamada (+15551230000)');
});
