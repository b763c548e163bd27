// Public entry of the Model Lab data model: resource shapes, the stored time form and the sites' base URLs,
// shared by the client (src/api), the configuration, the store and the readers (query, export, server).
export * from './resources.js';
export { normalizeTimestamp, formatTimestamp, formatLiveTimestamp, parseTimestamp, TIMESTAMP_EXAMPLE } from './timestamps.js';
export { resolveBaseUrl, KNOWN_SITES, DEFAULT_SITE, type KnownSite, type BaseUrlInput } from './sites.js';
