// The service worker: the only context that calls the service on behalf of Slack tabs. Content
// scripts run in app.slack.com's origin and would need CORS from the service; here the host
// permission for the service's origin is enough, and the API key never reaches the Slack page.

import { detectKey, getCached, putCached } from "./lib/detect_cache.js";
import { MESSAGES } from "./lib/messages.js";
import { ServiceError, callService } from "./lib/service.js";
import { loadSettings } from "./lib/settings.js";

// /v1/distill refuses unknown fields (extra="forbid"); turn this on once it accepts channel_id,
// so that the channel's persona applies.
const SEND_CHANNEL_ID = true;
const DETECT_CONCURRENCY = 4; // parallel /v1/detect calls per batch: quick, yet gentle on the key
const MAX_TEXT_CHARS = 200_000; // the service's input limit; longer text would only earn a 413/422

// After a 429, detection (background work nobody asked for) waits; a click still goes through
// and shows the retry time.
let detectPausedUntil = 0;

const HANDLERS = {
  /** What a content script needs to decide which messages get the action. */
  async config() {
    const settings = await loadSettings();
    return { minChars: settings.minChars, configured: Boolean(settings.apiKey) };
  },

  /** Distill one message: {text, channelId} → the service's DistillResponse. */
  async distill({ text, channelId }) {
    const settings = await loadSettings();
    const body = { text: String(text).slice(0, MAX_TEXT_CHARS) };
    if (settings.persona) body.persona = settings.persona;
    if (SEND_CHANNEL_ID && channelId) body.channel_id = String(channelId);
    return callService(settings, "/v1/distill", { body });
  },

  /** Score a batch: {items: [{channelId, ts, text, postedByApp}]} → {ts: verdict}. Verdicts come
   *  from the session cache when the same text was scored before. */
  async detect({ items }) {
    if (!Array.isArray(items) || items.length === 0 || Date.now() < detectPausedUntil) return {};
    const settings = await loadSettings();
    if (!settings.apiKey) return {};
    const keyed = items.map((item) => ({
      ...item,
      key: detectKey(item.channelId, item.ts, item.text),
    }));
    const cached = await getCached(keyed.map((item) => item.key));
    const fresh = {};
    const missing = keyed.filter((item) => !(item.key in cached));
    await forEachLimited(missing, DETECT_CONCURRENCY, async (item) => {
      try {
        const verdict = await callService(settings, "/v1/detect", {
          body: { text: String(item.text).slice(0, MAX_TEXT_CHARS), posted_by_app: !!item.postedByApp },
        });
        fresh[item.key] = {
          verbose: Boolean(verdict.verbose_agent),
          score: verdict.agent_score,
          reasons: Array.isArray(verdict.reasons) ? verdict.reasons.slice(0, 6) : [],
        };
      } catch (exc) {
        if (exc instanceof ServiceError && exc.kind === "rate_limited") {
          detectPausedUntil = Date.now() + 1000 * (exc.retryAfter ?? 60);
        }
        // Other failures leave the message unbadged; clicking Distill shows the error itself.
      }
    });
    if (Object.keys(fresh).length) await putCached(fresh);
    const verdicts = {};
    for (const item of keyed) {
      const verdict = fresh[item.key] ?? cached[item.key];
      if (verdict) verdicts[item.ts] = verdict;
    }
    return verdicts;
  },

  async openOptions() {
    await chrome.runtime.openOptionsPage();
    return null;
  },
};

chrome.runtime.onMessage.addListener((message, sender, sendResponse) => {
  // Only this extension's own scripts may ask (no externally_connectable is declared anyway).
  const handler = sender.id === chrome.runtime.id ? HANDLERS[message?.type] : undefined;
  if (!handler) return false;
  handler(message).then(
    (result) => sendResponse({ ok: true, result }),
    (error) => sendResponse({ ok: false, error: plainError(error) }),
  );
  return true; // the answer comes asynchronously
});

function plainError(error) {
  if (error instanceof ServiceError) return error.toPlain();
  console.error("slack-distiller:", error);
  return { kind: "internal", message: MESSAGES.internal(String(error?.message ?? error)) };
}

async function forEachLimited(items, limit, worker) {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await worker(items[next++]);
  });
  await Promise.all(lanes);
}
