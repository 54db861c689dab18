// SMS page of the WeCom sandbox: what each phone number received through the fake Tencent/Alibaba SMS APIs, their
// receipts, and a box to reply from a number (上行). Plain DOM; every field is set with textContent.
"use strict";

const POLL_MS = 2000;
const view = { number: null, listKey: "", threadKey: "" };
const $ = (id) => document.getElementById(id);
const PROVIDERS = { tencent: "腾讯云短信", aliyun: "阿里云短信" };
const STATUS = { delivered: ["已送达", "ok"], pending: ["等待回执", ""], failed: ["送达失败", "err"], refused: ["被拒", "err"] };

async function api(path, body) {
  try {
    const res = await fetch("/sandbox/api/" + path, body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    return await res.json();
  } catch (err) {
    say("沙箱无响应：" + err.message, "err");
    return {};
  }
}

function say(text, kind) {
  $("status").textContent = text;
  $("status").className = "status" + (kind ? " " + kind : "");
}

function when(seconds) {
  return seconds ? new Date(seconds * 1000).toLocaleString("zh-CN", { hour12: false }) : "";
}

// ---- one SMS, one reply ------------------------------------------------------------------------------
function smsRow(sms) {
  const [label, tone] = STATUS[sms.status] || [sms.status, ""];
  const outcome = sms.status === "refused" ? `${label}：${sms.code} ${sms.message || ""}`
    : sms.status === "failed" ? `${label}：${sms.receipt_code}` : label;
  const facts = [
    `模板 ${sms.template_id}${sms.kind ? "（" + sms.kind + "）" : ""}`,
    sms.segments ? `计费 ${sms.segments} 条` : null,
    sms.reference ? `参考号 ${sms.reference}` : null,
    sms.provider_id ? `${sms.provider === "aliyun" ? "BizId" : "SerialNo"} ${sms.provider_id}` : null,
  ].filter(Boolean).join(" · ");
  const text = sms.text || `（未发出）参数：${JSON.stringify(sms.params)}`;
  return h("div", { class: "row sms" + (sms.status === "refused" ? " dropped" : ""), "data-id": sms.id },
    h("span", { class: "avatar member" }, "信"),
    h("div", { class: "body" },
      h("div", { class: "stamp" }, `${PROVIDERS[sms.provider] || sms.provider} · ${when(sms.sent_at)}`),
      h("div", { class: "bubble sms-text" }, text),
      h("div", { class: "stamp sms-facts" }, facts),
      h("div", { class: "delivery " + tone }, outcome)));
}

function replyRow(reply) {
  const pushed = reply.push_error ? `推送失败：${reply.push_error}` : reply.pushed ? "已推送" : "";
  return h("div", { class: "row mine reply", "data-id": reply.id },
    h("span", { class: "avatar customer" }, "我"),
    h("div", { class: "body" },
      h("div", { class: "stamp" }, `回复 · ${when(reply.at)}`),
      h("div", { class: "bubble" }, reply.text),
      h("div", { class: "stamp" }, [reply.pulled ? "已被拉取" : "", pushed].filter(Boolean).join(" · "))));
}

// ---- panes --------------------------------------------------------------------------------------------
function renderNumbers(data) {
  const numbers = data.numbers || [];
  const key = JSON.stringify(numbers) + view.number;
  if (key === view.listKey) return;
  view.listKey = key;
  $("provider").textContent = `${PROVIDERS[data.provider] || "短信未开启"} · 产品发出的短信都收在这里`;
  $("limits").textContent = `同一号码每小时最多 ${data.per_hour} 条；回执在发送 ${data.receipt_delay} 秒后可拉取。`;
  const list = $("number-list");
  list.replaceChildren(h("div", { class: "group-label" }, numbers.length ? "收到过短信的号码" : "还没有短信"));
  for (const item of numbers) {
    const active = item.number === view.number;
    list.append(h("button", { type: "button", class: "user" + (active ? " active" : ""),
      "aria-current": active ? "true" : null, onclick: () => select(item.number) },
      h("span", { class: "avatar member sms-tail" }, item.number.slice(-4)),
      h("span", { class: "who" }, h("div", { class: "name" }, item.number),
        h("div", { class: "meta" }, item.last_text || "")),
      h("span", { class: "badge" }, item.count)));
  }
}

function renderThread(data) {
  const entries = [...(data.messages || []), ...(data.refused || []), ...(data.replies || [])]
    .sort((a, b) => a.id - b.id);
  const key = JSON.stringify(entries);
  if (key === view.threadKey) return;
  view.threadKey = key;
  const refused = (data.refused || []).length;
  $("number-sub").textContent = `收到 ${(data.messages || []).length} 条短信，回复 ${(data.replies || []).length} 条`
    + (refused ? `，被拒 ${refused} 次` : "");
  const thread = $("thread");
  thread.replaceChildren(...(entries.length ? entries.map((e) => (e.from ? replyRow(e) : smsRow(e)))
    : [h("div", { class: "empty" }, "这个号码还没有收到短信。")]));
  thread.scrollTop = thread.scrollHeight;
}

async function refresh() {
  renderNumbers(await api("sms"));
  if (view.number) renderThread(await api("sms?to=" + encodeURIComponent(view.number)));
}

function select(number) {
  view.number = number;
  view.threadKey = "";
  view.listKey = "";
  history.replaceState(null, "", "/console/sms?to=" + encodeURIComponent(number));
  $("number-title").textContent = number;
  $("reply-form").hidden = false;
  refresh();
}

async function reply(event) {
  event.preventDefault();
  const text = $("reply-text").value.trim();
  if (!text || !view.number) return;
  $("reply-send").disabled = true;
  const answer = await api("sms/reply", { from: view.number, text });
  $("reply-send").disabled = false;
  if (!answer.ok) return say(answer.error || "回复失败", "err");
  $("reply-text").value = "";
  say("已回复", "ok");
  refresh();
}

async function start() {
  $("number-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const raw = $("number-input").value.replace(/[\s-]/g, "");
    if (!/^\+?\d{6,15}$/.test(raw)) return say("请输入手机号，如 13800138000 或 +8613800138000", "err");
    say("");
    $("number-input").value = "";
    select(/^1\d{10}$/.test(raw) ? "+86" + raw : raw.startsWith("+") ? raw : "+" + raw);
  });
  $("reply-form").addEventListener("submit", reply);
  $("reply-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) reply(event);
  });
  const data = await api("sms");
  const wanted = new URLSearchParams(location.search).get("to");
  const first = (data.numbers || [])[0];
  if (wanted) select(wanted);
  else if (first) select(first.number);
  else renderNumbers(data);
  setInterval(refresh, POLL_MS);
}

start();
