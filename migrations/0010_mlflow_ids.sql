-- MLflow ids (issue 13, item 3): runs.mlflow_run_id (32 hex) and projects.mlflow_experiment_id, read from
-- what the service sends (the writer fills them for every row it writes); rows already mirrored are filled
-- here from their stored columns and listings. NULL where the service does not say.
ALTER TABLE `projects` ADD `mlflow_experiment_id` text;
--> statement-breakpoint
ALTER TABLE `runs` ADD `mlflow_run_id` text;
--> statement-breakpoint
-- external_url '…/#/runs/<32 hex>', else mlflow_artifact_location 'mlflow-artifacts:///<experiment>/<32 hex>/artifacts',
-- else the listing's path_in_project '<32 hex>/artifacts'. GLOB is case-sensitive: MLflow writes lower-case hex.
UPDATE `runs` SET `mlflow_run_id` = CASE
  WHEN external_url GLOB '*#/runs/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN substr(external_url, -32)
  WHEN mlflow_artifact_location GLOB 'mlflow-artifacts:///*/[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/artifacts' THEN substr(mlflow_artifact_location, -42, 32)
  ELSE (SELECT substr(a.path_in_project, 1, 32) FROM run_artifacts a
        WHERE a.run_id = runs.id AND a.path_in_project GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]/artifacts' LIMIT 1)
END;
--> statement-breakpoint
-- external_url '…/#/experiments/<id>', else artifact_storage_location 'model-lab:///<id>'; ids are digits.
UPDATE `projects` SET `mlflow_experiment_id` = CASE
  WHEN external_url GLOB '*#/experiments/[0-9]*' AND substr(external_url, instr(external_url, '#/experiments/') + 14) NOT GLOB '*[^0-9]*'
    THEN substr(external_url, instr(external_url, '#/experiments/') + 14)
  WHEN artifact_storage_location GLOB 'model-lab:///[0-9]*' AND substr(artifact_storage_location, 14) NOT GLOB '*[^0-9]*'
    THEN substr(artifact_storage_location, 14)
END;
--> statement-breakpoint
CREATE INDEX `projects_mlflow_experiment_idx` ON `projects` (`mlflow_experiment_id`);
--> statement-breakpoint
CREATE INDEX `runs_mlflow_run_idx` ON `runs` (`mlflow_run_id`);
--> statement-breakpoint
-- The query views (0002) gain the ids: runs_wide after external_url, project_summary after the project's name.
DROP VIEW `runs_wide`;
--> statement-breakpoint
DROP VIEW `runs_wide_all`;
--> statement-breakpoint
DROP VIEW `project_summary`;
--> statement-breakpoint
DROP VIEW `project_summary_all`;
--> statement-breakpoint
CREATE VIEW `runs_wide_all` AS
SELECT r.id, r.project_id, p.name AS project, r.parent_run_id, r.name, r.description, r.status, r.owner_id,
       r.is_pinned, r.has_children, r.created_at, r.started_at, r.updated_at, r.completed_at, r.deleted_at,
       r.duration, r.external_url, r.mlflow_run_id,
       (SELECT json_group_object(key, value) FROM (SELECT key, value FROM run_params WHERE run_id = r.id ORDER BY key)) AS params,
       -- The primary key (run_id, key, value) hands the values of a key over in order; no ORDER BY inside
       -- group_concat, which SQLite clients before 3.44 cannot parse (they would refuse the whole schema).
       (SELECT json_group_object(key, value) FROM (
          SELECT key, group_concat(value, ',') AS value FROM (SELECT key, value FROM run_tags WHERE run_id = r.id ORDER BY key, value) GROUP BY key)) AS tags,
       (SELECT json_group_object(key, json_object('latest', latest, 'min', min, 'max', max, 'mean', mean, 'stddev', stddev,
                                                  'count', count, 'first_step', first_step, 'last_step', last_step))
          FROM (SELECT * FROM run_metrics WHERE run_id = r.id ORDER BY key)) AS metrics,
       r.first_seen_at, r.last_synced_at, r.removed_upstream_at
FROM runs r LEFT JOIN projects p ON p.id = r.project_id;
--> statement-breakpoint
CREATE VIEW `runs_wide` AS
SELECT id, project_id, project, parent_run_id, name, description, status, owner_id, is_pinned, has_children,
       created_at, started_at, updated_at, completed_at, deleted_at, duration, external_url, mlflow_run_id, params, tags, metrics,
       first_seen_at, last_synced_at
FROM runs_wide_all WHERE removed_upstream_at IS NULL;
--> statement-breakpoint
CREATE VIEW `project_summary_all` AS
SELECT p.id AS project_id, p.name AS project, p.mlflow_experiment_id, p.is_starred, p.created_at, p.updated_at, p.deleted_at,
       COUNT(r.id) AS runs,
       COALESCE(SUM(r.status = 'pending'), 0) AS pending,
       COALESCE(SUM(r.status = 'running'), 0) AS running,
       COALESCE(SUM(r.status = 'completed'), 0) AS completed,
       COALESCE(SUM(r.status = 'failed'), 0) AS failed,
       COALESCE(SUM(r.status = 'killed'), 0) AS killed,
       COALESCE(SUM(r.status = 'unresponsive'), 0) AS unresponsive,
       COALESCE(SUM(r.status = 'paused'), 0) AS paused,
       COALESCE(SUM(r.status NOT IN ('pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused')), 0) AS other_status,
       COALESCE(SUM(r.removed_upstream_at IS NOT NULL), 0) AS removed_runs,
       MAX(r.updated_at) AS last_run_update,
       MAX(p.updated_at, COALESCE(MAX(r.updated_at), p.updated_at)) AS last_activity,
       p.removed_upstream_at
FROM projects p LEFT JOIN runs r ON r.project_id = p.id
GROUP BY p.id;
--> statement-breakpoint
CREATE VIEW `project_summary` AS
SELECT p.id AS project_id, p.name AS project, p.mlflow_experiment_id, p.is_starred, p.created_at, p.updated_at, p.deleted_at,
       COUNT(r.id) AS runs,
       COALESCE(SUM(r.status = 'pending'), 0) AS pending,
       COALESCE(SUM(r.status = 'running'), 0) AS running,
       COALESCE(SUM(r.status = 'completed'), 0) AS completed,
       COALESCE(SUM(r.status = 'failed'), 0) AS failed,
       COALESCE(SUM(r.status = 'killed'), 0) AS killed,
       COALESCE(SUM(r.status = 'unresponsive'), 0) AS unresponsive,
       COALESCE(SUM(r.status = 'paused'), 0) AS paused,
       COALESCE(SUM(r.status NOT IN ('pending', 'running', 'completed', 'failed', 'killed', 'unresponsive', 'paused')), 0) AS other_status,
       MAX(r.updated_at) AS last_run_update,
       MAX(p.updated_at, COALESCE(MAX(r.updated_at), p.updated_at)) AS last_activity
FROM projects p LEFT JOIN runs r ON r.project_id = p.id AND r.removed_upstream_at IS NULL
WHERE p.removed_upstream_at IS NULL
GROUP BY p.id;
