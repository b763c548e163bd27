// Public entry of the outbox: offline writes (star/unstar, pin/unpin, delete-run) applied to the mirror at
// once, queued in the `outbox` table, pushed upstream through the rate-limited client.
export {
  enqueue, listOutbox, countOutbox, dropOperation, reapplyOpen, OUTBOX_KINDS, OUTBOX_STATES,
  type OutboxEntry, type OutboxKind, type OutboxState, type EnqueueOutcome,
} from './queue.js';
export { pushOutbox, describePush, withOutbox, type PushOptions, type PushResult } from './push.js';
export { OutboxError } from './errors.js';
