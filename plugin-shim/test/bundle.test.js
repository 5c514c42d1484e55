// The bundle contract: the BUILT build/plugin-flexcallback.js, evaluated as Flex evaluates it (a
// classic script with document.currentScript), must call Twilio.Flex.Plugins.init synchronously
// with a plugin class whose init registers the shim. Build first: npm run build.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { fakeFlex } from './fakeflex.js';

const dir = path.dirname(fileURLToPath(import.meta.url));
const bundlePath = path.join(dir, '..', 'build', 'plugin-flexcallback.js');
const require = createRequire(import.meta.url);

test('the built bundle calls Twilio.Flex.Plugins.init and its plugin registers the shim', async () => {
  assert.ok(fs.existsSync(bundlePath), `${bundlePath} is missing: run npm run build first`);
  const source = fs.readFileSync(bundlePath, 'utf8');
  const { flex, manager, calls } = fakeFlex();
  const inits = [];
  const logs = [];
  flex.Plugins = {
    init(PluginClass) {
      // Flex reads the uuid of the script element that is running right now.
      inits.push({ PluginClass, uuid: sandbox.document.currentScript.getAttribute('uuid') });
    },
  };
  const sandbox = {
    React: require('react'),
    ReactDOM: require('react-dom'),
    Twilio: { Flex: flex, FlexProxy: {} },
    document: { currentScript: { getAttribute: (name) => (name === 'uuid' ? 'uuid-1234' : null) } },
    URL,
    navigator: { language: 'en-US' },
    console: { log: (...a) => logs.push(a.join(' ')), info: (...a) => logs.push(a.join(' ')), warn: (...a) => logs.push(a.join(' ')), error: (...a) => logs.push(a.join(' ')) },
  };
  sandbox.window = sandbox;
  sandbox.self = sandbox;
  vm.createContext(sandbox);
  vm.runInContext(source, sandbox, { filename: 'plugin-flexcallback.js' });

  assert.equal(inits.length, 1, 'Plugins.init called once, synchronously');
  assert.equal(inits[0].uuid, 'uuid-1234');
  const plugin = new inits[0].PluginClass();
  assert.equal(plugin.uniqueName, 'plugin-flexcallback');
  assert.equal(plugin.version, JSON.parse(fs.readFileSync(path.join(dir, '..', 'package.json'), 'utf8')).version);
  await plugin.init(flex, manager);
  assert.deepEqual(calls.channels.map((c) => c.name), ['callback', 'voicemail']);
  assert.equal(calls.replaced.length, 1);
  assert.ok(logs.some((l) => l.includes('addCallPanelToTaskInfo')), logs.join('\n'));
});
