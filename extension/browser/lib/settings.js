// The extension's settings: where the service is and how to authenticate, read once per use.
// Kept in chrome.storage.local, not .sync: an API key must not travel to the browser account.

export const DEFAULT_SERVICE_URL = "http://127.0.0.1:8000";
export const DEFAULT_MIN_CHARS = 300; // shorter messages are quick to read: no Distill action

export const DEFAULT_SETTINGS = Object.freeze({
  serviceUrl: DEFAULT_SERVICE_URL,
  apiKey: "",
  persona: "", // empty: the service chooses (channel persona once wired, else its default)
  minChars: DEFAULT_MIN_CHARS,
});

/** All settings, with defaults for the ones never saved. */
export async function loadSettings() {
  const stored = await chrome.storage.local.get(Object.keys(DEFAULT_SETTINGS));
  return { ...DEFAULT_SETTINGS, ...stored };
}

/** Store the given settings (a subset is fine); values are trimmed and typed here, once. */
export async function saveSettings(values) {
  const clean = {};
  if ("serviceUrl" in values) clean.serviceUrl = String(values.serviceUrl).trim();
  if ("apiKey" in values) clean.apiKey = String(values.apiKey).trim();
  if ("persona" in values) clean.persona = String(values.persona).trim();
  if ("minChars" in values) {
    const n = Number.parseInt(values.minChars, 10);
    clean.minChars = Number.isFinite(n) && n >= 0 ? n : DEFAULT_MIN_CHARS;
  }
  await chrome.storage.local.set(clean);
  return clean;
}
