// Small node:http helpers shared by the API server (server.ts) and the control API (control.ts).
import type { ServerResponse } from 'node:http';

export const JSON_HEADERS = { 'Content-Type': 'application/json' };

export function sendJson(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, ...JSON_HEADERS, 'Content-Length': String(Buffer.byteLength(text)) });
  res.end(text);
}
