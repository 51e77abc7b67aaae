// The one place that talks HTTP to slack-distiller. Used by the service worker and the options
// page (both extension contexts: with a host permission for the service's origin their fetches
// need no CORS from the service). Every failure becomes a ServiceError whose message says what
// happened and what to do; callers show `message` as text, never as HTML.

import { MESSAGES } from "./messages.js";

export const DEFAULT_TIMEOUT_MS = 20_000;

/** A failed call. `kind` is one of: config, permission, unreachable, timeout, unauthorized,
 *  forbidden, rate_limited, http, bad_response. `retryAfter` is in seconds (429 only). */
export class ServiceError extends Error {
  constructor(kind, message, { status = 0, retryAfter = null } = {}) {
    super(message);
    this.name = "ServiceError";
    this.kind = kind;
    this.status = status;
    this.retryAfter = retryAfter;
  }

  /** Plain data, to cross chrome.runtime messaging (which drops Error fields). */
  toPlain() {
    const { kind, message, status, retryAfter } = this;
    return { kind, message, status, retryAfter };
  }
}

/** The service's base URL (origin plus an optional path prefix, no trailing slash) and origin.
 *  Throws ServiceError("config") for anything that is not a plain http(s) URL. */
export function parseServiceUrl(url) {
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServiceError("config", MESSAGES.badUrl(url));
  }
  // Credentials in the URL would be sent on every call and shown in errors: refuse them.
  if (!["http:", "https:"].includes(parsed.protocol) || parsed.username || parsed.password) {
    throw new ServiceError("config", MESSAGES.badUrl(url));
  }
  const base = parsed.origin + parsed.pathname.replace(/\/+$/, "");
  return { origin: parsed.origin, base, pattern: `${parsed.origin}/*` };
}

/** Whether the extension holds a host permission for the service's origin. */
export async function hasOriginPermission(pattern) {
  return chrome.permissions.contains({ origins: [pattern] });
}

/** GET (no body) or POST (JSON body) `path` on the service; resolves to the parsed JSON reply.
 *  `auth: false` sends no key (for /healthz). Rejects with a ServiceError. */
export async function callService(
  settings,
  path,
  { body, auth = true, timeoutMs = DEFAULT_TIMEOUT_MS } = {},
) {
  const { origin, base, pattern } = parseServiceUrl(settings.serviceUrl);
  if (auth && !settings.apiKey) throw new ServiceError("config", MESSAGES.noKey());
  if (!(await hasOriginPermission(pattern))) {
    throw new ServiceError("permission", MESSAGES.noPermission(origin));
  }
  const headers = { accept: "application/json, application/problem+json" };
  if (auth) headers.authorization = `Bearer ${settings.apiKey}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  let response;
  try {
    response = await fetch(base + path, {
      method: body === undefined ? "GET" : "POST",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit", // the key is the only credential; never send cookies of that origin
      cache: "no-store",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (exc) {
    if (exc?.name === "TimeoutError") {
      throw new ServiceError("timeout", MESSAGES.timeout(origin, Math.round(timeoutMs / 1000)));
    }
    // fetch rejects with a bare TypeError for refused connections, DNS and TLS failures alike.
    throw new ServiceError("unreachable", MESSAGES.unreachable(origin));
  }
  if (!response.ok) throw await errorFrom(response);
  try {
    return await response.json();
  } catch {
    throw new ServiceError("bad_response", MESSAGES.badResponse(path), { status: response.status });
  }
}

// The service answers errors as application/problem+json {title, status, detail}.
async function errorFrom(response) {
  const { status } = response;
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // a proxy's HTML error page, or an empty body: the status alone has to do
  }
  const detail = typeof problem?.detail === "string" ? problem.detail : "";
  const title = typeof problem?.title === "string" ? problem.title : response.statusText;
  if (status === 401) return new ServiceError("unauthorized", MESSAGES.unauthorized(detail), { status });
  if (status === 403) return new ServiceError("forbidden", MESSAGES.forbidden(detail), { status });
  if (status === 429) {
    const retryAfter = retryAfterSeconds(response.headers.get("retry-after"));
    return new ServiceError("rate_limited", MESSAGES.rateLimited(retryAfter), { status, retryAfter });
  }
  return new ServiceError("http", MESSAGES.http(status, title, detail), { status });
}

// Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3).
function retryAfterSeconds(value) {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number.parseInt(value, 10);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
