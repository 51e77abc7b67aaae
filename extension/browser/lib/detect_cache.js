// Detection verdicts, cached per message so that scrolling back and forth in a channel does not
// score the same message twice. chrome.storage.session outlives the service worker (which Chrome
// stops when idle) but not the browser session, and content scripts cannot read it by default.

const PREFIX = "detect:";

/** The cache key of a message: its channel and ts, plus a hash of the text so an edit re-scores. */
export function detectKey(channelId, ts, text) {
  return `${PREFIX}${channelId || "?"}:${ts}:${fnv1a(text)}`;
}

/** Cached verdicts for `keys`, as {key: verdict} for the ones found. */
export async function getCached(keys) {
  if (keys.length === 0) return {};
  return chrome.storage.session.get(keys);
}

/** Remember verdicts ({key: verdict}). When the session area is full, start over: a verdict is
 *  cheap to recompute and an old channel's verdicts are the least likely to be needed. */
export async function putCached(verdicts) {
  try {
    await chrome.storage.session.set(verdicts);
  } catch {
    await chrome.storage.session.clear();
    await chrome.storage.session.set(verdicts);
  }
}

// 32-bit FNV-1a over UTF-16 code units: enough to notice an edit, not a security boundary.
function fnv1a(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}
