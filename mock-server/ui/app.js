// The dashboard of compshare-mock: reads and steers the mock through its
// control plane (/_mock/...) only. Every string from the mock is put in the
// page as text, never as markup.
"use strict";

const POLL_MS = 1000;
const JOURNAL_ROWS = 300;
const TOKEN_KEY = "compshare-mock-admin-token";

const $ = (sel) => document.querySelector(sel);
let world = null;
let selectedSeq = null;
let polling = false;

// An element with attributes and children (strings become text nodes).
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// Rebuilds an element's children only when what they show changed, so rows
// stay put (and clickable) between polls.
const shown = new Map();
function renderIfChanged(el, data, build) {
  const key = JSON.stringify(data);
  if (shown.get(el) === key) return;
  shown.set(el, key);
  el.replaceChildren(...build());
}

function say(text, bad) {
  const s = $("#status");
  s.textContent = text;
  s.className = bad ? "status bad" : "status";
}

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const resp = await fetch("/_mock" + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  let data = null;
  try {
    data = await resp.json();
  } catch (_) {
    data = null;
  }
  if (resp.status === 401) {
    $("#auth").hidden = false;
    throw new Error("the control plane needs the admin token");
  }
  if (!resp.ok) {
    throw new Error((data && data.Error) || method + " " + path + ": HTTP " + resp.status);
  }
  return data;
}

function iso(epoch) {
  return new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
}

function accountName(id) {
  const a = world && world.Accounts.find((x) => x.AccountId === id);
  return a ? a.AccountName + " (" + id + ")" : id || "";
}

// ---- the world ------------------------------------------------------------

function fillSelect(select, accounts, keepFirst) {
  const before = select.value;
  const fixed = keepFirst ? [select.options[0]] : [];
  const options = accounts.map((a) => h("option", { value: a.AccountId }, a.AccountName + " (" + a.AccountId + ")"));
  const same = select.options.length === fixed.length + options.length &&
    options.every((o, i) => select.options[i + fixed.length].value === o.value);
  if (same) return;
  select.replaceChildren(...fixed, ...options);
  if ([...select.options].some((o) => o.value === before)) select.value = before;
}

function renderClock(c) {
  const clock = $("#clock");
  clock.replaceChildren(
    h("span", { id: "clock-now" }, iso(c.Now)),
    " ",
    h("span", { class: "muted" }, "offset " + c.Offset + " s"),
    " ",
    h("span", { id: "clock-mode", class: c.Frozen ? "tag frozen" : "tag running" }, c.Frozen ? "frozen" : "running"),
  );
}

