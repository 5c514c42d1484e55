// Flex's plugin loader, emulated: window.Twilio.Flex is the emulation, and a plugin bundle is a
// script that calls Twilio.Flex.Plugins.init synchronously while it runs; the uuid attribute of
// the running <script> says which load it answers.

/** @typedef {import('./flex/emulation.js').FlexApi} FlexApi */
/** @typedef {import('./flex/emulation.js').ManagerApi} ManagerApi */
/**
 * PluginClass is the plugin loader's contract (Twilio.Flex.Plugins.init), which
 * @twilio/flex-plugin calls but Flex UI's declarations leave out: FlexPlugin's init(flex, manager).
 * @typedef {new () => {init(flex: FlexApi, manager: ManagerApi): unknown}} PluginClass
 */

/** @type {Record<string, {resolve: (v: unknown) => void, reject: (e: unknown) => void}>} */
const loads = {};

/**
 * installFlex makes the emulation the page's Twilio.Flex, with the plugin loader.
 * @param {FlexApi} flex
 * @param {ManagerApi} manager
 */
export function installFlex(flex, manager) {
  const Plugins = {
    init(/** @type {PluginClass} */ PluginClass) {
      const script = document.currentScript;
      const load = script && loads[script.getAttribute('uuid') || ''];
      if (!load) {
        console.error('Plugins.init called outside a plugin script');
        return;
      }
      Promise.resolve()
        .then(async () => {
          const plugin = new PluginClass();
          await plugin.init(flex, manager);
          return plugin;
        })
        .then(load.resolve, load.reject);
    },
  };
  // Flex's Window type wants the whole Flex module; the emulation has the part the shim uses,
  // checked member by member, hence the cast.
  window.Twilio = /** @type {Window['Twilio']} */ (/** @type {unknown} */ ({ Flex: { ...flex, Plugins }, FlexProxy: {} }));
}

/**
 * loadPlugin loads a plugin bundle and resolves once its init has run.
 * @param {string} src
 */
export function loadPlugin(src) {
  const uuid = 'plugin-' + Math.random().toString(16).slice(2);
  return new Promise((resolve, reject) => {
    loads[uuid] = { resolve, reject };
    const s = document.createElement('script');
    s.setAttribute('uuid', uuid);
    s.src = src;
    s.async = true;
    s.onerror = () => reject(new Error('could not load ' + src));
    document.head.appendChild(s);
  });
}
