// Public entry of publish: the mirror copied into PostgreSQL for teams (issue 17).
export { publishMirror, type PublishOptions, type PublishResult } from './publish.js';
export { describeDifferences, type TableComparison } from './verify.js';
export { PublishError, type PublishErrorCode } from './errors.js';
export { redactUrl, type PublishTarget } from './target.js';
export { recordLastPublish, readLastPublish, type LastPublish } from '../store/index.js';
