// Chat console of the WeCom sandbox: plain DOM, no framework. Everything the bot sent is rendered
// with textContent or checked links (http/https only), never innerHTML, so a message cannot run script.
"use strict";

const POLL_MS = 1500;
const view = { user: null, users: [], usersKey: "", version: -1, info: null, callsOpen: false, typed: new Set() };
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const options = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  };
  try {
    const res = await fetch("/sandbox/api/" + path, options);
    const data = await res.json().catch(() => ({ ok: false, error: "HTTP " + res.status }));
    if (!res.ok && data.ok === undefined) data.ok = false;
    return data;
  } catch (err) {
    return { ok: false, error: "沙箱无响应：" + err.message };
  }
}

function safeUrl(url) {
  return typeof url === "string" && /^https?:\/\//i.test(url.trim()) ? url.trim() : null;
}

function link(url, text) {
  const href = safeUrl(url);
  if (!href) return h("span", {}, text || url || "");
  return h("a", { href, target: "_blank", rel: "noopener noreferrer" }, text || href);
}

function mediaLink(mediaId, text) {
  return h("a", { href: "/sandbox/api/media/" + encodeURIComponent(mediaId), target: "_blank" }, text);
}

function clock(seconds) {
  const d = new Date(seconds * 1000);
  return d.toLocaleTimeString("zh-CN", { hour12: false });
}

function setStatus(text, ok) {
  const node = $("status");
  node.textContent = text;
  node.className = "status " + (ok === undefined ? "" : ok ? "ok" : "err");
}

function describeDelivery(d) {
  if (!d) return { text: "投递中…", ok: undefined };
  if (d.ok) {
    const retries = d.attempts.length > 1 ? `（第 ${d.attempts.length} 次成功）` : "";
    return { text: `✓ 已送达 HTTP 200${retries}`, ok: true };
  }
  const parts = d.attempts.map((a) => a.status ? "HTTP " + a.status : a.error === "timeout" ? "超时" : "连接失败");
  return { text: `✗ 回调失败：${parts.join("、")}（共 ${d.attempts.length} 次）`, ok: false };
}

