/* SPDX-License-Identifier: MIT */
/* The dashboard page: renders the snapshot pushed over /ws. Every data value
 * reaches the DOM through textContent, never as HTML. */
'use strict';

const MESSAGES = {
  en: {
    title: 'Real-time dashboard', refresh: 'Refresh now', pause: 'Pause live',
    resume: 'Resume live', clear: 'Clear view', theme: 'Light theme',
    themeDark: 'Dark theme', metrics: 'Metrics', totalValue: 'Total value',
    meanValue: 'Mean value', records: 'Records', meanAge: 'Mean age',
    charts: 'Charts', chartBar: 'Total value per category',
    chartHist: 'Age distribution', chartPie: 'Share of value per category',
    chartScatter: 'Value × age', allRows: 'All records', prev: 'Previous',
    next: 'Next', perCategory: 'Statistics per category', count: 'Count',
    sum: 'Total', mean: 'Mean', min: 'Min', max: 'Max',
    streamInfo: 'Stream', dataQuality: 'Data quality', line: 'Line',
    reason: 'Reason', raw: 'Raw', catchingUp: 'Replaying the topic…',
    live: 'live', paused: 'paused', reconnecting: 'reconnecting…',
    years: 'years', page: 'Page {p} of {n} ({t} records)', topic: 'Topic',
    partitions: 'Partitions', generation: 'Generation', lastUpdate: 'Last update',
    lag: 'Consumer lag', latency: 'File → dashboard latency (p50 / p99)',
    caughtUp: 'Replay', done: 'done', rejected: 'Rejected records',
    duplicates: 'Duplicates dropped', none: 'none', category: 'Category',
    roles: 'Columns', roleValue: 'Value', roleCategory: 'Category', roleAge: 'Age',
    roleLabel: 'Label', automatic: 'automatic', rolesHint: 'applies to every viewer',
    empty: 'No records yet: waiting for the producer.', countAxis: 'Records',
    kafkaDown: 'Kafka unreachable',
    history: 'Rejected in earlier generations (history)',
    producers: 'Producers', source: 'Source', state: 'State', details: 'Details',
    st_caught_up: 'alive, caught up', st_sending: 'alive, sending',
    st_blocked: 'alive, blocked', st_holding: 'alive, holding data',
    st_file_error: 'alive, cannot read the file', st_checkpoint_failed: 'alive, cannot save its position',
    st_stopped: 'stopped', st_silent: 'not responding',
    pendingAcks: '{n} unacknowledged, oldest {s} s', heldBytes: '{n} bytes held ({w})',
    health_kafka: 'Kafka is unreachable: the figures below may be out of date.',
    health_topic: 'The topic does not exist: nothing to show yet.',
    health_partitions: 'Partitions without a leader: part of the data cannot be read.',
    health_replay: 'Reading the topic has stalled.',
  },
  'pt-BR': {
    title: 'Dashboard em tempo real', refresh: 'Atualizar agora',
    pause: 'Pausar ao vivo', resume: 'Retomar ao vivo', clear: 'Limpar visão',
    theme: 'Tema claro', themeDark: 'Tema escuro', metrics: 'Métricas',
    totalValue: 'Valor Total', meanValue: 'Valor Médio',
    records: 'Total Registros', meanAge: 'Idade Média',
    charts: 'Visualizações', chartBar: 'Valor Total por Categoria',
    chartHist: 'Distribuição de Idades',
    chartPie: 'Percentual de Valores por Categoria',
    chartScatter: 'Relação Valor x Idade', allRows: 'Todos os Dados',
    prev: 'Anterior', next: 'Próxima', perCategory: 'Estatísticas por Categoria',
    count: 'Qtd Registros', sum: 'Valor Total', mean: 'Valor Médio',
    min: 'Mínimo', max: 'Máximo', streamInfo: 'Informações do Stream',
    dataQuality: 'Qualidade dos Dados', line: 'Linha', reason: 'Motivo',
    raw: 'Texto', catchingUp: 'Relendo o tópico…', live: 'ao vivo',
    paused: 'pausado', reconnecting: 'reconectando…', years: 'anos',
    page: 'Página {p} de {n} ({t} registros)', topic: 'Tópico',
    partitions: 'Partições', generation: 'Geração',
    lastUpdate: 'Última atualização', lag: 'Atraso do consumidor',
    latency: 'Latência arquivo → dashboard (p50 / p99)', caughtUp: 'Releitura',
    done: 'concluída', rejected: 'Registros rejeitados',
    duplicates: 'Duplicados descartados', none: 'nenhum', category: 'Categoria',
    roles: 'Colunas', roleValue: 'Valor', roleCategory: 'Categoria', roleAge: 'Idade',
    roleLabel: 'Rótulo', automatic: 'automática', rolesHint: 'vale para todos os visitantes',
    empty: 'Nenhum registro ainda: aguardando o produtor.', countAxis: 'Registros',
    kafkaDown: 'Kafka inacessível',
    history: 'Rejeitados em gerações anteriores (histórico)',
    producers: 'Produtores', source: 'Origem', state: 'Estado', details: 'Detalhes',
    st_caught_up: 'ativo, em dia', st_sending: 'ativo, enviando',
    st_blocked: 'ativo, bloqueado', st_holding: 'ativo, retendo dados',
    st_file_error: 'ativo, não consegue ler o arquivo', st_checkpoint_failed: 'ativo, não consegue salvar a posição',
    st_stopped: 'parado', st_silent: 'sem resposta',
    pendingAcks: '{n} sem confirmação, a mais antiga há {s} s', heldBytes: '{n} bytes retidos ({w})',
    health_kafka: 'O Kafka está inacessível: os números abaixo podem estar desatualizados.',
    health_topic: 'O tópico não existe: ainda não há nada para mostrar.',
    health_partitions: 'Partições sem líder: parte dos dados não pode ser lida.',
    health_replay: 'A leitura do tópico está parada.',
  },
};