function renderWorld(state) {
  world = state;
  renderClock(state.Clock);
  fillSelect($("#account"), state.Accounts, false);
  fillSelect($("#filter-account"), state.Accounts, true);
  const account = $("#account").value;
  const now = state.Clock.Now;

  const instances = state.Instances.filter((i) => i.account_id === account);
  renderIfChanged($("#instances tbody"), [instances, now], () => instances.length ? instances.map((i) => {
    const left = i.pending ? Math.max(0, i.pending[0] - now) : null;
    return h("tr", { "data-id": i.uhost_id },
      h("td", { class: "mono" }, i.uhost_id),
      h("td", {}, i.name),
      h("td", { class: "state" }, h("span", { class: "tag st-" + i.state }, i.state)),
      h("td", { class: "left" }, left === null ? "" : left + " s → " + i.pending[1]),
      h("td", {}, i.gpu + " × " + i.gpu_type));
  }) : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, "none"))]);

  // Newest first: a build just started is at the top.
  const images = state.Images
    .filter((i) => i.ImageType === "Custom" && i.Owner && i.Owner.AccountId === account)
    .sort((a, b) => b.CreateTime - a.CreateTime || (a.CompShareImageId < b.CompShareImageId ? -1 : 1));
  renderIfChanged($("#images tbody"), [images, state.Builds, now], () => images.length ? images.map((i) => {
    const build = state.Builds && state.Builds[i.CompShareImageId];
    let progress = "";
    if (i.Status === "Making" && build) {
      const span = Math.max(1, build.Ready - build.Start);
      const pct = Math.min(100, Math.max(0, Math.round((100 * (now - build.Start)) / span)));
      progress = h("span", { class: "bar", title: Math.max(0, build.Ready - now) + " s left" },
        h("span", { style: "width:" + pct + "%" }), h("b", {}, pct + "%"));
    } else if (i.Status === "Making") {
      progress = h("span", { class: "muted" }, "no build scheduled");
    } else if (i.FailedReason) {
      progress = h("span", { class: "muted" }, i.FailedReason);
    }
    return h("tr", { "data-id": i.CompShareImageId },
      h("td", { class: "mono" }, i.CompShareImageId),
      h("td", {}, i.Name),
      h("td", { class: "status-cell" }, h("span", { class: "tag im-" + i.Status }, i.Status)),
      h("td", {}, progress));
  }) : [h("tr", {}, h("td", { colspan: 4, class: "muted" }, "none"))]);

  const shares = state.Shares || {};
  const mine = images.filter((i) => shares[i.CompShareImageId]);
  const withMe = Object.keys(shares).filter((id) => shares[id].includes(account));
  $("#shares").replaceChildren(
    h("p", {}, h("b", {}, "Shared by this account: "),
      mine.length ? mine.map((i) => i.Name + " → " + shares[i.CompShareImageId].map(accountName).join(", ")).join("; ") : "none"),
    h("p", {}, h("b", {}, "Shared with this account: "), withMe.length ? withMe.join(", ") : "none"));

  const count = (list, key) => list.reduce((m, x) => ((m[x[key]] = (m[x[key]] || 0) + 1), m), {});
  const families = [
    ["Instances", instances.length, count(instances, "state")],
    ["Custom images", images.length, count(images, "Status")],
    ["Shares given", mine.length, {}],
    ["Shares received", withMe.length, {}],
    ["Platform images", state.Images.filter((i) => i.ImageType !== "Custom").length, {}],
  ];
  $("#families").replaceChildren(...families.map(([name, n, by]) =>
    h("span", { class: "family" + (n ? "" : " empty") }, h("b", {}, String(n)), " " + name,
      Object.keys(by).length ? h("small", {}, " " + Object.entries(by).map(([k, v]) => v + " " + k).join(", ")) : null)));
}

// ---- the journal ----------------------------------------------------------

function journalQuery() {
  const q = new URLSearchParams();
  const action = $("#filter-action").value.trim();
  const code = $("#filter-retcode").value.trim();
  const account = $("#filter-account").value;
  if (action) q.set("action", action);
  if (code) q.set("ret_code", code);
  if (account) q.set("account", account);
  const s = q.toString();
  return "/requests" + (s ? "?" + s : "");
}

function outcome(e) {
  if (e.RetCode !== null && e.RetCode !== undefined) return String(e.RetCode);
  return "HTTP " + e.HttpStatus;
}

function renderJournal(data) {
  const entries = data.Requests.slice(-JOURNAL_ROWS).reverse();
  $("#journal-count").textContent = data.Count > JOURNAL_ROWS
    ? "newest " + JOURNAL_ROWS + " of " + data.Count
    : data.Count + " kept";
  renderIfChanged($("#journal tbody"), [entries.map((e) => e.Seq), data.Count], () => entries.map((e) => {
    const ok = e.RetCode === 0 && e.HttpStatus === 200;
    return h("tr", {
      "data-seq": e.Seq,
      class: (ok ? "" : "failed") + (e.Seq === selectedSeq ? " selected" : ""),
      tabindex: 0,
      onclick: () => openEntry(e.Seq),
      onkeydown: (ev) => { if (ev.key === "Enter") openEntry(e.Seq); },
    },
    h("td", {}, e.Seq),
    h("td", { class: "time" }, new Date(e.TimeMs).toLocaleTimeString([], { hour12: false })),
    h("td", {}, e.Action || h("i", { class: "muted" }, "none")),
    h("td", {}, e.Account || ""),
    h("td", { class: "retcode" }, outcome(e)),
    h("td", {}, e.DurationMicros));
  }));
}

