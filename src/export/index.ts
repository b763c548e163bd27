// Public entry of snapshots and exports: point-in-time copies of the mirror, their verification and
// retention, and exports of its tables as CSV, NDJSON or Parquet.
export { takeSnapshot, type SnapshotOptions, type SnapshotResult } from './snapshot.js';
export { verifySnapshot, type VerifyCheck, type VerifyResult } from './verify.js';
export { applyRetention, selectRetained, type RetentionPolicy, type RetentionResult } from './retention.js';
export {
  exportMirror,
  type ExportOptions, type ExportResult, type ExportManifest, type ExportedFile,
} from './export.js';
export { EXPORT_FORMATS, type ExportFormat } from '../config/index.js';
export { findLatestSnapshot, findLatestExport, type LatestSnapshot, type LatestExport } from './latest.js';
export type { SnapshotManifest } from './manifest.js';
export type { RunFilter } from './tables.js';
export { ExportError, type ExportErrorCode } from './errors.js';
export { fullCollector } from './heap.js';
