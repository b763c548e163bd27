// Public entry of the scheduler: the sync daemon.
export { runDaemon, type Schedule, type DaemonDeps } from './daemon.js';
