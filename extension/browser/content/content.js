// The content script on app.slack.com: adds a Distill action under long messages, badges the ones
// the service flags as verbose agent output, and shows distillations inline. It never calls the
// service itself: the service worker does (host permission, API key kept out of this page).
// Uses SlackDom (slack_dom.js) and SdRender (render.js), loaded before it.

(() => {
  const DETECT_BATCH_DELAY_MS = 250; // gather the messages of one render before asking
  const DETECT_BATCH_MAX = 20;
  const RELOADED = {
    kind: "reloaded",
    message: "The extension was updated or reloaded: reload this Slack tab to use it again.",
  };

  let minChars = Infinity; // until the settings arrive, no message counts as long
  const short = new WeakSet(); // containers already judged too short (Slack re-renders a lot)
  const pending = new Map(); // ts → {item, bars: [root parts]} awaiting detection
  let flushTimer = null;
  let scanQueued = false;

  /** Ask the service worker; always resolves to {ok, result} or {ok: false, error}. */
  async function ask(message) {
    try {
      return (await chrome.runtime.sendMessage(message)) ?? { ok: false, error: RELOADED };
    } catch {
      // After an extension update this script is orphaned: chrome.runtime is gone.
      return { ok: false, error: RELOADED };
    }
  }

  function scan() {
    scanQueued = false;
    for (const container of SlackDom.messages()) {
      if (short.has(container) || container.querySelector(".sd-root")) continue;
      const info = SlackDom.read(container);
      // No text or ts yet (a placeholder Slack fills in later): look again on the next scan.
      if (!info || !info.ts) continue;
      if (info.visibleLength < minChars) short.add(container);
      else attach(container, info);
    }
  }

  function attach(container, info) {
    const parts = SdRender.root();
    info.blocks.after(parts.node);
    parts.action.addEventListener("click", () => onAction(container, parts));
    queueDetect(info, parts);
  }

  // A message's view (data-view on its .sd-root; the CSS hides the original only in
  // "distilled"): original → loading → distilled ⇄ distilled-hidden, or error (click retries).
  async function onAction(container, parts) {
    const view = parts.node.dataset.view;
    if (view === "distilled" || view === "distilled-hidden") {
      // Toggle between the distillation and the original without asking the service again.
      const next = view === "distilled" ? "distilled-hidden" : "distilled";
      parts.node.dataset.view = next;
      parts.panel.hidden = next !== "distilled";
      parts.action.textContent =
        next === "distilled" ? SdRender.LABELS.showOriginal : SdRender.LABELS.showDistilled;
      return;
    }
    if (view === "loading") return;
    const info = SlackDom.read(container); // fresh: the message may have been edited
    if (!info) return;
    parts.node.dataset.view = "loading";
    parts.action.textContent = SdRender.LABELS.distilling;
    parts.action.disabled = true;
    const reply = await ask({ type: "distill", text: info.text, channelId: info.channelId });
    parts.action.disabled = false;
    if (reply.ok) {
      parts.panel.replaceChildren(...SdRender.distillation(reply.result, info.mentions));
      parts.node.dataset.view = "distilled";
      parts.action.textContent = SdRender.LABELS.showOriginal;
    } else {
      parts.panel.replaceChildren(SdRender.error(reply.error, openOptions));
      parts.node.dataset.view = "error";
      parts.action.textContent = SdRender.LABELS.retry;
    }
    parts.panel.hidden = false;
  }

  function openOptions() {
    ask({ type: "openOptions" });
  }

  // Detection runs in batches: one message to the service worker per render, not per message.
  function queueDetect(info, parts) {
    const entry = pending.get(info.ts);
    if (entry) {
      entry.bars.push(parts);
    } else {
      const item = {
        ts: info.ts, channelId: info.channelId, text: info.text, postedByApp: info.postedByApp,
      };
      pending.set(info.ts, { item, bars: [parts] });
    }
    if (pending.size >= DETECT_BATCH_MAX) flushDetect();
    else if (flushTimer === null) flushTimer = setTimeout(flushDetect, DETECT_BATCH_DELAY_MS);
  }

  async function flushDetect() {
    clearTimeout(flushTimer);
    flushTimer = null;
    const batch = [...pending.values()];
    pending.clear();
    if (batch.length === 0) return;
    const reply = await ask({ type: "detect", items: batch.map((entry) => entry.item) });
    if (!reply.ok) return; // no badge; a click on Distill shows what is wrong
    for (const { item, bars } of batch) {
      const verdict = reply.result[item.ts];
      if (!verdict?.verbose) continue;
      for (const parts of bars) {
        parts.badge.hidden = false;
        parts.badge.title = (verdict.reasons || []).join("\n"); // a property: stays text
      }
    }
  }

  // Slack renders the message list lazily (virtual list, channel switches, new posts): rescan
  // after DOM changes, at most once per frame.
  function queueScan() {
    if (scanQueued) return;
    scanQueued = true;
    requestAnimationFrame(scan);
  }

  async function start() {
    const reply = await ask({ type: "config" });
    if (reply.ok) minChars = reply.result.minChars;
    new MutationObserver(queueScan).observe(document.body, { childList: true, subtree: true });
    scan();
  }

  start();
})();
