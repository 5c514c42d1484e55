// The part of Flex UI the shim uses, as types taken from @twilio/flex-ui's own declarations (no
// code). Each member is a Pick of Flex's type, so the real Flex module and Manager satisfy these
// (plugin.js hands them over and tsc checks it), and an emulation of Flex, the demo desk's or the
// tests', must have the same shapes: it cannot offer an API that Flex does not have.

/** @typedef {typeof import('@twilio/flex-ui')} Flex */
/** @typedef {import('@twilio/flex-ui').Manager} Manager */
/** @typedef {import('@twilio/flex-ui').ITask} ITask */
/** @typedef {import('@twilio/flex-ui').TaskChannelDefinition} TaskChannelDefinition */
/** @typedef {import('@twilio/flex-ui').Notification} Notification */
/** @typedef {import('@twilio/flex-ui').ContentFragmentProps} ContentFragmentProps */


/**
 * TaskData is what the shim reads of a Flex ITask. status is the reservation's status (pending,
 * accepted, wrapping, …), taskStatus the TaskRouter task's (reserved, assigned, wrapping, …).
 * @typedef {Pick<ITask, 'sid' | 'taskSid' | 'status' | 'taskStatus' | 'queueSid' | 'queueName' | 'taskChannelUniqueName' | 'dateCreated' | 'attributes'>} TaskData
 */

/**
 * FlexApi is the part of the Flex module the shim calls.
 * @typedef {object} FlexApi
 * @property {Pick<Flex['Actions'], 'invokeAction'> & {addListener: (...args: ParamsOf<Flex['Actions']['addListener']>) => unknown}} Actions the return of addListener (Flex's emitter, for chaining) is left open as in Listenable
 * @property {Pick<Flex['Notifications'], 'registerNotification' | 'showNotification'>} Notifications
 * @property {Flex['NotificationType']} NotificationType
 * @property {Pick<Flex['DefaultTaskChannels'], 'createDefaultTaskChannel'>} DefaultTaskChannels
 * @property {Pick<Flex['TaskChannels'], 'register'>} TaskChannels
 * @property {{Content: Pick<Flex['TaskInfoPanel']['Content'], 'replace'>}} TaskInfoPanel
 */

/** @typedef {import('@twilio/flex-ui').AppState} FlexState */

/**
 * Listenable is an event emitter's addListener/on/removeListener with Flex's parameters. Their
 * return (the emitter itself, for chaining) is left open: the shim does not use it, and an
 * emulation could not return Flex's own emitter class.
 * @template {{addListener: unknown, removeListener: unknown}} E
 * @typedef {{addListener: (...args: ParamsOf<E['addListener']>) => unknown, removeListener: (...args: ParamsOf<E['removeListener']>) => unknown}} Listenable
 */

/**
 * @template F
 * @typedef {F extends (...args: infer P) => unknown ? P : never} ParamsOf
 */
/** @typedef {NonNullable<Manager['workerClient']>} Worker */

/**
 * WorkerApi is what the shim uses of the TaskRouter worker (manager.workerClient).
 * @typedef {Pick<Worker, 'sid' | 'attributes'> & Listenable<Worker> & {activity: Pick<Worker['activity'], 'sid'>}} WorkerApi
 */

/**
 * FlexStateApi is what the shim reads of Flex's Redux state (store.getState().flex).
 * @typedef {object} FlexStateApi
 * @property {Pick<FlexState['view'], 'selectedTaskSid'>} view
 * @property {{tasks: ReadonlyMap<string, TaskData>, activity?: Pick<FlexState['worker']['activity'], 'sid'>, attributes?: FlexState['worker']['attributes'], worker?: Pick<NonNullable<FlexState['worker']['worker']>, 'sid'>}} worker
 * @property {Partial<FlexState['featureFlags']>} [featureFlags]
 */

/** @typedef {import('@twilio/flex-ui').ServiceConfiguration} ServiceConfiguration */

/**
 * UiAttributes is Flex's ui_attributes plus custom_data, the free-form part of the service
 * configuration that Flex documents for plugins but its Config type does not declare.
 * @typedef {ServiceConfiguration['ui_attributes'] & {custom_data?: Record<string, unknown>}} UiAttributes
 */

/**
 * ManagerApi is the part of Flex's Manager the shim uses.
 * @typedef {object} ManagerApi
 * @property {Partial<Manager['strings']>} strings
 * @property {Pick<Manager['user'], 'token'>} user
 * @property {Listenable<Manager['events']>} events
 * @property {WorkerApi} [workerClient]
 * @property {Pick<ServiceConfiguration, 'outbound_call_flows' | 'taskrouter_offline_activity_sid'> & {ui_attributes: UiAttributes}} serviceConfiguration
 * @property {{getState(): {flex: FlexStateApi}, subscribe: Manager['store']['subscribe']}} store
 * @property {Pick<Manager['localization'], 'localeTag'>} [localization]
 */

export {};
