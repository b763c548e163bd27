// Datadog's recordings of the live Model Lab service, vendored from DataDog/datadog-api-client-typescript
// (Apache-2.0, commit a6d174205b047bd01a9df066deae5d7fee9c436c): cassettes/v2/Model-Lab-API_3947857621/<scenario>_<n>/recording.har,
// stored as test/fixtures/model-lab-recordings/<scenario>.har. The same 21 recordings ship with the other four clients.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A parsed JSON body, read freely as the recording holds it. */
export type RecordedJson = ReturnType<typeof JSON.parse>;

const FOLDER = fileURLToPath(new URL('../fixtures/model-lab-recordings/', import.meta.url));

/** One recorded exchange. */
export interface RecordedExchange {
  method: string;
  /** the path below /api/v2/model-lab-api, with its query */
  path: string;
  accept: string | undefined;
  status: number;
  mimeType: string | undefined;
  text: string;
  /** the parsed body when it is JSON */
  body: RecordedJson;
}

/** The names of the 21 recorded scenarios. */
export function recordedScenarios(): string[] {
  return readdirSync(FOLDER).filter((f) => f.endsWith('.har')).map((f) => f.slice(0, -4)).sort();
}

/** The exchanges of one scenario, in recorded order. */
export function readRecording(scenario: string): RecordedExchange[] {
  const har = JSON.parse(readFileSync(`${FOLDER}${scenario}.har`, 'utf8')) as {
    log: { entries: Array<{ request: { method: string; url: string; headers: Array<{ name: string; value: string }> }; response: { status: number; content: { mimeType?: string; text?: string } } }> };
  };
  return har.log.entries.map((e) => {
    const text = e.response.content.text ?? '';
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return {
      method: e.request.method,
      path: e.request.url.replace(/^https:\/\/[^/]+\/api\/v2\/model-lab-api/, ''),
      accept: e.request.headers.find((h) => h.name.toLowerCase() === 'accept')?.value,
      status: e.response.status,
      mimeType: e.response.content.mimeType,
      text,
      body,
    };
  });
}

/** The body of a scenario's only (or first) exchange. */
export function recordedBody(scenario: string): RecordedJson {
  return readRecording(scenario)[0]!.body;
}
