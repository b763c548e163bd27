-- The mirror's own times (journal, passes, bookkeeping) get the same six fractional digits as the server's,
-- so that every stored time compares correctly as text (older mirrors wrote three).
UPDATE projects SET
  first_seen_at = CASE WHEN first_seen_at GLOB '????-??-??T??:??:??Z' THEN substr(first_seen_at,1,19)||'.000000Z' WHEN first_seen_at GLOB '????-??-??T??:??:??.*Z' THEN substr(first_seen_at,1,20)||substr(substr(first_seen_at,21,length(first_seen_at)-21)||'000000',1,6)||'Z' ELSE first_seen_at END,
  last_synced_at = CASE WHEN last_synced_at GLOB '????-??-??T??:??:??Z' THEN substr(last_synced_at,1,19)||'.000000Z' WHEN last_synced_at GLOB '????-??-??T??:??:??.*Z' THEN substr(last_synced_at,1,20)||substr(substr(last_synced_at,21,length(last_synced_at)-21)||'000000',1,6)||'Z' ELSE last_synced_at END,
  removed_upstream_at = CASE WHEN removed_upstream_at GLOB '????-??-??T??:??:??Z' THEN substr(removed_upstream_at,1,19)||'.000000Z' WHEN removed_upstream_at GLOB '????-??-??T??:??:??.*Z' THEN substr(removed_upstream_at,1,20)||substr(substr(removed_upstream_at,21,length(removed_upstream_at)-21)||'000000',1,6)||'Z' ELSE removed_upstream_at END;
--> statement-breakpoint
UPDATE runs SET
  first_seen_at = CASE WHEN first_seen_at GLOB '????-??-??T??:??:??Z' THEN substr(first_seen_at,1,19)||'.000000Z' WHEN first_seen_at GLOB '????-??-??T??:??:??.*Z' THEN substr(first_seen_at,1,20)||substr(substr(first_seen_at,21,length(first_seen_at)-21)||'000000',1,6)||'Z' ELSE first_seen_at END,
  last_synced_at = CASE WHEN last_synced_at GLOB '????-??-??T??:??:??Z' THEN substr(last_synced_at,1,19)||'.000000Z' WHEN last_synced_at GLOB '????-??-??T??:??:??.*Z' THEN substr(last_synced_at,1,20)||substr(substr(last_synced_at,21,length(last_synced_at)-21)||'000000',1,6)||'Z' ELSE last_synced_at END,
  removed_upstream_at = CASE WHEN removed_upstream_at GLOB '????-??-??T??:??:??Z' THEN substr(removed_upstream_at,1,19)||'.000000Z' WHEN removed_upstream_at GLOB '????-??-??T??:??:??.*Z' THEN substr(removed_upstream_at,1,20)||substr(substr(removed_upstream_at,21,length(removed_upstream_at)-21)||'000000',1,6)||'Z' ELSE removed_upstream_at END;
--> statement-breakpoint
UPDATE changes SET
  changed_at = CASE WHEN changed_at GLOB '????-??-??T??:??:??Z' THEN substr(changed_at,1,19)||'.000000Z' WHEN changed_at GLOB '????-??-??T??:??:??.*Z' THEN substr(changed_at,1,20)||substr(substr(changed_at,21,length(changed_at)-21)||'000000',1,6)||'Z' ELSE changed_at END;
--> statement-breakpoint
UPDATE sync_runs SET
  started_at = CASE WHEN started_at GLOB '????-??-??T??:??:??Z' THEN substr(started_at,1,19)||'.000000Z' WHEN started_at GLOB '????-??-??T??:??:??.*Z' THEN substr(started_at,1,20)||substr(substr(started_at,21,length(started_at)-21)||'000000',1,6)||'Z' ELSE started_at END,
  finished_at = CASE WHEN finished_at GLOB '????-??-??T??:??:??Z' THEN substr(finished_at,1,19)||'.000000Z' WHEN finished_at GLOB '????-??-??T??:??:??.*Z' THEN substr(finished_at,1,20)||substr(substr(finished_at,21,length(finished_at)-21)||'000000',1,6)||'Z' ELSE finished_at END;
