// Fault injection: random faults at configured rates; scheduled faults that hit the next N matching
// requests; listings that always fail; and pathological paging. Each lets a test stage exactly the failure
// it wants to see handled.
import { createRandom } from './generator.js';
import type { EndpointName } from './wire.js';

export type FaultKind = '500' | 'reset' | 'malformed' | 'truncated' | '429' | 'slow';
export const FAULT_KINDS: readonly FaultKind[] = ['500', 'reset', 'malformed', 'truncated', '429', 'slow'];

/** How a 'slow' answer trickles in: `bytes` of the body every `everyMs`. */
export interface Trickle {
  bytes: number;
  everyMs: number;
}
export const DEFAULT_TRICKLE: Trickle = { bytes: 8, everyMs: 1000 };

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
  /** '429' only: the seconds announced in `X-RateLimit-Reset` and `Retry-After` (e.g. 86400). @default 1 */
  retryAfterSec?: number;
  /** 'slow' only: the pace of the body (the headers come at once). @default {bytes: 8, everyMs: 1000} */
  trickle?: Trickle;
}

/** A fault chosen for one request. */
export interface FaultHit {
  kind: FaultKind;
  retryAfterSec?: number | undefined;
  trickle?: Trickle | undefined;
}

export interface RandomFaultRates {
  /** Fraction of requests answered 500. @default 0 */
  faultRate?: number;
  /** Fraction of requests whose socket is destroyed without a response. @default 0 */
  resetRate?: number;
  /** Fraction of requests answered 200 with an invalid (cut) JSON body. @default 0 */
  malformedRate?: number;
}

