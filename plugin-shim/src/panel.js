// The panel: an iframe of {backend_url}/panel/ inside Flex's TaskInfoPanel, and the postMessage
// bridge of DESIGN §4 between it and Flex. The shim decides nothing here: it hands the panel its
// context and runs the few Flex actions the panel asks for.
import React from 'react';
import { panelNotificationId } from './notifications.js';
import { Protocol } from './protocol.js';

export { Protocol };

/** @typedef {import('./flex.js').FlexApi} FlexApi */
/** @typedef {import('./flex.js').ManagerApi} ManagerApi */
/** @typedef {import('./flex.js').TaskData} TaskData */
/** @typedef {import('./actions.js').RunPanelAction} RunPanelAction */
/** @typedef {import('./protocol.js').PanelTask} PanelTask */
/** @typedef {import('./protocol.js').PanelWorker} PanelWorker */
/** @typedef {import('./protocol.js').ContextBody} ContextBody */
/** @typedef {import('./protocol.js').ShimBody} ShimBody */
/** @typedef {import('./protocol.js').ActionMessage} ActionMessage */
/** @typedef {import('./protocol.js').OutboundCall} OutboundCall */
/** @typedef {import('./outbound.js').OutboundCalls} OutboundCalls */
/**
 * ShimConfig is what the panel needs of readConfig's result, with the resolved locale.
 * @typedef {Pick<import('./config.js').ShimConfig, 'allowRequeue' | 'maxAttempts' | 'autoSelectTask' | 'backendUrl' | 'backendOrigin'> & {locale?: string}} PanelShimConfig
 */

// Bounds on what a panel may ask, so a confused panel cannot make the iframe absurd.
const maxHeight = 4000;
const maxNotifyLength = 500;
const defaultHeight = 480;

/**
 * isShimTask is the TaskInfoPanel predicate: taskType callback or voicemail, on any channel.
 * @param {Pick<TaskData, 'attributes'> | undefined} task
 */
export function isShimTask(task) {
  const t = task?.attributes?.taskType;
  return t === 'callback' || t === 'voicemail';
}

/**
 * outboundDialingEnabled reports whether Flex has at least one enabled outbound call flow; the
 * panel gets it as config.outboundEnabled and is the one place that acts on it.
 * @param {Pick<ManagerApi, 'serviceConfiguration'> | undefined} manager
 */
export function outboundDialingEnabled(manager) {
  const flows = manager?.serviceConfiguration?.outbound_call_flows;
  return Object.values(flows || {}).some((flow) => flow && flow.enabled === true);
}

/**
 * taskMessage returns the `task` object of the protocol for a Flex ITask, as plain JSON, with the
 * call back placed from it when the shim saw one.
 * @param {TaskData | undefined} task
 * @param {OutboundCall} [outboundCall]
 * @returns {PanelTask}
 */
export function taskMessage(task, outboundCall) {
  const created = task?.dateCreated;
  return JSON.parse(
    JSON.stringify({
      sid: task?.sid ?? '',
      taskSid: task?.taskSid ?? '',
      status: task?.taskStatus ?? '',
      queueSid: task?.queueSid ?? '',
      queueName: task?.queueName ?? '',
      channel: task?.taskChannelUniqueName ?? '',
      dateCreated: created instanceof Date ? created.toISOString() : (created ?? ''),
      attributes: task?.attributes ?? {},
      outboundCall,
    }),
  );
}

/**
 * workerMessage returns the `worker` object of the protocol: its SID and whether it is offline.
 * @param {ManagerApi | undefined} manager
 * @returns {PanelWorker}
 */
export function workerMessage(manager) {
  const wc = manager?.workerClient;
  const worker = manager?.store?.getState?.()?.flex?.worker;
  const sid = wc?.sid || worker?.worker?.sid || '';
  const activitySid = wc?.activity?.sid || worker?.activity?.sid || '';
  const offlineSid = manager?.serviceConfiguration?.taskrouter_offline_activity_sid || '';
  return { sid, offline: offlineSid !== '' && activitySid === offlineSid };
}

/**
 * contextMessage returns the body of a `context` message for the panel showing task.
 * @param {ManagerApi | undefined} manager
 * @param {PanelShimConfig} config
 * @param {TaskData | undefined} task
 * @returns {ContextBody}
 */
export function contextMessage(manager, config, task) {
  return {
    type: 'context',
    token: manager?.user?.token || '',
    locale: config.locale || 'en-US',
    task: taskMessage(task),
    worker: workerMessage(manager),
    config: {
      allowRequeue: config.allowRequeue,
      maxAttempts: config.maxAttempts,
      autoSelectTask: config.autoSelectTask,
      outboundEnabled: outboundDialingEnabled(manager),
    },
  };
}

