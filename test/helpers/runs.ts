import type { Run } from '../../src/api/index.js';

/** A run as the API sends it (validated): one param, tag and metric summary unless `patch` says otherwise. */
export function makeRun(id: number, patch: Partial<Run['attributes']> = {}): Run {
  return {
    id: String(id),
    type: 'runs',
    attributes: {
      project_id: 1,
      name: `run-${id}`,
      description: 'a run',
      status: 'running',
      params: [{ key: 'lr', value: '0.01' }],
      tags: [{ key: 'team', value: 'nlp' }],
      metric_summaries: [{ key: 'loss', count: 10, first_step: 0, last_step: 9, latest: 0.5, min: 0.4, max: 2, mean: 1, stddev: 0.3 }],
      has_children: false,
      is_pinned: false,
      descendant_match: false,
      mlflow_artifact_location: 's3://b/1',
      created_at: '2026-01-01T00:00:00Z',
      started_at: '2026-01-01T00:00:01Z',
      updated_at: '2026-01-01T00:10:00Z',
      ...patch,
    },
  };
}
