import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dictionaries, registerStrings, userLanguage } from '../src/strings.js';
import { quiet } from './fakeflex.js';

test('every locale has every en-US key with the same {{placeholders}}', () => {
  const en = dictionaries['en-US'];
  assert.deepEqual(Object.keys(dictionaries).sort(), ['en-US', 'es-ES', 'es-MX', 'pt-BR', 'th', 'zh-Hans']);
  const vars = (s) => (s.match(/{{\w+}}/g) || []).sort().join();
  for (const [tag, dict] of Object.entries(dictionaries)) {
    for (const key of Object.keys(dict)) assert.ok(key in en, `${tag} has unknown key ${key}`);
    for (const key of Object.keys(en)) {
      if (key === 'PSCallbackPanelNotification') continue;
      assert.ok(key in dict, `${tag} lacks ${key}`);
      assert.equal(vars(dict[key]), vars(en[key]), `${tag} ${key}`);
    }
  }
});

test('registerStrings merges the locale over en-US and keeps Flex strings', () => {
  const manager = { strings: { TaskHeaderLine: 'flex' } };
  quiet(() => registerStrings(manager, 'es-MX'));
  assert.equal(manager.strings.TaskHeaderLine, 'flex');
  assert.equal(manager.strings.PSCallbackVoicemail, 'Mensaje de voz');
  assert.equal(manager.strings.PSCallbackPanelNotification, '{{text}}', 'falls back to en-US');

  const other = { strings: {} };
  quiet(() => registerStrings(other, 'de-DE'));
  assert.equal(other.strings.PSCallbackCallback, 'Callback');
  const lower = { strings: {} };
  quiet(() => registerStrings(lower, 'zh-hans'));
  assert.equal(lower.strings.PSCallbackCallback, '回电');
});

test('userLanguage: Flex locale, then worker language, then custom_data.language', () => {
  const flags = (enabled) => ({ getState: () => ({ flex: { featureFlags: { features: { 'localization-beta': { enabled } }, localOverrides: {} } } }) });
  assert.equal(userLanguage({ localization: { localeTag: 'th' }, store: flags(true) }, { language: 'es-MX' }, { language: 'pt-BR' }), 'th');
  assert.equal(userLanguage({ localization: { localeTag: 'en-US' }, store: flags(false) }, { language: 'es-MX' }, { language: 'pt-BR' }), 'pt-BR', 'Flex locale ignored without localization-beta');
  assert.equal(userLanguage({}, { language: 'es-MX' }, { language: 'pt-BR' }), 'pt-BR');
  assert.equal(userLanguage({}, { language: 'es-MX' }, {}), 'es-MX');
  assert.equal(userLanguage({}, { language: 'default' }, {}, 'es-ES'), 'es-ES');
  assert.equal(userLanguage({}, {}, {}), 'en-US');
});
