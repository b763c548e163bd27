PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_sync_seen` (
	`walk` integer NOT NULL,
	`entity` text NOT NULL,
	`id` integer NOT NULL,
	PRIMARY KEY(`walk`, `entity`, `id`)
);
--> statement-breakpoint
-- Rows seen before this migration belong to the interrupted full walk, if any (its checkpoint names it).
INSERT INTO `__new_sync_seen`("walk", "entity", "id")
  SELECT COALESCE((SELECT json_extract(value, '$.origin') FROM sync_state WHERE key = 'checkpoint'), 0), "entity", "id" FROM `sync_seen`;--> statement-breakpoint
DROP TABLE `sync_seen`;--> statement-breakpoint
ALTER TABLE `__new_sync_seen` RENAME TO `sync_seen`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `sync_lock` ADD `token` text;--> statement-breakpoint
ALTER TABLE `sync_lock` ADD `heartbeat_at` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `unknown_values` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `confirmations` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `rewalks` integer DEFAULT 0 NOT NULL;