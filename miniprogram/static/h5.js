/* The candidate's interview page: welcome → consent → device check → practice → questions → done.
   No framework and no build step; plain JS for Android WeChat's WebView and iOS ≥ 14.3. API: docs/h5-api.md */
(() => {
'use strict';

const L = window.H5_STRINGS;   // h5.i18n.js, loaded first

let S = JSON.parse(document.getElementById('initial-state').textContent);
const app = document.getElementById('app'), API = app.dataset.api, P = S.position, limits = S.limits || {};
let Qs = S.questions, lang = 'zh';
try { lang = localStorage.getItem('h5.lang') === 'en' ? 'en' : 'zh'; } catch (e) { /* storage off */ }
const dev = {stream: null, video: false, audio: false, ctx: null, an: null};
const cur = {q: '', busy: false};        // busy: an answer is being recorded or uploaded
let integ = {}, mode = null, meterEl = null, timers = [];

/* {c} in any string is where this candidate replies (state.channel: WeCom, WeChat, SMS…), never a fixed "WeCom". */
const chan = () => { const c = S.channel || {}; return (lang === 'en' ? c.en : c['zh-CN']) || (lang === 'en' ? 'WeCom' : '企业微信'); };
const tr = (k, a) => ((L[lang][k] !== undefined ? L[lang][k] : L.zh[k]) || k)
  .replace(/\{(\w)\}/g, (_, n) => (a && a[n] !== undefined ? a[n] : n === 'c' ? chan() : ''));
/* A per-question time as the welcome page says it: one number, or the range when questions differ. */
const span = (r, one, many, fallback) => (r && r[0] !== r[1] ? [many, {n: r[0], m: r[1]}] : [one, {n: r ? r[0] : fallback}]);

/* The consent notice comes from the server (state.consent.texts), so what was shown is what its sha256 records. */
const notice = () => { const t = (S.consent && S.consent.texts) || {}; return t[lang === 'en' ? 'en' : 'zh-CN'] || t['zh-CN'] || {}; };
function ctext(k) {
  const n = notice(), m = /^([hb])(\d+)$/.exec(k), s = m && (n.sections || [])[+m[2]];
  return (m ? s && s[m[1] === 'h' ? 'heading' : 'body'] : n[k]) || '';
}

/* h('tag.class', {attrs}, children…); t / tl / tp name i18n keys for the text / aria-label / placeholder;
   c names a line of the consent notice (title, h0/b0 … for its sections, agree, face). */
function h(sel, at, ...kids) {
  const [tag, ...cls] = sel.split('.'), el = document.createElement(tag);
  if (cls.length) el.className = cls.join(' ');
  Object.entries(at || {}).forEach(([k, v]) => {
    if (v === undefined || v === null || v === false || k === 'a') return;
    if (k === 't') setT(el, v, at.a);
    else if (k === 'c') { el.dataset.c = v; el.textContent = ctext(v); }
    else if (k === 'tl' || k === 'tp') { el.setAttribute('data-' + k, v); el.setAttribute(k === 'tl' ? 'aria-label' : 'placeholder', tr(v)); }
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  });
  add(el, kids);
  return el;
}
const fill = (el, ...kids) => { el.textContent = ''; add(el, kids); };   // replaceChildren needs Chrome 86
function add(el, c) {
  if (Array.isArray(c)) c.forEach(x => add(el, x));
  else if (c !== null && c !== undefined && c !== false) el.append(c);
}
function setT(el, k, a) {
  el.dataset.t = k;
  if (a) el.dataset.a = JSON.stringify(a); else delete el.dataset.a;
  el.textContent = tr(k, a);
}
function retranslate() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  const all = s => document.querySelectorAll(s);
  all('[data-t]').forEach(el => { el.textContent = tr(el.dataset.t, el.dataset.a && JSON.parse(el.dataset.a)); });
  all('[data-tl]').forEach(el => el.setAttribute('aria-label', tr(el.dataset.tl)));
  all('[data-tp]').forEach(el => el.setAttribute('placeholder', tr(el.dataset.tp)));
  all('[data-c]').forEach(el => { el.textContent = ctext(el.dataset.c); });
  all('[data-modes]').forEach(el => { el.textContent = modeNames(); });
  const b = document.getElementById('lang');
  b.textContent = tr('lang'); b.setAttribute('aria-label', tr('lang_l')); b.lang = lang === 'en' ? 'zh-CN' : 'en';
}

const sleep = ms => new Promise(r => setTimeout(r, ms));

/* Show one screen: a card whose heading takes focus, so a screen reader announces the change. */
function screen(...kids) {
  timers.forEach(t => t.stop()); timers = [];
  meterEl = null;
  const card = h('section.card', {}, kids), hd = card.querySelector('h1,h2');
  fill(app, card);
  if (hd) { hd.tabIndex = -1; hd.focus({preventScroll: true}); }
  scrollTo(0, 0);
}
const btn = (k, on, cls, a) => h('button.btn' + (cls ? '.' + cls : ''), {type: 'button', t: k, a, onclick: on});
const msg = () => h('p.msg', {role: 'status', hidden: true});
/* Put a message (an i18n key, or {text} from the server) in a status line; no key hides it. */
function say(el, k, a, cls) {
  el.hidden = !k;
  if (cls !== undefined) el.className = 'msg' + (cls ? ' ' + cls : '');
  if (!k || typeof k === 'object') { delete el.dataset.t; el.textContent = k ? k.text : ''; } else setT(el, k, a);
}

/* ---------- API ---------- */
async function api(method, path, body, chunk, keepalive) {
  const o = {method, headers: {}, credentials: 'same-origin', keepalive: !!keepalive};
  if (chunk) Object.assign(o, {body: chunk.buf, headers: {'X-Chunk-SHA256': chunk.sha, 'Content-Type': 'application/octet-stream'}});
  else if (body !== undefined) Object.assign(o, {body: JSON.stringify(body), headers: {'Content-Type': 'application/json'}});
  let res, data = {};
  try { res = await fetch(API + path, o); } catch (e) { return {status: 0, data}; }
  try { data = (await res.json()) || {}; } catch (e) { /* not JSON: a proxy's page */ }
  return {status: res.status, data};
}
/* 5xx is retried, except a server that cannot read recordings at all (media_unavailable): it says so instead. */
const transient = r => (r.status === 0 || r.status >= 500 || r.status === 429 || r.status === 408)
  && r.data.code !== 'media_unavailable';
/* A JSON call retried with backoff on network failures and 5xx: four tries, or until it gets an answer. */
async function call(method, path, body, st, forever) {
  for (let i = 0, d = 500; ; i++) {
    const r = await api(method, path, body);
    if (!transient(r) || (!forever && i >= 3)) return r;
    if (st) say(st, 'retrying', null, 'warn');
    await sleep(d); d = Math.min(d * 2, 8000);
  }
}
function errText(r) {
  const c = r.data.code;
  if (r.status === 0) return tr('e_net');
  if (lang === 'zh' && r.data.error) return r.data.error;
  return L.en['err_' + c] ? tr('err_' + c) : tr('e_gen');
}
const fatal = r => r.status === 403 || r.status === 410 || /^(expired|bad_token|invitation_closed|interview_completed|erased)$/.test(r.data.code);
function showFatal(r) {
  if (r.data.code === 'interview_completed') return doneScreen();
  if (r.data.code === 'erased') return erasedScreen();
  const rights = r.data.rights;   // an expired or closed invitation: deleting one's data is still a right
  screen(h('h1', {t: 'e_title'}), h('p.msg.err', {role: 'alert'}, errText(r)),
    rights && h('h2', {t: 'r_title'}), rights && btn('r_erase', () => eraseScreen(() => showFatal(r)), 'link'));
}

/* ---------- SHA-256: WebCrypto, or this small fallback where crypto.subtle is missing (plain http) ---------- */
function sha256js(buf) {
  const b = new Uint8Array(buf), n = b.length, K = [], H = [], w = new Int32Array(64);
  for (let p = 2, c = 0; c < 64; p++) {        // the constants: fractions of the primes' square and cube roots
    let d = 2;
    while (d * d <= p && p % d) d++;
    if (d * d > p) { if (c < 8) H[c] = (Math.sqrt(p) % 1) * 4294967296 | 0; K[c++] = (Math.cbrt(p) % 1) * 4294967296 | 0; }
  }
  const len = ((n + 72) >> 6) << 6, m = new Uint8Array(len), v = new DataView(m.buffer);
  m.set(b); m[n] = 128;
  v.setUint32(len - 4, (n * 8) >>> 0); v.setUint32(len - 8, Math.floor(n / 536870912));
  const r = (x, s) => x >>> s | x << (32 - s);
  for (let o = 0; o < len; o += 64) {
    for (let i = 0; i < 64; i++) {
      if (i < 16) { w[i] = v.getInt32(o + i * 4); continue; }
      const x = w[i - 15], y = w[i - 2];
      w[i] = (r(x, 7) ^ r(x, 18) ^ x >>> 3) + w[i - 16] + (r(y, 17) ^ r(y, 19) ^ y >>> 10) + w[i - 7] | 0;
    }
    let [A, B, C, D, E, F, G, J] = H;
    for (let i = 0; i < 64; i++) {
      const t1 = J + (r(E, 6) ^ r(E, 11) ^ r(E, 25)) + (E & F ^ ~E & G) + K[i] + w[i] | 0;
      const t2 = (r(A, 2) ^ r(A, 13) ^ r(A, 22)) + (A & B ^ A & C ^ B & C) | 0;
      J = G; G = F; F = E; E = D + t1 | 0; D = C; C = B; B = A; A = t1 + t2 | 0;
    }
    [A, B, C, D, E, F, G, J].forEach((z, k) => { H[k] = H[k] + z | 0; });
  }
  return H.map(z => (z >>> 0).toString(16).padStart(8, '0')).join('');
}
async function sha256(buf) {
  try {
    const d = await crypto.subtle.digest('SHA-256', buf);
    return Array.from(new Uint8Array(d), x => x.toString(16).padStart(2, '0')).join('');
  } catch (e) { return sha256js(buf); }
}

/* ---------- IndexedDB: each chunk ("c:<upload>:<seq>") and a note per upload ("m:<upload>") ---------- */
let dbp = null;
const db = () => dbp || (dbp = new Promise((ok, no) => {
  const q = indexedDB.open('h5-interview', 1);
  q.onupgradeneeded = () => q.result.createObjectStore('kv');
  q.onsuccess = () => ok(q.result);
  q.onerror = () => no(q.error);
}));
async function idb(op, key, val) {
  try {
    const d = await db();
    return await new Promise((ok, no) => {
      const tx = d.transaction('kv', op === 'get' ? 'readonly' : 'readwrite'), st = tx.objectStore('kv');
      const q = op === 'get' ? st.get(key) : op === 'put' ? st.put(val, key) : op === 'keys' ? st.getAllKeys(key) : st.delete(key);
      tx.oncomplete = () => ok(q.result);
      tx.onerror = tx.onabort = () => no(tx.error);
    });
  } catch (e) { return undefined; }    // private mode, quota: carry on from memory
}
const ckey = (id, seq) => `c:${id}:${String(seq).padStart(6, '0')}`;
const forget = id => idb('del', IDBKeyRange.bound(`c:${id}:`, `c:${id}:~`)).then(() => idb('del', 'm:' + id));
async function sweep() {    // forget uploads abandoned long ago
  for (const k of (await idb('keys', IDBKeyRange.bound('m:', 'm:~'))) || []) {
    const m = await idb('get', k);
    if (!m || Date.now() - m.t > 14 * 864e5) await forget(k.slice(2));
  }
}

/* ---------- The chunk uploader: one PUT at a time, in order, retried with backoff; a chunk is never dropped ---------- */
class Uploader {
  constructor(id, next, onchange) {
    Object.assign(this, {id, sent: next, chunks: new Array(next), retrying: false, error: null, running: false,
      waiters: [], onchange: onchange || (() => {})});
  }
  push(blob) {
    const max = limits.chunk_max_bytes || 2097152;
    for (let at = 0; at < blob.size; at += max) {
      const seq = this.chunks.length;
      this.chunks.push(new Response(blob.slice(at, at + max)).arrayBuffer().then(async buf => {
        const c = {buf, sha: await sha256(buf)};
        await idb('put', ckey(this.id, seq), buf);
        return c;
      }).catch(() => null));
    }
    this.onchange();
    this.pump();
  }
  async pump() {
    if (this.running) return;
    this.running = true;
    let delay = 500, bad = 0;
    while (!this.error && this.sent < this.chunks.length) {
      const seq = this.sent, c = await this.chunks[seq];
      if (!c) { this.error = {status: -1, data: {code: 'lost'}}; break; }
      const r = await api('PUT', `uploads/${this.id}/chunks/${seq}`, undefined, c), code = r.data.code;
      if (r.status === 200) {      // a duplicate (a retry whose first answer was lost) counts as sent
        this.sent = Math.min(Math.max(seq + 1, r.data.next_seq | 0), this.chunks.length);
        delay = 500; bad = 0; this.retrying = false;
      } else if (r.status === 409 && code === 'out_of_order' && typeof r.data.next_seq === 'number') {
        this.sent = Math.min(r.data.next_seq, this.chunks.length);
      } else if (transient(r) || (code === 'bad_checksum' && ++bad < 4)) {
        this.retrying = true; this.onchange();
        await sleep(delay); delay = Math.min(delay * 2, 8000);
        continue;
      } else this.error = r;
      this.onchange();
    }
    this.running = false;
    this.waiters.splice(0).forEach(f => f());
  }
  /* Resolve when every chunk is stored (null) or the upload can't go on (the refusal). */
  async drain() {
    if (this.running || (!this.error && this.sent < this.chunks.length)) {
      await new Promise(ok => { this.waiters.push(ok); this.pump(); });
      return this.drain();
    }
    return this.error;
  }
}

/* ---------- Integrity signals (recorded, never grounds to reject): debounced, sent one at a time ---------- */
const evq = [];
let evBusy = false, evSent = 0, evOn = false, hiddenAt = 0, blurT = 0, blurAt = 0, lastVis = 0;
function ev(type, detail) {
  if (!evOn || evSent + evq.length >= 300) return;   // the server keeps 500 per interview
  evq.push({question: cur.q, type, at: Date.now(), detail: detail || {}});
  setTimeout(flushEv, 300);
}
async function flushEv() {
  if (evBusy) return;
  evBusy = true;
  for (let tries = 0; evq.length;) {
    const r = await api('POST', 'events', evq[0], null, true);
    if (transient(r) && ++tries < 3) { await sleep(2000); continue; }
    evq.shift(); evSent++; tries = 0;
  }
  evBusy = false;
}
const freshInteg = () => { integ = {hidden_ms: 0, hidden_count: 0, pasted_chars: 0}; };
document.addEventListener('visibilitychange', () => {
  lastVis = Date.now();
  if (document.hidden) { hiddenAt = Date.now(); ev('hidden'); } else if (hiddenAt) {
    const ms = Date.now() - hiddenAt;
    hiddenAt = 0; integ.hidden_ms += ms; integ.hidden_count++;
    ev('visible', {hidden_ms: ms});
  }
});
addEventListener('blur', () => {   // only a blur that lasts: not the keyboard, a permission prompt, a tab switch
  clearTimeout(blurT);
  blurT = setTimeout(() => { if (Date.now() - lastVis > 1000) { blurAt = Date.now(); ev('blur'); } }, 1000);
});
addEventListener('focus', () => {
  clearTimeout(blurT);
  if (blurAt) { ev('focus', {blur_ms: Date.now() - blurAt}); blurAt = 0; }
});
addEventListener('pagehide', () => {   // leaving: send what is queued now; keepalive outlives the page
  evq.splice(evBusy ? 1 : 0).forEach(e => api('POST', 'events', e, null, true));
});
addEventListener('beforeunload', e => { if (cur.busy) { e.preventDefault(); e.returnValue = tr('leave'); } });
const banner = () => document.getElementById('oops') || app.prepend(h('p.msg.err', {id: 'oops', role: 'alert', t: 'e_page'}));
addEventListener('error', banner);
addEventListener('unhandledrejection', banner);

/* ---------- Timers ---------- */
function countdown(sec, box, done) {
  const end = Date.now() + sec * 1000;
  let last = -1;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    if (left !== last) {
      last = left;
      box.num.textContent = Math.floor(left / 60) + ':' + String(left % 60).padStart(2, '0');
      if ((left === 30 || left === 10) && sec > left) setT(box.sr, 'left', {n: left});
    }
    if (!left) { clearInterval(id); setTimeout(done); }
  };
  const id = setInterval(tick, 200), t = {stop: () => clearInterval(id)};
  tick();
  timers.push(t);
  return t;
}
function timerBox() {
  const label = h('span.timer-label', {t: 'think'}), num = h('span.timer-num', {role: 'timer', 'aria-atomic': 'true'});
  const sr = h('span.sr-only', {'aria-live': 'polite'});
  return {el: h('div.timer', {}, label, num, sr), num, sr, label: k => setT(label, k)};
}
/* The think countdown, skipped by its button; then go() (unless can() says not now: text mode). */
function thinkThen(box, sec, skip, go, can) {
  let fired = false;
  const fire = () => {
    if (fired || (can && !can())) return;
    fired = true; t.stop(); skip.hidden = true; skip.dataset.done = '1'; go();
  };
  const t = countdown(sec, box, fire);
  skip.onclick = fire;
}

