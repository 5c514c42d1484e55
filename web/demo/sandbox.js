// The demo desk's client of the sandbox (the Twilio stand-in), through the backend's /demo/sandbox
// proxy: Twilio's REST API for TaskRouter and calls, the sandbox's admin API (/_sandbox/) for
// what Flex would get elsewhere (the worker, a Flex token), and the step from TaskRouter's JSON
// to Flex's ITask.

export const sandboxBase = '/demo/sandbox';

/** @typedef {import('./flex/emulation.js').TaskData & Pick<import('../../plugin-shim/src/flex.js').ITask, 'workflowSid' | 'priority' | 'timeout' | 'defaultFrom'>} DeskTask */

/**
 * request sends one JSON or form request and resolves with the decoded answer; a non-2xx answer
 * rejects with an Error that carries the status.
 * @param {string} method
 * @param {string} url
 * @param {{json?: unknown, form?: Record<string, string>, authorization?: string}} [opts]
 */
export async function request(method, url, opts = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(opts.form).toString();
  }
  if (opts.authorization) headers.Authorization = opts.authorization;
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const err = /** @type {Error & {status?: number}} */ (new Error(`${method} ${url}: ${res.status} ${(data && data.message) || res.statusText || 'request failed'}`));
    err.status = res.status;
    throw err;
  }
  return data;
}

/** admin calls the sandbox's admin API (no Twilio credentials). */
export const admin = (/** @type {string} */ method, /** @type {string} */ path, /** @type {unknown} */ json = undefined) => request(method, `${sandboxBase}/_sandbox${path}`, json === undefined ? {} : { json });

/**
 * twilioClient calls the sandbox's Twilio REST API with the account of info (GET /_sandbox/).
 * @param {{accountSid: string, authToken: string, workspaceSid: string}} info
 */
export function twilioClient(info) {
  const authorization = 'Basic ' + btoa(`${info.accountSid}:${info.authToken}`);
  /** @param {string} method @param {string} url @param {Record<string, string>} [form] */
  const call = (method, url, form) => request(method, url, { form, authorization });
  const taskRouter = (/** @type {string} */ path) => `${sandboxBase}/taskrouter/v1/Workspaces/${info.workspaceSid}${path}`;
  const calls = `${sandboxBase}/api/2010-04-01/Accounts/${info.accountSid}/Calls`;
  return {
    worker: (/** @type {string} */ sid) => call('GET', taskRouter(`/Workers/${sid}`)),
    reservations: (/** @type {string} */ workerSid) => call('GET', taskRouter(`/Workers/${workerSid}/Reservations?PageSize=100`)),
    /** setReservation moves a reservation, by its worker's path, else (404) by its task's. */
    async setReservation(/** @type {string} */ workerSid, /** @type {string} */ taskSid, /** @type {string} */ sid, /** @type {string} */ status) {
      const form = { ReservationStatus: status };
      try {
        return await call('POST', taskRouter(`/Workers/${workerSid}/Reservations/${sid}`), form);
      } catch (err) {
        if (/** @type {{status?: number}} */ (err).status !== 404) throw err;
        return call('POST', taskRouter(`/Tasks/${taskSid}/Reservations/${sid}`), form);
      }
    },
    /** flexConfiguration is Flex's configuration (Flex API v1), as `flexcallback setup` left it. */
    flexConfiguration: () => call('GET', `${sandboxBase}/flex-api/v1/Configuration`),
    createCall: (/** @type {Record<string, string>} */ form) => call('POST', `${calls}.json`, form),
    getCall: (/** @type {string} */ sid) => call('GET', `${calls}/${sid}.json`),
    endCall: (/** @type {string} */ sid) => call('POST', `${calls}/${sid}.json`, { Status: 'completed' }),
  };
}

// Flex's ITask.status is the reservation's status; taskStatus is the TaskRouter task's.
/** @type {Record<string, DeskTask['status']>} */
export const flexStatus = { pending: 'pending', accepted: 'accepted', wrapping: 'wrapping' };
/** @type {Record<string, DeskTask['taskStatus']>} */
const taskStatus = { reserved: 'reserved', assigned: 'assigned', wrapping: 'wrapping', completed: 'completed', canceled: 'canceled' };

/**
 * toITask makes Flex's ITask of a reservation and its task, as TaskRouter's JSON gives them.
 * @param {any} reservation
 * @param {any} t
 * @returns {DeskTask}
 */
export function toITask(reservation, t) {
  let attrs = {};
  try {
    attrs = JSON.parse(t.attributes || '{}');
  } catch {
    attrs = {};
  }
  return {
    sid: reservation.sid,
    taskSid: t.sid,
    status: flexStatus[reservation.reservation_status],
    taskStatus: taskStatus[t.assignment_status] || 'reserved',
    queueSid: t.task_queue_sid || '',
    queueName: t.task_queue_friendly_name || '',
    taskChannelUniqueName: t.task_channel_unique_name || 'voice',
    workflowSid: t.workflow_sid,
    priority: t.priority,
    timeout: t.timeout,
    dateCreated: new Date(t.date_created),
    attributes: attrs,
    defaultFrom: attrs.from || attrs.name || '',
  };
}
