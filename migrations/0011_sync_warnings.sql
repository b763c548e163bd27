ALTER TABLE `sync_runs` ADD `warnings` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `warning_records` text;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `derived_listings` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `artifact_mismatches` integer DEFAULT 0 NOT NULL;