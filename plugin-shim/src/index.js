// Entry point of the bundle: loadPlugin calls Twilio.Flex.Plugins.init synchronously while the
// script first runs, as Flex's plugin loader requires.
import { loadPlugin } from '@twilio/flex-plugin';
import FlexcallbackPlugin from './plugin.js';

loadPlugin(FlexcallbackPlugin);
