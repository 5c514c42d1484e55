// Flex notifications of the shim (spec §5.10), plus one per level for the panel's notify messages.
import { StringKeys } from './strings.js';

/** NotificationIds are the IDs the shim registers with Flex. */
export const NotificationIds = {
  ErrorCallingCustomer: 'CallbackErrorCallingCustomer',
  OutboundDialingNotEnabled: 'CallbackOutboundDialingNotEnabled',
};

// Levels a panel may ask for; Flex's NotificationType has the same names.
const panelLevels = ['info', 'success', 'warning', 'error'];

/** panelNotificationId returns the notification ID for a panel notify level (unknown → info). */
export function panelNotificationId(level) {
  return `CallbackPanel_${panelLevels.includes(level) ? level : 'info'}`;
}

/** registerNotifications registers the reference's two notifications and the panel's. */
export function registerNotifications(flex) {
  const defs = [
    { id: NotificationIds.ErrorCallingCustomer, type: 'error', content: StringKeys.ErrorCallingCustomer },
    { id: NotificationIds.OutboundDialingNotEnabled, type: 'error', content: StringKeys.OutboundDialingNotEnabled },
    ...panelLevels.map((level) => ({ id: panelNotificationId(level), type: level, content: StringKeys.PanelNotification })),
  ];
  for (const def of defs) {
    flex.Notifications.registerNotification(def);
  }
  console.info(`[plugin-flexcallback] registerNotifications: ${defs.map((d) => d.id).join(', ')}`);
}
