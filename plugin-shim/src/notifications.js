// Flex notifications: one per level for the panel's notify messages. The panel says everything
// the agent is told, in its own locale (wasm/ui/strings.go), including the reference's two
// notifications of spec §5.10 (calling the customer failed, outbound dialing not enabled).
import { StringKeys } from './strings.js';

/** @typedef {import('./flex.js').FlexApi} FlexApi */
/** @typedef {import('./protocol.js').NotifyLevel} NotifyLevel */

// Levels a panel may ask for (protocol.go's Level*).
/** @type {NotifyLevel[]} */
const panelLevels = ['info', 'success', 'warning', 'error'];

/**
 * notificationType maps a panel level to Flex's NotificationType: Flex calls "info" information.
 * @param {FlexApi['NotificationType']} types
 * @param {NotifyLevel} level
 */
function notificationType(types, level) {
  return level === 'info' ? types.information : types[level];
}

/**
 * panelNotificationId returns the notification ID for a panel notify level (unknown → info).
 * @param {string} level
 */
export function panelNotificationId(level) {
  return `CallbackPanel_${panelLevels.find((l) => l === level) ?? 'info'}`;
}

/**
 * registerNotifications registers the panel's notifications, one per level.
 * @param {FlexApi} flex
 */
export function registerNotifications(flex) {
  const types = flex.NotificationType;
  /** @type {import('./flex.js').Notification[]} */
  const defs = panelLevels.map((level) => ({ id: panelNotificationId(level), type: notificationType(types, level), content: StringKeys.PanelNotification }));
  for (const def of defs) {
    flex.Notifications.registerNotification(def);
  }
  console.info(`[plugin-flexcallback] registerNotifications: ${defs.map((d) => d.id).join(', ')}`);
}
