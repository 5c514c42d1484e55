// flex-plugin-scripts hook: the defaults serve this plugin unchanged.
module.exports = (config, { isProd, isDev, isTest }) => config;
