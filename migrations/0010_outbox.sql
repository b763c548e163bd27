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
CREATE INDEX `outbox_target_idx` ON `outbox` (`target`,`kind`);