// The callback and voicemail task channels (spec §5.2): which tasks they apply to, their colour,
// icon and the task-name templates Flex shows in the task list, the canvas and supervisor views.
import React from 'react';
import { StringKeys, flexString } from './strings.js';

/** @typedef {import('./flex.js').FlexApi} FlexApi */
/** @typedef {import('./flex.js').ManagerApi} ManagerApi */
/** @typedef {import('./flex.js').TaskData} TaskData */
/** @typedef {import('./flex.js').TaskChannelDefinition} TaskChannelDefinition */
/** @typedef {NonNullable<TaskChannelDefinition['templates']>} Templates */
/** @typedef {Pick<TaskData, 'taskChannelUniqueName' | 'attributes' | 'queueName'> | undefined} ChannelTask */

/** Channel names, as Flex and the reference name them. */
export const ChannelNames = { Callback: 'callback', Voicemail: 'voicemail' };

/**
 * isCallbackTask applies the callback channel: a voice task whose taskType is "callback".
 * @param {ChannelTask} task
 */
export function isCallbackTask(task) {
  return task?.taskChannelUniqueName === 'voice' && task?.attributes?.taskType === 'callback';
}

/**
 * isVoicemailTask applies the voicemail channel: a voice task whose taskType is "voicemail".
 * @param {ChannelTask} task
 */
export function isVoicemailTask(task) {
  return task?.taskChannelUniqueName === 'voice' && task?.attributes?.taskType === 'voicemail';
}

/**
 * taskNameTemplates returns the channel's templates over Flex's defaults: "<queue>: <label>
 * (<name>)" where the queue helps, "<label> (<name>)" in the compact views. The label is read at
 * render time so that the strings merged into manager.strings (and later overrides) apply.
 * @param {TaskChannelDefinition['templates']} base
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {string} labelKey
 * @returns {Templates}
 */
export function taskNameTemplates(base, manager, labelKey) {
  const label = () => flexString(manager, labelKey);
  const withoutQueue = (/** @type {ChannelTask} */ task) => `${label()} (${task?.attributes?.name ?? ''})`;
  const withQueue = (/** @type {ChannelTask} */ task) => (task?.queueName ? `${task.queueName}: ${withoutQueue(task)}` : withoutQueue(task));
  const t = base || {};
  return {
    ...t,
    TaskListItem: { ...t.TaskListItem, firstLine: withQueue },
    TaskCanvasHeader: { ...t.TaskCanvasHeader, title: withQueue },
    IncomingTaskCanvas: { ...t.IncomingTaskCanvas, firstLine: withQueue },
    TaskCard: { ...t.TaskCard, firstLine: withoutQueue },
    Supervisor: {
      ...t.Supervisor,
      TaskOverviewCanvas: { ...t.Supervisor?.TaskOverviewCanvas, firstLine: withQueue },
      TaskCanvasHeader: { ...t.Supervisor?.TaskCanvasHeader, title: withoutQueue },
    },
  };
}

// svgIcon draws a 24×24 outline icon in the channel's current colour, so no icon library is needed.
/**
 * @param {string} key
 * @param {string} title
 * @param {string[]} paths
 */
function svgIcon(key, title, paths) {
  return React.createElement(
    'svg',
    { key, viewBox: '0 0 24 24', width: '100%', height: '100%', fill: 'none', stroke: 'currentColor', strokeWidth: 1.8, strokeLinecap: 'round', strokeLinejoin: 'round', role: 'img', 'aria-label': title, style: { minWidth: '24px', padding: '2px' } },
    React.createElement('title', null, title),
    ...paths.map((d, i) => React.createElement('path', { key: i, d })),
  );
}

const phone = 'M5 4h3l2 5-2.5 1.5a11 11 0 0 0 6 6L15 14l5 2v3a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2z';
const callbackPaths = [phone, 'M15 3h6v6', 'M21 3l-6 6'];
const voicemailPaths = ['M6.5 16a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z', 'M17.5 16a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z', 'M6.5 16h11'];

/**
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 * @param {{name: string, isApplicable: (task: ChannelTask) => boolean, color: string, labelKey: string, paths: string[]}} channel
 * @returns {TaskChannelDefinition}
 */
function channelDefinition(flex, manager, { name, isApplicable, color, labelKey, paths }) {
  const def = flex.DefaultTaskChannels.createDefaultTaskChannel(name, isApplicable, undefined, undefined, color);
  const title = () => flexString(manager, labelKey);
  return {
    ...def,
    name,
    isApplicable,
    colors: { ...def.colors, main: color },
    templates: taskNameTemplates(def.templates, manager, labelKey),
    icons: {
      active: svgIcon(`${name}-active`, title(), paths),
      list: svgIcon(`${name}-list`, title(), paths),
      main: svgIcon(`${name}-main`, title(), paths),
    },
  };
}

/**
 * createCallbackChannel registers the callback channel (palegreen, outgoing-phone icon).
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 */
export function createCallbackChannel(flex, manager) {
  flex.TaskChannels.register(
    channelDefinition(flex, manager, { name: ChannelNames.Callback, isApplicable: isCallbackTask, color: 'palegreen', labelKey: StringKeys.CallbackLabel, paths: callbackPaths }),
  );
}

/**
 * createVoicemailChannel registers the voicemail channel (deepskyblue, tape icon).
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 */
export function createVoicemailChannel(flex, manager) {
  flex.TaskChannels.register(
    channelDefinition(flex, manager, { name: ChannelNames.Voicemail, isApplicable: isVoicemailTask, color: 'deepskyblue', labelKey: StringKeys.VoicemailLabel, paths: voicemailPaths }),
  );
}

/**
 * registerChannels registers both channels, logging each by its hook's name.
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 */
export function registerChannels(flex, manager) {
  for (const hook of [createCallbackChannel, createVoicemailChannel]) {
    hook(flex, manager);
    console.info(`[plugin-flexcallback] registered task channel with ${hook.name}`);
  }
}