/**
 * PanelBridge speaks the protocol with one panel iframe. It ignores every message that is not
 * from the backend origin and from that iframe's window, and it always posts to the backend
 * origin, so neither the token nor the task can reach another page.
 *
 * opts: targetOrigin (the backend origin), getTarget() (the iframe's contentWindow), getTask(),
 * buildContext(task), runAction(name, payload, task) → Promise, notify(level, text), resize(px).
 * @typedef {object} BridgeOptions
 * @property {string} targetOrigin
 * @property {() => {postMessage(message: import('./protocol.js').ShimMessage, targetOrigin: string): void} | null} getTarget the iframe's window
 * @property {() => TaskData} getTask
 * @property {(task: TaskData | undefined) => ContextBody} buildContext
 * @property {RunPanelAction} runAction
 * @property {(level: string, text: string) => void} notify
 * @property {(height: number) => void} resize
 * @property {(reservationSid: string) => OutboundCall | undefined} [outboundCall] the call back of a task (outbound.js)
 */
export class PanelBridge {
  /** @param {BridgeOptions} opts */
  constructor(opts) {
    this.opts = opts;
    this.ready = false;
    this.lastTask = '';
  }

  /**
   * handleMessage handles one window `message` event; it returns whether it was accepted.
   * @param {Pick<MessageEvent, 'origin' | 'source' | 'data'>} event
   * @returns {boolean}
   */
  handleMessage(event) {
    const { targetOrigin, getTarget } = this.opts;
    if (event.origin !== targetOrigin) return false;
    const target = getTarget();
    if (!target || event.source !== target) return false;
    const m = event.data;
    if (!m || typeof m !== 'object' || m.source !== Protocol.panel || m.v !== Protocol.v) return false;
    switch (m.type) {
      case 'ready':
        this.ready = true;
        this.sendContext();
        return true;
      case 'action':
        this.runAction(m);
        return true;
      case 'notify':
        if (typeof m.text !== 'string' || m.text === '') return false;
        this.opts.notify(String(m.level || 'info'), m.text.slice(0, maxNotifyLength));
        return true;
      case 'resize': {
        const h = Number(m.height);
        if (!Number.isFinite(h) || h < 0) return false;
        this.opts.resize(Math.min(Math.ceil(h), maxHeight));
        return true;
      }
      default:
        return false;
    }
  }

  /** sendContext sends the whole context, once the panel said it is ready. */
  sendContext() {
    if (!this.ready) return;
    const task = this.opts.getTask();
    const body = this.opts.buildContext(task);
    body.task = taskMessage(task, this.outboundCall(task));
    this.lastTask = JSON.stringify(body.task);
    this.post(body);
  }

  /**
   * taskChanged sends `task` when what the panel knows of the task changed.
   * @param {TaskData | undefined} task
   */
  taskChanged(task) {
    if (!this.ready) return;
    const body = taskMessage(task, this.outboundCall(task));
    const s = JSON.stringify(body);
    if (s === this.lastTask) return;
    this.lastTask = s;
    this.post({ type: 'task', task: body });
  }

  /**
   * outboundCall is the call back of task, when the shim follows calls.
   * @param {TaskData | undefined} task
   */
  outboundCall(task) {
    return task?.sid ? this.opts.outboundCall?.(task.sid) : undefined;
  }