interface PendingFault extends FaultHit {
  path: string | undefined;
  method: string | undefined;
  remaining: number;
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
    const retryAfterSec = fault.retryAfterSec;
    if (retryAfterSec !== undefined && !(Number.isInteger(retryAfterSec) && retryAfterSec >= 0)) {
      throw new TypeError(`injectFault: retryAfterSec must be an integer ≥ 0, got ${JSON.stringify(retryAfterSec)}`);
    }
    const trickle = fault.trickle;
    if (trickle !== undefined && !(Number.isInteger(trickle.bytes) && trickle.bytes >= 1 && trickle.everyMs >= 1)) {
      throw new TypeError(`injectFault: trickle must be {bytes ≥ 1 (integer), everyMs ≥ 1}, got ${JSON.stringify(trickle)}`);
    }
    this.pending.push({ path: fault.path, method: fault.method?.toUpperCase(), remaining: times, kind: fault.kind, retryAfterSec, trickle });
  }

  clear(): void {
    this.pending = [];
  }

  /** The scheduled faults not yet used up (for the state read-out). */
  scheduled(): ScheduledFault[] {
    return this.pending.map((f) => ({
      kind: f.kind,
      times: f.remaining,
      ...(f.path !== undefined ? { path: f.path } : {}),
      ...(f.method !== undefined ? { method: f.method } : {}),
      ...(f.retryAfterSec !== undefined ? { retryAfterSec: f.retryAfterSec } : {}),
      ...(f.trickle !== undefined ? { trickle: f.trickle } : {}),
    }));
  }

  /** The fault for this request, consuming one scheduled use, or a random one, or null. */
  take(method: string, path: string): FaultHit | null {
    const hit = this.pending.find((f) => f.remaining > 0 && matchesFault(f, method, path));
    if (hit) {
      hit.remaining--;
      this.pending = this.pending.filter((f) => f.remaining > 0);
      return { kind: hit.kind, retryAfterSec: hit.retryAfterSec, trickle: hit.trickle };
    }
    const u = this.roll();
    const reset = this.rates.resetRate ?? 0;
    const fault = this.rates.faultRate ?? 0;
    const malformed = this.rates.malformedRate ?? 0;
    if (u < reset) return { kind: 'reset' };
    if (u < reset + fault) return { kind: '500' };
    if (u < reset + fault + malformed) return { kind: 'malformed' };
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

// ------------------------------------------------------------------ listings that always fail

/** A listing that answers 500 to every request until healed. */
export interface ListingTarget {
  /** runArtifacts: GET /runs/{id}/artifacts (any path); projectArtifacts: GET /projects/{id}/artifacts; children: GET /runs?filter[parent_run_id]={id} */
  listing: 'runArtifacts' | 'projectArtifacts' | 'children';
  id: number;
}
export const LISTING_KINDS: ReadonlyArray<ListingTarget['listing']> = ['runArtifacts', 'projectArtifacts', 'children'];

export class BrokenListings {
  private readonly targets = new Set<string>();

  add(target: ListingTarget): void {
    this.targets.add(keyOf(validListing(target)));
  }

  remove(target: ListingTarget): void {
    this.targets.delete(keyOf(validListing(target)));
  }

  clear(): void {
    this.targets.clear();
  }

  list(): ListingTarget[] {
    return [...this.targets].map((k) => {
      const [listing, id] = k.split(':');
      return { listing: listing as ListingTarget['listing'], id: Number(id) };
    });
  }

  /** Whether this request reads a broken listing. */
  matches(endpoint: EndpointName | 'unknown', params: Record<string, string>, query: URLSearchParams): boolean {
    if (this.targets.size === 0) return false;
    if (endpoint === 'listRunArtifacts') return this.targets.has(`runArtifacts:${Number(params['run_id'])}`);
    if (endpoint === 'listProjectArtifacts') return this.targets.has(`projectArtifacts:${Number(params['project_id'])}`);
    if (endpoint === 'listRuns') {
      const parent = query.get('filter[parent_run_id]');
      return parent !== null && /^\d+$/.test(parent) && this.targets.has(`children:${Number(parent)}`);
    }
    return false;
  }
}

function validListing(t: ListingTarget): ListingTarget {
  if (!LISTING_KINDS.includes(t.listing)) throw new TypeError(`failListing: listing must be one of ${LISTING_KINDS.join(', ')}, got ${JSON.stringify(t.listing)}`);
  if (!Number.isInteger(t.id) || t.id < 1) throw new TypeError(`failListing: id must be a positive integer, got ${JSON.stringify(t.id)}`);
  return t;
}

function keyOf(t: ListingTarget): string {
  return `${t.listing}:${t.id}`;
}

// ------------------------------------------------------------------ pathological paging

/**
 * endless: every page announces a next one (next_number = number + 1, forever; pages past the end are empty).
 * repeat: every request is answered with the first page (its data and its meta, next_number included), so a
 * walk that follows next_number sees the same page again and again.
 */
export type PagingFaultKind = 'endless' | 'repeat';
export const PAGING_FAULT_KINDS: readonly PagingFaultKind[] = ['endless', 'repeat'];

export interface PagingFault {
  kind: PagingFaultKind;
  /** `/runs` or `/projects` */
  path: '/runs' | '/projects';
  /** Only requests carrying every one of these query parameters with these values (e.g. {'filter[parent_run_id]': '8'}). */
  query?: Record<string, string>;
}

export class PagingFaults {
  private faults: PagingFault[] = [];

  add(fault: PagingFault): void {
    if (!PAGING_FAULT_KINDS.includes(fault.kind)) throw new TypeError(`setPagingFault: kind must be one of ${PAGING_FAULT_KINDS.join(', ')}, got ${JSON.stringify(fault.kind)}`);
    if (fault.path !== '/runs' && fault.path !== '/projects') throw new TypeError(`setPagingFault: path must be /runs or /projects, got ${JSON.stringify(fault.path)}`);
    this.faults.push({ kind: fault.kind, path: fault.path, ...(fault.query ? { query: { ...fault.query } } : {}) });
  }

  clear(): void {
    this.faults = [];
  }

  list(): PagingFault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The paging fault of this list request, or null. */
  match(path: string, query: URLSearchParams): PagingFaultKind | null {
    for (const f of this.faults) {
      if (f.path !== path) continue;
      if (f.query && !Object.entries(f.query).every(([k, v]) => query.get(k) === v)) continue;
      return f.kind;
    }
    return null;
  }
}
