export { formatDuration, parseDuration } from './duration.js';
export { ConfigError, type ConfigProblem } from './errors.js';
export { type LoadedConfig, type LoadOptions, loadConfig, parseConfig, resolveConfigPath } from './load.js';
export { type AlertOn, configSchema, type ElavaConfig, type ElavaConfigInput, TRACK_CATEGORIES } from './schema.js';
