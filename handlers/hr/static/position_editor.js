// The position editor: the question bank (questions with their rubric points) and the draw are edited here, the
// whole position is sent as one JSON document that the server checks with the same rules as a file or the API,
// and the previews follow what HR types. A field the server refused gets its message beside it. The position's
// competencies (what it asks for, a sentence each) and up to two of them as its own dimensions, each question's
// model answers, and each rubric point's 必答 mark and wrong practices are edited here too; 建议评分要点 asks the
// server to draft a question's rubric, which fills its rows for HR to edit (nothing is saved until 保存).
(() => {
  "use strict";
  const form = document.getElementById("position-form");
  if (!form) return;
  const list = document.getElementById("question-list");
  const drawBox = document.getElementById("draw-table");
  const preview = document.getElementById("preview");
  const sum = document.querySelector("[data-testid=weight-sum]");
  const competencyBox = document.getElementById("competency-table");
  const ownBox = document.getElementById("own-dimension-table");
  // The six dimensions with an input of their own in the weights section; any other weight is an own dimension.
  const SEEDS = new Set([...form.querySelectorAll('[data-kind][data-path^="dimensions."]')].map((c) => c.dataset.path.slice(11)));
  const OWN_MAX = 2;
  const ANSWERS_MAX = 3;
  const suggested = new Map();  // question index → {count, note, generic}: the points a draft filled, marked 建议
  let doc = JSON.parse(document.getElementById("position-doc").textContent || "{}");
  if (!Array.isArray(doc.questions)) doc.questions = [];
  let active = 0;
  const open = new Set([0]);  // the questions shown unfolded (a bank of twelve folds to a list of summaries)
  const DIFFICULTY = [[1, "1 基础"], [2, "2 标准"], [3, "3 较难"]];
  const NUMBER = /^-?\d+(\.\d+)?$/;

  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      if (name === "text") node.textContent = value; else node.setAttribute(name, value === true ? "" : value);
    }
    children.forEach((child) => node.append(child));
    return node;
  };
  const words = (value) => (Array.isArray(value) ? value.join("、") : "");
  const splitWords = (text) => text.split(/[,，、;；\n]+/).map((w) => w.trim()).filter(Boolean);
  const number = (text) => { const t = text.trim(); return t === "" ? undefined : (NUMBER.test(t) ? Number(t) : t); };

  // An id per path, distinct for paths that differ only in Chinese (draw.服务意识, draw.合规意识).
  const idOf = (path) => "f-" + [...path].map((ch) => (/[\w-]/.test(ch) ? ch : `-${ch.codePointAt(0).toString(16)}`)).join("");

  function field(path, label, control, extraClass = "") {
    const id = idOf(path);
    control.id = id;
    control.dataset.path = path;
    return el("div", { class: `field ${extraClass}`, "data-field-box": path }, el("label", { for: id, text: label }), control);
  }

  function questionBox(q, i) {
    const at = `questions[${i}]`;
    const box = el("fieldset", { class: "question", "data-index": i });
    const head = el("legend", { class: "sr" }, `第 ${i + 1} 题`);
    const tools = el("span", { class: "tools" },
      el("button", { type: "button", class: "btn link", "data-move": -1, "aria-label": `第 ${i + 1} 题上移`, text: "上移" }),
      el("button", { type: "button", class: "btn link", "data-move": 1, "aria-label": `第 ${i + 1} 题下移`, text: "下移" }),
      el("button", { type: "button", class: "btn link danger", "data-remove-question": "", "aria-label": `删除第 ${i + 1} 题`, text: "删除" }));
    box.append(head, tools);
    const difficulty = el("select", { "data-q": "difficulty" });
    DIFFICULTY.forEach(([v, name]) => difficulty.append(el("option", { value: v, selected: (q.difficulty || 2) === v, text: name })));
    box.append(el("div", { class: "fields" },
      field(`${at}.key`, "题目代码", el("input", { "data-q": "key", value: q.key || "", autocomplete: "off" })),
      field(`${at}.competency`, "能力项", el("input", { "data-q": "competency", value: q.competency || "", list: "competencies", placeholder: "如 服务意识" })),
      field(`${at}.difficulty`, "难度", difficulty),
      field(`${at}.think_seconds`, "思考时间（秒）", el("input", { "data-q": "think_seconds", inputmode: "numeric", value: q.think_seconds ?? "", placeholder: "同岗位" })),
      field(`${at}.answer_seconds`, "作答时间（秒）", el("input", { "data-q": "answer_seconds", inputmode: "numeric", value: q.answer_seconds ?? "", placeholder: "同岗位" }))));
    const text = el("textarea", { rows: 3, "data-q": "text" }); text.value = q.text || "";
    const textEn = el("textarea", { rows: 2, "data-q": "text_en", lang: "en" }); textEn.value = q.text_en || "";
    const flags = el("textarea", { rows: 2, "data-q": "red_flags", placeholder: "每行一个，如：保证收益" }); flags.value = (q.red_flags || []).join("\n");
    box.append(field(`${at}.text`, "题目", text, "wide"), field(`${at}.text_en`, "英文题目（英文页面用）", textEn, "wide"),
      field(`${at}.red_flags`, "红线表述", flags, "wide"), answersBox(q, i));
    const draft = suggested.get(i);
    const points = el("div", { class: "points", "data-field-box": `${at}.rubric` },
      el("p", { class: "label", text: "评分要点" }),
      el("p", { class: "hint", text: "每条要点写“好的回答会怎么做”。勾选“必答要点”的，候选人没有答到时专业匹配度最高 50 分；“错误做法”写候选人可能说出的错误处理，换个说法说出来也会被发现。" }),
      el("div", { class: "row" },
        el("button", { type: "button", class: "btn", "data-suggest": "", "aria-label": `第 ${i + 1} 题：建议评分要点`, text: "建议评分要点" })),
      el("p", { class: `hint suggest-note${draft && draft.generic ? " generic" : ""}`, role: "status", "data-testid": "suggest-note", text: draft ? draft.note : "" }));
    (q.rubric || []).forEach((point, j) => points.append(pointBox(point, i, j, Boolean(draft && j < draft.count))));
    points.append(el("button", { type: "button", class: "btn", "data-add-point": "", text: "添加评分要点" }));
    box.append(points);
    const wrap = el("details", { class: "qwrap", "data-index": i, open: open.has(i) || !q.text });
    wrap.append(el("summary", { text: summary(q, i) }), box);
    return wrap;
  }

  function summary(q, i) {
    const text = (q.text || "").trim();
    return `第 ${i + 1} 题 · ${(q.competency || "").trim() || "未填能力项"} · ${text ? text.slice(0, 40) + (text.length > 40 ? "…" : "") : "（未填题目）"}`;
  }

  // Up to three model answers: what an excellent answer says. A question without rubric points is scored against
  // them; 建议评分要点 drafts the points from them.
  function answersBox(q, i) {
    const at = `questions[${i}].model_answers`;
    const given = Array.isArray(q.model_answers) ? q.model_answers : [];
    const box = el("div", { class: "field wide answers", "data-field-box": at },
      el("span", { class: "label", text: "参考答案（可选，最多 3 条）" }),
      el("p", { class: "hint", text: "粘贴您认为优秀的回答。没有评分要点的题目按参考答案评分；也可以据此生成建议评分要点。" }));
    (given.length ? given : [""]).slice(0, ANSWERS_MAX).forEach((answer, k) => {
      const area = el("textarea", { rows: 3, "data-answer": k, id: idOf(`${at}[${k}]`), "aria-label": `第 ${i + 1} 题 参考答案 ${k + 1}`, placeholder: `参考答案 ${k + 1}` });
      area.value = typeof answer === "string" ? answer : "";
      box.append(area);
    });
    if (given.length < ANSWERS_MAX) box.append(el("button", { type: "button", class: "btn link", "data-add-answer": "", text: "添加参考答案" }));
    return box;
  }

  function pointBox(point, i, j, isDraft = false) {
    const at = `questions[${i}].rubric[${j}]`;
    const description = el("textarea", { rows: 2, "data-p": "description", placeholder: "好的回答会……" });
    description.value = point.description || "";
    const wrong = el("textarea", { rows: 2, "data-p": "contradicts", placeholder: "每行一句" });
    wrong.value = Array.isArray(point.contradicts) ? point.contradicts.join("\n") : "";
    const required = el("input", { type: "checkbox", "data-p": "required", checked: point.required === true });
    return el("div", { class: `point${isDraft ? " draft" : ""}`, "data-point": j },
      isDraft ? el("span", { class: "tag", "data-testid": "suggested", text: "建议" }) : "",
      el("div", { class: "fields" },
        field(`${at}.point`, `要点 ${j + 1}`, el("input", { "data-p": "point", value: point.point || "" })),
        field(`${at}.keywords`, "关键词", el("input", { "data-p": "keywords", value: words(point.keywords), placeholder: "用逗号或顿号分隔" })),
        field(`${at}.synonyms`, "近义词", el("input", { "data-p": "synonyms", value: words(point.synonyms) }))),
      field(`${at}.description`, "说明", description, "wide"),
      checkField(`${at}.required`, `必答要点（没有答到时专业匹配度最高 50 分）`, required),
      field(`${at}.contradicts`, "错误做法（每行一句）", wrong, "wide"),
      el("p", { class: "hint", text: "用肯定句写出错误做法，如：自己先垫钱把差错补上" }),
      el("button", { type: "button", class: "btn link danger", "data-remove-point": "", text: `删除要点 ${j + 1}` }));
  }

  function checkField(path, label, control) {
    control.id = idOf(path);
    control.dataset.path = path;
    return el("div", { class: "field bool", "data-field-box": path }, el("label", { for: control.id }, control, ` ${label}`));
  }

  // 岗位素质要求: a name and a sentence per row.
  function renderCompetencies() {
    const named = doc.competencies && typeof doc.competencies === "object" && !Array.isArray(doc.competencies) ? doc.competencies : {};
    const rows = Object.entries(named).map(([name, sentence], k) => {
      const nameInput = el("input", { "data-c": "name", value: name, placeholder: "如 合规意识", autocomplete: "off" });
      const text = el("textarea", { rows: 2, "data-c": "sentence", placeholder: "这个岗位在这项素质上要求什么，一句话" });
      text.value = typeof sentence === "string" ? sentence : "";
      return el("div", { class: "point competency", "data-competency": k, "data-was": name },
        el("div", { class: "fields" },
          field(`competencies[${k}].name`, `素质 ${k + 1} 名称`, nameInput),
          field(`competencies.${name}`, "要求", text, "wide")),
        el("button", { type: "button", class: "btn link danger", "data-remove-competency": "", text: `删除素质 ${k + 1}` }));
    });
    competencyBox.replaceChildren(...(rows.length ? rows : [el("p", { class: "muted small", text: "还没有素质要求。没有时，岗位适配性只按岗位介绍评分。" })]));
  }

  // The position's own dimensions: up to two competencies, each with a weight beside the six.
  function renderOwn() {
    if (!ownBox) return;
    const weights = doc.dimensions && typeof doc.dimensions === "object" ? doc.dimensions : {};
    const own = Object.keys(weights).filter((name) => !SEEDS.has(name));
    const names = Object.keys(doc.competencies || {}).map((n) => n.trim()).filter(Boolean);
    const rows = own.map((name, k) => {
      const pick = el("select", { "data-own": "name", "aria-label": `岗位自有维度 ${k + 1}` });
      pick.append(el("option", { value: "", text: "选择一项素质" }));
      [...new Set([name, ...names])].filter((n) => n && (n === name || !own.includes(n)))
        .forEach((n) => pick.append(el("option", { value: n, selected: n === name, text: n })));
      const weight = el("input", { "data-own": "weight", inputmode: "decimal", value: weights[name] ?? "", placeholder: "0–1", autocomplete: "off" });
      return el("div", { class: "fields own", "data-own-row": k },
        el("div", { class: "field" }, el("span", { class: "label", text: `自有维度 ${k + 1}` }), pick),
        field(`dimensions.${name}`, `${name || "自有维度"} 权重`, weight),
        el("button", { type: "button", class: "btn link danger", "data-remove-own": "", text: `删除自有维度 ${k + 1}` }));
    });
    ownBox.replaceChildren(...rows);
    const add = form.querySelector("[data-add-own-dimension]");
    add.disabled = own.length >= OWN_MAX || !names.some((n) => !own.includes(n));
    add.title = add.disabled ? (names.length ? `最多 ${OWN_MAX} 个岗位自有维度` : "先在“岗位素质要求”里添加素质") : "";
  }

  function renderQuestions() {
    list.replaceChildren(...doc.questions.map(questionBox));
    const names = [...new Set(doc.questions.map((q) => (q.competency || "").trim()).filter(Boolean))];
    let datalist = document.getElementById("competencies");
    if (!datalist) { datalist = el("datalist", { id: "competencies" }); form.append(datalist); }
    datalist.replaceChildren(...["服务意识", "合规意识", "沟通表达", "抗压", "学习能力", "专业知识", ...Object.keys(doc.competencies || {}), ...names]
      .filter((v, k, all) => all.indexOf(v) === k).map((v) => el("option", { value: v })));
  }

  function renderDraw() {
    const bank = {};
    doc.questions.forEach((q) => { const c = (q.competency || "").trim(); if (c) bank[c] = (bank[c] || 0) + 1; });
    const draw = doc.draw && typeof doc.draw === "object" ? doc.draw : {};
    const names = [...new Set([...Object.keys(bank), ...Object.keys(draw)])];
    if (!names.length) { drawBox.replaceChildren(el("p", { class: "muted small", text: "题目填写能力项后，可在这里设置每个能力项抽几题。" })); return; }
    const table = el("div", { class: "fields" });
    names.forEach((name) => {
      const input = el("input", { "data-draw": name, inputmode: "numeric", value: draw[name] ?? "", placeholder: "不抽" });
      table.append(field(`draw.${name}`, `${name}（题库 ${bank[name] || 0} 题）`, input));
    });
    const total = Object.values(draw).reduce((a, n) => a + (Number.isInteger(n) ? n : 0), 0);
    drawBox.replaceChildren(table, el("p", { class: "muted small", "data-testid": "draw-total", text: total ? `每位候选人共抽 ${total} 题（另加未填能力项的题目）。` : "不抽题：按顺序问全部题目。" }));
  }

  function setPath(target, path, value) {
    const parts = path.split(".");
    let node = target;
    parts.slice(0, -1).forEach((part) => {
      if (!node[part] || typeof node[part] !== "object" || Array.isArray(node[part])) node[part] = {};
      node = node[part];
    });
    const last = parts[parts.length - 1];
    if (value === undefined) delete node[last]; else node[last] = value;
  }

  function read(control) {
    const kind = control.dataset.kind;
    if (kind === "bool") return control.checked;
    if (kind === "modes") return [...control.querySelectorAll("input:checked")].map((box) => box.value);
    if (kind === "int" || kind === "number") return number(control.value);
    if (kind === "words") return splitWords(control.value);
    if (kind === "select") return control.value === "" ? null : control.value;
    return control.value;
  }

  // The document as the form shows it now: the loaded one (so a key the form has no input for survives), with
  // every input's value written in.
  function collect() {
    const out = JSON.parse(JSON.stringify(doc));
    form.querySelectorAll("[data-kind]").forEach((control) => setPath(out, control.dataset.path, read(control)));
    for (const key of ["dimensions", "thresholds", "next_round", "delivery"]) {
      if (out[key] && typeof out[key] === "object") {
        Object.keys(out[key]).forEach((k) => { if (out[key][k] === undefined || out[key][k] === "") delete out[key][k]; });
      }
    }
    out.questions = [...list.querySelectorAll("fieldset.question")].map((box, i) => {
      const q = { ...(doc.questions[i] || {}) };
      box.querySelectorAll("[data-q]").forEach((control) => {
        const key = control.dataset.q;
        let value = control.value;
        if (key === "difficulty") value = Number(value);
        else if (key === "think_seconds" || key === "answer_seconds") value = number(value);
        else if (key === "red_flags") value = value.split("\n").map((w) => w.trim()).filter(Boolean);
        else if (key === "competency" || key === "text_en") value = value.trim() === "" ? undefined : value;
        if (key === "red_flags" && !value.length) { if ((q.red_flags || []).length) delete q.red_flags; }  // [] stays
        else if (value === undefined) delete q[key]; else q[key] = value;
      });
      const answers = [...box.querySelectorAll("[data-answer]")].map((area) => area.value).filter((a) => a.trim());
      if (answers.length) q.model_answers = answers; else if ((q.model_answers || []).length) delete q.model_answers;
      const points = [...box.querySelectorAll("[data-point]")].map((pointEl, j) => {
        const point = { ...((doc.questions[i] || {}).rubric || [])[j] };
        pointEl.querySelectorAll("[data-p]").forEach((control) => {
          const key = control.dataset.p;
          if (key === "required") {  // a false written in a file stays as it was; unticked is otherwise no key
            if (control.checked) point.required = true; else if (point.required !== false) delete point.required;
            return;
          }
          const value = key === "keywords" || key === "synonyms" ? splitWords(control.value)
            : key === "contradicts" ? control.value.split("\n").map((w) => w.trim()).filter(Boolean) : control.value;
          if ((key === "synonyms" || key === "contradicts") && !value.length) {  // an empty list written in a file stays
            if ((point[key] || []).length) delete point[key];
          } else if (key === "description" && !value.trim()) delete point[key];
          else point[key] = value;
        });
        if (!point.keywords) point.keywords = [];
        return point;
      });
      if (points.length || "rubric" in q) q.rubric = points;
      return q;
    });
    const draw = {};
    drawBox.querySelectorAll("[data-draw]").forEach((control) => {
      const value = number(control.value);
      if (value !== undefined) draw[control.dataset.draw] = value;
    });
    out.draw = draw;
    const named = {};
    competencyBox.querySelectorAll("[data-competency]").forEach((row) => {
      const name = row.querySelector("[data-c=name]").value.trim();  // as the server keeps it
      const sentence = row.querySelector("[data-c=sentence]").value;
      if (name || sentence.trim()) named[name] = sentence;
    });
    if (Object.keys(named).length) out.competencies = named; else delete out.competencies;
    if (ownBox) {
      out.dimensions = out.dimensions && typeof out.dimensions === "object" ? out.dimensions : {};
      Object.keys(out.dimensions).forEach((name) => { if (!SEEDS.has(name)) delete out.dimensions[name]; });
      ownBox.querySelectorAll("[data-own-row]").forEach((row) => {
        const name = row.querySelector("[data-own=name]").value;
        const weight = number(row.querySelector("[data-own=weight]").value);
        if (name) out.dimensions[name] = weight === undefined ? null : weight;  // no weight: the server says so
      });
    }
    return out;
  }

  function showSum(current) {
    if (!sum) return;
    const weights = Object.values(current.dimensions || {}).filter((w) => typeof w === "number");
    const total = weights.reduce((a, w) => a + w, 0);
    sum.textContent = weights.length ? ` 现在合计 ${Math.round(total * 1000) / 1000}` : " 现在用标准权重";
    sum.classList.toggle("off", weights.length > 0 && Math.abs(total - 1) > 1e-6);
  }

  let timer = null;
  let asked = 0;
  function schedulePreview() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const ticket = ++asked;
      try {
        const response = await fetch("/hr/positions/preview", {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value },
          body: JSON.stringify({ document: collect(), question: active }),
        });
        if (response.ok && ticket === asked) {  // parsed inert (no script runs), then moved in: no innerHTML
          const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
          preview.replaceChildren(...fresh.body.childNodes);
        }
      } catch (err) { /* offline for a moment: the next keystroke asks again */ }
    }, 350);
  }

  function changed() {
    doc = collect();
    showSum(doc);
    schedulePreview();
  }

  function rebuild() {
    renderQuestions();
    renderDraw();
    renderCompetencies();
    renderOwn();
    changed();
  }

  // 建议评分要点: the server drafts the question's rubric from its model answers (generic without them); the draft
  // replaces the question's rows, marked 建议, for HR to edit and save.
  async function suggest(i, button) {
    doc = collect();
    const q = doc.questions[i];
    const note = button.closest(".points").querySelector("[data-testid=suggest-note]");
    if (!(q.text || "").trim()) { note.textContent = "请先填写题目，再生成建议评分要点。"; return; }
    const filled = (q.rubric || []).filter((p) => (p.point || "").trim()).length;
    if (filled && !window.confirm(`用建议替换第 ${i + 1} 题现有的 ${filled} 条评分要点？`)) return;
    button.disabled = true;
    note.textContent = "正在起草建议评分要点……";
    let answer = null;
    let status = 0;
    try {
      const response = await fetch("/hr/positions/rubric-suggestion", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": form.elements.csrf.value },
        body: JSON.stringify({ question: q.text, model_answers: q.model_answers || [], position: form.elements.original.value }),
      });
      status = response.status;
      answer = await response.json().catch(() => null);
    } catch (err) { /* offline: said below */ }
    button.disabled = false;
    if (!answer || status !== 200 || !Array.isArray(answer.points)) {
      note.textContent = (answer && answer.error) || (status ? `暂时无法生成建议（${status}），请稍后再试。` : "网络中断，请稍后再试。");
      return;
    }
    doc = collect();  // what was typed while the draft was on its way stays
    doc.questions[i].rubric = answer.points.map((p) => ({ point: p.point, description: p.description, keywords: p.keywords || [], ...(p.synonyms && p.synonyms.length ? { synonyms: p.synonyms } : {}) }));
    suggested.set(i, { count: answer.points.length, note: answer.note || "", generic: answer.basis !== "model_answers" });
    open.add(i);
    active = i;
    rebuild();
  }

  form.addEventListener("input", (event) => {
    const box = event.target.closest("fieldset.question");
    if (box) active = Number(box.dataset.index);
    changed();
    if (box) box.closest("details").querySelector("summary").textContent = summary(doc.questions[active], active);
    if (event.target.dataset.q === "competency") renderDraw();
    if (event.target.dataset.c === "name") renamed(event.target);
    if (event.target.dataset.draw !== undefined) {
      const total = drawBox.querySelector("[data-testid=draw-total]");
      if (total) { const n = Object.values(doc.draw).reduce((a, v) => a + (Number.isInteger(v) ? v : 0), 0); total.textContent = n ? `每位候选人共抽 ${n} 题（另加未填能力项的题目）。` : "不抽题：按顺序问全部题目。"; }
    }
  });
  form.addEventListener("change", changed);
  form.addEventListener("focusin", (event) => {
    const box = event.target.closest("fieldset.question");
    if (box && Number(box.dataset.index) !== active) { active = Number(box.dataset.index); schedulePreview(); }
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[type=button]");
    if (!button) return;
    const box = button.closest("fieldset.question");
    const i = box ? Number(box.dataset.index) : -1;
    if (button.hasAttribute("data-suggest")) { suggest(i, button); return; }
    doc = collect();
    if (button.hasAttribute("data-add-question")) {
      const keys = new Set(doc.questions.map((q) => q.key));
      let n = doc.questions.length + 1;
      while (keys.has(`q${n}`)) n += 1;
      doc.questions.push({ key: `q${n}`, text: "", difficulty: 2, rubric: [] });
      active = doc.questions.length - 1;
      open.add(active);
    } else if (button.hasAttribute("data-remove-question")) {
      if (doc.questions.length > 1 && window.confirm(`删除第 ${i + 1} 题？`)) doc.questions.splice(i, 1);
      active = 0;
      open.clear();
      suggested.clear();
    } else if (button.dataset.move) {
      const to = i + Number(button.dataset.move);
      if (to < 0 || to >= doc.questions.length) return;
      [doc.questions[i], doc.questions[to]] = [doc.questions[to], doc.questions[i]];
      const [mine, theirs] = [suggested.get(i), suggested.get(to)];
      suggested.delete(i); suggested.delete(to);
      if (mine) suggested.set(to, mine);
      if (theirs) suggested.set(i, theirs);
      active = to;
      open.delete(i);
      open.add(to);
    } else if (button.hasAttribute("data-add-point")) {
      (doc.questions[i].rubric = doc.questions[i].rubric || []).push({ point: "", keywords: [] });
    } else if (button.hasAttribute("data-remove-point")) {
      const j = Number(button.closest("[data-point]").dataset.point);
      doc.questions[i].rubric.splice(j, 1);
      const draft = suggested.get(i);
      if (draft && j < draft.count) draft.count -= 1;
    } else if (button.hasAttribute("data-add-answer")) {
      const answers = Array.isArray(doc.questions[i].model_answers) ? doc.questions[i].model_answers : [];
      doc.questions[i].model_answers = [...(answers.length ? answers : [""]), ""].slice(0, ANSWERS_MAX);
    } else if (button.hasAttribute("data-add-competency")) {
      const named = doc.competencies && typeof doc.competencies === "object" ? doc.competencies : {};
      if (!("" in named)) doc.competencies = { ...named, "": "" };
    } else if (button.hasAttribute("data-remove-competency")) {
      const k = Number(button.closest("[data-competency]").dataset.competency);
      doc.competencies = Object.fromEntries(Object.entries(doc.competencies || {}).filter((_, n) => n !== k));
    } else if (button.hasAttribute("data-add-own-dimension")) {
      const own = Object.keys(doc.dimensions || {}).filter((n) => !SEEDS.has(n));
      const free = Object.keys(doc.competencies || {}).find((n) => n && !own.includes(n));
      if (own.length >= OWN_MAX || !free) return;
      doc.dimensions = { ...(doc.dimensions || {}), [free]: null };
    } else if (button.hasAttribute("data-remove-own")) {
      const own = Object.keys(doc.dimensions || {}).filter((n) => !SEEDS.has(n));
      delete doc.dimensions[own[Number(button.closest("[data-own-row]").dataset.ownRow)]];
    } else {
      return;
    }
    rebuild();
  });
  list.addEventListener("toggle", (event) => {  // toggle does not bubble: caught on its way down
    const wrap = event.target;
    if (!wrap.matches || !wrap.matches("details.qwrap")) return;
    if (wrap.open) open.add(Number(wrap.dataset.index)); else open.delete(Number(wrap.dataset.index));
  }, true);
  form.addEventListener("submit", () => { form.elements.document.value = JSON.stringify(collect()); });

  // The server's refusal names a field path (questions[2].rubric[0].point, dimensions, draw.服务意识): put its
  // message beside that field, or the nearest box that holds it.
  function placeError() {
    const note = document.querySelector("[data-testid=error][data-field]");
    if (!note || !note.dataset.field) return;
    const path = note.dataset.field;
    const message = note.dataset.message || note.textContent.replace(/^未保存：/, "");
    const query = (p) => document.querySelector(`[data-path="${CSS.escape(p)}"]`)
      || document.querySelector(`[data-field-box="${CSS.escape(p)}"]`);
    let p = path;
    let target = query(p);
    while (!target) {
      const shorter = p.replace(/(\.[^.[\]]+|\[\d+\])$/, "");
      if (shorter === p || !shorter) break;
      p = shorter;
      target = query(p);
    }
    if (!target) return;
    const folded = target.closest("details");
    if (folded) folded.open = true;
    const box = target.closest("[data-field-box]") || target;
    if (box.querySelector(":scope > .field-error")) return;  // the server already put it there
    const id = "error-" + path.replace(/[^\w-]/g, "-");
    box.append(el("p", { class: "field-error", role: "alert", id, "data-error-for": path, text: message }));
    box.classList.add("invalid");
    const control = box.matches("input, textarea, select") ? box : box.querySelector("input, textarea, select");
    if (control) { control.setAttribute("aria-invalid", "true"); control.setAttribute("aria-describedby", id); }
    box.scrollIntoView({ block: "center" });
  }

  // A competency renamed: an own dimension of that name follows it with its weight, and the choices are renewed.
  function renamed(input) {
    const row = input.closest("[data-competency]");
    const was = row.dataset.was || "";
    const now = input.value.trim();
    const weights = doc.dimensions || {};
    if (was && now && was !== now && was in weights && !SEEDS.has(was) && !(now in weights)) {
      doc.dimensions = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k === was ? now : k, v]));
    }
    if (now) row.dataset.was = now;
    renderOwn();
    doc = collect();
    showSum(doc);
  }
  form.addEventListener("change", (event) => { if (event.target.dataset.own === "name") { doc = collect(); renderOwn(); } });

  renderQuestions();
  renderDraw();
  renderCompetencies();
  renderOwn();
  showSum(collect());
  placeError();
})();
