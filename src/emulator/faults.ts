// Fault injection: random faults at configured rates, and scheduled faults that hit the next N
// matching requests so a test can stage exactly the failure it wants to see handled.
import { createRandom } from './generator.js';

export type FaultKind = '500' | 'reset' | 'malformed' | 'truncated' | '429';
export const FAULT_KINDS: readonly FaultKind[] = ['500', 'reset', 'malformed', 'truncated', '429'];

export interface ScheduledFault {
  /**
   * Matches requests whose path (relative to /api/v2/model-lab-api, without the query string) equals
   * this, or, when it ends with `*`, starts with what precedes the `*` (`/runs*`). Omitted: every request.
   */
  path?: string;
  /** Only requests with this method. Omitted: any method. */
  method?: string;
  /** How many matching requests get the fault. @default 1 */
  times?: number;
  kind: FaultKind;
}

export interface RandomFaultRates {
  /** Fraction of requests answered 500. @default 0 */
  faultRate?: number;
  /** Fraction of requests whose socket is destroyed without a response. @default 0 */
  resetRate?: number;
  /** Fraction of requests answered 200 with an invalid (cut) JSON body. @default 0 */
  malformedRate?: number;
}

interface PendingFault {
  path: string | undefined;
  method: string | undefined;
  remaining: number;
  kind: FaultKind;
}

/** Decides, per request, whether (and how) to fail it. */
export class FaultPlan {
  private pending: PendingFault[] = [];
  private readonly roll: () => number;

  constructor(
    private readonly rates: RandomFaultRates,
    seed: number,
  ) {
    // Seeded, so a flaky-network run can be replayed with the same seed.
    this.roll = createRandom(seed ^ 0x5eed);
  }

  schedule(fault: ScheduledFault): void {
    if (!FAULT_KINDS.includes(fault.kind)) throw new TypeError(`injectFault: kind must be one of ${FAULT_KINDS.join(', ')}, got ${JSON.stringify(fault.kind)}`);
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) throw new TypeError(`injectFault: times must be a positive integer, got ${JSON.stringify(fault.times)}`);
    this.pending.push({ path: fault.path, method: fault.method?.toUpperCase(), remaining: times, kind: fault.kind });
  }

  clear(): void {
    this.pending = [];
  }

  /** The fault for this request, consuming one scheduled use, or a random one, or null. */
  take(method: string, path: string): FaultKind | null {
    const hit = this.pending.find((f) => f.remaining > 0 && matchesFault(f, method, path));
    if (hit) {
      hit.remaining--;
      this.pending = this.pending.filter((f) => f.remaining > 0);
      return hit.kind;
    }
    const u = this.roll();
    const reset = this.rates.resetRate ?? 0;
    const fault = this.rates.faultRate ?? 0;
    const malformed = this.rates.malformedRate ?? 0;
    if (u < reset) return 'reset';
    if (u < reset + fault) return '500';
    if (u < reset + fault + malformed) return 'malformed';
    return null;
  }
}

function matchesFault(f: PendingFault, method: string, path: string): boolean {
  if (f.method !== undefined && f.method !== method) return false;
  if (f.path === undefined) return true;
  if (f.path.endsWith('*')) {
    return path.startsWith(f.path.slice(0, -1));
  }
  return path === f.path;
}
