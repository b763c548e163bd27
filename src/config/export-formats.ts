// The file formats an export writes. Kept here rather than in src/export: configuration validates
// them for every command, and reading configuration must not load the exporters.

export type ExportFormat = 'csv' | 'ndjson' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'ndjson', 'parquet'];
