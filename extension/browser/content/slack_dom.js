// Reading Slack web's message list. Everything that knows Slack's markup lives here, so a Slack
// redesign means editing one file. Keys on data-qa hooks and data-* attributes, which Slack keeps
// for its own tests and copy/paste, rather than on styling classes; falls back where older
// markup differs (ts on the list item or the timestamp link, channel from the URL).
// A classic script (content scripts cannot be modules); it defines one global, SlackDom.

// eslint-disable-next-line no-unused-vars
const SlackDom = (() => {
  const MESSAGE = '[data-qa="message_container"]';
  const BLOCKS = ".c-message_kit__blocks";
  const APP_BADGE = '.c-app_badge, [data-qa="message_sender_app_badge"]';
  const SENDER = '[data-qa="message_sender"]';
  const LIST_ITEM = '[data-qa="virtual-list-item"]';
  const GROUP_LOOKBACK = 20; // list items to walk back for a grouped message's sender
  const TS = /^\d{9,}\.\d+$/;
  const OURS = "sd-root"; // the extension's own nodes: never read back as message text

  /** Every rendered message container under `root`. */
  function messages(root = document) {
    return root.querySelectorAll(MESSAGE);
  }

  /** What the extension needs of one message, or null when it has no text blocks (files only,
   *  placeholders). `text` is Slack mrkdwn (mentions as <@U…>, & < > escaped) as the service
   *  expects; `visibleLength` is what a reader sees; `mentions` maps user ids to their labels. */
  function read(container) {
    const blocks = container.querySelector(BLOCKS);
    if (!blocks) return null;
    const mentions = new Map();
    const text = normalize(toMrkdwn(blocks, mentions));
    return {
      ts: tsOf(container),
      channelId: channelOf(container),
      blocks,
      text,
      visibleLength: (blocks.innerText || blocks.textContent || "").replace(/\s+/g, " ").trim().length,
      postedByApp: postedByApp(container),
      mentions,
    };
  }

  function tsOf(container) {
    const candidates = [
      container.dataset.msgTs,
      container.closest("[data-item-key]")?.dataset.itemKey,
      container.querySelector("a.c-timestamp[data-ts]")?.dataset.ts,
    ];
    return candidates.find((ts) => ts && TS.test(ts)) ?? null;
  }

  // Slack groups consecutive messages of one sender: only the first shows the name and the APP
  // badge. A grouped message takes its sender from the nearest earlier message that has one.
  function postedByApp(container) {
    if (container.querySelector(SENDER)) return container.querySelector(APP_BADGE) !== null;
    let item = container.closest(LIST_ITEM);
    for (let i = 0; item && i < GROUP_LOOKBACK; i++) {
      item = item.previousElementSibling;
      const sender = item?.querySelector(SENDER);
      if (sender) return sender.querySelector(APP_BADGE) !== null;
    }
    return false;
  }

  function channelOf(container) {
    if (container.dataset.msgChannelId) return container.dataset.msgChannelId;
    // https://app.slack.com/client/<team>/<channel>[/thread/...]
    const match = location.pathname.match(/^\/client\/[^/]+\/([CDG][A-Z0-9]+)/);
    return match ? match[1] : null;
  }

  // Slack marks how each node copies as text (data-stringify-*): follow it, so the service gets
  // what Slack itself would produce on copy, with mentions kept as ids.
  function toMrkdwn(node, mentions) {
    let out = "";
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) out += escapeText(child.data);
      else if (child.nodeType === Node.ELEMENT_NODE) out += elementToMrkdwn(child, mentions);
    }
    return out;
  }

  function elementToMrkdwn(el, mentions) {
    if (el.dataset.stringifyIgnore === "true" || el.classList.contains(OURS)) return "";
    const type = el.dataset.stringifyType;
    const tag = el.tagName;
    if (type === "mention" && el.dataset.memberId) {
      const id = el.dataset.memberId;
      mentions.set(id, el.dataset.memberLabel || el.textContent.trim() || `@${id}`);
      return `<@${id}>`;
    }
    if (el.dataset.stringifyEmoji) return el.dataset.stringifyEmoji;
    if (tag === "IMG") return el.alt ? escapeText(el.alt) : "";
    if (tag === "BR") return "\n";
    const inner = toMrkdwn(el, mentions);
    if (type === "code" || tag === "CODE") return `\`${inner}\``;
    if (type === "pre" || tag === "PRE") return `\n\`\`\`\n${inner}\n\`\`\`\n`;
    if (type === "bold" || tag === "B" || tag === "STRONG") return `*${inner}*`;
    if (type === "italic" || tag === "I" || tag === "EM") return `_${inner}_`;
    if (type === "strike" || tag === "S" || tag === "DEL") return `~${inner}~`;
    if (tag === "A" && /^https?:/i.test(el.getAttribute("href") || "")) {
      const href = el.getAttribute("href");
      return inner && inner !== escapeText(href) ? `<${href}|${inner}>` : `<${href}>`;
    }
    if (tag === "LI") {
      const list = el.parentElement;
      const marker = list?.tagName === "OL" ? `${[...list.children].indexOf(el) + 1}.` : "•";
      return `\n${marker} ${inner.trim()}`;
    }
    if (type === "quote" || tag === "BLOCKQUOTE") {
      return `\n${inner.trim().split("\n").map((line) => `> ${line}`).join("\n")}\n`;
    }
    if (tag === "DIV" || tag === "P" || tag === "UL" || tag === "OL") return `\n${inner}\n`;
    return inner;
  }

  // Slack mrkdwn escapes exactly these three; a literal "<img …>" in a message must reach the
  // service as text, not as something that looks like a Slack entity.
  function escapeText(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  function normalize(text) {
    return text
      .replace(/[ \t\u00a0]+/g, " ")
      .replace(/ *\n */g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  }

  return { messages, read };
})();
