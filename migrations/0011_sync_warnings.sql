ALTER TABLE `sync_runs` ADD `warnings` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sync_runs` ADD `warning_records` text;