const PAGE_SIZE = 20;
const RECONNECT_MAX_MS = 5000;
const state = {
  lang: 'en', snapshot: null, pending: null, paused: false,
  sort: null, order: 'desc', page: 1, charts: {}, ws: null, retry: 500,
  rowsInFlight: false, rowsAgain: false, wsOpen: false,
  cleared: null, // version on screen when "Clear view" was pressed
};

const $ = (id) => document.getElementById(id);
const t = (key) => (MESSAGES[state.lang] || MESSAGES.en)[key] || key;

function pickLanguage() {
  const saved = localStorage.getItem('lang');
  if (saved && MESSAGES[saved]) return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  return nav.startsWith('pt') ? 'pt-BR' : 'en';
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  $('lang').value = state.lang;
  document.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  $('pause').textContent = state.paused ? t('resume') : t('pause');
  $('theme').textContent = document.documentElement.dataset.theme === 'dark'
    ? t('theme') : t('themeDark');
  if (state.snapshot) render(state.snapshot);
}

function locale() { return state.lang === 'pt-BR' ? 'pt-BR' : 'en-US'; }
function money(v) {
  if (v === null || v === undefined) return '–';
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'BRL' }).format(v);
}
function num(v, digits) {
  if (v === null || v === undefined) return '–';
  const o = digits === undefined ? { maximumFractionDigits: 2 }
    : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(locale(), o).format(v);
}
function setText(id, text) { $(id).textContent = text; }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/* ---- Charts ---- */

const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b',
  '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
