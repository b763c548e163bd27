// Public entry of the configuration layer.
export { loadConfig, type Config, type ApiConfig, type ConfigFlags, type LogLevel, type PrefetchRule } from './config.js';
export { ConfigError } from './errors.js';
export { Secret } from './secret.js';
export { DEFAULT_SYNC_OPTIONS, ARTIFACT_POLICIES, type SyncOptions, type ArtifactPolicy } from './sync-options.js';
export { EXPORT_FORMATS, type ExportFormat } from './export-formats.js';
