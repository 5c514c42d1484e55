// The demo desk: a small emulation of the Flex globals the plugin shim uses, the REAL built shim
// bundle loaded into it the way Flex loads plugins, and an agent's task list backed by the
// sandbox (the Twilio stand-in) over its REST and admin APIs. No build step: React 17 UMD and
// React.createElement. Stable hooks for the browser tests: [data-task-sid] list items,
// #scenario-ivr, #scenario-inqueue, #scenario-voicemail, #accept, #wrapup, #complete,
// #outbound-call, #hangup, #refresh-token, #activity, #notifications, #desk-status.
// The emulation is typed against Flex UI's own declarations through the shim's src/flex.js
// (`npm run typecheck` in plugin-shim checks this file): each emulated object is the shim's Pick of
// Flex's type, so it cannot offer a member that Flex does not have, nor one of another shape.
/** @typedef {import('../../plugin-shim/src/flex.js').FlexApi} DeskFlexApi */
/** @typedef {import('../../plugin-shim/src/flex.js').ManagerApi} DeskManagerApi */
/** @typedef {import('../../plugin-shim/src/flex.js').TaskData} DeskTaskData */
/** @typedef {import('../../plugin-shim/src/flex.js').TaskChannelDefinition} DeskChannel */
/** @typedef {import('../../plugin-shim/src/flex.js').Notification} DeskNotification */
/**
 * DeskPlugins is the plugin loader's contract (Twilio.Flex.Plugins.init), which
 * @twilio/flex-plugin calls but Flex UI's declarations leave out. The plugin's init is FlexPlugin's
 * (Flex module, Manager); the desk hands it the emulation, which has what the shim uses.
 * @typedef {{init: (plugin: new () => {init(flex: DeskFlexApi, manager: DeskManagerApi): unknown}) => void}} DeskPlugins
 */
/** @typedef {import('../../plugin-shim/src/flex.js').Worker} DeskWorker */
/** @typedef {import('../../plugin-shim/src/flex.js').Manager} DeskManager */
/**
 * DeskTask is an ITask as far as the desk fills it in.
 * @typedef {DeskTaskData & Pick<import('../../plugin-shim/src/flex.js').ITask, 'workflowSid' | 'priority' | 'timeout' | 'defaultFrom'>} DeskTask
 */
/**
 * DeskWorkerClient is the TaskRouter worker as the desk emulates it: what the shim uses, plus the
 * name and the emit the desk needs (emit typed loosely: Flex's takes enums JavaScript cannot name).
 * @typedef {import('../../plugin-shim/src/flex.js').WorkerApi & Pick<DeskWorker, 'name'> & {activity: Pick<DeskWorker['activity'], 'sid' | 'name'>, emit: (event: string) => unknown}} DeskWorkerClient
 */
/**
 * DeskManagerType is the Manager as the desk emulates it.
 * @typedef {DeskManagerApi & {user: Partial<DeskManager['user']>, workerClient: DeskWorkerClient, events: DeskManagerApi['events'] & {emit: (event: string, ...args: unknown[]) => unknown}}} DeskManagerType
 */
