-- Query views (issue 8): the public SQL surface for questions, documented in docs/sql.md.
-- The *_all views include rows removed upstream (removed_upstream_at IS NOT NULL); the others leave them out.
CREATE VIEW `runs_wide_all` AS
SELECT r.id, r.project_id, p.name AS project, r.parent_run_id, r.name, r.description, r.status, r.owner_id,
       r.is_pinned, r.has_children, r.created_at, r.started_at, r.updated_at, r.completed_at, r.deleted_at,
       r.duration, r.external_url,
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
       created_at, started_at, updated_at, completed_at, deleted_at, duration, external_url, params, tags, metrics,
       first_seen_at, last_synced_at
FROM runs_wide_all WHERE removed_upstream_at IS NULL;
--> statement-breakpoint
CREATE VIEW `run_metrics_v_all` AS
SELECT m.run_id, r.name AS run, r.project_id, p.name AS project, r.status, m.key,
       m.latest, m.min, m.max, m.mean, m.stddev, m.count, m.first_step, m.last_step, r.removed_upstream_at
FROM run_metrics m JOIN runs r ON r.id = m.run_id LEFT JOIN projects p ON p.id = r.project_id;
--> statement-breakpoint
CREATE VIEW `run_metrics_v` AS
SELECT run_id, run, project_id, project, status, key, latest, min, max, mean, stddev, count, first_step, last_step
FROM run_metrics_v_all WHERE removed_upstream_at IS NULL;
--> statement-breakpoint
CREATE VIEW `run_params_v_all` AS
SELECT pr.run_id, r.name AS run, r.project_id, p.name AS project, r.status, pr.key, pr.value,
       -- valid JSON that starts with a digit or a minus can only be a number
       CASE WHEN pr.value GLOB '[0-9-]*' AND json_valid(pr.value) THEN CAST(pr.value AS REAL) END AS value_num,
       r.removed_upstream_at
FROM run_params pr JOIN runs r ON r.id = pr.run_id LEFT JOIN projects p ON p.id = r.project_id;
--> statement-breakpoint
CREATE VIEW `run_params_v` AS
SELECT run_id, run, project_id, project, status, key, value, value_num
FROM run_params_v_all WHERE removed_upstream_at IS NULL;
--> statement-breakpoint
CREATE VIEW `run_tags_v_all` AS
SELECT t.run_id, r.name AS run, r.project_id, p.name AS project, r.status, t.key, t.value, r.removed_upstream_at
FROM run_tags t JOIN runs r ON r.id = t.run_id LEFT JOIN projects p ON p.id = r.project_id;
--> statement-breakpoint
CREATE VIEW `run_tags_v` AS
SELECT run_id, run, project_id, project, status, key, value
FROM run_tags_v_all WHERE removed_upstream_at IS NULL;
--> statement-breakpoint
CREATE VIEW `project_summary_all` AS
SELECT p.id AS project_id, p.name AS project, p.is_starred, p.created_at, p.updated_at, p.deleted_at,
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
SELECT p.id AS project_id, p.name AS project, p.is_starred, p.created_at, p.updated_at, p.deleted_at,
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
