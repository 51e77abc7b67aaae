// Building the extension's nodes inside Slack's page. Message and service text is untrusted: it
// only ever becomes Text nodes (textContent / append of strings) or a validated http(s) href;
// nothing here parses HTML. A classic script; it defines one global, SdRender.

// eslint-disable-next-line no-unused-vars
const SdRender = (() => {
  const LABELS = Object.freeze({
    distill: "Distill",
    distilling: "Distilling…",
    showOriginal: "Show original",
    showDistilled: "Show distillation",
    retry: "Distill again",
    badge: "Verbose agent",
    openOptions: "Open options",
    tldr: "TL;DR",
    asks: "Asks",
  });

  /** An element with properties and children; strings become Text nodes. */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "className") node.className = value;
      else if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value); // only ever called with the constant names below
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  /** The root the extension adds under a message: a bar (action, badge) and a panel. */
  function root() {
    const action = el("button", { type: "button", className: "sd-action", text: LABELS.distill });
    const badge = el("span", { className: "sd-badge", text: LABELS.badge, hidden: "" });
    const panel = el("div", { className: "sd-panel", hidden: "" });
    const node = el("div", { className: "sd-root", "data-view": "original" },
      el("div", { className: "sd-bar" }, action, badge), panel);
    return { node, action, badge, panel };
  }

  /** The service's DistillResponse as a TL;DR line, bullets, asks and a facts line. */
  function distillation(result, mentions) {
    const parts = [
      el("div", { className: "sd-tldr" },
        el("strong", { text: `${LABELS.tldr} ` }), inline(result.tldr || "", mentions)),
    ];
    const bullets = Array.isArray(result.bullets) ? result.bullets : [];
    if (bullets.length) {
      parts.push(el("ul", { className: "sd-bullets" },
        ...bullets.map((bullet) => el("li", {}, inline(String(bullet), mentions)))));
    }
    const asks = Array.isArray(result.asks) ? result.asks : [];
    if (asks.length) {
      parts.push(el("div", { className: "sd-asks" },
        el("strong", { text: LABELS.asks }),
        el("ul", {}, ...asks.map((ask) => askItem(ask, mentions)))));
    }
    const meta = [result.facts_summary, result.persona && `persona: ${result.persona}`]
      .filter(Boolean).join(" · ");
    if (meta) parts.push(el("div", { className: "sd-meta", text: meta }));
    return parts;
  }

  function askItem(ask, mentions) {
    const text = String(ask?.text ?? "");
    const due = ask?.due && !text.includes(ask.due) ? ` (due ${ask.due})` : "";
    return el("li", { className: "sd-ask" }, inline(text, mentions), due);
  }

  /** An error from the service worker, with a way to the options when that is the fix. */
  function error(err, openOptions) {
    const node = el("div", { className: "sd-error", role: "alert", "data-kind": err?.kind || "" },
      String(err?.message || "Unknown error"));
    if (["config", "permission", "unauthorized", "forbidden"].includes(err?.kind)) {
      node.append(" ", el("button", {
        type: "button", className: "sd-link", text: LABELS.openOptions, onclick: openOptions,
      }));
    }
    return node;
  }

  // Slack mrkdwn from the service → Text nodes and links: <@U…> becomes the @name seen in the
  // message, <url|label> a link if it is http(s), and &lt; &gt; &amp; their characters (as text).
  const ENTITY = /<([^<>\s][^<>]*)>/g;

  function inline(mrkdwn, mentions) {
    const fragment = document.createDocumentFragment();
    let last = 0;
    for (const match of mrkdwn.matchAll(ENTITY)) {
      fragment.append(unescape(mrkdwn.slice(last, match.index)));
      fragment.append(entity(match[1], mentions));
      last = match.index + match[0].length;
    }
    fragment.append(unescape(mrkdwn.slice(last)));
    return fragment;
  }

  function entity(body, mentions) {
    const [target, label] = splitOnce(body, "|");
    if (target.startsWith("@")) {
      const id = target.slice(1);
      return mentions?.get(id) || (label ? `@${label}` : `@${id}`);
    }
    if (target.startsWith("#")) return `#${label || target.slice(1)}`;
    if (target.startsWith("!")) return label ? unescape(label) : `@${target.slice(1).split("^")[0]}`;
    const href = unescape(target);
    if (/^https?:\/\//i.test(href)) {
      const link = el("a", { className: "sd-link-out", target: "_blank", rel: "noopener noreferrer" },
        unescape(label || href));
      link.href = href;
      return link;
    }
    return `<${unescape(body)}>`; // not an entity after all: show it as the text it is
  }

  function splitOnce(text, separator) {
    const at = text.indexOf(separator);
    return at < 0 ? [text, ""] : [text.slice(0, at), text.slice(at + 1)];
  }

  function unescape(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  return { LABELS, root, distillation, error };
})();
