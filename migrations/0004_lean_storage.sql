-- Leaner storage (issue 7): key/value tables become WITHOUT ROWID (one B-tree per row instead of a rowid
-- table plus its primary-key index), same tables, same columns. legacy_alter_table keeps the views (which name these tables)
-- from being checked while a table is briefly absent during the swap.
PRAGMA legacy_alter_table = ON;
--> statement-breakpoint
CREATE TABLE `__lean_project_artifacts` (
	`project_id` integer NOT NULL,
	`artifact_path` text NOT NULL,
	`filename` text NOT NULL,
	`file_size` integer,
	`created_at` text,
	PRIMARY KEY(`project_id`, `artifact_path`, `filename`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_project_artifacts` (project_id, artifact_path, filename, file_size, created_at) SELECT project_id, artifact_path, filename, file_size, created_at FROM `project_artifacts`;
--> statement-breakpoint
DROP TABLE `project_artifacts`;
--> statement-breakpoint
ALTER TABLE `__lean_project_artifacts` RENAME TO `project_artifacts`;
--> statement-breakpoint
CREATE TABLE `__lean_project_tags` (
	`project_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`project_id`, `key`, `value`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_project_tags` (project_id, key, value) SELECT project_id, key, value FROM `project_tags`;
--> statement-breakpoint
DROP TABLE `project_tags`;
--> statement-breakpoint
ALTER TABLE `__lean_project_tags` RENAME TO `project_tags`;
--> statement-breakpoint
CREATE INDEX `project_tags_key_value_idx` ON `project_tags` (`key`,`value`);
--> statement-breakpoint
CREATE TABLE `__lean_run_artifacts` (
	`run_id` integer NOT NULL,
	`path` text NOT NULL,
	`is_dir` integer NOT NULL,
	`file_size` integer,
	`path_in_project` text,
	PRIMARY KEY(`run_id`, `path`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_run_artifacts` (run_id, path, is_dir, file_size, path_in_project) SELECT run_id, path, is_dir, file_size, path_in_project FROM `run_artifacts`;
--> statement-breakpoint
DROP TABLE `run_artifacts`;
--> statement-breakpoint
ALTER TABLE `__lean_run_artifacts` RENAME TO `run_artifacts`;
--> statement-breakpoint
CREATE TABLE `__lean_run_metrics` (
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`count` integer NOT NULL,
	`first_step` integer,
	`last_step` integer,
	`latest` real,
	`min` real,
	`max` real,
	`mean` real,
	`stddev` real,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_run_metrics` (run_id, key, count, first_step, last_step, latest, min, max, mean, stddev) SELECT run_id, key, count, first_step, last_step, latest, min, max, mean, stddev FROM `run_metrics`;
--> statement-breakpoint
DROP TABLE `run_metrics`;
--> statement-breakpoint
ALTER TABLE `__lean_run_metrics` RENAME TO `run_metrics`;
--> statement-breakpoint
CREATE INDEX `run_metrics_key_latest_idx` ON `run_metrics` (`key`,`latest`);
--> statement-breakpoint
CREATE TABLE `__lean_run_params` (
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_run_params` (run_id, key, value) SELECT run_id, key, value FROM `run_params`;
--> statement-breakpoint
DROP TABLE `run_params`;
--> statement-breakpoint
ALTER TABLE `__lean_run_params` RENAME TO `run_params`;
--> statement-breakpoint
CREATE INDEX `run_params_key_value_idx` ON `run_params` (`key`,`value`);
--> statement-breakpoint
CREATE TABLE `__lean_run_tags` (
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`, `value`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_run_tags` (run_id, key, value) SELECT run_id, key, value FROM `run_tags`;
--> statement-breakpoint
DROP TABLE `run_tags`;
--> statement-breakpoint
ALTER TABLE `__lean_run_tags` RENAME TO `run_tags`;
--> statement-breakpoint
CREATE INDEX `run_tags_key_value_idx` ON `run_tags` (`key`,`value`);
--> statement-breakpoint
CREATE TABLE `__lean_sync_seen` (
	`walk` integer NOT NULL,
	`entity` text NOT NULL,
	`id` integer NOT NULL,
	PRIMARY KEY(`walk`, `entity`, `id`)
) WITHOUT ROWID;
--> statement-breakpoint
INSERT INTO `__lean_sync_seen` (walk, entity, id) SELECT walk, entity, id FROM `sync_seen`;
--> statement-breakpoint
DROP TABLE `sync_seen`;
--> statement-breakpoint
ALTER TABLE `__lean_sync_seen` RENAME TO `sync_seen`;

--> statement-breakpoint
PRAGMA legacy_alter_table = OFF;
