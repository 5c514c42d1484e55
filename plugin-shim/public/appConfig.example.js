// Copy to appConfig.js for `flex-plugin start` (the local dev server); deploys ignore it.
var appConfig = {
  pluginService: {
    enabled: true,
    url: '/plugins',
  },
  logLevel: 'info',
};
