// A fake of what the backend serves in sandbox mode for the demo desk (DESIGN §6): the desk's
// static files, the built shim bundle, /demo/config.json, a stand-in /panel/, the scenario
// endpoints, and the few sandbox REST and admin calls the desk makes under /demo/sandbox/, with
// Twilio's JSON shapes. desk.test.js drives web/demo against it in jsdom.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const shim = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const demo = path.join(shim, '..', 'web', 'demo');
const AC = 'AC' + '0'.repeat(32);
const WS = 'WS' + '1'.repeat(32);
const WK = 'WK' + 'a'.repeat(32);

// deskFile maps /demo/NAME.js or .css to the desk's own file in web/demo, or null.
function deskFile(p) {
  const m = p.match(/^\/demo\/((?:[\w-]+\/)*[\w-]+)\.(js|css)$/);
  if (!m) return null;
  const file = path.join(demo, `${m[1]}.${m[2]}`);
  return fs.existsSync(file) ? { file, type: m[2] === 'js' ? 'text/javascript' : 'text/css' } : null;
}

/** startDeskServer listens on a free port (all interfaces, so localhost and 127.0.0.1 work). */
export function startDeskServer() {
  let n = 0;
  const id = (prefix) => prefix + String(++n).padStart(32, '0');
  const state = { tasks: [], reservations: [], calls: {}, requests: [], activity: 'WAoffline' };
  const createTask = (attrs) => {
    const t = { sid: id('WT'), attributes: JSON.stringify(attrs), assignment_status: 'reserved', date_created: new Date().toISOString(), task_queue_sid: 'WQ' + '2'.repeat(32), task_queue_friendly_name: 'Everyone', task_channel_unique_name: 'voice', workflow_sid: 'WW1', priority: 0, timeout: 86400 };
    state.tasks.push(t);
    state.reservations.push({ sid: id('WR'), task_sid: t.sid, worker_sid: WK, reservation_status: 'pending' });
    return { taskSid: t.sid };
  };
  const files = {
    '/demo/': [path.join(demo, 'index.html'), 'text/html'],
    '/demo/vendor/react.production.min.js': [path.join(shim, 'node_modules/react/umd/react.production.min.js'), 'text/javascript'],
    '/demo/vendor/react-dom.production.min.js': [path.join(shim, 'node_modules/react-dom/umd/react-dom.production.min.js'), 'text/javascript'],
    '/demo/plugin-flexcallback.js': [path.join(shim, 'build/plugin-flexcallback.js'), 'text/javascript'],
    '/panel/': [path.join(shim, 'test/testdata/panel.html'), 'text/html'],
  };
  const tr = `/demo/sandbox/taskrouter/v1/Workspaces/${WS}`;
  const api = `/demo/sandbox/api/2010-04-01/Accounts/${AC}`;
  const server = http.createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const p = new URL(req.url, 'http://x').pathname;
    state.requests.push(`${req.method} ${p} ${body}`);
    const form = Object.fromEntries(new URLSearchParams(body));
    const send = (code, b, type = 'application/json') => {
      res.writeHead(code, { 'Content-Type': type });
      res.end(typeof b === 'string' ? b : JSON.stringify(b));
    };
    if (files[p]) return send(200, fs.readFileSync(files[p][0], 'utf8'), files[p][1]);
    const own = deskFile(p);
    if (own) return send(200, fs.readFileSync(own.file, 'utf8'), own.type);
    if (p === '/demo/config.json') return send(200, { backendUrl: `http://127.0.0.1:${server.address().port}` });
    if (p === '/demo/scenario/ivr-callback') return send(200, createTask({ taskType: 'callback', name: '+15551230000', from: '+15551230000', callBackData: { numberToCall: '+15551230000' } }));
    if (p === '/demo/scenario/voicemail') return send(200, createTask({ taskType: 'voicemail', name: '+15551239999', callBackData: { numberToCall: '+15551239999', transcriptText: 'call me' } }));
    if (p === '/demo/sandbox/_sandbox/') return send(200, { accountSid: AC, authToken: 'secret', workspaceSid: WS, workers: { alice: { sid: WK, identity: 'alice', roles: ['agent'] } }, offlineActivitySid: 'WAoffline', availableActivitySid: 'WAavailable' });
    if (p === '/demo/sandbox/flex-api/v1/Configuration') {
      // What `flexcallback setup` leaves in the sandbox's Flex configuration.
      const feature = { enabled: true, allow_requeue: true, max_attempts: 3, auto_select_task: true, backend_url: `http://127.0.0.1:${server.address().port}` };
      return send(200, { account_sid: AC, taskrouter_offline_activity_sid: 'WAoffline', ui_attributes: { custom_data: { features: { callback_and_voicemail: feature } } } });
    }
    if (p === '/demo/sandbox/_sandbox/tokens') return send(200, { token: `token-${++n}` });
    if (p === '/demo/sandbox/_sandbox/tasks') return send(200, { tasks: state.tasks });
    if (p === '/demo/sandbox/_sandbox/clock') return send(200, { now: '2026-11-25T15:00:00Z' }); // the desk reads the sandbox's clock
    if (p === `/demo/sandbox/_sandbox/workers/${WK}/activity`) {
      state.activity = JSON.parse(body).activity === 'offline' ? 'WAoffline' : 'WAavailable';
      return send(200, {});
    }
    if (req.headers.authorization !== 'Basic ' + Buffer.from(`${AC}:secret`).toString('base64')) {
      return send(401, { code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    }
    let m;
    if (p === `${tr}/Workers/${WK}`) return send(200, { sid: WK, activity_sid: state.activity, activity_name: state.activity === 'WAoffline' ? 'Offline' : 'Available' });
    if (p === `${tr}/Workers/${WK}/Reservations`) return send(200, { reservations: state.reservations, meta: { key: 'reservations' } });
    if ((m = p.match(new RegExp(`^${tr}/Workers/${WK}/Reservations/(WR\\d+)$`)))) {
      const r = state.reservations.find((x) => x.sid === m[1]);
      if (!r) return send(404, { code: 20404, message: 'not found', status: 404 });
      r.reservation_status = form.ReservationStatus;
      // The task follows its reservation, as TaskRouter's assignment_status does.
      const t = state.tasks.find((x) => x.sid === r.task_sid);
      if (t) t.assignment_status = { accepted: 'assigned', wrapping: 'wrapping', completed: 'completed' }[r.reservation_status] || t.assignment_status;
      return send(200, r);
    }
    if (p === `${api}/Calls.json` && req.method === 'POST') {
      const c = { sid: id('CA'), status: 'queued', to: form.To, from: form.From, url: form.Url };
      state.calls[c.sid] = c;
      return send(201, c);
    }
    if ((m = p.match(new RegExp(`^${api}/Calls/(CA\\d+)\\.json$`)))) {
      const c = state.calls[m[1]];
      if (req.method === 'POST' && form.Status) c.status = form.Status;
      return send(200, c);
    }
    return send(404, { code: 20404, message: `no route ${p}`, status: 404 });
  });
  return new Promise((resolve) => server.listen(0, () => resolve({ server, state, port: server.address().port })));
}
