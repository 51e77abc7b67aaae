// Every error or status line a person can see from the extension, kept together so that they
// read as one voice and each says what to do next.

export const MESSAGES = Object.freeze({
  noKey: () =>
    "No API key set: open the Slack Distiller options and enter your service URL and API key.",
  badUrl: (url) =>
    `"${url}" is not a service URL: use http(s)://host[:port], for example http://127.0.0.1:8000.`,
  noPermission: (origin) =>
    `The extension may not contact ${origin} yet: open the options and press Save to allow it.`,
  permissionDenied: (origin) =>
    `Access to ${origin} was not granted, so the extension cannot reach the service there.`,
  unreachable: (origin) =>
    `Service unreachable: nothing answered at ${origin}. Is \`distill serve\` running there, ` +
    "and is the URL in the options right?",
  timeout: (origin, seconds) => `The service at ${origin} did not answer within ${seconds} s.`,
  unauthorized: (detail) =>
    `API key refused (401)${detail ? `: ${detail}` : ""}. Set a valid key in the options.`,
  forbidden: (detail) => `This API key may not do that (403)${detail ? `: ${detail}` : ""}.`,
  rateLimited: (seconds) =>
    seconds == null
      ? "Rate limited by the service (429): try again in a minute."
      : `Rate limited by the service (429): retry in ${seconds} s.`,
  http: (status, title, detail) =>
    `The service answered ${status}${title ? ` ${title}` : ""}${detail ? `: ${detail}` : ""}.`,
  badResponse: (path) => `The service sent a reply to ${path} that is not JSON: is the URL right?`,
  internal: (detail) => `Something went wrong inside the extension: ${detail}`,
  extensionReloaded: () =>
    "The extension was updated or reloaded: reload this Slack tab to use it again.",
  saved: () => "Saved.",
  serviceUp: (origin) => `Service reachable at ${origin}.`,
  keyAccepted: () => "API key accepted.",
  connectionOk: () => "Connection OK.",
  connectionFailed: () => "Connection failed.",
});
