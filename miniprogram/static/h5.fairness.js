/* The optional fairness step after consent, and withdrawing it among the candidate's rights
   (bot/privacy/self_declared.py, API: GET/POST fairness, POST fairness/withdraw). Loaded after h5.i18n.js and before
   h5.js, which hands it its helpers (kit: h, screen, btn, msg, say, call, errText, fatal, showFatal, lang).
   The notice comes from the server, so what was shown is what its sha256 records. Optional means optional: any
   failure here goes on to the interview. */
window.H5Fairness = (() => {
'use strict';

Object.assign(window.H5_STRINGS.zh, {
  fr_pick: '请至少选择一项，或点「跳过，不提供」。', fr_wd: '撤回公平性信息',
  fr_wd_q: '撤回后，我们会删除您自愿提供的性别、年龄段等信息，以后也不会再问您。', fr_wd_go: '确认撤回',
  fr_wd_ok: '已撤回，您提供的信息已删除。'});
Object.assign(window.H5_STRINGS.en, {
  fr_pick: 'Choose at least one answer, or tap "Skip".', fr_wd: 'Withdraw my fairness answers',
  fr_wd_q: 'We will delete the gender and age you chose to give us, and never ask again.', fr_wd_go: 'Withdraw',
  fr_wd_ok: 'Withdrawn: what you gave us has been deleted.'});

const pick = (s, kit) => s.texts[kit.lang() === 'en' ? 'en' : 'zh-CN'] || s.texts['zh-CN'];
let showing = null;   // the step on screen: re-drawn in the other language when the candidate switches

/* After consent: ask (once), then next(). */
async function step(kit, next) {
  const r = await kit.call('GET', 'fairness');
  if (r.status !== 200 || !r.data.ask) return next();
  show(kit, r.data, next, {});
}

function show(kit, s, next, chosen) {
  const {h} = kit, n = pick(s, kit), st = kit.msg();
  const groups = n.questions.map(q => h('fieldset.modes.reasons', {'data-q': q.key}, h('legend', {}, q.label),
    q.options.map(o => h('label', {}, h('input', {type: 'radio', name: 'fr-' + q.key, value: o.value,
      checked: chosen[q.key] === o.value, onchange: () => { chosen[q.key] = o.value; kit.say(st, null); }}), h('span', {}, o.label)))));
  const send = async (answers, b) => {
    agree.disabled = skip.disabled = true;
    const r = await kit.call('POST', 'fairness', {answers, version: s.version, text_sha256: n.sha256}, st);
    agree.disabled = skip.disabled = false;
    if (r.status === 200) { showing = null; return next(); }
    if (kit.fatal(r)) { showing = null; return kit.showFatal(r); }
    if (b === skip) { showing = null; return next(); }   // a refusal that did not get through: asked again later
    kit.say(st, {text: kit.errText(r)}, null, 'err');
  };
  const agree = h('button.btn.primary', {type: 'button', id: 'fr-agree', onclick: () => {
    if (!Object.keys(chosen).length) return kit.say(st, 'fr_pick', null, 'err');
    send(chosen, agree);
  }}, n.agree);
  const skip = h('button.btn.link', {type: 'button', id: 'fr-skip', onclick: () => send(null, skip)}, n.skip);
  showing = () => show(kit, s, next, chosen);
  kit.screen(h('h1', {}, n.title), n.lines.map(line => h('p', {}, line)), groups, st, agree, skip);
  document.querySelector('.card').dataset.step = 'fairness';
}

/* Among the rights after the interview: withdraw what was declared (shown only while something is kept). */
function rights(kit) {
  const box = kit.h('div.fairness-rights'), st = kit.msg();
  kit.call('GET', 'fairness').then(r => {
    if (r.status !== 200 || !r.data.declared) return;
    const go = kit.btn('fr_wd_go', async () => {
      go.disabled = true;
      const w = await kit.call('POST', 'fairness/withdraw', {confirm: true}, st);
      if (w.status === 200) { go.hidden = q.hidden = true; return kit.say(st, 'fr_wd_ok', null, 'ok'); }
      go.disabled = false;
      kit.say(st, {text: kit.errText(w)}, null, 'err');
    }, 'danger');
    const ask = kit.btn('fr_wd', () => { ask.hidden = true; q.hidden = go.hidden = false; }, 'link');
    const q = kit.h('p', {t: 'fr_wd_q', hidden: true});
    go.hidden = true;
    box.append(ask, q, go, st);
  });
  return box;
}

const lb = document.getElementById('lang');
if (lb) lb.addEventListener('click', () => setTimeout(() => { if (showing) showing(); }, 0));

return {step, rights};
})();