// ---- inline text: WeCom text may carry <a href="...">..</a>; markdown has a small dialect ----------
function inlineText(text) {
  const out = [];
  const pattern = /<a href="([^"]*)">(.*?)<\/a>|(https?:\/\/[^\s<>"]+)/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    out.push(text.slice(last, m.index));
    out.push(m[3] ? link(m[3]) : link(m[1], m[2]));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function inlineMarkdown(text) {
  const out = [];
  const pattern = /\*\*(.+?)\*\*|\[([^\]]+)\]\(([^)\s]+)\)|`([^`]+)`|<font color="(info|comment|warning)">(.*?)<\/font>/g;
  let last = 0;
  for (const m of text.matchAll(pattern)) {
    out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(h("strong", {}, inlineMarkdown(m[1])));
    else if (m[2] !== undefined) out.push(link(m[3], m[2]));
    else if (m[4] !== undefined) out.push(h("code", {}, m[4]));
    else out.push(h("span", { class: "font-" + m[5] }, inlineMarkdown(m[6])));
    last = m.index + m[0].length;
  }
  out.push(text.slice(last));
  return out;
}

function markdown(text) {
  const box = h("div", { class: "bubble md" });
  box.style.whiteSpace = "normal";
  for (const line of text.split("\n")) {
    const heading = line.match(/^(#{1,6})\s+(.*)$/);
    if (heading) box.append(h("h" + Math.min(heading[1].length, 4), {}, inlineMarkdown(heading[2])));
    else if (line.startsWith(">")) box.append(h("blockquote", {}, inlineMarkdown(line.replace(/^>\s?/, ""))));
    else if (line.trim() === "") box.append(h("br"));
    else box.append(h("div", {}, inlineMarkdown(line)));
  }
  return box;
}

function stripTags(text) {
  return String(text || "").replace(/<br\s*\/?>/gi, "\n").replace(/<[^>]+>/g, "");
}

// ---- message bodies ------------------------------------------------------------------------------------
function textcard(part) {
  return h("div", { class: "card" },
    h("div", { class: "card-inner" },
      h("div", { class: "card-title" }, part.title || ""),
      h("div", { class: "card-desc" }, stripTags(part.description))),
    h("div", { class: "card-foot" }, h("span", {}, "文本卡片"), link(part.url, part.btntxt || "详情")));
}

function news(part) {
  return h("div", { class: "card" }, h("div", { class: "card-inner" },
    (part.articles || []).map((a) => h("div", {},
      h("div", { class: "card-title" }, link(a.url, a.title)),
      a.description ? h("div", { class: "card-desc" }, a.description) : null))));
}

function horizontal(list) {
  if (!list || !list.length) return null;
  return h("dl", { class: "card-kv" }, list.flatMap((item) => {
    let value = item.value || "";
    if (item.type === 1) value = link(item.url, item.value || item.url);
    else if (item.type === 2) value = mediaLink(item.media_id, item.value || "附件");
    else if (item.type === 3) value = "@" + (item.userid || "");
    return [h("dt", {}, item.keyname || ""), h("dd", {}, value)];
  }));
}

function jumpTarget(item, text) {
  return item.type === 2 ? h("span", {}, text + "（小程序）") : link(item.url, text);
}

function cardButtons(entry, card) {
  const update = entry.card_update || {};
  if (entry.card_disabled) {
    return h("div", { class: "card-buttons" },
      h("button", { type: "button", class: "greyed", disabled: true }, update.replace_name));
  }
  const click = (key, selected) => () => doClick(entry.msgid, key, selected);
  if (card.card_type === "button_interaction") {
    return h("div", { class: "card-buttons" }, (card.button_list || []).map((b) => b.type === 1
      ? h("button", { type: "button", class: "style-" + (b.style || 1), onclick: () => window.open(safeUrl(b.url) || "about:blank", "_blank", "noopener") }, b.text)
      : h("button", { type: "button", class: "style-" + (b.style || 1), onclick: click(b.key) }, b.text)));
  }
  if (card.card_type === "vote_interaction" || card.card_type === "multiple_interaction") {
    const form = h("div", { class: "card-options" });
    const questions = card.card_type === "vote_interaction" ? [card.checkbox] : card.select_list;
    const pickers = [];
    for (const q of questions || []) {
      if (!q) continue;
      if (card.card_type === "vote_interaction") {
        const multi = q.mode === 1;
        for (const opt of q.option_list || []) {
          const input = h("input", { type: multi ? "checkbox" : "radio", name: entry.msgid + q.question_key, value: opt.id, checked: opt.is_checked });
          pickers.push([q.question_key, input]);
          form.append(h("label", {}, input, " ", opt.text));
        }
      } else {
        const select = h("select", { "aria-label": q.title || q.question_key },
          (q.option_list || []).map((opt) => h("option", { value: opt.id, selected: opt.id === q.selected_id }, opt.text)));
        pickers.push([q.question_key, select]);
        form.append(h("label", {}, (q.title || q.question_key) + "：", select));
      }
    }
    const submit = card.submit_button || {};
    const collect = () => {
      const chosen = {};
      for (const [key, input] of pickers) {
        if (input.tagName === "SELECT" || input.checked) (chosen[key] = chosen[key] || []).push(input.value);
      }
      return chosen;
    };
    form.append(h("div", { class: "card-buttons" },
      h("button", { type: "button", class: "style-1", onclick: () => doClick(entry.msgid, submit.key, collect()) }, submit.text || "提交")));
    return form;
  }
  return null;
}

function templateCard(entry) {
  const card = entry.card || {};
  const main = card.main_title || {};
  const action = card.card_action || {};
  const title = main.title ? (action.type === 1 ? link(action.url, main.title) : main.title) : null;
  const menu = card.action_menu;
  return h("div", { class: "card" },
    h("div", { class: "card-inner" },
      card.source ? h("div", { class: "card-source" }, card.source.desc || "") : null,
      title ? h("div", { class: "card-title" }, title) : null,
      main.desc ? h("div", { class: "card-desc" }, main.desc) : null,
      card.emphasis_content ? h("div", { class: "card-emphasis" },
        h("div", { class: "big" }, card.emphasis_content.title || ""),
        h("div", { class: "card-desc" }, card.emphasis_content.desc || "")) : null,
      card.quote_area ? h("div", { class: "card-quote" },
        card.quote_area.title ? h("div", {}, card.quote_area.title) : null,
        card.quote_area.quote_text || "") : null,
      card.sub_title_text ? h("div", { class: "card-sub" }, card.sub_title_text) : null,
      card.card_image ? link(card.card_image.url, "［卡片图片］") : null,
      (card.vertical_content_list || []).map((v) => h("div", {}, h("strong", {}, v.title || ""), " ", v.desc || "")),
      horizontal(card.horizontal_content_list),
      card.jump_list && card.jump_list.length ? h("div", { class: "card-links" },
        card.jump_list.map((j) => jumpTarget(j, j.title || "链接"))) : null,
      cardButtons(entry, card),
      menu && !entry.card_disabled ? h("div", { class: "card-menu" }, menu.desc || "更多",
        (menu.action_list || []).map((a) => h("button", { type: "button", onclick: () => doClick(entry.msgid, a.key) }, a.text))) : null),
    h("div", { class: "card-foot" },
      h("span", {}, "模板卡片 · " + (card.card_type || "")),
      h("span", {}, card.task_id ? "task_id " + card.task_id : "")));
}

function welcome(payload) {
  const parts = [];
  if (payload.text && payload.text.content) parts.push(h("div", { class: "bubble" }, inlineText(payload.text.content)));
  for (const a of payload.attachments || []) {
    const part = a[a.msgtype] || {};
    if (a.msgtype === "link") parts.push(h("div", { class: "card" }, h("div", { class: "card-inner" },
      h("div", { class: "card-title" }, link(part.url, part.title)), h("div", { class: "card-desc" }, part.desc || ""))));
    else parts.push(h("div", { class: "bubble" }, "［" + a.msgtype + "］", part.media_id ? mediaLink(part.media_id, " 查看") : ""));
  }
  return parts;
}

function kfMenu(part) {
  return h("div", { class: "bubble" }, part.head_content || "", h("div", { class: "card-options" },
    (part.list || []).map((item) => item.type === "click"
      ? h("button", { type: "button", onclick: () => sendText(item.click.content) }, item.click.content)
      : item.type === "view" ? link(item.view.url, item.view.content) : h("span", {}, JSON.stringify(item)))),
    part.tail_content || "");
}

function receivedBody(entry) {
  const p = entry.payload || {};
  const part = p[entry.msgtype] || {};
  switch (entry.msgtype) {
    case "text": return h("div", { class: "bubble" }, inlineText(part.content || ""));
    case "markdown": return markdown(part.content || "");
    case "textcard": return textcard(part);
    case "news": return news(part);
    case "template_card": return templateCard(entry);
    case "image": case "file": case "voice": case "video":
      return h("div", { class: "bubble" }, `［${{ image: "图片", file: "文件", voice: "语音", video: "视频" }[entry.msgtype]}］ `, mediaLink(part.media_id, "打开"));
    case "link": return h("div", { class: "card" }, h("div", { class: "card-inner" },
      h("div", { class: "card-title" }, link(part.url, part.title)), h("div", { class: "card-desc" }, part.desc || "")));
    case "msgmenu": return kfMenu(part);
    case "welcome": return welcome(p);
    case "msg_template": return h("div", { class: "bubble" }, inlineText((p.text || {}).content || ""),
      h("div", { class: "card-options" }, entry.confirmed ? "已发送给客户"
        : h("button", { type: "button", onclick: async () => report(await api("contact/confirm",
          { userid: view.user, msgid: entry.msgid }), "已发送给客户") }, "确认发送")));
    default: return h("div", { class: "bubble" }, "［" + entry.msgtype + "］ " + JSON.stringify(part));
  }
}

const CHANNEL = { app: "应用消息", kf: "微信客服", welcome: "好友欢迎语", contact: "客户联系",
  msg_template: "群发助手 · 待你确认发给客户", external: "客户联系 · 成员发送" };

function renderEntry(entry) {
  const name = view.users.find((u) => u.id === view.user);
  if (entry.direction === "from_user" && entry.msgtype !== "text") {
    let text = "";
    if (entry.msgtype === "click") text = `点击了卡片按钮 key=${entry.key}` + (entry.selected ? " 选择 " + JSON.stringify(entry.selected) : "");
    else if (entry.event === "enter_session") text = `进入客服会话` + (entry.scene_param ? `（scene_param：${entry.scene_param}）` : "");
    else if (entry.event === "add_external_contact") text = `添加 ${entry.userid} 为微信好友`;
    else text = `事件 ${entry.event}`;
    const d = describeDelivery(entry.delivery);
    return h("div", { class: "system" }, `${clock(entry.time)} ${text} · `, h("span", { class: "delivery " + (d.ok ? "ok" : "err") }, d.text));
  }
  const mine = entry.direction === "from_user";
  const label = mine ? (name ? name.name : view.user) : (entry.from_member ? entry.from_member : "机器人");
  const stamp = `${label} · ${clock(entry.time)} · ${CHANNEL[entry.channel] || entry.channel}`;
  const body = mine ? h("div", { class: "bubble" }, inlineText(entry.content || "")) : receivedBody(entry);
  const extra = [];
  if (mine) {
    const d = describeDelivery(entry.delivery);
    extra.push(h("span", { class: "delivery " + (d.ok ? "ok" : "err") }, d.text));
  }
  if (entry.dropped) extra.push(h("span", { class: "dropped-note" }, "超出每人每分钟 30 条/每小时 1000 条的限制，企业微信已静默丢弃"));
  if (entry.card_update && entry.card_update.replace_card) extra.push(h("span", { class: "stamp" }, "卡片已被机器人更新"));
  return h("div", { class: "row" + (mine ? " mine" : "") + (entry.dropped ? " dropped" : "") },
    h("span", { class: "avatar " + (mine ? kindOf(view.user) : "member") }, mine ? (label || "?").slice(0, 1) : "机"),
    h("div", { class: "body" }, h("span", { class: "stamp" }, stamp), body, extra));
}

function kindOf(uid) {
  const user = view.users.find((u) => u.id === uid);
  return user ? user.kind : "member";
}

// ---- panes ----------------------------------------------------------------------------------------
function renderUsers(users) {
  // Members typed into the search box exist (any valid userid is a member) before anything happens to them.
  const known = new Set(users.map((u) => u.id));
  users = users.concat([...view.typed].filter((id) => !known.has(id)).map((id) => ({ id, name: id, kind: "member", count: 0 })));
  const key = JSON.stringify(users) + view.user;
  if (key === view.usersKey) return;
  view.usersKey = key;
  view.users = users;
  const list = $("user-list");
  list.replaceChildren();
  const groups = [["hr", "HR / 招聘官"], ["member", "成员"], ["customer", "微信用户（外部）"]];
  for (const [kind, label] of groups) {
    const rows = users.filter((u) => u.kind === kind);
    if (!rows.length) continue;
    list.append(h("div", { class: "group-label" }, label));
    for (const u of rows) {
      const meta = kind === "customer"
        ? [u.kf.length ? "客服会话" : "", u.follow_users.length ? "好友：" + u.follow_users.join("、") : ""].filter(Boolean).join(" · ") || u.id
        : u.id;
      list.append(h("button", { type: "button", class: "user" + (u.id === view.user ? " active" : ""), onclick: () => select(u.id), "aria-current": u.id === view.user ? "true" : null },
        h("span", { class: "avatar " + kind }, (u.name || "?").slice(0, 1)),
        h("span", { class: "who" }, h("div", { class: "name" }, u.name), h("div", { class: "meta" }, meta)),
        u.count ? h("span", { class: "badge" }, u.count) : null));
    }
  }
  const hrSelect = $("wx-hr");
  const current = hrSelect.value;
  hrSelect.replaceChildren(...users.filter((u) => u.kind !== "customer").map((u) => h("option", { value: u.id }, u.id)));
  if (current) hrSelect.value = current;
  renderHeader();
}

function renderHeader() {
  const user = view.users.find((u) => u.id === view.user);
  const input = $("input");
  const canWrite = !!user && (user.kind !== "customer" || user.kf.length > 0);
  input.disabled = !canWrite;
  $("send").disabled = !canWrite;
  if (!user) {
    $("chat-title").textContent = view.user || "选择左侧的会话";
    $("chat-sub").textContent = "";
    return;
  }
  $("chat-title").textContent = user.name;
  if (user.kind === "customer") {
    $("chat-sub").textContent = `微信用户 · external_userid ${user.id}` + (user.kf.length ? " · 消息经微信客服发送" : " · 未进入客服会话，不能发消息");
    input.placeholder = canWrite ? "以微信用户身份给客服发消息" : "先在左下角“打开客服链接”进入客服会话";
  } else {
    $("chat-sub").textContent = `${user.kind === "hr" ? "HR 成员" : "企业成员"} · userid ${user.id} · 消息发给应用（agentid ${view.info ? view.info.agent_id : ""}）`;
    input.placeholder = "输入消息，Enter 发送，Shift+Enter 换行";
  }
}

function renderConversation(entries) {
  const box = $("messages");
  const nearBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 80;
  box.replaceChildren();
  if (!entries.length) box.append(h("div", { class: "empty" }, "还没有消息。"));
  for (const entry of entries) box.append(renderEntry(entry));
  if (nearBottom) box.scrollTop = box.scrollHeight;
}

async function refreshConversation(force) {
  if (!view.user) return;
  const data = await api("conversation?user=" + encodeURIComponent(view.user));
  if (!data.entries) return;
  if (force || data.version !== view.version) {
    view.version = data.version;
    renderConversation(data.entries);
  }
}

async function refreshCalls() {
  const data = await api("calls?limit=200");
  const list = $("calls-list");
  list.replaceChildren(...(data.calls || []).reverse().map((c) => {
    const good = c.status === 200 && (c.errcode === 0 || c.errcode === null && c.path === "media/get");
    const code = c.status !== 200 ? "HTTP " + c.status : "errcode " + c.errcode;
    return h("li", {}, h("span", {}, clock(c.time)), h("span", { class: "path" }, (c.fault ? "⚡ " : "") + c.method + " " + c.path),
      h("span", { class: "code " + (good ? "ok" : "err") }, code));
  }));
}

async function poll() {
  const data = await api("users");
  if (data.users) renderUsers(data.users);
  await refreshConversation(false);
  if (view.callsOpen) await refreshCalls();
}

function select(uid) {
  view.user = uid;
  view.version = -1;
  view.usersKey = "";
  history.replaceState(null, "", "/console?user=" + encodeURIComponent(uid));
  renderUsers(view.users);
  refreshConversation(true);
  $("input").focus();
}

// ---- actions -----------------------------------------------------------------------------------------
function report(result, okText) {
  if (result.delivery) {
    const d = describeDelivery(result.delivery);
    setStatus(d.text, d.ok);
  } else if (result.ok === false) {
    setStatus(result.error || "失败", false);
  } else {
    setStatus(okText || "完成", true);
  }
}

async function sendText(text) {
  if (!view.user || !text.trim()) return;
  setStatus("发送中…");
  const result = await api("say", { from: view.user, text });
  report(result);
  refreshConversation(true);
}

async function doClick(msgid, key, selected) {
  setStatus("发送点击事件…");
  const body = { user: view.user, msgid, key };
  if (selected) body.selected = selected;
  report(await api("click", body));
  refreshConversation(true);
}

function bind() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("input").value;
    $("input").value = "";
    sendText(text);
  });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("user-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const uid = $("new-user").value.trim();
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(uid) && !view.users.some((u) => u.id === uid)) {
      setStatus("userid 只能是 1–64 位字母、数字、_ . @ -", false);
      return;
    }
    $("new-user").value = "";
    if (!view.users.some((u) => u.id === uid)) view.typed.add(uid);
    select(uid);
  });
  $("btn-kf-enter").addEventListener("click", async () => {
    const name = $("wx-name").value.trim() || "王五";
    const result = await api("kf/enter", { name, scene_param: $("wx-scene").value.trim() });
    report(result);
    if (result.external_userid) select(result.external_userid);
  });
  $("btn-contact-add").addEventListener("click", async () => {
    const name = $("wx-name").value.trim() || "王五";
    const result = await api("contact/add", { name, userid: $("wx-hr").value, state: $("wx-state").value.trim() });
    report(result);
    if (result.external_userid) select(result.external_userid);
  });
  $("btn-calls").addEventListener("click", () => {
    view.callsOpen = true;
    $("calls-panel").hidden = false;
    refreshCalls();
  });
  $("btn-calls-close").addEventListener("click", () => {
    view.callsOpen = false;
    $("calls-panel").hidden = true;
  });
  $("btn-verify").addEventListener("click", async () => {
    const r = await api("verify_url", {});
    setStatus(r.ok ? `回调 URL 校验通过（${r.elapsed_ms} ms）` : `回调 URL 校验失败：${r.error || "HTTP " + r.status + (r.answer_matches === false ? "，应答不是解密后的 echostr" : "")}`, r.ok);
  });
  $("btn-reset").addEventListener("click", async () => {
    if (!confirm("清空沙箱里的所有消息、令牌、素材和日志？")) return;
    report(await api("reset", {}), "沙箱已重置");
    view.version = -1;
    view.usersKey = "";
    poll();
  });
}

async function start() {
  bind();
  view.info = await api("info");
  if (view.info.corp_id) {
    $("corp").textContent = `${view.info.company_name || ""} · CorpID ${view.info.corp_id} · 回调 ${view.info.callback_url}`;
  }
  const wanted = new URLSearchParams(location.search).get("user");
  const first = await api("users");
  if (first.users) renderUsers(first.users);
  const fallback = (view.info.hr_userids || [])[0] || (first.users && first.users[0] && first.users[0].id);
  if (wanted || fallback) select(wanted || fallback);
  setInterval(poll, POLL_MS);
}

start();
