// Datadog sites (DD_SITE values) and the Model Lab base URL each one implies.

/** Every DD_SITE value the client knows, default first. */
export const KNOWN_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
  'uk1.datadoghq.com',
] as const;
export type KnownSite = (typeof KNOWN_SITES)[number];

export const DEFAULT_SITE: KnownSite = 'datadoghq.com';
export const API_PREFIX = '/api/v2/model-lab-api';

export interface BaseUrlInput {
  /** A DD_SITE value such as `datadoghq.eu`. @default 'datadoghq.com' */
  site?: string;
  /** A full origin (emulator, proxy); wins over `site`. `/api/v2/model-lab-api` is appended unless present. */
  baseUrl?: string;
}

export function isKnownSite(site: string): site is KnownSite {
  return (KNOWN_SITES as readonly string[]).includes(site);
}

/** Resolves `site` or `baseUrl` to the Model Lab API base URL (no trailing slash); throws on an unknown site or a malformed URL. */
export function resolveBaseUrl(input: BaseUrlInput = {}): string {
  if (input.baseUrl !== undefined && input.baseUrl !== '') {
    let url: URL;
    try {
      url = new URL(input.baseUrl);
    } catch {
      throw new TypeError(`Option \`baseUrl\` must be an absolute http(s) URL such as http://127.0.0.1:8080, got ${JSON.stringify(input.baseUrl)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`Option \`baseUrl\` must use http: or https:, got ${JSON.stringify(url.protocol)}`);
    }
    if (url.username || url.password || url.search || url.hash) {
      // Credentials or a query in the base would leak into every error message built from paths.
      throw new TypeError('Option `baseUrl` must not contain credentials, a query or a fragment');
    }
    let path = url.pathname.replace(/\/+$/, '');
    if (!path.endsWith(API_PREFIX)) path += API_PREFIX;
    return `${url.origin}${path}`;
  }
  const site = (input.site ?? DEFAULT_SITE).trim().toLowerCase();
  if (!isKnownSite(site)) {
    throw new TypeError(
      `Unknown Datadog site ${JSON.stringify(input.site)} (DD_SITE); expected one of: ${KNOWN_SITES.join(', ')}`,
    );
  }
  return `https://api.${site}${API_PREFIX}`;
}
