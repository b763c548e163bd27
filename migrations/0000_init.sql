CREATE TABLE `changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`sync_id` integer NOT NULL,
	`entity` text NOT NULL,
	`entity_id` integer NOT NULL,
	`change` text NOT NULL,
	`changed_at` text NOT NULL,
	`fields` text,
	`before` text,
	`after` text
);
--> statement-breakpoint
CREATE INDEX `changes_changed_at_idx` ON `changes` (`changed_at`);--> statement-breakpoint
CREATE INDEX `changes_entity_idx` ON `changes` (`entity`,`entity_id`);--> statement-breakpoint
CREATE INDEX `changes_sync_idx` ON `changes` (`sync_id`);--> statement-breakpoint
CREATE TABLE `project_artifacts` (
	`project_id` integer NOT NULL,
	`artifact_path` text NOT NULL,
	`filename` text NOT NULL,
	`file_size` integer,
	`created_at` text,
	PRIMARY KEY(`project_id`, `artifact_path`, `filename`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `project_tags` (
	`project_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`project_id`, `key`, `value`),
	FOREIGN KEY (`project_id`) REFERENCES `projects`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `project_tags_key_value_idx` ON `project_tags` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `projects` (
	`id` integer PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`owner_id` text,
	`artifact_storage_location` text NOT NULL,
	`external_url` text,
	`is_starred` integer NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`deleted_at` text,
	`first_seen_at` text NOT NULL,
	`last_synced_at` text NOT NULL,
	`removed_upstream_at` text,
	`raw_json` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `projects_updated_at_idx` ON `projects` (`updated_at`);--> statement-breakpoint
CREATE INDEX `projects_name_idx` ON `projects` (`name`);--> statement-breakpoint
CREATE TABLE `run_artifacts` (
	`run_id` integer NOT NULL,
	`path` text NOT NULL,
	`is_dir` integer NOT NULL,
	`file_size` integer,
	`path_in_project` text,
	PRIMARY KEY(`run_id`, `path`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `run_metrics` (
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
);
--> statement-breakpoint
CREATE INDEX `run_metrics_key_latest_idx` ON `run_metrics` (`key`,`latest`);--> statement-breakpoint
CREATE TABLE `run_params` (
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_params_key_value_idx` ON `run_params` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `run_tags` (
	`run_id` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	PRIMARY KEY(`run_id`, `key`, `value`),
	FOREIGN KEY (`run_id`) REFERENCES `runs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `run_tags_key_value_idx` ON `run_tags` (`key`,`value`);--> statement-breakpoint
CREATE TABLE `runs` (
	`id` integer PRIMARY KEY NOT NULL,
	`project_id` integer NOT NULL,
	`parent_run_id` integer,
	`name` text NOT NULL,
	`description` text NOT NULL,
	`status` text NOT NULL,
	`owner_id` text,
	`has_children` integer NOT NULL,
	`is_pinned` integer NOT NULL,
	`mlflow_artifact_location` text NOT NULL,
	`external_url` text,
	`created_at` text NOT NULL,
	`started_at` text NOT NULL,
	`updated_at` text NOT NULL,
	`completed_at` text,
	`deleted_at` text,
	`duration` real,
	`first_seen_at` text NOT NULL,
	`last_synced_at` text NOT NULL,
	`removed_upstream_at` text,
	`raw_json` text NOT NULL,
	`artifacts_listed_for` text
);
--> statement-breakpoint
CREATE INDEX `runs_project_status_idx` ON `runs` (`project_id`,`status`);--> statement-breakpoint
CREATE INDEX `runs_status_idx` ON `runs` (`status`);--> statement-breakpoint
CREATE INDEX `runs_updated_at_idx` ON `runs` (`updated_at`);--> statement-breakpoint
CREATE INDEX `runs_created_at_idx` ON `runs` (`created_at`);--> statement-breakpoint
CREATE INDEX `runs_parent_idx` ON `runs` (`parent_run_id`);--> statement-breakpoint
CREATE TABLE `sync_lock` (
	`id` integer PRIMARY KEY NOT NULL,
	`pid` integer NOT NULL,
	`hostname` text NOT NULL,
	`command` text NOT NULL,
	`started_at` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `sync_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`started_at` text NOT NULL,
	`finished_at` text,
	`status` text NOT NULL,
	`requests` integer DEFAULT 0 NOT NULL,
	`retries` integer DEFAULT 0 NOT NULL,
	`rate_limited` integer DEFAULT 0 NOT NULL,
	`pages` integer DEFAULT 0 NOT NULL,
	`inserted` integer DEFAULT 0 NOT NULL,
	`updated` integer DEFAULT 0 NOT NULL,
	`removed` integer DEFAULT 0 NOT NULL,
	`error` text,
	`skipped` integer DEFAULT 0 NOT NULL,
	`skipped_records` text,
	`requests_by_resource` text,
	`rate_limit_wait_ms` integer DEFAULT 0 NOT NULL,
	`bytes` integer DEFAULT 0 NOT NULL,
	`pid` integer,
	`resumed_from` integer
);
--> statement-breakpoint
CREATE INDEX `sync_runs_status_idx` ON `sync_runs` (`status`,`started_at`);--> statement-breakpoint
CREATE TABLE `sync_seen` (
	`entity` text NOT NULL,
	`id` integer NOT NULL,
	PRIMARY KEY(`entity`, `id`)
);
--> statement-breakpoint
CREATE TABLE `sync_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` text NOT NULL
);
--> statement-breakpoint
CREATE VIEW `facet_keys` AS SELECT r.project_id AS project_id, 'parameter' AS facet_type, p.key AS facet_name, COUNT(*) AS runs
      FROM run_params p JOIN runs r ON r.id = p.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, p.key
      UNION ALL
      SELECT r.project_id, 'tag', t.key, COUNT(DISTINCT t.run_id)
      FROM run_tags t JOIN runs r ON r.id = t.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, t.key
      UNION ALL
      SELECT r.project_id, 'metric', m.key, COUNT(*)
      FROM run_metrics m JOIN runs r ON r.id = m.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, m.key;--> statement-breakpoint
CREATE VIEW `facet_values` AS SELECT r.project_id AS project_id, 'parameter' AS facet_type, p.key AS facet_name, p.value AS value, COUNT(*) AS runs
      FROM run_params p JOIN runs r ON r.id = p.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, p.key, p.value
      UNION ALL
      SELECT r.project_id, 'tag', t.key, t.value, COUNT(*)
      FROM run_tags t JOIN runs r ON r.id = t.run_id WHERE r.removed_upstream_at IS NULL GROUP BY r.project_id, t.key, t.value;--> statement-breakpoint
CREATE VIEW `project_facet_values` AS SELECT 'tag' AS facet_type, t.key AS facet_name, t.value AS value, COUNT(*) AS projects
      FROM project_tags t JOIN projects p ON p.id = t.project_id WHERE p.removed_upstream_at IS NULL GROUP BY t.key, t.value;