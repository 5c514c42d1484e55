// The strings Flex shows for the shim (spec §5.11 keys), in the reference's six locales: the two
// channel labels (task list, canvas, supervisor views) and the template of the panel's
// notifications. Everything else the agent reads is the panel's, in wasm/ui/strings.go.

/** @typedef {import('./flex.js').ManagerApi} ManagerApi */

/** String keys, used by channels.js and notifications.js. */
export const StringKeys = {
  PanelNotification: 'PSCallbackPanelNotification',
  CallbackLabel: 'PSCallbackCallback',
  VoicemailLabel: 'PSCallbackVoicemail',
};

const enUS = {
  PSCallbackCallback: 'Callback',
  PSCallbackVoicemail: 'Voicemail',
  // Ours: the panel's notify text, already localised by the panel.
  PSCallbackPanelNotification: '{{text}}',
};

const esMX = { PSCallbackCallback: 'Devolución de llamada', PSCallbackVoicemail: 'Mensaje de voz' };
const esES = { ...esMX, PSCallbackCallback: 'Rellamada' };
const ptBR = { PSCallbackCallback: 'Retorno de chamada', PSCallbackVoicemail: 'Correio de voz' };
const th = { PSCallbackCallback: 'โทรกลับ', PSCallbackVoicemail: 'ข้อความเสียง' };
const zhHans = { PSCallbackCallback: '回电', PSCallbackVoicemail: '语音留言' };

/**
 * dictionaries holds every locale the shim ships, by Flex locale tag.
 * @type {Record<string, Record<string, string>>}
 */
export const dictionaries = {
  'en-US': enUS,
  'es-MX': esMX,
  'es-ES': esES,
  'pt-BR': ptBR,
  th,
  'zh-Hans': zhHans,
};

/**
 * userLanguage resolves the agent's language as the reference does: Flex's locale tag, then the
 * worker attribute `language`, then custom_data.language; "default" means the browser's language,
 * and nothing at all means en-US.
 * @param {Pick<ManagerApi, 'store' | 'localization'>} manager
 * @param {{language: string}} config
 * @param {Record<string, unknown> | undefined} workerAttrs
 * @param {string | undefined} navigatorLanguage
 * @returns {string}
 */
export function userLanguage(manager, config, workerAttrs, navigatorLanguage) {
  const flexTag = nativeLocalization(manager) ? manager.localization?.localeTag : '';
  const workerLanguage = typeof workerAttrs?.language === 'string' ? workerAttrs.language : '';
  const tag = flexTag || workerLanguage || config.language || 'en-US';
  if (tag === 'default') return navigatorLanguage || 'en-US';
  return tag;
}

// nativeLocalization reports whether Flex's own locale picker (feature flag localization-beta)
// is on; only then is Flex's localeTag the user's choice rather than a default.
/** @param {Pick<ManagerApi, 'store'> | undefined} manager */
function nativeLocalization(manager) {
  const flags = manager?.store?.getState?.()?.flex?.featureFlags;
  const local = flags?.localOverrides?.['localization-beta']?.enabled;
  if (local !== undefined) return local === true;
  return flags?.features?.['localization-beta']?.enabled === true;
}

// dictionaryFor finds the dictionary of a tag, ignoring case ("zh-hans", "PT-br").
/** @param {string} tag */
function dictionaryFor(tag) {
  const want = String(tag).toLowerCase();
  const key = Object.keys(dictionaries).find((k) => k.toLowerCase() === want);
  return key ? dictionaries[key] : {};
}

/**
 * registerStrings merges the user's dictionary over en-US into manager.strings, so a key missing
 * in a translation falls back to English.
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {string} language
 */
export function registerStrings(manager, language) {
  manager.strings = { ...manager.strings, ...enUS, ...dictionaryFor(language) };
  console.info(`[plugin-flexcallback] registerStrings: merged the ${language} strings over en-US into manager.strings`);
}

/**
 * flexString reads one of the shim's strings from manager.strings, or the key when it is missing.
 * Flex's Strings type declares only Flex's own keys, while Flex documents manager.strings as the
 * place for a plugin's keys too; hence the one cast, to the record it is at run time.
 * @param {Pick<ManagerApi, 'strings'>} manager
 * @param {string} key
 * @returns {string}
 */
export function flexString(manager, key) {
  const strings = /** @type {Record<string, string | undefined>} */ (manager.strings ?? {});
  return strings[key] || key;
}
