// The options page: service URL, API key, persona and threshold in chrome.storage.local, and a
// connection test that checks, in order, that the service answers and that it accepts the key.

import { MESSAGES } from "../lib/messages.js";
import { ServiceError, callService, parseServiceUrl } from "../lib/service.js";
import { loadSettings, saveSettings } from "../lib/settings.js";

const FIELDS = ["serviceUrl", "apiKey", "persona", "minChars"];
const form = document.getElementById("settings");
const status = document.getElementById("status");
const buttons = form.querySelectorAll("button");

function formValues() {
  return Object.fromEntries(FIELDS.map((name) => [name, form.elements[name].value.trim()]));
}

/** Show status lines: [{ok: true | false | null, text}], as text. */
function report(lines) {
  status.replaceChildren(
    ...lines.map(({ ok, text }) => {
      const item = document.createElement("li");
      if (ok !== null) item.className = ok ? "ok" : "fail";
      item.textContent = text;
      return item;
    }),
  );
}

// Chrome grants a host permission only during a user gesture, so this must be the first thing a
// click does (no await before it). Already-granted origins (loopback) resolve at once, silently.
function requestOrigin(serviceUrl) {
  let parsed;
  try {
    parsed = parseServiceUrl(serviceUrl);
  } catch (exc) {
    return Promise.reject(exc);
  }
  return chrome.permissions.request({ origins: [parsed.pattern] }).then((granted) => {
    if (!granted) throw new ServiceError("permission", MESSAGES.permissionDenied(parsed.origin));
    return parsed;
  });
}

async function save(values, permission) {
  await permission;
  await saveSettings(values);
  report([{ ok: true, text: MESSAGES.saved() }]);
}

async function testConnection(values, permission) {
  const { origin } = await permission;
  report([{ ok: null, text: "Testing…" }]);
  const lines = [];
  try {
    await callService(values, "/healthz", { auth: false });
    lines.push({ ok: true, text: MESSAGES.serviceUp(origin) });
    // An authenticated call with the scope the extension needs, not just any valid key.
    await callService(values, "/v1/detect", { body: { text: "Slack Distiller connection test" } });
    lines.push({ ok: true, text: MESSAGES.keyAccepted() });
    lines.push({ ok: true, text: MESSAGES.connectionOk() });
  } catch (exc) {
    if (!(exc instanceof ServiceError)) throw exc;
    lines.push({ ok: false, text: exc.message }, { ok: false, text: MESSAGES.connectionFailed() });
    report(lines);
    return;
  }
  report(lines);
  await offerPersonas(values);
}

// Suggest the service's persona names in the persona field; optional, so failures stay quiet.
async function offerPersonas(values) {
  try {
    const personas = await callService(values, "/v1/personas");
    const names = personas.map((persona) => String(persona.name));
    document.getElementById("personas").replaceChildren(...names.map((name) => new Option(name)));
  } catch {
    // the connection test already said what matters
  }
}

function run(task) {
  buttons.forEach((button) => (button.disabled = true));
  task
    .catch((exc) => report([{ ok: false, text: exc?.message || String(exc) }]))
    .finally(() => buttons.forEach((button) => (button.disabled = false)));
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const values = formValues();
  run(save(values, requestOrigin(values.serviceUrl)));
});

document.getElementById("test").addEventListener("click", () => {
  const values = formValues();
  run(testConnection(values, requestOrigin(values.serviceUrl)));
});

loadSettings().then((settings) => {
  for (const name of FIELDS) form.elements[name].value = String(settings[name] ?? "");
});
