// Mailbox page of the WeCom sandbox: the e-mails its SMTP server took, by recipient. Plain DOM; every field is
// set with textContent, links are checked (http/https/mailto), and an e-mail's HTML is shown only inside an
// <iframe sandbox> (no scripts, no same-origin, no forms) with a policy that forbids script as well.
"use strict";

const POLL_MS = 2000;
const view = { address: null, boxesKey: "", mailsKey: "", open: new Set(), seen: new Set() };
const $ = (id) => document.getElementById(id);

async function api(path) {
  try {
    const res = await fetch("/sandbox/api/" + path);
    return await res.json();
  } catch (err) {
    $("status").textContent = "沙箱无响应：" + err.message;
    $("status").className = "status err";
    return {};
  }
}

function link(url, text) {
  const href = typeof url === "string" ? url.trim() : "";
  if (!/^(https?:\/\/|mailto:)/i.test(href)) return h("span", {}, text || href);
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text || href);
}

function when(value) {
  if (value === null || value === undefined || value === "") return "";
  const d = typeof value === "number" ? new Date(value * 1000) : new Date(value);
  return isNaN(d) ? String(value) : d.toLocaleString("zh-CN", { hour12: false });
}

function size(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1 << 20) return (bytes / 1024).toFixed(1) + " KB";
  return (bytes / (1 << 20)).toFixed(1) + " MB";
}

// ---- one e-mail -------------------------------------------------------------------------------------
function htmlFrame(html) {
  const frame = h("iframe", {
    class: "mail-html", title: "邮件 HTML 内容", sandbox: "allow-popups allow-popups-to-escape-sandbox",
    referrerpolicy: "no-referrer",
  });
  // srcdoc is set as a property: the e-mail's HTML never passes through this page's own markup.
  frame.srcdoc = '<!doctype html><meta charset="utf-8">'
    + "<meta http-equiv=\"Content-Security-Policy\" content=\"script-src 'none'; object-src 'none'; form-action 'none'\">"
    + '<base target="_blank"><style>body{font-family:sans-serif;margin:12px;word-break:break-word}</style>' + html;
  return frame;
}

function unsubscribe(headers) {
  const value = headers["List-Unsubscribe"];
  if (!value) return null;
  const targets = [...value.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
  const oneClick = /One-Click/i.test(headers["List-Unsubscribe-Post"] || "");
  return h("div", { class: "mail-unsub" }, "退订：",
    targets.length ? targets.map((t) => link(t, t)) : value,
    oneClick ? h("span", { class: "badge" }, "支持一键退订 (RFC 8058)") : null);
}

function attachment(item) {
  const label = `附件：${item.filename || "（无文件名）"} · ${item.content_type} · ${size(item.size)}`;
  if (item.content === undefined) return h("li", {}, label);
  return h("li", {}, h("details", {}, h("summary", {}, label), h("pre", { class: "mail-text" }, item.content)));
}

function meta(label, value) {
  return value ? [h("dt", {}, label), h("dd", {}, value)] : [];
}

function mailCard(mail) {
  const body = [
    h("dl", { class: "card-kv" },
      meta("发件人", mail.from), meta("收件人", mail.to), meta("抄送", mail.cc),
      meta("回复到", mail.headers["Reply-To"]), meta("发送时间", when(mail.date)),
      meta("收到时间", when(mail.received_at)), meta("Auto-Submitted", mail.headers["Auto-Submitted"]),
      meta("Message-ID", mail.message_id)),
    unsubscribe(mail.headers),
    mail.attachments.length ? h("ul", { class: "mail-attachments", "aria-label": "附件" },
      mail.attachments.map(attachment)) : null,
    mail.html ? [h("div", { class: "group-label" }, "HTML 版本"), htmlFrame(mail.html)] : null,
    mail.text !== null ? [h("div", { class: "group-label" }, "纯文本版本"),
      h("pre", { class: "mail-text mail-plain" }, mail.text)] : null,
  ];
  const card = h("details", { class: "card mail", "data-id": mail.id },
    h("summary", { class: "mail-summary" },
      h("span", { class: "card-title" }, mail.subject || "（无主题）"),
      h("span", { class: "stamp" }, `${mail.from || mail.envelope_from || ""} · ${when(mail.date || mail.received_at)}`)),
    h("div", { class: "card-inner" }, body));
  card.open = view.open.has(mail.id);
  card.addEventListener("toggle", () => (card.open ? view.open.add(mail.id) : view.open.delete(mail.id)));
  return card;
}

// ---- panes --------------------------------------------------------------------------------------------
function renderBoxes(boxes) {
  const key = JSON.stringify(boxes) + view.address;
  if (key === view.boxesKey) return;
  view.boxesKey = key;
  const list = $("box-list");
  list.replaceChildren(h("div", { class: "group-label" }, boxes.length ? "收到过邮件的地址" : "还没有邮件"));
  for (const box of boxes) {
    const active = box.address === view.address;
    list.append(h("button", { type: "button", class: "user" + (active ? " active" : ""), "aria-current": active ? "true" : null,
      onclick: () => select(box.address) },
      h("span", { class: "avatar member" }, box.address.slice(0, 1).toUpperCase()),
      h("span", { class: "who" }, h("div", { class: "name" }, box.address),
        h("div", { class: "meta" }, box.last_subject || "（无主题）")),
      h("span", { class: "badge" }, box.count)));
  }
}

function renderMails(data) {
  const mails = (data.messages || []).slice().reverse();  // the newest first
  const key = JSON.stringify(mails.map((m) => m.id));
  if (key === view.mailsKey) return;
  view.mailsKey = key;
  for (const mail of mails) {  // a newly arrived e-mail opens by itself; what the reader closed stays closed
    if (!view.seen.has(mail.id)) {
      view.seen.add(mail.id);
      if (mail === mails[0]) view.open.add(mail.id);
    }
  }
  $("box-sub").textContent = mails.length ? `${mails.length} 封邮件，最新的在上` : "";
  const box = $("mails");
  box.replaceChildren(...(mails.length ? mails.map(mailCard)
    : [h("div", { class: "empty" }, "这个地址还没有收到邮件。")]));
}

async function refresh() {
  const data = await api("mail");
  if (data.mailboxes) renderBoxes(data.mailboxes);
  if (view.address) renderMails(await api("mail?full=1&to=" + encodeURIComponent(view.address)));
}

function select(address) {
  view.address = address.trim().toLowerCase();
  view.mailsKey = "";
  view.boxesKey = "";
  history.replaceState(null, "", "/console/mail?to=" + encodeURIComponent(view.address));
  $("box-title").textContent = view.address;
  refresh();
}

async function start() {
  $("box-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const address = $("box-address").value.trim();
    if (!/^[^@\s]+@[^@\s]+$/.test(address)) {
      $("status").textContent = "请输入完整的邮箱地址，如 zhangsan@example.com";
      $("status").className = "status err";
      return;
    }
    $("status").textContent = "";
    $("box-address").value = "";
    select(address);
  });
  const info = await api("info");
  if (info.smtp) $("smtp").textContent = `SMTP ${info.smtp} · 产品发出的邮件都收在这里`;
  const wanted = new URLSearchParams(location.search).get("to");
  if (wanted) select(wanted);
  else {
    const data = await api("mail");
    const first = (data.mailboxes || [])[0];
    if (first) select(first.address);
    else renderBoxes([]);
  }
  setInterval(refresh, POLL_MS);
}

start();