  /** @param {ActionMessage} m */
  async runAction(m) {
    const id = m.id;
    try {
      await this.opts.runAction(m.name, m.payload, this.opts.getTask());
      this.post({ type: 'actionResult', id, ok: true, error: '' });
    } catch (err) {
      this.post({ type: 'actionResult', id, ok: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** @param {ShimBody} msg */
  post(msg) {
    const target = this.opts.getTarget();
    if (!target) return;
    target.postMessage({ source: Protocol.shim, v: Protocol.v, ...msg }, this.opts.targetOrigin);
  }
}

/**
 * connectPanel feeds the window's messages to the bridge and sends the context again when Flex
 * refreshes the token (manager event tokenUpdated) or the worker's activity changes, and the task
 * when its call back starts or ends. It returns the function that undoes it.
 * @param {PanelBridge} bridge
 * @param {Pick<Window, 'addEventListener' | 'removeEventListener'>} win
 * @param {ManagerApi} manager
 * @param {OutboundCalls} [calls]
 */
export function connectPanel(bridge, win, manager, calls) {
  const onMessage = (/** @type {MessageEvent} */ event) => bridge.handleMessage(event);
  const onContextChange = () => bridge.sendContext();
  win.addEventListener('message', onMessage);
  manager.events.addListener('tokenUpdated', onContextChange);
  manager.workerClient?.addListener('activityUpdated', onContextChange);
  const stopCalls = calls?.onChange(() => bridge.taskChanged(bridge.opts.getTask()));
  return function disconnectPanel() {
    stopCalls?.();
    win.removeEventListener('message', onMessage);
    manager.events.removeListener('tokenUpdated', onContextChange);
    manager.workerClient?.removeListener('activityUpdated', onContextChange);
  };
}

/**
 * PanelFrame renders the iframe of one task and runs its bridge. Its key is the reservation SID,
 * so selecting another task mounts a fresh panel rather than re-pointing a live one.
 * @typedef {{flex: FlexApi, manager: ManagerApi, config: PanelShimConfig, runAction: RunPanelAction, calls?: OutboundCalls}} PanelDeps
 * @extends {React.Component<{task: TaskData, deps: PanelDeps}, {height: number}>}
 */
class PanelFrame extends React.Component {
  /** @param {{task: TaskData, deps: PanelDeps}} props */
  constructor(props) {
    super(props);
    /** @type {React.RefObject<HTMLIFrameElement>} */
    this.iframe = React.createRef();
    this.state = { height: defaultHeight };
    /** @type {PanelBridge | null} */
    this.bridge = null;
    /** @type {() => void} */
    this.disconnect = () => {};
  }

  componentDidMount() {
    const { flex, manager, config, runAction, calls } = this.props.deps;
    this.bridge = new PanelBridge({
      targetOrigin: config.backendOrigin,
      getTarget: () => this.iframe.current?.contentWindow || null,
      getTask: () => this.props.task,
      buildContext: (task) => contextMessage(manager, config, task),
      runAction,
      notify: (level, text) => flex.Notifications.showNotification(panelNotificationId(level), { text }),
      resize: (height) => this.setState({ height }),
      outboundCall: (sid) => calls?.get(sid),
    });
    this.disconnect = connectPanel(this.bridge, window, manager, calls);
  }

  componentDidUpdate() {
    this.bridge?.taskChanged(this.props.task);
  }

  componentWillUnmount() {
    this.disconnect();
  }

  render() {
    const { task, deps } = this.props;
    const kind = task.attributes?.taskType === 'voicemail' ? 'Voicemail' : 'Callback';
    return React.createElement('iframe', {
      ref: this.iframe,
      src: `${deps.config.backendUrl}/panel/`,
      title: `${kind} panel`,
      'data-testid': 'flexcallback-panel',
      allow: 'autoplay',
      style: { width: '100%', height: `${this.state.height}px`, border: 0, display: 'block' },
    });
  }
}

/**
 * createCallbackPanel returns the component Flex renders in TaskInfoPanel (props: task).
 * @param {PanelDeps} deps
 */
export function createCallbackPanel(deps) {
  return function CallbackPanel(/** @type {{task?: TaskData}} */ props) {
    if (!props.task) return null;
    return React.createElement(PanelFrame, { key: props.task.sid, task: props.task, deps });
  };
}

/**
 * addCallPanelToTaskInfo replaces TaskInfoPanel's content with the panel for callback and
 * voicemail tasks (sortOrder -1, as the reference does).
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 * @param {PanelShimConfig} config
 * @param {RunPanelAction} runAction
 * @param {OutboundCalls} [calls]
 */
export function addCallPanelToTaskInfo(flex, manager, config, runAction, calls) {
  const CallbackPanel = createCallbackPanel({ flex, manager, config, runAction, calls });
  flex.TaskInfoPanel.Content.replace(React.createElement(CallbackPanel, { key: 'flexcallback-panel' }), {
    sortOrder: -1,
    if: (/** @type {{task?: TaskData}} */ props) => isShimTask(props.task),
  });
}

/**
 * registerComponents mounts the panel, logging the registration by its hook's name.
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 * @param {PanelShimConfig} config
 * @param {RunPanelAction} runAction
 * @param {OutboundCalls} [calls]
 */
export function registerComponents(flex, manager, config, runAction, calls) {
  addCallPanelToTaskInfo(flex, manager, config, runAction, calls);
  console.info('[plugin-flexcallback] replaced TaskInfoPanel content with addCallPanelToTaskInfo');
}
