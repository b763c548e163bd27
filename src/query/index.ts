// Public entry of offline queries over the mirror.
export {
  runsByStatusPerProject, topRunsByMetric, summarizeChanges, listChanges,
  type StatusCount, type RankedRun, type ChangeSummary, type ChangeRow,
} from './reports.js';
export { readMirrorStatus, type MirrorStatus } from './status.js';
