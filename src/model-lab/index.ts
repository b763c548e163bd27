// Public entry of the Model Lab data model: resource shapes and the stored time form, shared by the
// client (src/api), the store and the readers (query, export, server).
export * from './resources.js';
export { normalizeTimestamp, formatTimestamp, formatLiveTimestamp, parseTimestamp, TIMESTAMP_EXAMPLE } from './timestamps.js';
