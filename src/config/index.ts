// Public entry of the configuration layer.
export { loadConfig, type Config, type ApiConfig, type ConfigFlags, type LogLevel, type PrefetchRule } from './config.js';
export { ConfigError } from './errors.js';
export { Secret } from './secret.js';