function colour(i) { return PALETTE[i % PALETTE.length]; }
function viridis(f) {
  const stops = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.max(0, Math.min(1, f)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const k = x - i;
  const c = stops[i].map((v, j) => Math.round(v + (stops[i + 1][j] - v) * k));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function makeCharts() {
  if (!window.Chart) return;
  const fg = getComputedStyle(document.body).color;
  Chart.defaults.color = fg;
  Chart.defaults.borderColor = 'rgba(128,128,128,0.25)';
  Chart.defaults.animation = false;
  const common = { responsive: true, maintainAspectRatio: false };
  const axes = () => ({ x: { title: { display: true, text: '' } },
    y: { title: { display: true, text: '' }, beginAtZero: true } });
  state.charts.bar = new Chart($('chart-bar'), { type: 'bar',
    data: { labels: [], datasets: [{ data: [] }] },
    options: { ...common, scales: axes(), plugins: { legend: { display: false } } } });
  state.charts.hist = new Chart($('chart-hist'), { type: 'bar',
    data: { labels: [], datasets: [{ data: [], backgroundColor: '#1f77b4',
      borderColor: getComputedStyle(document.body).backgroundColor, borderWidth: 1,
      barPercentage: 1, categoryPercentage: 1 }] },
    options: { ...common, scales: axes(), plugins: { legend: { display: false } } } });
  state.charts.pie = new Chart($('chart-pie'), { type: 'pie',
    data: { labels: [], datasets: [{ data: [] }] },
    options: { ...common, plugins: { legend: { position: 'right' } } } });
  state.charts.scatter = new Chart($('chart-scatter'), { type: 'scatter',
    data: { datasets: [] },
    options: { ...common, scales: axes(),
      elements: { point: { radius: scatterRadius, hoverRadius: (c) => scatterRadius(c) + 2 } },
      plugins: { legend: { position: 'right', labels: { usePointStyle: true } },
      tooltip: { callbacks: { label: (c) => `${c.raw.l ?? ''} (${c.raw.x}, ${c.raw.y})` } } } } });
}

/* The seed sized the scatter's points by value: 3..12 px, by area. */
function scatterRadius(c) {
  const top = c.chart.$top || 0;
  const v = c.raw && typeof c.raw.y === 'number' ? c.raw.y : 0;
  return top > 0 && v > 0 ? 3 + 9 * Math.sqrt(v / top) : 3;
}

function setAxes(chart, x, y) {
  chart.options.scales.x.title.text = x || '';
  chart.options.scales.y.title.text = y || '';
}

function renderCharts(s) {
  const ch = state.charts;
  if (!ch.bar) return;
  const items = s.categories.items;
  const labels = items.map((c) => c.name);
  const sums = items.map((c) => Number(c.sum));
  const top = Math.max(1, ...sums);
  ch.bar.data.labels = labels;
  ch.bar.data.datasets[0].data = sums;
  ch.bar.data.datasets[0].label = s.roles.value || '';
  ch.bar.data.datasets[0].backgroundColor = sums.map((v) => viridis(v / top));
  setAxes(ch.bar, s.categories.column, s.roles.value);
  ch.bar.update('none');
  const bins = s.histogram.bins;
  ch.hist.data.labels = bins.map((b) => `${num(b.from)}–${num(b.to)}`);
  ch.hist.data.datasets[0].data = bins.map((b) => b.count);
  ch.hist.data.datasets[0].label = s.histogram.column || '';
  setAxes(ch.hist, s.histogram.column, t('countAxis'));
  ch.hist.update('none');
  ch.pie.data.labels = labels;
  ch.pie.data.datasets[0].data = sums;
  ch.pie.data.datasets[0].backgroundColor = labels.map((_, i) => colour(i));
  ch.pie.update('none');
  const groups = new Map();
  ch.scatter.$top = Math.max(0, ...s.sample.points.map((p) => (typeof p[1] === 'number' ? p[1] : 0)));
  for (const p of s.sample.points) {
    const key = p[2] === null ? '–' : String(p[2]);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push({ x: p[0], y: p[1], l: p[3] });
  }
  const order = labels.filter((l) => groups.has(l));
  for (const k of groups.keys()) if (!order.includes(k)) order.push(k);
  ch.scatter.data.datasets = order.map((k, i) => ({ label: k, data: groups.get(k),
    backgroundColor: colour(labels.indexOf(k) >= 0 ? labels.indexOf(k) : i) }));
  setAxes(ch.scatter, s.sample.x, s.sample.y);
  ch.scatter.update('none');
}

/* ---- Snapshot ---- */

function render(s) {
  state.snapshot = s;
  const c = s.cards;
  setText('card-total', money(c.total_value));
  setText('card-mean', money(c.mean_value));
  setText('card-count', num(c.records, 0));
  setText('card-age', c.mean_age === null ? '–' : `${num(c.mean_age, 1)} ${t('years')}`);
  const cu = s.catchup;
  const problems = renderHealth(s);
  $('catchup').hidden = cu.done || problems.some((p) => p.check === 'topic' || p.check === 'kafka');
  $('empty').hidden = !(cu.done && s.count === 0);
  renderRoles(s);
  $('catchup-bar').value = cu.progress;
  renderCharts(s);
  renderCategories(s);
  renderStream(s);
  renderProducers(s);
  renderQuality(s);
  document.body.dataset.version = String(s.version);
  document.body.dataset.count = String(s.count);
  loadRows();
}

/* ---- Health: a banner per problem, the live light follows Kafka ---- */

function renderHealth(s) {
  const h = s.health || { kafka: true, problems: [] };
  const box = $('health');
  box.replaceChildren();
  for (const p of h.problems) {
    const line = el('p', '');
    line.dataset.check = p.check;
    line.append(el('strong', t(`health_${p.check}`)), el('span', ` ${p.reason}`, 'detail'));
    box.append(line);
  }
  box.hidden = h.problems.length === 0;
  state.kafkaOk = h.kafka;
  showLive();
  return h.problems;
}

/* Green only while both the WebSocket and the dashboard's Kafka are up. */
function showLive() {
  if (!state.wsOpen) return;
  if (state.kafkaOk === false) setStatus('kafkaDown', 'down');
  else setStatus(state.paused ? 'paused' : 'live', 'live');
}

/* ---- Roles ---- */

const ROLE_FITS = {
  value: (c) => c.type === 'integer' || c.type === 'decimal',
  age: (c) => c.type === 'integer' || c.type === 'decimal',
  category: (c) => c.type === 'text',
  label: (c) => c.type === 'text',
};

function renderRoles(s) {
  for (const sel of document.querySelectorAll('select[data-role]')) {
    const role = sel.dataset.role;
    const names = (s.column_order || []).filter((n) => s.columns[n] && ROLE_FITS[role](s.columns[n]));
    const key = JSON.stringify([state.lang, names]);
    if (sel.dataset.options !== key) {
      sel.replaceChildren();
      const auto = el('option', `(${t('automatic')})`);
      auto.value = '';
      sel.append(auto);
      for (const n of names) {
        const o = el('option', n);
        o.value = n;
        sel.append(o);
      }
      sel.dataset.options = key;
    }
    if (document.activeElement !== sel) sel.value = s.roles[role] || '';
  }
}

async function chooseRole(role, column) {
  try {
    const r = await fetch(`/api/roles?${new URLSearchParams({ [role]: column })}`,
      { method: 'POST' });
    if (r.ok && !state.paused) render(await r.json());
  } catch (e) { /* the next push shows the roles in force */ }
}

function renderCategories(s) {
  setText('cat-col-name', s.categories.column || t('category'));
  const body = $('cats').tBodies[0];
  body.replaceChildren();
  for (const c of s.categories.items) {
    const tr = document.createElement('tr');
    tr.append(el('td', c.name), el('td', num(c.count, 0), 'num'),
      el('td', money(c.sum), 'num'), el('td', money(c.mean), 'num'),
      el('td', money(c.min), 'num'), el('td', money(c.max), 'num'),
      el('td', c.mean_age === null ? '–' : num(c.mean_age, 1), 'num'));
    body.append(tr);
  }
}

function kv(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) dl.append(el('dt', k), el('dd', v));
}

function renderStream(s) {
  const st = s.stream;
  const lat = st.latency_ms;
  kv($('stream'), [
    [t('topic'), st.topic], [t('partitions'), num(st.partitions, 0)],
    [t('generation'), st.generation ? String(st.generation) : '–'],
    [t('records'), num(s.count, 0)],
    [t('lastUpdate'), st.last_update_ms ? new Date(st.last_update_ms).toLocaleString(locale()) : '–'],
    [t('lag'), st.lag < 0 ? '–' : num(st.lag, 0)],
    [t('latency'), lat.p50 === null ? '–' : `${lat.p50} ms / ${lat.p99} ms`],
    [t('caughtUp'), s.catchup.done ? t('done') : `${num(s.catchup.progress * 100, 0)} %`],
  ]);
}

/* Per source, what its producer last said on the status topic. */
function renderProducers(s) {
  const body = $('producers').tBodies[0];
  body.replaceChildren();
  for (const p of s.producers || []) {
    const key = !p.alive ? (p.state === 'stopped' ? 'stopped' : 'silent') : p.state;
    const details = [];
    if (p.alive && p.pending) {
      details.push(t('pendingAcks').replace('{n}', num(p.pending, 0))
        .replace('{s}', num(p.oldest_unacked_ms / 1000, 0)));
    }
    if (p.held_bytes) {
      details.push(t('heldBytes').replace('{n}', num(p.held_bytes, 0)).replace('{w}', p.held_why || ''));
    }
    if (p.reason) details.push(p.reason);
    const tr = document.createElement('tr');
    tr.dataset.state = key;
    tr.append(el('td', p.source), el('td', t(`st_${key}`)), el('td', details.join('; ')));
    body.append(tr);
  }
  $('producers-section').hidden = !(s.producers && s.producers.length);
}

function renderQuality(s) {
  const d = s.dlq.summary;
  const pairs = [[t('rejected'), num(d.count, 0)],
    [t('duplicates'), num(s.ingest.duplicates, 0)]];
  for (const r of d.reasons) pairs.push([r.reason, num(r.count, 0)]);
  if (d.history) pairs.push([t('history'), num(d.history, 0)]);
  kv($('dq'), pairs);
  const body = $('dq-last').tBodies[0];
  body.replaceChildren();
  for (const e of d.last) {
    const tr = document.createElement('tr');
    tr.append(el('td', e.line, 'num'), el('td', e.reason), el('td', e.raw));
    body.append(tr);
  }
}

/* ---- Rows ---- */

async function loadRows() {
  if (state.rowsInFlight) { state.rowsAgain = true; return; }
  state.rowsInFlight = true;
  try {
    const q = new URLSearchParams({ page: state.page, size: PAGE_SIZE, order: state.order });
    if (state.sort) q.set('sort', state.sort);
    const r = await fetch(`/api/rows?${q}`);
    if (r.ok) renderRows(await r.json());
  } catch (e) { /* the next update retries */ }
  state.rowsInFlight = false;
  if (state.rowsAgain) { state.rowsAgain = false; loadRows(); }
}

function renderRows(p) {
  if (state.paused && state.snapshot === null) return;
  const valueCol = state.snapshot && state.snapshot.roles.value;
  const head = $('rows').tHead.rows[0];
  head.replaceChildren();
  for (const c of p.columns) {
    const numeric = c.type === 'integer' || c.type === 'decimal';
    const th = el('th', c.name, numeric ? 'num' : '');
    th.dataset.column = c.name;
    if (c.name === p.sort) th.classList.add(`sorted-${p.order}`);
    th.addEventListener('click', () => {
      state.order = state.sort === c.name || (!state.sort && c.name === p.sort)
        ? (p.order === 'desc' ? 'asc' : 'desc') : (c.type === 'text' ? 'asc' : 'desc');
      state.sort = c.name;
      state.page = 1;
      loadRows();
    });
    head.append(th);
  }
  const body = $('rows').tBodies[0];
  body.replaceChildren();
  for (const row of p.rows) {
    const tr = document.createElement('tr');
    row.forEach((v, i) => {
      const col = p.columns[i];
      const numeric = col.type === 'integer' || col.type === 'decimal';
      let text = v === null ? '' : v;
      if (numeric && v !== null) text = col.name === valueCol ? money(v) : num(v);
      tr.append(el('td', text, numeric ? 'num' : ''));
    });
    body.append(tr);
  }
  setText('page-info', t('page').replace('{p}', num(p.page, 0))
    .replace('{n}', num(Math.max(1, p.pages), 0)).replace('{t}', num(p.total, 0)));
  $('prev').disabled = p.page <= 1;
  $('next').disabled = p.page >= p.pages;
}

/* ---- Live updates ---- */

function setStatus(key, cls) {
  const s = $('status');
  s.textContent = t(key);
  s.className = `status ${cls}`;
  s.dataset.state = key;
}

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const ws = new WebSocket(`${proto}//${location.host}/ws`);
  state.ws = ws;
  ws.onopen = () => { state.retry = 500; state.wsOpen = true; showLive(); };
  ws.onmessage = (ev) => {
    let s;
    try { s = JSON.parse(ev.data); } catch (e) { return; }
    if (state.paused) { state.pending = s; return; }
    // Cleared: stay blank until the data changes (pushes also come every
    // second with the same version, for the clocks) or "Refresh now".
    if (state.cleared !== null && s.version === state.cleared) return;
    state.cleared = null;
    render(s);
  };
  ws.onclose = () => {
    state.wsOpen = false;
    setStatus('reconnecting', 'down');
    setTimeout(connect, state.retry);
    state.retry = Math.min(RECONNECT_MAX_MS, state.retry * 2);
  };
}

