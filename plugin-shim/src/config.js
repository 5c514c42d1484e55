// Configuration of the shim, read once at init from Flex's service configuration
// (ui_attributes.custom_data.features.callback_and_voicemail), with the worker attribute
// config_overrides merged over custom_data, as the reference feature does.

// Defaults are the reference's code defaults: a feature nobody configured stays off.
const defaults = {
  enabled: false,
  allow_requeue: false,
  max_attempts: 1,
  auto_select_task: false,
  backend_url: '',
};

/** @typedef {import('./flex.js').ManagerApi} ManagerApi */
/** @typedef {Pick<ManagerApi, 'serviceConfiguration' | 'workerClient' | 'store'>} ConfigSource */
/**
 * ShimConfig is the effective configuration of the shim; init adds the resolved locale.
 * @typedef {{enabled: boolean, allowRequeue: boolean, maxAttempts: number, autoSelectTask: boolean, backendUrl: string, backendOrigin: string, language: string, locale?: string}} ShimConfig
 */

/**
 * readConfig returns the effective configuration:
 * {enabled, allowRequeue, maxAttempts, autoSelectTask, backendUrl, backendOrigin, language}.
 * enabled is false when the feature is off or backend_url is not an http(s) URL, because the
 * shim cannot do anything useful without the backend that serves the panel.
 * @param {ConfigSource | undefined} manager
 * @returns {ShimConfig}
 */
export function readConfig(manager) {
  const customData = manager?.serviceConfiguration?.ui_attributes?.custom_data || {};
  const overrides = workerAttributes(manager).config_overrides || {};
  const merged = /** @type {{features?: {callback_and_voicemail?: Record<string, unknown>}, language?: unknown}} */ (deepMerge(customData, overrides));
  const raw = { ...defaults, ...(merged.features?.callback_and_voicemail || {}) };

  const enabled = raw.enabled === true;
  const backend = parseBackendUrl(raw.backend_url);
  if (enabled && !backend) {
    console.error('[plugin-flexcallback] callback_and_voicemail.backend_url is missing or not an http(s) URL; the feature stays off');
  }
  const maxAttempts = Number.parseInt(String(raw.max_attempts), 10);
  return {
    enabled: enabled && backend !== null,
    allowRequeue: enabled && raw.allow_requeue === true,
    maxAttempts: Number.isFinite(maxAttempts) && maxAttempts > 0 ? maxAttempts : defaults.max_attempts,
    autoSelectTask: enabled && raw.auto_select_task === true,
    backendUrl: backend ? backend.url : '',
    backendOrigin: backend ? backend.origin : '',
    language: typeof merged.language === 'string' ? merged.language : '',
  };
}

/**
 * workerAttributes returns the TaskRouter attributes of the logged-in worker, or {}.
 * @param {ConfigSource | undefined} manager
 * @returns {Record<string, any>} TaskRouter's own type for worker attributes
 */
export function workerAttributes(manager) {
  return manager?.workerClient?.attributes || manager?.store?.getState?.()?.flex?.worker?.attributes || {};
}

// parseBackendUrl returns the URL without a trailing slash and its origin, or null.
/** @param {unknown} value */
function parseBackendUrl(value) {
  if (typeof value !== 'string' || value === '') return null;
  let u;
  try {
    u = new URL(value);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
  const url = (u.origin + u.pathname).replace(/\/+$/, '');
  return { url, origin: u.origin };
}

// deepMerge merges plain objects recursively; anything else in b replaces a.
/**
 * @param {unknown} a
 * @param {unknown} b
 * @returns {unknown}
 */
function deepMerge(a, b) {
  if (!isPlainObject(a) || !isPlainObject(b)) return b === undefined ? a : b;
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] = k in a ? deepMerge(a[k], v) : v;
  }
  return out;
}

/**
 * @param {unknown} v
 * @returns {v is Record<string, unknown>}
 */
function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