(function () {
  'use strict';

  var h = React.createElement;
  var sandboxBase = '/demo/sandbox';
  var pluginSrc = '/demo/plugin-flexcallback.js';
  var demoWorker = 'alice';
  var deskCallerId = '+15550100000';
  var tokenTTL = 3600;

  // desk is all the state of the page; render() draws it.
  var desk = {
    status: 'starting',
    error: '',
    info: null, // GET /_sandbox/
    workerSid: '',
    backendUrl: '',
    tasks: new Map(), // reservation SID → ITask-like object, as Flex's worker.tasks
    remoteTasks: new Map(), // the sandbox's part of tasks, from the last poll
    selectedTaskSid: null,
    localTasks: new Map(), // outbound-call tasks the desk made (Flex makes these itself)
    outboundCall: null, // {sid, to, status}
    notifications: [],
    scenario: '',
    pluginState: 'not loaded',
  };

  // ---- small HTTP helpers -------------------------------------------------------------------

  function basicAuth() {
    return 'Basic ' + btoa(desk.info.accountSid + ':' + desk.info.authToken);
  }

  function request(method, url, opts) {
    opts = opts || {};
    var headers = Object.assign({ Accept: 'application/json' }, opts.headers || {});
    var body;
    if (opts.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(opts.json);
    } else if (opts.form) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(opts.form).toString();
    }
    if (opts.auth) headers.Authorization = basicAuth();
    return fetch(url, { method: method, headers: headers, body: body }).then(function (res) {
      return res.text().then(function (text) {
        var data = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          data = text;
        }
        if (!res.ok) {
          var msg = (data && data.message) || res.statusText || 'request failed';
          var err = /** @type {Error & {status?: number}} */ (new Error(method + ' ' + url + ': ' + res.status + ' ' + msg));
          err.status = res.status;
          throw err;
        }
        return data;
      });
    });
  }

  function taskRouterURL(path) {
    return sandboxBase + '/taskrouter/v1/Workspaces/' + desk.info.workspaceSid + path;
  }

  // ---- the Flex emulation ------------------------------------------------------------------

  function emitter() {
    var listeners = {};
    return {
      addListener: function (name, fn) {
        (listeners[name] = listeners[name] || []).push(fn);
      },
      removeListener: function (name, fn) {
        listeners[name] = (listeners[name] || []).filter(function (f) {
          return f !== fn;
        });
      },
      emit: function (name) {
        var args = Array.prototype.slice.call(arguments, 1);
        (listeners[name] || []).slice().forEach(function (fn) {
          fn.apply(null, args);
        });
      },
      on: function (name, fn) {
        this.addListener(name, fn);
      },
    };
  }

  /** @type {{channels: DeskChannel[], infoPanel: {element: React.ReactElement, options: import('../../plugin-shim/src/flex.js').ContentFragmentProps}[], notifications: Record<string, DeskNotification>, listeners: Record<string, ((...args: any[]) => unknown)[]>}} */
  var registry = { channels: [], infoPanel: [], notifications: {}, listeners: {} };

  // Flex's NotificationType enum as the Flex bundle defines it at run time. JavaScript cannot name
  // a TypeScript enum's members, hence the cast; the values are Flex's.
  var notificationType = /** @type {DeskFlexApi['NotificationType']} */ (
    /** @type {unknown} */ (Object.freeze({ information: 'information', success: 'success', warning: 'warning', error: 'error' }))
  );

  // A default voice channel, as Flex has; registered channels are checked first, newest first.
  /** @type {DeskChannel} */
  var voiceChannel = {
    name: 'voice',
    isApplicable: function (task) {
      return task.taskChannelUniqueName === 'voice';
    },
    capabilities: new Set(),
    charLimit: 0,
    componentProps: {},
    notifications: { override: {} },
    colors: { main: '#1976d2' },
    icons: {},
    templates: {
      TaskListItem: {
        firstLine: function (task) {
          if (task.attributes.taskType === 'callback-outbound') return 'Outbound call to ' + (task.attributes.outbound_to || '');
          return task.attributes.name || task.attributes.from || 'Voice call';
        },
      },
    },
  };

  /** @type {DeskFlexApi['DefaultTaskChannels']['createDefaultTaskChannel']} */
  var createDefaultTaskChannel = function (name, isApplicable, icon, iconActive, color) {
    return {
      name: name,
      isApplicable: isApplicable,
      capabilities: new Set(),
      charLimit: 0,
      componentProps: {},
      notifications: { override: {} },
      colors: { main: color || '#1976d2' },
      icons: { list: icon, main: icon, active: iconActive },
      templates: {
        TaskListItem: { firstLine: '{{task.defaultFrom}}', secondLine: '{{task.status}}' },
        TaskCanvasHeader: { title: '{{task.defaultFrom}}', endButton: 'End' },
        IncomingTaskCanvas: { firstLine: '{{task.defaultFrom}}' },
        TaskCard: { firstLine: '{{task.defaultFrom}}' },
        Supervisor: { TaskCanvasHeader: { title: '' }, TaskOverviewCanvas: { firstLine: '' } },
      },
    };
  };

  function channelOf(task) {
    for (var i = registry.channels.length - 1; i >= 0; i--) {
      if (registry.channels[i].isApplicable(task)) return registry.channels[i];
    }
    return voiceChannel;
  }

  function template(value, task) {
    if (typeof value === 'function') return value(task);
    return String(value || '').replace(/{{task\.(\w+)}}/g, function (_, k) {
      return task[k] == null ? '' : String(task[k]);
    });
  }

  // Notifications: the registered template, with {{name}} filled from the context, shown as text.
  /** @type {DeskFlexApi['Notifications']['showNotification']} */
  var showNotification = function (id, context) {
    var def = registry.notifications[id];
    // Flex's Strings type declares only Flex's keys; the shim's are there at run time.
    var strings = /** @type {Record<string, string | undefined>} */ (manager.strings);
    var content = def && typeof def.content === 'string' ? strings[def.content] || def.content : id;
    var text = String(content).replace(/{{(\w+)}}/g, function (_, k) {
      return context && context[k] != null ? String(context[k]) : '';
    });
    desk.notifications = desk.notifications.concat([{ key: Date.now() + Math.random(), id: id, type: (def && def.type) || notificationType.information, text: text }]).slice(-5);
    render();
    return def || null;
  };

  // Actions run as Flex runs them: before-listeners (which may abort), the action, after-listeners.
  function invokeAction(name, payload) {
    payload = payload || {};
    var aborted = false;
    var abort = function () {
      aborted = true;
    };
    var before = registry.listeners['before' + name] || [];
    return before
      .reduce(function (p, fn) {
        return p.then(function () {
          return fn(payload, abort);
        });
      }, /** @type {Promise<unknown>} */ (Promise.resolve()))
      .then(function () {
        if (aborted) return undefined;
        var impl = actionImpls[name];
        if (!impl) throw new Error('the demo desk does not emulate ' + name);
        return impl(payload);
      })
      .then(function (result) {
        var after = registry.listeners['after' + name] || [];
        after.forEach(function (fn) {
          fn(payload);
        });
        return result;
      });
  }

  function sidOf(payload) {
    return payload.sid || (payload.task && payload.task.sid) || null;
  }

  function updateReservation(sid, status) {
    var task = desk.tasks.get(sid);
    if (!task) return Promise.reject(new Error('no such task ' + sid));
    var form = { ReservationStatus: status };
    var byWorker = taskRouterURL('/Workers/' + desk.workerSid + '/Reservations/' + sid);
    var byTask = taskRouterURL('/Tasks/' + task.taskSid + '/Reservations/' + sid);
    return request('POST', byWorker, { form: form, auth: true })
      .catch(function (err) {
        if (err.status !== 404) throw err;
        return request('POST', byTask, { form: form, auth: true });
      })
      .then(function () {
        return poll();
      });
  }

  var actionImpls = {
    SelectTask: function (payload) {
      desk.selectedTaskSid = sidOf(payload);
      render();
    },
    AcceptTask: function (payload) {
      return updateReservation(sidOf(payload), 'accepted');
    },
    WrapupTask: function (payload) {
      var sid = sidOf(payload);
      if (desk.localTasks.has(sid)) return hangUp();
      return updateReservation(sid, 'wrapping');
    },
    CompleteTask: function (payload) {
      return updateReservation(sidOf(payload), 'completed');
    },
    // Flex dials through its outbound call flow; here the sandbox places the call and the desk
    // shows the call's task in the list, as Flex does.
    StartOutboundCall: function (payload) {
      var url = sandboxBase + '/api/2010-04-01/Accounts/' + desk.info.accountSid + '/Calls.json';
      var form = { To: payload.destination, From: payload.callerId || deskCallerId, Url: location.origin + '/demo/outbound.xml' };
      return request('POST', url, { form: form, auth: true }).then(function (call) {
        var sid = 'WRoutbound' + call.sid.slice(2);
        var attrs = Object.assign({}, payload.taskAttributes || {}, { taskType: (payload.taskAttributes && payload.taskAttributes.taskType) || 'callback-outbound', outbound_to: payload.destination, call_sid: call.sid });
        desk.outboundCall = { sid: call.sid, to: payload.destination, status: call.status || 'queued', reservationSid: sid };
        desk.localTasks.set(sid, {
          sid: sid,
          taskSid: '',
          status: 'accepted',
          taskStatus: 'assigned',
          queueSid: payload.queueSid || '',
          queueName: '',
          taskChannelUniqueName: 'voice',
          dateCreated: new Date(),
          attributes: attrs,
          defaultFrom: payload.destination,
          workflowSid: '',
          priority: 0,
          timeout: 0,
        });
        mergeTasks(desk.remoteTasks);
        render();
        // Flex selects the call's task once its reservation arrives, a moment after the
        // action resolved (so the panel still gets its actionResult).
        setTimeout(function () {
          if (desk.tasks.has(sid)) invokeAction('SelectTask', { sid: sid }).catch(reportError);
        }, 300);
      });
    },
  };

  /** @type {DeskManagerType} */
  var manager = {
    user: { token: '' },
    strings: {},
    events: emitter(),
    serviceConfiguration: null, // filled in start()
    workerClient: null,
    store: {
      getState: function () {
        return { flex: { view: { selectedTaskSid: desk.selectedTaskSid }, worker: { tasks: desk.tasks, activity: manager.workerClient.activity } } };
      },
    },
  };

  // Plugins.init follows Flex's contract: the script calls it synchronously while it runs, and
  // the uuid of the running <script> says which plugin it is.
  var pluginLoads = {};
  /** @type {DeskFlexApi & {Plugins: DeskPlugins}} */
  var flex = {
    NotificationType: notificationType,
    DefaultTaskChannels: { createDefaultTaskChannel: createDefaultTaskChannel },
    TaskChannels: {
      register: function (def) {
        registry.channels.push(def);
      },
    },
    TaskInfoPanel: {
      Content: {
        replace: function (element, options) {
          registry.infoPanel.push({ element: element, options: options || {} });
          return function () {};
        },
      },
    },
    Notifications: {
      registerNotification: function (def) {
        registry.notifications[def.id] = def;
      },
      showNotification: showNotification,
    },
    Actions: {
      invokeAction: invokeAction,
      addListener: function (event, fn) {
        (registry.listeners[String(event)] = registry.listeners[String(event)] || []).push(fn);
      },
    },
    Plugins: {
      init: function (PluginClass) {
        var script = document.currentScript;
        var load = script && pluginLoads[script.getAttribute('uuid')];
        if (!load) {
          console.error('Plugins.init called outside a plugin script');
          return;
        }
        Promise.resolve()
          .then(function () {
            var plugin = new PluginClass();
            return Promise.resolve(plugin.init(flex, manager)).then(function () {
              return plugin;
            });
          })
          .then(load.resolve, load.reject);
      },
    },
  };
  // Flex's Window type wants the whole Flex module; the desk emulates the part above, checked member
  // by member, hence the cast.
  window.Twilio = /** @type {Window['Twilio']} */ (/** @type {unknown} */ ({ Flex: flex, FlexProxy: {} }));

  function loadPlugin(src) {
    var uuid = 'plugin-' + Math.random().toString(16).slice(2);
    return new Promise(function (resolve, reject) {
      pluginLoads[uuid] = { resolve: resolve, reject: reject };
      var s = document.createElement('script');
      s.setAttribute('uuid', uuid);
      s.src = src;
      s.async = true;
      s.onerror = function () {
        reject(new Error('could not load ' + src));
      };
      document.head.appendChild(s);
    });
  }

  // ---- the task list, from the sandbox ------------------------------------------------------

  // Flex's ITask.status is the reservation's status; the desk's list shows the task's (data-status).
  var deskStatus = { pending: 'pending', accepted: 'assigned', wrapping: 'wrapping' };
  /** @type {Record<string, DeskTask['status']>} */
  var flexStatus = { pending: 'pending', accepted: 'accepted', wrapping: 'wrapping' };
  /** @type {Record<string, DeskTask['taskStatus']>} */
  var taskStatus = { reserved: 'reserved', assigned: 'assigned', wrapping: 'wrapping', completed: 'completed', canceled: 'canceled' };

  /** @returns {DeskTask} */
  function toITask(reservation, t) {
    var attrs = {};
    try {
      attrs = JSON.parse(t.attributes || '{}');
    } catch (e) {
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

  // mergeTasks sets desk.tasks (sandbox reservations plus the desk's outbound tasks). When the
  // selected task leaves, it runs SelectTask with no task, as Flex does: the shim's auto-select
  // listener may then bring the callback back.
  function mergeTasks(remote) {
    desk.remoteTasks = remote;
    var all = new Map(remote);
    desk.localTasks.forEach(function (t, sid) {
      all.set(sid, t);
    });
    var selected = desk.selectedTaskSid;
    var reused = new Map();
    all.forEach(function (t, sid) {
      // Keep the same object while nothing changed, as Flex's store does.
      var old = desk.tasks.get(sid);
      reused.set(sid, old && JSON.stringify(old) === JSON.stringify(t) ? old : t);
    });
    desk.tasks = reused;
    if (selected && !all.has(selected)) {
      invokeAction('SelectTask', {}).catch(reportError);
    }
  }

  var polling = false;
  function poll() {
    if (polling || !desk.info) return Promise.resolve();
    polling = true;
    var list = request('GET', taskRouterURL('/Workers/' + desk.workerSid + '/Reservations?PageSize=100'), { auth: true });
    var tasks = request('GET', sandboxBase + '/_sandbox/tasks');
    return Promise.all([list, tasks, pollOutboundCall(), pollWorker()])
      .then(function (r) {
        var bySid = {};
        var taskList = Array.isArray(r[1]) ? r[1] : (r[1] && r[1].tasks) || [];
        taskList.forEach(function (t) {
          bySid[t.sid] = t;
        });
        var remote = new Map();
        ((r[0] && r[0].reservations) || []).forEach(function (res) {
          var t = bySid[res.task_sid];
          if (t && flexStatus[res.reservation_status]) remote.set(res.sid, toITask(res, t));
        });
        mergeTasks(remote);
        desk.error = '';
      })
      .catch(reportError)
      .then(function () {
        polling = false;
        render();
      });
  }

  // pollWorker follows the worker's activity; Flex's workerClient emits activityUpdated, and the
  // shim then tells the panel whether the agent is offline.
  function pollWorker() {
    return request('GET', taskRouterURL('/Workers/' + desk.workerSid), { auth: true }).then(function (wk) {
      var wc = manager.workerClient;
      if (wk.activity_sid && wk.activity_sid !== wc.activity.sid) {
        wc.activity = { sid: wk.activity_sid, name: wk.activity_name || '' };
        wc.emit('activityUpdated');
      }
    });
  }

  function setActivity(name) {
    return request('POST', sandboxBase + '/_sandbox/workers/' + desk.workerSid + '/activity', { json: { activity: name } }).then(pollWorker);
  }

  function toggleActivity() {
    var offline = manager.workerClient.activity.sid === desk.info.offlineActivitySid;
    return setActivity(offline ? 'available' : 'offline').then(poll);
  }

  function pollOutboundCall() {
    var c = desk.outboundCall;
    if (!c || c.status === 'completed') return Promise.resolve();
    var url = sandboxBase + '/api/2010-04-01/Accounts/' + desk.info.accountSid + '/Calls/' + c.sid + '.json';
    return request('GET', url, { auth: true }).then(function (call) {
      c.status = call.status;
      if (['completed', 'busy', 'failed', 'no-answer', 'canceled'].indexOf(call.status) >= 0) {
        desk.localTasks.delete(c.reservationSid);
      }
    });
  }

  function hangUp() {
    var c = desk.outboundCall;
    if (!c) return Promise.resolve();
    var url = sandboxBase + '/api/2010-04-01/Accounts/' + desk.info.accountSid + '/Calls/' + c.sid + '.json';
    return request('POST', url, { form: { Status: 'completed' }, auth: true }).then(function () {
      c.status = 'completed';
      desk.localTasks.delete(c.reservationSid);
      mergeTasks(desk.remoteTasks);
      render();
    });
  }

  function reportError(err) {
    desk.error = String((err && err.message) || err);
    console.error(err);
    render();
  }

  // ---- token ----------------------------------------------------------------------------------

  var refreshTimer = null;
  function refreshToken() {
    return request('POST', sandboxBase + '/_sandbox/tokens', {
      json: { identity: manager.workerClient.name, roles: ['agent'], workerSid: desk.workerSid, ttl: tokenTTL },
    }).then(function (r) {
      manager.user.token = r.token;
      manager.user.tokenExpirationDate = new Date(Date.now() + tokenTTL * 1000);
      manager.events.emit('tokenUpdated', manager.user);
      clearTimeout(refreshTimer);
      // Flex refreshes its token before it expires; so does the desk.
      refreshTimer = setTimeout(function () {
        refreshToken().catch(reportError);
      }, tokenTTL * 800);
      render();
    });
  }

  // ---- scenarios ------------------------------------------------------------------------------

  function runScenario(name) {
    desk.scenario = name + ': running…';
    render();
    return request('POST', '/demo/scenario/' + name, { json: {} })
      .then(function (r) {
        desk.scenario = name + ': ' + (r && typeof r === 'object' ? JSON.stringify(r) : 'started');
        return poll();
      })
      .catch(function (err) {
        desk.scenario = name + ': failed';
        reportError(err);
      })
      .then(render);
  }

  // ---- rendering ------------------------------------------------------------------------------

  function channelIcon(channel) {
    var icon = channel.icons && channel.icons.list;
    return React.isValidElement(icon) ? icon : h('span', { className: 'dot' });
  }

  function TaskItem(props) {
    var task = props.task;
    var channel = channelOf(task);
    var selected = desk.selectedTaskSid === task.sid;
    return h(
      'li',
      {
        className: 'task' + (selected ? ' selected' : '') + ' status-' + deskStatus[task.status],
        'data-task-sid': task.taskSid || task.sid,
        'data-reservation-sid': task.sid,
        'data-status': deskStatus[task.status],
        'data-task-type': task.attributes.taskType || '',
        'data-channel': channel.name,
      },
      h(
        'button',
        {
          type: 'button',
          className: 'task-select',
          'aria-pressed': selected ? 'true' : 'false',
          onClick: function () {
            invokeAction('SelectTask', { sid: task.sid }).catch(reportError);
          },
        },
        h('span', { className: 'task-icon', style: { color: channel.colors.main, borderColor: channel.colors.main } }, channelIcon(channel)),
        h('span', { className: 'task-lines' }, h('span', { className: 'task-first' }, template(channel.templates.TaskListItem && channel.templates.TaskListItem.firstLine, task)), h('span', { className: 'task-second' }, deskStatus[task.status] + ' · ' + channel.name)),
      ),
    );
  }

  function TaskCanvas(props) {
    var task = props.task;
    var channel = channelOf(task);
    var header = channel.templates.TaskCanvasHeader ? template(channel.templates.TaskCanvasHeader.title, task) : template(channel.templates.TaskListItem.firstLine, task);
    var act = function (name) {
      return function () {
        invokeAction(name, { sid: task.sid }).catch(reportError);
      };
    };
    var buttons = [];
    var status = deskStatus[task.status];
    if (desk.localTasks.has(task.sid)) {
      buttons.push(h('button', { key: 'hangup', id: 'hangup', type: 'button', className: 'danger', onClick: function () { hangUp().catch(reportError); } }, 'Hang up'));
    } else if (status === 'pending') {
      buttons.push(h('button', { key: 'accept', id: 'accept', type: 'button', className: 'primary', onClick: act('AcceptTask') }, 'Accept'));
    } else if (status === 'assigned') {
      buttons.push(h('button', { key: 'wrapup', id: 'wrapup', type: 'button', onClick: act('WrapupTask') }, 'Wrap up'));
    } else if (status === 'wrapping') {
      buttons.push(h('button', { key: 'complete', id: 'complete', type: 'button', className: 'primary', onClick: act('CompleteTask') }, 'Complete'));
    }
    var panels = registry.infoPanel
      .filter(function (r) {
        return !r.options.if || r.options.if({ task: task });
      })
      .sort(function (a, b) {
        return (a.options.sortOrder || 0) - (b.options.sortOrder || 0);
      });
    var info = panels.length
      ? panels.map(function (r, i) {
          return h('div', { key: i, className: 'info-slot' }, React.cloneElement(r.element, { task: task }));
        })
      : h('dl', { className: 'default-info' }, h('dt', null, 'Task'), h('dd', null, task.taskSid || '(outbound call)'), h('dt', null, 'Attributes'), h('dd', null, h('pre', null, JSON.stringify(task.attributes, null, 2))));
    return h(
      'section',
      { className: 'canvas', 'aria-label': 'Task canvas', 'data-selected-sid': task.sid },
      h('header', { className: 'canvas-header', style: { borderTopColor: channel.colors.main } }, h('h2', null, header), h('div', { className: 'canvas-actions' }, buttons)),
      h('h3', { className: 'info-title' }, 'Info'),
      h('div', { className: 'task-info-panel', 'data-testid': 'task-info-panel' }, info),
    );
  }

  function activityButton() {
    var wc = manager.workerClient;
    if (!wc || !desk.info) return null;
    var offline = wc.activity.sid === desk.info.offlineActivitySid;
    return h(
      'button',
      { id: 'activity', type: 'button', className: 'ghost', 'data-activity': offline ? 'offline' : 'available', onClick: function () { toggleActivity().catch(reportError); } },
      (offline ? 'Offline' : wc.activity.name || 'Available') + ' · switch',
    );
  }

  function Desk() {
    var tasks = Array.from(desk.tasks.values()).sort(function (a, b) {
      return a.dateCreated - b.dateCreated;
    });
    var selected = desk.selectedTaskSid && desk.tasks.get(desk.selectedTaskSid);
    var call = desk.outboundCall;
    return h(
      React.Fragment,
      null,
      h(
        'header',
        { className: 'topbar' },
        h('h1', null, 'flexcallback demo desk'),
        h('span', { id: 'desk-status', 'data-status': desk.status, className: 'pill' }, desk.status + (desk.pluginState ? ' · plugin ' + desk.pluginState : '')),
        h('span', { className: 'agent' }, demoWorker + (desk.workerSid ? ' (' + desk.workerSid + ')' : '')),
        activityButton(),
        h('button', { id: 'refresh-token', type: 'button', className: 'ghost', onClick: function () { refreshToken().catch(reportError); } }, 'Refresh token'),
      ),
      h(
        'nav',
        { className: 'scenarios', 'aria-label': 'Caller scenarios' },
        h('span', { className: 'label' }, 'Play a caller:'),
        h('button', { id: 'scenario-ivr', type: 'button', onClick: function () { runScenario('ivr-callback'); } }, 'Callback requested in the IVR'),
        h('button', { id: 'scenario-inqueue', type: 'button', onClick: function () { runScenario('inqueue-callback'); } }, 'Caller presses * in queue'),
        h('button', { id: 'scenario-voicemail', type: 'button', onClick: function () { runScenario('voicemail'); } }, 'Caller leaves a voicemail'),
        h('output', { id: 'scenario-status', className: 'scenario-status' }, desk.scenario),
      ),
      desk.error ? h('div', { id: 'desk-error', role: 'alert', className: 'error' }, desk.error) : null,
      h(
        'main',
        { className: 'workspace' },
        h(
          'aside',
          { className: 'task-list', 'aria-label': 'Tasks' },
          h('h2', null, 'Tasks'),
          tasks.length
            ? h('ul', null, tasks.map(function (t) {
                return h(TaskItem, { key: t.sid, task: t });
              }))
            : h('p', { className: 'empty' }, 'No tasks. Play a caller above.'),
          h(
            'div',
            { id: 'outbound-call', className: 'outbound', 'data-call-sid': call ? call.sid : '', 'data-status': call ? call.status : 'none' },
            call ? 'Outbound call to ' + call.to + ': ' + call.status : 'No outbound call',
          ),
        ),
        selected ? h(TaskCanvas, { key: 'canvas', task: selected }) : h('section', { className: 'canvas empty-canvas' }, h('p', null, 'Select a task.')),
      ),
      h(
        'div',
        { id: 'notifications', className: 'notifications', 'aria-live': 'polite' },
        desk.notifications.map(function (n) {
          return h('div', { key: n.key, className: 'notification ' + n.type, 'data-notification-id': n.id }, h('span', null, n.text), h('button', { type: 'button', className: 'ghost', 'aria-label': 'Dismiss', onClick: function () { desk.notifications = desk.notifications.filter(function (x) { return x !== n; }); render(); } }, '×'));
        }),
      ),
    );
  }

  var root = null;
  function render() {
    if (!root) return;
    ReactDOM.render(h(Desk), root);
  }

  // ---- start ----------------------------------------------------------------------------------

  function backendURL() {
    var meta = /** @type {HTMLMetaElement | null} */ (document.querySelector('meta[name="backend-url"]'));
    if (meta && meta.content) return Promise.resolve(meta.content);
    return request('GET', '/demo/config.json').then(function (c) {
      return c.backendUrl;
    });
  }

  function start() {
    root = document.getElementById('desk');
    render();
    return Promise.all([backendURL(), request('GET', sandboxBase + '/_sandbox/')])
      .then(function (r) {
        desk.backendUrl = String(r[0]).replace(/\/+$/, '');
        desk.info = r[1];
        var w = (r[1].workers || {})[demoWorker] || {};
        desk.workerSid = w.sid || '';
        manager.workerClient = Object.assign(emitter(), { sid: desk.workerSid, name: w.identity || demoWorker, activity: { sid: r[1].availableActivitySid || '', name: '' }, attributes: {} });
        // Flex's configuration as the sandbox's Configuration API serves it (set up at start by
        // `flexcallback setup`), with the desk's own outbound calling.
        return request('GET', sandboxBase + '/flex-api/v1/Configuration', { auth: true });
      })
      .then(function (conf) {
        manager.serviceConfiguration = Object.assign({}, conf, {
          taskrouter_offline_activity_sid: conf.taskrouter_offline_activity_sid || desk.info.offlineActivitySid || '',
          outbound_call_flows: { default: { enabled: true, caller_id: deskCallerId, queue_sid: '', location: 'US', workflow_sid: '' } },
        });
        // The demo agent logs in and goes available, so the sandbox routes tasks to them.
        return Promise.all([refreshToken(), setActivity('available')]);
      })
      .then(function () {
        desk.pluginState = 'loading';
        render();
        return loadPlugin(pluginSrc);
      })
      .then(function () {
        desk.pluginState = 'loaded (' + registry.channels.length + ' channels)';
        desk.status = 'ready';
        render();
        setInterval(poll, 1000);
        return poll();
      })
      .catch(function (err) {
        desk.status = 'failed';
        reportError(err);
      });
  }

  // For the browser tests and the curious: the emulation's state, read-only in spirit.
  Object.assign(window, { demoDesk: { desk: desk, registry: registry, manager: manager, poll: poll } });

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