async function refreshNow() {
  state.cleared = null;
  try {
    const r = await fetch('/api/snapshot');
    if (r.ok) render(await r.json());
  } catch (e) { /* shown by the status light */ }
}

function clearView() {
  state.cleared = state.snapshot ? state.snapshot.version : null;
  for (const id of ['card-total', 'card-mean', 'card-count', 'card-age']) setText(id, '–');
  for (const id of ['rows', 'cats', 'dq-last']) $(id).tBodies[0].replaceChildren();
  for (const id of ['stream', 'dq']) $(id).replaceChildren();
  setText('page-info', '');
  for (const c of Object.values(state.charts)) {
    c.data.labels = [];
    c.data.datasets.forEach((d) => { d.data = []; });
    c.update('none');
  }
}

function init() {
  state.lang = pickLanguage();
  document.documentElement.dataset.theme = localStorage.getItem('theme') || 'dark';
  makeCharts();
  applyLanguage();
  $('lang').addEventListener('change', (e) => {
    state.lang = e.target.value;
    localStorage.setItem('lang', state.lang);
    applyLanguage();
  });
  $('theme').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('theme', next);
    for (const c of Object.values(state.charts)) c.destroy();
    state.charts = {};
    makeCharts();
    applyLanguage();
  });
  for (const sel of document.querySelectorAll('select[data-role]')) {
    sel.addEventListener('change', () => { chooseRole(sel.dataset.role, sel.value); sel.blur(); });
  }
  $('refresh').addEventListener('click', refreshNow);
  $('clear').addEventListener('click', clearView);
  $('pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('pause').classList.toggle('active', state.paused);
    $('pause').textContent = state.paused ? t('resume') : t('pause');
    showLive();
    if (!state.paused && state.pending) { render(state.pending); state.pending = null; }
  });
  $('prev').addEventListener('click', () => { state.page = Math.max(1, state.page - 1); loadRows(); });
  $('next').addEventListener('click', () => { state.page += 1; loadRows(); });
  connect();
}

document.addEventListener('DOMContentLoaded', init);