/* ---------- Devices ---------- */
const MIME = {
  video: ['video/webm;codecs=vp8,opus', 'video/webm', 'video/mp4;codecs=avc1,mp4a', 'video/mp4'],
  audio: ['audio/webm;codecs=opus', 'audio/webm', 'audio/mp4', 'audio/ogg']
};
const allowed = m => P.answer_modes.includes(m);
/* A recording mode needs its device and a container the server takes (the first chunk is sniffed: 415 otherwise). */
const recordable = m => !!window.MediaRecorder && MIME[m].some(t => MediaRecorder.isTypeSupported(t));
const available = () => P.answer_modes.filter(m => m === 'text' || ((m === 'video' ? dev.video : dev.audio) && recordable(m)));
const modeNames = () => P.answer_modes.map(m => tr('m_' + m)).join(' / ');
async function openDevices() {
  const audio = {echoCancellation: false, noiseSuppression: false, autoGainControl: false}, md = navigator.mediaDevices;
  try {
    dev.stream = await md.getUserMedia({audio,
      video: allowed('video') && {facingMode: 'user', width: {ideal: 640}, height: {ideal: 480}}});
  } catch (e) {
    if (!allowed('video') || !allowed('audio') || e.name === 'NotAllowedError') throw e;
    dev.stream = await md.getUserMedia({audio});   // no camera: voice answers still work
  }
  dev.video = dev.stream.getVideoTracks().length > 0;
  dev.audio = dev.stream.getAudioTracks().length > 0;
  try {
    dev.ctx.resume();
    dev.an = dev.ctx.createAnalyser();
    dev.an.fftSize = 1024;
    dev.ctx.createMediaStreamSource(dev.stream).connect(dev.an);
    meterLoop();
  } catch (e) { dev.an = null; }   // no meter; recording still works
}
let heard = null, metering = false;
function meterLoop() {
  if (metering) return;
  metering = true;
  let n = 0;
  const data = new Uint8Array(1024), frame = () => {
    requestAnimationFrame(frame);
    if (!meterEl || !meterEl.isConnected) return;
    dev.an.getByteTimeDomainData(data);
    let sum = 0;
    for (const x of data) sum += (x - 128) * (x - 128);
    const lvl = Math.min(100, Math.round(Math.sqrt(sum / data.length) / 128 * 300));
    meterEl.firstChild.style.width = lvl + '%';
    if (++n % 15 === 0) meterEl.setAttribute('aria-valuenow', lvl);
    if (lvl > 8 && heard) { heard(); heard = null; }
  };
  frame();
}
function meter() {
  meterEl = h('div.meter', {role: 'meter', tl: 'd_meter', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0'}, h('span'));
  return dev.an ? meterEl : null;
}
function preview() {
  if (!dev.video) return null;
  const v = h('video.preview', {autoplay: true, playsinline: true, tl: 'preview'});
  v.muted = true; v.setAttribute('muted', ''); v.srcObject = dev.stream;
  v.play().catch(() => {});
  return v;
}
function recorder(m) {
  const vid = m === 'video', mime = MIME[m].find(t => MediaRecorder.isTypeSupported(t));
  if (!mime) throw new Error('no container the server takes');   // never declare one the browser won't write
  const opt = vid ? {videoBitsPerSecond: 1e6, audioBitsPerSecond: 64000} : {audioBitsPerSecond: 64000};
  const rec = new MediaRecorder(vid ? dev.stream : new MediaStream(dev.stream.getAudioTracks()), {...opt, mimeType: mime});
  rec.mime = mime;
  return rec;
}
const stopRec = rec => new Promise(ok => {
  if (rec.state === 'inactive') return ok();
  rec.addEventListener('stop', () => ok());   // after the last dataavailable
  rec.stop();
});
let wake = null;
function keepAwake(on) {
  if (on && navigator.wakeLock) navigator.wakeLock.request('screen').then(l => { wake = l; }, () => {});
  else if (!on && wake) { wake.release().catch(() => {}); wake = null; }
}

/* ---------- Screens ---------- */
const qByKey = k => Qs.find(q => q.key === k);
const qText = q => (lang === 'en' && q.text_en) || q.text || '';   // only ever what reveal (or state) sent
const qHead = (q, body) => h('h1.qhead', {}, h('span.qnum', {t: 'q_of', a: {i: q.ordinal, n: Qs.length}}), body);

function welcome() {
  if (S.status === 'completed') return doneScreen();
  if (S.awaiting_submit) return reviewScreen(lastQ());
  const going = S.consent && S.consent.given, nq = qByKey(S.next_question);
  const fact = (k, vk, a, v) => h('div', {}, h('dt', {t: k}), h('dd', {t: vk, a}, v));
  const [thinkK, thinkA] = span(P.think_range, 'f_thinkv', 'f_thinkr', P.think_seconds);
  const [ansK, ansA] = span(P.answer_range, 'f_ansv', 'f_ansr', P.answer_seconds);
  screen(
    h('p.eyebrow', {}, S.company),
    h('h1', {t: 'title', a: {t: P.title}}),
    h('p', {t: S.candidate ? 'hi' : 'hi0', a: {n: S.candidate}}),  // no name: 您好, never an id
    h('dl.facts', {}, fact('f_q', 'f_qv', {n: Qs.length}), fact('f_think', thinkK, thinkA),
      fact('f_ans', ansK, ansA), fact('f_dl', null, null, S.deadline),
      h('div.wide', {}, h('dt', {t: 'f_modes'}), h('dd', {'data-modes': '1'}, modeNames()))),
    going && nq ? h('p.msg', {t: 'resume_n', a: {d: Qs.filter(q => q.answered).length, n: Qs.length, i: nq.ordinal}}) :
      h('ol.steps', {}, h('li', {t: 'x1'}), h('li', {t: 'x2'}),
        h('li', {}, h('span', {t: 'x3'}), P.max_retakes ? h('span', {t: 'x3r', a: {n: P.max_retakes}}) : null)),
    h('p.note', {t: 'tip'}),
    btn(going ? 'resume' : 'start', going ? resume : consentScreen, 'primary'),
    !going && btn('decline', declineScreen, 'link'));
}

/* 暂不参加: what it means, an optional reason, one more tap; then how to come back. */
function declineScreen() {
  const st = msg(), why = h('textarea', {id: 'decline-text', rows: 3, maxlength: '200', tp: 'dc_text'});
  why.style.minHeight = '88px';
  const reasons = h('fieldset.modes.reasons', {}, h('legend', {t: 'dc_reason'}), ['time', 'other_offer', 'not_interested', 'other'].map(r =>
    h('label', {}, h('input', {type: 'radio', name: 'reason', value: r}), h('span', {t: 'dc_' + r}))));
  const go = btn('dc_go', async () => {
    go.disabled = back.disabled = true;
    const picked = reasons.querySelector('input:checked');
    const r = await call('POST', 'decline', {confirm: true, reason: picked ? picked.value : '', text: why.value.trim()}, st);
    go.disabled = back.disabled = false;
    if (r.status === 200) { S.channel = r.data.channel || S.channel; return declinedScreen(); }
    if (fatal(r)) return showFatal(r);
    say(st, {text: errText(r)}, null, 'err');
  }, 'danger');
  const back = btn('dc_back', welcome);
  screen(h('h1', {t: 'dc_title'}), h('p', {t: 'dc_what'}), reasons,
    h('label.sr-only', {for: 'decline-text', t: 'dc_text'}), why, st, go, back);
}

function declinedScreen() {
  screen(h('div.done-mark', {'aria-hidden': 'true'}, '✓'), h('h1', {t: 'dc_done'}), h('p', {t: 'dc_done_1'}),
    h('p.msg', {t: 'dc_back_how'}));
}

/* The optional résumé, before consent ends: the questions built from it are then counted and asked. A refused
   file gets the server's reason (in Chinese: the résumé reader's reasons are not translated). */
function resumeBlock() {
  const st = msg(), file = h('input', {type: 'file', id: 'c-cv', accept: '.pdf,.docx,.txt,.html,.htm,.mht,.mhtml'});
  const send = btn('cv_send', async () => {
    const f = file.files && file.files[0];
    if (!f) return say(st, 'cv_pick', null, 'err');
    send.disabled = true; say(st, 'cv_wait', null, '');
    const fd = new FormData();
    fd.append('file', f, f.name);
    let r = {status: 0, data: {}};
    try {
      const res = await fetch(API + 'resume', {method: 'POST', body: fd, credentials: 'same-origin'});
      r = {status: res.status, data: await res.json().catch(() => ({}))};
    } catch (e) { /* offline: said below */ }
    send.disabled = false;
    if (r.status !== 200) return fatal(r) ? showFatal(r) : say(st, {text: r.data.error || errText(r)}, null, 'err');
    S = r.data.state; Qs = S.questions;
    say(st, 'cv_ok', {n: Qs.length}, 'ok');
  }, 'secondary');
  return h('fieldset.cv', {}, h('legend', {t: 'cv_title'}), h('p.note', {t: 'cv_why'}),
    h('label.sr-only', {for: 'c-cv', t: 'cv_title'}), file, send, st);
}

/* The optional fairness step after consent and its withdrawal (h5.fairness.js, its own module). */
const kit = {h, screen, btn, msg, say, call, errText, fatal, showFatal, lang: () => lang};
const fairnessThen = next => (window.H5Fairness ? window.H5Fairness.step(kit, next) : next());

function consentScreen() {
  const err = msg(), rec = h('input', {type: 'checkbox', id: 'c-rec', required: true, 'aria-describedby': 'c-need'});
  const face = P.face_analysis ? h('input', {type: 'checkbox', id: 'c-face'}) : null;
  const pool = notice().pool ? h('input', {type: 'checkbox', id: 'c-pool'}) : null;   // optional: unticked
  const items = (notice().sections || []).map((_, i) => h('div.item', {}, h('dt', {c: 'h' + i}), h('dd', {c: 'b' + i})));
  err.id = 'c-need';
  const go = btn('c_go', async () => {
    if (!rec.checked) { say(err, 'c_need', null, 'err'); rec.focus(); return; }
    go.disabled = true;
    const r = await call('POST', 'consent', {recording: true, face: !!(face && face.checked), pool: !!(pool && pool.checked),
      version: (S.consent && S.consent.version) || 'consent-v1', text_sha256: notice().sha256,
      locale: lang === 'en' ? 'en' : 'zh-CN'}, err);
    go.disabled = false;
    if (r.status !== 200) return fatal(r) ? showFatal(r) : say(err, {text: errText(r)}, null, 'err');
    S = r.data; Qs = S.questions; evOn = true;
    fairnessThen(() => deviceScreen(practiceScreen));
  }, 'primary');
  screen(
    h('h1', {c: 'title'}),
    h('dl.consent', {}, items),
    h('label.check', {for: 'c-rec'}, rec, h('span', {c: 'agree'})),
    face && h('label.check', {for: 'c-face'}, face, h('span', {c: 'face'})),
    pool && h('label.check', {for: 'c-pool'}, pool, h('span', {c: 'pool'})),
    resumeBlock(),
    err, go);
}

/* "继续面试": first send an answer whose chunks wait in IndexedDB (a reload mid-upload), then carry on. */
async function resume() {
  evOn = true;
  const ou = S.open_upload;
  let notice = null;
  if (ou) {
    const m = await idb('get', 'm:' + ou.upload_id), q = qByKey(ou.question);
    if (m && m.stopped && q) {
      const st = msg();
      screen(qHead(q, h('span.qtext', {}, qText(q))), h('p', {t: 'resuming'}), st);
      const up = new Uploader(ou.upload_id, ou.next_seq, () => say(st, up.retrying && 'retrying', null, 'warn'));
      for (let s = ou.next_seq; s < m.count; s++) {
        up.chunks[s] = idb('get', ckey(ou.upload_id, s)).then(async buf => (buf ? {buf, sha: await sha256(buf)} : null));
      }
      const res = await finishUpload(up, m.count, m.integ, st);
      if (res.ok) {
        q.answered = true; S.next_question = res.data.next_question; S.awaiting_submit = !!res.data.awaiting_submit;
        if (res.data.status === 'completed') return doneScreen();
      } else if (fatal(res.r)) return showFatal(res.r);
      else notice = res.r.data.code === 'lost' ? 'lost' : {text: errText(res.r)};
    } else {            // cut off mid-recording, or recorded on another phone: this one can't be finished
      forget(ou.upload_id);
      if (ou.next_seq > 0 && !ou.saving) notice = 'lost';   // one being saved is finished by the server
    }
    S.open_upload = null;
  }
  if (S.awaiting_submit) return reviewScreen(lastQ());
  const q = qByKey(S.next_question);
  if (!q) return doneScreen();
  if (P.answer_modes.length === 1 && allowed('text')) return question(q, notice);
  deviceScreen(() => question(q, notice));
}

function deviceScreen(next) {
  const vid = allowed('video'), st = msg(), body = h('div.dev');
  const nextStep = () => (next === practiceScreen && !dev.audio && mode !== 'text' ? question(qByKey(S.next_question)) : next());
  const go = btn(vid ? 'd_on' : 'd_on_a', null, 'primary');
  const text = allowed('text') ? btn('d_text', () => { dev.video = dev.audio = false; mode = 'text'; nextStep(); }, 'link') : null;
  const ready = () => {
    const modes = available();
    if (!modes.includes(mode)) mode = modes[0];
    // chosen here, so a question's think time (which starts when it is shown) is never spent choosing
    const chooser = modes.length > 1 && h('fieldset.modes', {}, h('legend', {t: 'd_mode'}), modes.map(m =>
      h('label', {}, h('input', {type: 'radio', name: 'dmode', value: m, checked: m === mode,
        onchange: () => { mode = m; }}), h('span', {t: 'm_' + m}))));
    fill(body, preview(), meter(), h('p.note', {t: 'd_speak'}), chooser, chooser && h('p.note', {t: 'd_mode_note'}));
    say(st, vid && !dev.video && 'd_novideo', null, 'warn');
    heard = () => say(st, 'd_heard', null, 'ok');
    setT(go, 'd_ok'); go.disabled = false; go.onclick = nextStep;
  };
  go.onclick = async () => {
    if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia
        || !['audio', 'video'].some(m => allowed(m) && recordable(m))) {
      go.hidden = true; return say(st, 'd_unsup', null, 'err');
    }
    go.disabled = true; say(st, 'd_wait', null, '');
    // iOS starts audio only inside the tap itself, so the meter's context is made before any await
    try { dev.ctx = dev.ctx || new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { /* no meter */ }
    try { await openDevices(); } catch (e) {
      go.disabled = false; setT(go, 'd_retry');
      const n = e && e.name;
      return say(st, n === 'NotAllowedError' || n === 'SecurityError' ? 'd_denied'
        : n === 'NotReadableError' || n === 'AbortError' ? 'd_busy' : 'd_none', null, 'err');
    }
    ready();
  };
  screen(h('h1', {t: vid ? 'd_title' : 'd_title_a'}), h('p', {t: 'd_intro'}), body, st, go, text);
  if (dev.stream) ready();
}

/* The practice question typed: nothing is sent; the candidate sees the flow before the think times run. */
function textPractice() {
  const ta = h('textarea', {id: 'practice-text', rows: 4, tp: 't_ph'}), st = msg();
  ta.style.minHeight = '120px';
  const tried = btn('p_try', () => {
    const ok = !!ta.value.trim();
    say(st, ok ? 'p_tried' : 't_empty', null, ok ? 'ok' : 'err');
  }, 'secondary');
  screen(h('h1', {t: 'p_title'}), h('p.note', {t: 'p_intro_t'}), h('p.question', {}, S.practice_question),
    h('label.sr-only', {for: 'practice-text', t: 't_ph'}), ta, tried, st,
    btn('p_go', () => question(qByKey(S.next_question)), 'primary'));
}

function practiceScreen() {
  if (mode === 'text') return textPractice();
  const m = dev.video && allowed('video') && recordable('video') ? 'video' : 'audio', box = timerBox(), st = msg(), out = h('div');
  const now = btn('now', null, 'primary'), stop = btn('stop', null, 'primary'), live = h('div.stage', {}, preview(), meter());
  stop.hidden = true;
  screen(h('h1', {t: 'p_title'}), h('p.note', {t: 'p_intro'}), h('p.question', {}, S.practice_question),
    live, box.el, st, out, now, stop);
  thinkThen(box, Math.min(10, P.think_seconds || 10), now, () => {
    const parts = [];
    let rec, done = false;
    try { rec = recorder(m); rec.start(1000); } catch (e) { return say(st, 'd_none', null, 'err'); }
    rec.ondataavailable = e => { if (e.data.size) parts.push(e.data); };   // kept on the phone: nothing is uploaded
    box.label('answer'); setT(box.sr, 'rec_on');
    stop.hidden = false; stop.focus();
    const finish = async () => {
      if (done) return;
      done = true; t.stop(); stop.hidden = true;
      await stopRec(rec);
      const pb = h(m === 'video' ? 'video.playback' : 'audio.playback', {controls: true, playsinline: true,
        src: URL.createObjectURL(new Blob(parts, {type: rec.mime.split(';')[0]}))});
      box.el.hidden = live.hidden = true;
      add(out, [h('p', {t: 'p_review'}), pb, btn('p_go', () => question(qByKey(S.next_question)), 'primary'),
        btn('p_again', practiceScreen, 'secondary')]);
      out.querySelector('.btn').focus();
    };
    const t = countdown(15, box, finish);
    stop.onclick = finish;
  });
}

/* Reveal the question on the server, which starts (once) and keeps its think time; a reload gets the time left. */
async function question(q, notice, retake) {
  if (!q) return doneScreen();
  const st = msg();
  screen(qHead(q, h('span.qtext', {t: 'q_open'})), st);
  const r = await call('POST', `questions/${encodeURIComponent(q.key)}/reveal`, {}, st, true);
  if (r.status === 200) {
    Object.assign(q, {text: r.data.text, text_en: r.data.text_en, revealed: true});
    return ask(q, r.data, notice, retake);
  }
  if (fatal(r)) return showFatal(r);
  const other = r.data.code === 'not_current' && qByKey(r.data.next_question);
  if (other && other !== q) return question(other, notice);
  say(st, {text: errText(r)}, null, 'err');
  st.after(btn('rerec', () => question(q, notice, retake), 'primary'));
}

/* The question's time is over on the server: say so, and go on to the next one (or finish). */
function timeOver(q, r) {
  if (r.data.next_question === q.key && allowed('text')) {   // too late to record, in time to type
    const st = msg(), b = btn('d_text', () => { mode = 'text'; question(q); }, 'primary');
    screen(qHead(q, h('span.qtext', {}, qText(q))), st);
    say(st, {text: errText(r)}, null, 'err');
    st.after(b);
    return b.focus();
  }
  q.expired = true;
  S.next_question = r.data.next_question || null;
  const st = msg(), go = S.next_question ? () => question(qByKey(S.next_question)) : doneScreen;
  screen(qHead(q, h('span.qtext', {}, qText(q))), st);
  say(st, {text: errText(r)}, null, 'err');
  const b = btn('over_next', go, 'primary');
  st.after(b);
  b.focus();
}

function ask(q, time, notice, retake) {
  cur.q = q.key; freshInteg();
  const modes = available();
  if (!modes.includes(mode)) mode = modes[0];
  const box = timerBox(), st = msg(), now = btn('now', null, 'primary'), stage = h('div.stage'), left = timerBox();
  left.label('t_left');
  const chooser = modes.length > 1 && h('fieldset.modes', {}, h('legend', {t: 'q_mode'}), modes.map(m =>
    h('label', {}, h('input', {type: 'radio', name: 'mode', value: m, checked: m === mode,
      onchange: () => { mode = m; paint(); }}), h('span', {t: 'm_' + m}))));
  const keep = retake && btn('keep', () => (S.next_question ? question(qByKey(S.next_question)) : reviewScreen(q)), 'link');
  let typed = null;   // made once: switching modes keeps what was typed (and the answer timer runs on)
  const paint = () => {
    fill(stage);
    left.el.hidden = mode !== 'text';
    if (mode === 'text') { box.el.hidden = now.hidden = true; return add(stage, typed || (typed = textAnswer(q, st, retake))); }
    box.el.hidden = false; now.hidden = !!now.dataset.done;
    add(stage, [mode === 'video' && preview(), meter()]);
  };
  screen(qHead(q, h('span.qtext', {}, qText(q))), chooser, left.el, stage, box.el, st, now, keep);
  say(st, notice, null, 'warn');
  paint();
  countdown(time.time_left, left, () => {});   // the server refuses a typed answer once this (and a slack) is over
  thinkThen(box, time.think_left, now, () => {
    if (chooser) chooser.disabled = true;
    if (keep) keep.hidden = true;
    record(q, box, st, stage, retake);
  }, () => mode !== 'text');
}

function textAnswer(q, st, retake) {
  const max = limits.text_max_chars || 5000;
  const ta = h('textarea', {id: 'answer-text', rows: 8, maxlength: String(max), tp: 't_ph'});
  const count = h('p.counter', {t: 't_count', a: {n: 0, m: max}});
  const send = btn('t_send', async () => {
    const text = ta.value.trim();
    if (!text) { say(st, 't_empty', null, 'err'); return ta.focus(); }
    send.disabled = true; say(st, 'saving', null, '');
    const r = await call('POST', `answers/${encodeURIComponent(q.key)}/text`,
      {text, integrity: integ, retake: !!(retake || q.answered), review: true}, st, true);   // typed work is never dropped
    send.disabled = false;
    if (r.status === 200) return answered(q, r.data);
    if (fatal(r)) return showFatal(r);
    if (r.data.code === 'answer_time_over') return timeOver(q, r);
    say(st, {text: errText(r)}, null, 'err');
  }, 'primary');
  let started = false;   // the first key typed ends the think time, as the server records it
  ta.addEventListener('input', () => {
    setT(count, 't_count', {n: ta.value.length, m: max});
    if (!started) { started = true; api('POST', `questions/${encodeURIComponent(q.key)}/start`, {}); }
  });
  ta.addEventListener('paste', e => {
    const n = ((e.clipboardData && e.clipboardData.getData('text')) || '').length;
    integ.pasted_chars += n; ev('paste', {chars: n});
  });
  return h('div.typed', {}, h('label.sr-only', {for: 'answer-text', t: 't_ph'}), ta, count, send);
}

/* Open the upload, record with a 2 s timeslice and upload each chunk as it comes; on stop, finish. */
async function record(q, box, st, stage, retake) {
  const m = mode, fail = r => { cur.busy = false; keepAwake(false); failed(q, r, st, box, stage); };
  let rec;
  try { rec = recorder(m); } catch (e) { return fail({status: -1, data: {code: 'device'}}); }
  say(st, 'prep', null, '');
  cur.busy = true;
  const open = retake => call('POST', 'uploads', {question: q.key, mode: m, mime: rec.mime, retake}, st);
  let o = await open(!!(retake || q.answered));
  // The server hands back an open upload with chunks of an interrupted recording: start a fresh one instead.
  if (o.status === 200 && o.data.next_seq > 0) o = await open(true);
  if (o.status !== 200) return fail(o);
  const id = o.data.upload_id;
  let stopped = false, started = 0;
  const up = new Uploader(id, 0, () => say(st, up.retrying ? 'retrying' : stopped && 'up',
    {d: up.sent, n: up.chunks.length}, up.retrying ? 'warn' : ''));
  await idb('put', 'm:' + id, {t: Date.now(), q: q.key, stopped: false});
  rec.ondataavailable = e => { if (e.data.size) up.push(e.data); };
  try { rec.start(2000); } catch (e) { return fail({status: -1, data: {code: 'device'}}); }
  started = Date.now();
  keepAwake(true);
  box.label('answer'); setT(box.sr, 'rec_on'); say(st, null);
  const stop = btn('stop', () => finish(), 'primary');
  stop.disabled = true;
  setTimeout(() => { stop.disabled = false; }, 1500);   // the server refuses answers under a second
  add(stage, h('p.rec-dot', {'aria-hidden': 'true', t: 'rec'}));
  st.after(stop);
  stop.focus();
  const t = countdown(q.answer_seconds || P.answer_seconds, box, () => finish());
  async function finish() {
    if (stopped) return;
    stopped = true; t.stop(); stop.remove(); keepAwake(false);
    await stopRec(rec);
    const count = up.chunks.length, snap = {...integ};
    await idb('put', 'm:' + id, {t: Date.now(), q: q.key, stopped: true, count, integ: snap, ms: Date.now() - started});
    const bar = h('div.progress', {role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(count)}, h('span'));
    fill(stage, h('h2', {t: 'saving'}), bar);
    box.el.hidden = true;
    up.onchange = () => {
      bar.firstChild.style.width = Math.round(100 * up.sent / Math.max(1, count)) + '%';
      bar.setAttribute('aria-valuenow', up.sent);
      say(st, up.retrying ? 'retrying' : 'up', {d: up.sent, n: count}, up.retrying ? 'warn' : '');
    };
    up.onchange();
    const res = await finishUpload(up, count, snap, st);
    cur.busy = false;
    if (res.ok) return answered(q, res.data);
    if (fatal(res.r)) return showFatal(res.r);
    failed(q, res.r, st, box, stage);
  }
}

/* Wait for every chunk, then POST finish; network failures are retried for as long as it takes. */
async function finishUpload(up, count, integrity, st) {
  for (;;) {
    const err = await up.drain();
    if (err) { await forget(up.id); return {ok: false, r: err}; }
    // review: the last answer waits for 提交全部回答 instead of ending the interview
    const r = await call('POST', `uploads/${up.id}/finish`, {chunks: count, integrity: integrity || {}, review: true}, st, true);
    if (r.status === 200) { await forget(up.id); return {ok: true, data: r.data}; }
    if (r.data.code === 'missing_chunks' && r.data.next_seq < count) { up.sent = r.data.next_seq; continue; }
    if (r.data.code === 'media_unavailable') return {ok: false, r};   // the upload stays open: keep the copy
    if (r.data.code === 'upload_saving') { await sleep(3000); continue; }   // another try is storing it: wait
    if (r.data.code === 'upload_closed') {   // closed is not stored: ask what became of it before letting go
      const s = await call('GET', `uploads/${up.id}`, undefined, st);
      if (s.status === 200 && s.data.status === 'finished') { await forget(up.id); return {ok: true, data: s.data.result}; }
      if (s.status === 200 && (s.data.status === 'saving' || s.data.status === 'open')) { await sleep(3000); continue; }
      if (!(s.status === 200 && s.data.status === 'failed') && s.data.code !== 'unknown_upload') return {ok: false, r};
    }
    await forget(up.id);   // 422, a failed or unknown upload: the server refused it; a new recording starts afresh
    return {ok: false, r};
  }
}

function failed(q, r, st, box, stage) {
  if (r.data.code === 'answer_time_over') return timeOver(q, r);
  fill(stage); box.el.hidden = true;
  const code = r.data.code;
  say(st, code === 'lost' ? 'lost' : code === 'device' ? 'd_none' : {text: errText(r)}, null, 'err');
  const b = btn('rerec', () => question(q), 'primary');
  st.after(b);
  b.focus();
}

function answered(q, data) {
  if (q.answered) q.retakes_used = (q.retakes_used || 0) + 1;
  q.answered = true;
  S.next_question = data.next_question;
  if (data.status === 'completed') return doneScreen();
  if (!data.next_question) return reviewScreen(q);
  const left = (P.max_retakes || 0) - (q.retakes_used || 0);
  screen(qHead(q, h('span.qtext', {t: 'saved'})),
    btn('next', () => question(qByKey(data.next_question)), 'primary'),
    left > 0 && btn('retake', () => question(q, null, true), 'secondary', {n: left}));
}

const lastQ = () => Qs[Qs.length - 1];

/* The last answer is saved: look at it, retake it if allowed, then 提交全部回答 ends the interview. */
function reviewScreen(q) {
  S.awaiting_submit = true;
  const st = msg(), left = (P.max_retakes || 0) - (q.retakes_used || 0);
  const sub = btn('submit_all', async () => {
    sub.disabled = true; say(st, 'submitting', null, '');
    const r = await call('POST', 'submit', {}, st, true);
    sub.disabled = false;
    if (r.status === 200) { S = r.data; Qs = S.questions; return doneScreen(); }
    if (fatal(r)) return showFatal(r);
    if (r.data.code === 'not_all_answered' && qByKey(r.data.next_question)) return question(qByKey(r.data.next_question));
    say(st, {text: errText(r)}, null, 'err');
  }, 'primary');
  screen(qHead(q, h('span.qtext', {t: 'saved'})),
    h('p', {t: 'review_last', a: {d: Qs.filter(x => x.answered).length, n: Qs.length}}),
    q.text && h('p.note', {}, qText(q)),
    left > 0 && btn('retake', () => question(q, null, true), 'secondary', {n: left}), st, sub);
}

/* After the interview: the stage the recruiter's side is at (state.after), asked again every poll_seconds. */
function afterStage() {
  const a = S.after;
  if (!a) return [h('h1', {t: 's_title'}), h('p', {t: 's_1x'})];
  const news = a.news_by ? {n: a.reply_days, d: a.news_by} : null;
  if (a.stage === 'reviewing') return [h('h1', {t: 'a_rev'}), h('p', {t: 'a_rev_1', a: news})];
  if (a.stage === 'closed') return [h('h1', {t: 'a_closed'}), h('p', {t: 'a_closed_1'})];
  if (a.stage === 'next_round') {
    const ap = a.appointment, fact = (k, v) => v && h('div.wide', {}, h('dt', {t: k}), h('dd', {}, v));
    return [h('h1', {t: 'a_next'}), ap && h('dl.facts.appointment', {}, fact('a_when', ap.when), fact('a_place', ap.place),
      fact('a_contact', ap.contact)), h('p', {t: ap ? 'a_next_1' : 'a_next_0'})];
  }
  return [h('h1', {t: 's_title'}), h('p', {t: 's_1', a: news})];
}

function doneScreen() {
  cur.busy = false; cur.q = '';
  if (dev.stream) { dev.stream.getTracks().forEach(t => t.stop()); dev.stream = null; dev.video = dev.audio = false; }
  if (dev.ctx && dev.ctx.close) dev.ctx.close().catch(() => {});
  const st = msg(), asked = S.rights && S.rights.review_requested_at;
  const review = btn('r_review', async () => {
    review.disabled = true;
    const r = await call('POST', 'review', {}, st);
    if (r.status === 200) { S.rights = r.data; review.hidden = true; return say(st, 'r_review_ok', null, 'ok'); }
    review.disabled = false;
    if (fatal(r)) return showFatal(r);
    say(st, {text: errText(r)}, null, 'err');
  });
  review.hidden = !!asked;
  const stage = afterStage();
  screen(h('div.done-mark', {'aria-hidden': 'true'}, '✓'), stage, h('p', {t: 's_2'}), h('p.note', {t: 's_3'}),
    h('h2', {t: 'r_title'}), asked && h('p.msg.ok', {t: 'r_review_ok'}), review, st,
    btn('r_erase', () => eraseScreen(), 'link'), window.H5Fairness && window.H5Fairness.rights(kit));
  app.querySelector('.card').dataset.stage = (S.after && S.after.stage) || 'completed';
  const seen = JSON.stringify(S.after || null), check = async () => {   // the page stays alive: news shows up
    if (document.hidden) return;
    const r = await api('GET', 'state');
    if (r.status === 200 && r.data.status === 'completed' && JSON.stringify(r.data.after || null) !== seen
        && app.querySelector('.card[data-stage]')) {
      S = r.data; Qs = S.questions; doneScreen();
    }
  };
  const every = setInterval(check, ((S.after && S.after.poll_seconds) || 30) * 1000);
  timers.push({stop: () => clearInterval(every)});
  if (!S.after) check();
}

/* Deleting the candidate's personal data: what goes, that the application ends, then one more tap. */
function eraseScreen(goBack = doneScreen) {
  const st = msg();
  const go = btn('r_erase_go', async () => {
    go.disabled = back.disabled = true; say(st, 'r_erasing', null, '');
    let r = await call('POST', 'erasure', {confirm: true}, st, true);
    for (let i = 0; r.status === 202 && i < 80; i++) {   // queued: the page waits up to two minutes
      await sleep(1500);
      r = await call('GET', 'erasure', undefined, st, true);
    }
    if (r.status === 200 && r.data.state === 'done') return erasedScreen();
    go.disabled = back.disabled = false;
    if (r.status === 202) return say(st, 'r_erase_later', null, 'warn');
    if (fatal(r)) return showFatal(r);
    say(st, {text: errText(r)}, null, 'err');
  }, 'danger');
  const back = btn('r_back', goBack);
  screen(h('h1', {t: 'r_erase_title'}), h('p', {t: 'r_erase_intro'}),
    h('ul.steps', {}, ['r_e1', 'r_e2', 'r_e3', 'r_e4'].map(k => h('li', {t: k}))),
    h('p', {t: 'r_erase_end'}), st, go, back);
}

function erasedScreen() {
  cur.busy = false;
  screen(h('div.done-mark', {'aria-hidden': 'true'}, '✓'), h('h1', {t: 'r_erased'}), h('p', {t: 'r_erased_1'}));
}

/* ---------- Start ---------- */
const lb = document.getElementById('lang');
lb.hidden = false;
lb.onclick = () => {
  lang = lang === 'en' ? 'zh' : 'en';
  try { localStorage.setItem('h5.lang', lang); } catch (e) { /* storage off */ }
  retranslate();
};
evOn = !!(S.consent && S.consent.given);
freshInteg();
if (S.error) showFatal({status: S.error.status, data: S.error}); else welcome();
retranslate();
sweep();
})();
