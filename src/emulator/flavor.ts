// The two behaviours the emulator can serve: 'recorded' (what Datadog's recordings of the live service
// show; the default) and 'reference' (what the API reference page says, the emulator's original behaviour).

export type Flavor = 'recorded' | 'reference';
export const FLAVORS: readonly Flavor[] = ['recorded', 'reference'];
export const DEFAULT_FLAVOR: Flavor = 'recorded';

/** What single-item endpoints (get, artifacts, pin, star, delete) answer for a soft-deleted item. */
export type SoftDeletedLookup = 'not_found' | 'visible';
export const SOFT_DELETED_LOOKUPS: readonly SoftDeletedLookup[] = ['not_found', 'visible'];

export type SortDirection = 'asc' | 'desc';
export type ProjectSortField = 'name' | 'created_at' | 'updated_at';
export type RunSortField = ProjectSortField | 'duration';

export interface FlavorProfile {
  /** The number of the first page: what an omitted page[number] means, and the lowest one accepted. */
  firstPage: number;
  /** The order of a list request without `sort`. */
  defaultSort: { field: 'created_at' | 'updated_at'; direction: SortDirection };
  /**
   * Single-item endpoints of soft-deleted items. The reference is silent. Recorded: visible, because the
   * service sits on MLflow, whose GetRun keeps answering for deleted runs (lifecycle_stage=deleted), and a
   * mirror tested against 404s would never notice it drops their data. Reference: 404 (the original choice).
   */
  softDeletedLookup: SoftDeletedLookup;
  /**
   * The smallest step of the mutation clock, in µs. The recorded flavor serves microseconds, so two
   * mutations within one millisecond still order correctly; the reference flavor serves milliseconds, so
   * its stamps stay a whole millisecond apart.
   */
  clockStepUs: number;
}

export const FLAVOR_PROFILES: Readonly<Record<Flavor, FlavorProfile>> = {
  // The recorded unsorted /runs page is in updated_at order, newest first.
  recorded: { firstPage: 0, defaultSort: { field: 'updated_at', direction: 'desc' }, softDeletedLookup: 'visible', clockStepUs: 1 },
  reference: { firstPage: 1, defaultSort: { field: 'created_at', direction: 'desc' }, softDeletedLookup: 'not_found', clockStepUs: 1000 },
};

/** Throws a TypeError naming the option unless `value` is a flavor. */
export function assertFlavor(value: unknown, name = 'flavor'): asserts value is Flavor {
  if (!(FLAVORS as readonly unknown[]).includes(value)) throw new TypeError(`${name} must be one of ${FLAVORS.join(', ')}, got ${JSON.stringify(value)}`);
}
