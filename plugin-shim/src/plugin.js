// The plugin class Flex instantiates. init only reads the configuration and delegates to the
// register functions; each logs what it registered.
import { FlexPlugin } from '@twilio/flex-plugin';
import { readConfig, workerAttributes } from './config.js';
import { registerStrings, userLanguage } from './strings.js';
import { registerNotifications } from './notifications.js';
import { registerChannels } from './channels.js';
import { registerComponents } from './panel.js';
import { createActionRunner, registerActions } from './actions.js';
import { OutboundCalls, followOutboundCalls } from './outbound.js';

/** PLUGIN_NAME is the name Flex logs the plugin under; its uniqueName comes from package.json. */
export const PLUGIN_NAME = 'FlexcallbackPlugin';

/**
 * init registers everything the shim does with Flex, or nothing at all when
 * custom_data.features.callback_and_voicemail.enabled is not true.
 * @param {import('./flex.js').FlexApi} flex
 * @param {import('./flex.js').ManagerApi} manager
 * @param {{language?: string} | undefined} nav
 * @returns {import('./config.js').ShimConfig}
 */
export function init(flex, manager, nav = globalThis.navigator) {
  const config = readConfig(manager);
  if (!config.enabled) {
    console.info('[plugin-flexcallback] callback_and_voicemail is disabled; nothing registered');
    return config;
  }
  config.locale = userLanguage(manager, config, workerAttributes(manager), nav?.language);
  // Shared between the panel's StartOutboundCall and the auto-select listener (spec §5.8).
  /** @type {import('./actions.js').ShimState} */
  const state = { lastPlacedReservationSid: null };
  registerStrings(manager, config.locale);
  registerNotifications(flex);
  registerChannels(flex, manager);
  // The panel asks what came of a call back once it ended (outbound.js).
  const calls = new OutboundCalls();
  followOutboundCalls(manager, calls);
  console.info('[plugin-flexcallback] following outbound calls with followOutboundCalls');
  registerComponents(flex, manager, config, createActionRunner(flex, state), calls);
  registerActions(flex, manager, config, state);
  return config;
}

/** FlexcallbackPlugin is the Flex plugin: callbacks and voicemails with the Go panel. */
export default class FlexcallbackPlugin extends FlexPlugin {
  constructor() {
    super(PLUGIN_NAME);
  }

  /**
   * init is called by Flex with the (proxied) Flex module and manager. tsc checks here that the
   * real Flex module and Manager satisfy the FlexApi and ManagerApi the shim is written against.
   * @param {typeof import('@twilio/flex-ui')} flex
   * @param {import('@twilio/flex-ui').Manager} manager
   */
  async init(flex, manager) {
    init(flex, manager);
  }
}
