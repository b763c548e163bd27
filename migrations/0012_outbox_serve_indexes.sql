CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`target` integer NOT NULL,
	`created_at` text NOT NULL,
	`state` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` text,
	`last_status` integer,
	`last_error` text
);
--> statement-breakpoint
CREATE INDEX `outbox_open_idx` ON `outbox` (`id`) WHERE state IN ('pending', 'sending');--> statement-breakpoint
CREATE INDEX `outbox_target_idx` ON `outbox` (`target`,`kind`);--> statement-breakpoint
CREATE INDEX `runs_live_status_created_idx` ON `runs` (`status`,`created_at`,`removed_upstream_at`) WHERE removed_upstream_at IS NULL;--> statement-breakpoint
CREATE INDEX `runs_live_status_updated_idx` ON `runs` (`status`,`updated_at`) WHERE removed_upstream_at IS NULL;