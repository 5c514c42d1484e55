// The panel ⇄ shim protocol of DESIGN §4, mirrored from the Go side (protocol.go in the
// repository root). The JSON fixtures in testdata/protocol hold one message of each kind; Go's
// protocol_fixtures_test.go and the shim's test/protocol.test.js both read them, so a field
// cannot change on one side alone.

/** Protocol constants: the two sources and the version of every message. */
export const Protocol = Object.freeze({ shim: 'flexcallback-shim', panel: 'flexcallback-panel', v: 1 });

/**
 * PanelTask is the Flex task as the shim hands it over (Go: PanelTask). sid is the reservation
 * (WR…), taskSid the task (WT…).
 * @typedef {object} PanelTask
 * @property {string} sid
 * @property {string} taskSid
 * @property {string} status the TaskRouter task's status (Flex's ITask.taskStatus: assigned, wrapping, …)
 * @property {string} queueSid
 * @property {string} queueName
 * @property {string} channel
 * @property {string} dateCreated ISO 8601, or '' when Flex gave none
 * @property {Record<string, unknown>} attributes
 * @property {OutboundCall} [outboundCall] the call back placed from this task, once the shim saw one
 */

/**
 * OutboundCall is the call back of a task as the shim follows it (Go: OutboundCallState).
 * @typedef {object} OutboundCall
 * @property {'active' | 'ended'} status
 * @property {string} callSid the customer's call (CA…), '' while Flex has not named it
 */

/**
 * PanelWorker is the agent looking at the panel (Go: PanelWorker).
 * @typedef {object} PanelWorker
 * @property {string} sid
 * @property {boolean} offline
 */

/**
 * PanelConfig is the feature's configuration as the shim resolved it (Go: PanelConfig).
 * @typedef {object} PanelConfig
 * @property {boolean} allowRequeue
 * @property {number} maxAttempts
 * @property {boolean} autoSelectTask
 * @property {boolean} outboundEnabled
 */

/** @typedef {{source: 'flexcallback-shim', v: 1}} ShimEnvelope */
/** @typedef {{source: 'flexcallback-panel', v: 1}} PanelEnvelope */

/** @typedef {{type: 'context', token: string, locale: string, task: PanelTask, worker: PanelWorker, config: PanelConfig}} ContextBody */
/** @typedef {{type: 'task', task: PanelTask}} TaskBody */
/** @typedef {{type: 'actionResult', id: string, ok: boolean, error: string}} ActionResultBody */
/** @typedef {ContextBody | TaskBody | ActionResultBody} ShimBody */

/** @typedef {ShimEnvelope & ContextBody} ContextMessage */
/** @typedef {ShimEnvelope & TaskBody} TaskMessage */
/** @typedef {ShimEnvelope & ActionResultBody} ActionResultMessage */

/** @typedef {PanelEnvelope & {type: 'ready'}} ReadyMessage */
/**
 * ActionMessage asks the shim to run a Flex action; Go omits an empty payload.
 * @typedef {PanelEnvelope & {type: 'action', id: string, name: string, payload?: Record<string, unknown>}} ActionMessage
 */
/** @typedef {'info' | 'success' | 'warning' | 'error'} NotifyLevel */
/** @typedef {PanelEnvelope & {type: 'notify', level: NotifyLevel, text: string}} NotifyMessage */
/** @typedef {PanelEnvelope & {type: 'resize', height: number}} ResizeMessage */

/** @typedef {ContextMessage | TaskMessage | ActionResultMessage} ShimMessage */
/** @typedef {ReadyMessage | ActionMessage | NotifyMessage | ResizeMessage} PanelMessage */