function kv(rows) {
  return h("table", { class: "kv" }, h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", {}, k), h("td", {}, v)))));
}

function prettyAnswer(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch (_) {
    return text;
  }
}

async function openEntry(seq) {
  selectedSeq = seq;
  history.replaceState(null, "", "#request=" + seq);
  for (const tr of document.querySelectorAll("#journal tbody tr")) {
    tr.classList.toggle("selected", Number(tr.dataset.seq) === seq);
  }
  const detail = $("#detail");
  let e;
  try {
    e = await api("GET", "/requests/" + seq);
  } catch (err) {
    detail.hidden = false;
    detail.replaceChildren(h("p", { class: "bad" }, String(err.message)));
    return;
  }
  const parts = [
    h("div", { class: "panel-head" },
      h("h3", {}, "#" + e.Seq + " " + (e.Action || "(no action)")),
      h("button", { type: "button", id: "detail-close", onclick: () => {
        detail.hidden = true;
        selectedSeq = null;
        history.replaceState(null, "", location.pathname);
        for (const tr of document.querySelectorAll("#journal tr.selected")) tr.classList.remove("selected");
      } }, "Close")),
    kv([
      ["RequestId", e.RequestId],
      ["Received", new Date(e.TimeMs).toISOString() + " (virtual " + iso(e.VirtualTime) + ")"],
      ["Took", e.DurationMicros + " µs"],
      ["Account", accountName(e.Account)],
      ["Form", e.Form || ""],
      ["HTTP", String(e.HttpStatus)],
      ["RetCode", e.RetCode === null ? "" : String(e.RetCode)],
      ["Message", e.Message || ""],
      ["Refused by", e.RefusedBy || ""],
      ["Fault rule", e.Fault === null ? "" : String(e.Fault)],
    ]),
  ];
  if (e.Signature) {
    parts.push(h("section", { id: "diagnosis", class: "diagnosis" },
      h("h4", {}, "Signature diagnosis"),
      h("p", {}, "The string the mock hashed (followed by the private key, not shown):"),
      h("pre", { id: "canonical" }, e.Signature.Canonical),
      h("ul", { id: "hints" }, e.Signature.Hints.map((x) => h("li", {}, x)))));
  }
  parts.push(h("h4", {}, "Parameters"), kv(Object.entries(e.Params)));
  parts.push(h("h4", {}, "Answer" + (e.AnswerClipped ? " (first bytes of " + e.AnswerSize + ")" : "")),
    h("pre", { id: "answer" }, e.AnswerClipped ? e.Answer + "…" : prettyAnswer(e.Answer)));
  detail.replaceChildren(...parts);
  detail.hidden = false;
}

// ---- fault rules ----------------------------------------------------------

function describeRule(r) {
  const match = [r.action || "any action"];
  if (r.params) match.push(Object.entries(r.params).map(([k, v]) => k + "=" + v).join(" "));
  if (r.times) match.push("next " + r.times);
  if (r.probability !== undefined) match.push("p=" + r.probability);
  const effect = [];
  if (r.ret_code !== undefined) effect.push("RetCode " + r.ret_code + (r.message ? " “" + r.message + "”" : ""));
  if (r.http_status !== undefined) effect.push("HTTP " + r.http_status);
  if (r.drop_connection) effect.push("drop connection");
  if (r.malformed_body) effect.push("malformed body");
  if (r.delay_ms !== undefined) effect.push("delay " + r.delay_ms + " ms");
  return [match.join(", "), effect.join(" + ")];
}

function renderFaults(data) {
  const rules = data.Faults;
  renderIfChanged($("#faults tbody"), rules, () => rules.length ? rules.map((r) => {
    const [match, effect] = describeRule(r);
    return h("tr", { "data-id": r.id },
      h("td", {}, r.id), h("td", {}, match), h("td", {}, effect),
      h("td", { class: r.exhausted ? "exhausted" : "" }, r.exhausted ? r.applied + " (used up)" : String(r.applied)),
      h("td", {}, h("button", { type: "button", class: "remove", onclick: () => act(() => api("DELETE", "/faults/" + r.id), "rule " + r.id + " removed") }, "Remove")));
  }) : [h("tr", {}, h("td", { colspan: 5, class: "muted" }, "none"))]);
}

function ruleFromForm(form) {
  const f = new FormData(form);
  const rule = {};
  const text = (k) => String(f.get(k) || "").trim();
  const num = (k) => (text(k) === "" ? undefined : Number(text(k)));
  if (text("action")) rule.action = text("action");
  const params = text("params");
  if (params) {
    rule.params = {};
    for (const line of params.split(/\n|,/)) {
      const l = line.trim();
      if (!l) continue;
      const at = l.indexOf("=");
      if (at < 1) throw new Error("params: “" + l + "” is not Key=Value");
      rule.params[l.slice(0, at).trim()] = l.slice(at + 1).trim();
    }
  }
  for (const k of ["ret_code", "http_status", "delay_ms", "times", "probability"]) {
    const v = num(k);
    if (v !== undefined) {
      if (Number.isNaN(v)) throw new Error(k + " is not a number");
      rule[k] = v;
    }
  }
  if (text("message")) rule.message = text("message");
  if (f.get("drop_connection")) rule.drop_connection = true;
  if (f.get("malformed_body")) rule.malformed_body = true;
  return rule;
}

// ---- controls -------------------------------------------------------------

async function act(fn, done) {
  try {
    const msg = await fn();
    say(typeof msg === "string" ? msg : done);
    await refresh();
  } catch (err) {
    say(String(err.message), true);
  }
}

async function refresh() {
  if (polling) return;
  polling = true;
  try {
    const [state, journal, faults] = await Promise.all([
      api("GET", "/state"),
      api("GET", journalQuery()),
      api("GET", "/faults"),
    ]);
    renderWorld(state);
    renderJournal(journal);
    renderFaults(faults);
    if ($("#status").classList.contains("bad") && $("#status").dataset.poll) say("");
  } catch (err) {
    say(String(err.message), true);
    $("#status").dataset.poll = "1";
    return;
  } finally {
    polling = false;
  }
  delete $("#status").dataset.poll;
}

async function loadActions() {
  try {
    const data = await api("GET", "/actions");
    $("#actions").replaceChildren(...data.Actions.map((a) => h("option", { value: a.Action })));
  } catch (_) {
    // The list only helps typing; the page works without it.
  }
}

function wire() {
  $("#advance").addEventListener("click", () => {
    const seconds = Number($("#advance-seconds").value);
    if (!Number.isInteger(seconds) || seconds < 0) {
      say("seconds must be a whole number ≥ 0", true);
      return;
    }
    act(() => api("POST", "/clock/advance", { seconds }), "clock advanced " + seconds + " s");
  });
  $("#freeze").addEventListener("click", () => act(() => api("POST", "/clock/freeze"), "clock frozen"));
  $("#run").addEventListener("click", () => act(() => api("POST", "/clock/run"), "clock running"));
  $("#reset").addEventListener("click", () => act(() => api("POST", "/reset"), "state reset to the fixtures"));
  $("#save").addEventListener("click", () => act(async () => {
    const r = await api("POST", "/save");
    return "saved to " + r.Saved;
  }, "state saved"));
  $("#journal-clear").addEventListener("click", () => act(() => api("DELETE", "/requests"), "journal cleared"));
  $("#account").addEventListener("change", () => world && renderWorld(world));
  for (const id of ["#filter-action", "#filter-retcode", "#filter-account"]) {
    $(id).addEventListener("input", () => refresh());
  }
  $("#journal-filter").addEventListener("submit", (ev) => ev.preventDefault());
  $("#fault-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const form = ev.target;
    act(async () => {
      const r = await api("POST", "/faults", ruleFromForm(form));
      form.reset();
      return r;
    }, "rule added");
  });
  $("#token").value = sessionStorage.getItem(TOKEN_KEY) || "";
  $("#token-save").addEventListener("click", () => {
    const t = $("#token").value.trim();
    if (t) sessionStorage.setItem(TOKEN_KEY, t);
    else sessionStorage.removeItem(TOKEN_KEY);
    say(t ? "token set for this tab" : "token cleared");
    loadActions();
    refresh();
  });
}

wire();
loadActions();
refresh();
// A link to one request (`#request=SEQ`) opens it.
const linked = /^#request=(\d+)$/.exec(location.hash);
if (linked) openEntry(Number(linked[1]));
setInterval(refresh, POLL_MS);
