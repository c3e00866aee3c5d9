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
    st_conflict: 'alive, another producer writes this source',
    st_stopped: 'stopped', st_silent: 'not responding',
    pendingAcks: '{n} unacknowledged, oldest {s} s', heldBytes: '{n} bytes held ({w})',
    note_encoding: 'text read as: {t}',
    note_number_guess: 'numbers like 1,234 in {c} read with a decimal comma (nothing else in the file told; the producer\'s --decimal-point reads them as thousands)',
    note_header_like_row: 'the first line looks like a row, not a header (for a file without a header line, run the producer with --columns)',
    note_values_as_text: '{n} values that do not fit their column sent as text (first in {c})',
    health_kafka: 'Kafka is unreachable: the figures below may be out of date.',
    health_topic: 'The topic does not exist: nothing to show yet.',
    health_partitions: 'Partitions without a leader: part of the data cannot be read.',
    health_replay: 'Reading the topic has stalled.',
    missingRows: '{n} of {m} rows of {s} are missing.',
    missingStart: 'The start of {s} is missing (records before #{k}): how many rows is not known.',
    missingStartAll: 'The start of {s} is missing: how many rows is not known.',
    missingNewer: 'A newer version of {s} cannot be shown: {n} of its {m} rows are missing.',
    missing_topic_start_deleted: 'The topic\'s oldest messages were deleted (retention or kafka-delete-records): partition {p} starts at offset {o}.',
    missing_not_read: 'They were not read from the topic, though every partition starts at offset 0: the topic was recreated, messages were lost, or the dashboard skipped them (see its log).',
    totalOf: 'Total {v}', meanOf: 'Mean {v}', meanOfAge: 'Mean {a}',
    barOf: 'Total {v} per {c}', histOf: '{a} distribution', pieOf: 'Share of {v} per {c}',
    scatterOf: '{v} × {a}', others: 'Others ({n})', value: 'value', age: 'age',
    rolesHintViewer: 'for this page only: the link keeps it', export: 'Export CSV',
    chartTime: 'Rows and value per second (last 2 minutes, by read time)',
    removeFilter: 'Remove the filter', filterHint: 'click a category to filter',
    timeOf: 'Rows and {v} per second (last 2 minutes, by read time)', rowsPerSecond: 'rows/s',
    timeLimit: 'Rows per second (last 2 minutes, by read time); sums of {v} are not kept: only a file\'s first {n} numeric columns have them',
    histSampled: '{h}, {f}: from {n} sampled rows of {t}, not exact',
    histSampledAll: '{h}: from {n} sampled rows of {t}, not exact',
    wholeTopic: '{k} (whole topic)',
    sources: 'Sources', allSources: 'All sources', rows: 'Rows', lastChange: 'Last change',
    producer: 'Producer', deleted: 'deleted', sourceHint: 'click a source to see it alone',
    sourceChip: 'source = {s}', showAll: 'Show every source',
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
    st_conflict: 'ativo, outro produtor escreve esta origem',
    st_stopped: 'parado', st_silent: 'sem resposta',
    pendingAcks: '{n} sem confirmação, a mais antiga há {s} s', heldBytes: '{n} bytes retidos ({w})',
    note_encoding: 'texto lido como: {t}',
    note_number_guess: 'números como 1,234 em {c} lidos com vírgula decimal (nada mais no arquivo indicava; --decimal-point no produtor os lê como milhares)',
    note_header_like_row: 'a primeira linha parece uma linha de dados, não um cabeçalho (para um arquivo sem cabeçalho, use --columns no produtor)',
    note_values_as_text: '{n} valores que não cabem na coluna enviados como texto (o primeiro em {c})',
    health_kafka: 'O Kafka está inacessível: os números abaixo podem estar desatualizados.',
    health_topic: 'O tópico não existe: ainda não há nada para mostrar.',
    health_partitions: 'Partições sem líder: parte dos dados não pode ser lida.',
    health_replay: 'A leitura do tópico está parada.',
    missingRows: 'Faltam {n} de {m} registros de {s}.',
    missingStart: 'Falta o início de {s} (registros antes do nº {k}): não se sabe quantos registros.',
    missingStartAll: 'Falta o início de {s}: não se sabe quantos registros.',
    missingNewer: 'Uma versão mais nova de {s} não pode ser mostrada: faltam {n} de seus {m} registros.',
    missing_topic_start_deleted: 'As mensagens mais antigas do tópico foram apagadas (retenção ou kafka-delete-records): a partição {p} começa no offset {o}.',
    missing_not_read: 'Não foram lidos do tópico, embora toda partição comece no offset 0: o tópico foi recriado, mensagens se perderam, ou o dashboard as pulou (veja o log dele).',
    totalOf: 'Total de {v}', meanOf: 'Média de {v}', meanOfAge: 'Média de {a}',
    barOf: 'Total de {v} por {c}', histOf: 'Distribuição de {a}',
    pieOf: 'Percentual de {v} por {c}', scatterOf: 'Relação {v} x {a}',
    others: 'Outros ({n})', value: 'valor', age: 'idade',
    rolesHintViewer: 'só nesta página: o link guarda a escolha', export: 'Exportar CSV',
    chartTime: 'Registros e valor por segundo (últimos 2 minutos, pela hora de leitura)',
    removeFilter: 'Remover o filtro', filterHint: 'clique numa categoria para filtrar',
    timeOf: 'Registros e {v} por segundo (últimos 2 minutos, pela hora de leitura)',
    rowsPerSecond: 'registros/s',
    histSampled: '{h}, {f}: de {n} registros amostrados de {t}, não exato',
    histSampledAll: '{h}: de {n} registros amostrados de {t}, não exato',
    wholeTopic: '{k} (tópico inteiro)',
    timeLimit: 'Registros por segundo (últimos 2 minutos, pela hora de leitura); somas de {v} não são guardadas: só as {n} primeiras colunas numéricas de um arquivo as têm',
    sources: 'Origens', allSources: 'Todas as origens', rows: 'Registros',
    lastChange: 'Última alteração', producer: 'Produtor', deleted: 'apagado',
    sourceHint: 'clique numa origem para vê-la sozinha', sourceChip: 'origem = {s}',
    showAll: 'Mostrar todas as origens',
  },
};

const PAGE_SIZE = 20;
const RECONNECT_MAX_MS = 5000;
const ROLES = ['value', 'category', 'age', 'label'];
const state = {
  lang: 'en', snapshot: null, pending: null, paused: false,
  roles: {}, // this viewer's roles from the address: role -> column
  filter: null, // one category of the category column, or null
  source: null, // one source (its id), or null for every source
  snapInFlight: false, snapAgain: false,
  sort: null, order: 'desc', page: 1, charts: {}, ws: null, retry: 500,
  rowsInFlight: false, rowsAgain: false, wsOpen: false,
  cleared: null, // version on screen when "Clear view" was pressed
};

const $ = (id) => document.getElementById(id);
const t = (key) => (MESSAGES[state.lang] || MESSAGES.en)[key] || key;

/* ---- The address: every choice of this viewer, shareable ---- */

function readUrl() {
  const q = new URLSearchParams(location.search);
  for (const r of ROLES) if (q.get(r)) state.roles[r] = q.get(r);
  if (q.get('sort')) state.sort = q.get('sort');
  if (q.get('filter')) state.filter = q.get('filter');
  if (q.get('source')) state.source = q.get('source');
  if (q.get('order') === 'asc' || q.get('order') === 'desc') state.order = q.get('order');
  return q;
}

function writeUrl() {
  const q = new URLSearchParams();
  q.set('lang', state.lang);
  q.set('theme', document.documentElement.dataset.theme);
  for (const r of ROLES) if (state.roles[r]) q.set(r, state.roles[r]);
  if (state.sort) { q.set('sort', state.sort); q.set('order', state.order); }
  if (state.filter !== null) q.set('filter', state.filter);
  if (state.source !== null) q.set('source', state.source);
  history.replaceState(null, '', `${location.pathname}?${q}`);
}

/* The roles and source part of a query, for every request of this viewer. */
function roleParams(q = new URLSearchParams()) {
  for (const r of ROLES) if (state.roles[r]) q.set(r, state.roles[r]);
  if (state.source !== null) q.set('source', state.source);
  return q;
}
/* Pushes carry every source with the default roles: a viewer with roles or
 * a source of its own fetches its snapshot on pushes (fetchOnPush). */
const hasRoles = () => ROLES.some((r) => state.roles[r]) || state.source !== null;

function pickLanguage(url) {
  if (url.get('lang') && MESSAGES[url.get('lang')]) return url.get('lang');
  const saved = localStorage.getItem('lang');
  if (saved && MESSAGES[saved]) return saved;
  const nav = (navigator.language || 'en').toLowerCase();
  return nav.startsWith('pt') ? 'pt-BR' : 'en';
}

function applyLanguage() {
  document.documentElement.lang = state.lang;
  document.title = t('title');
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
const MONEY_NAME = /valor|price|pre[cç]o|amount|revenue|receita|sales|vendas|cost|custo|sal[aá]rio|salary|total/i;
const AGE_NAME = /^(idade|age|edad)$/i;
/* Identifier-like integer columns ("id", "user_id", "CEP", "code") are shown
 * without thousands separators: 116545, not 116.545. */
const ID_NAME = /(^|[_\s-])(id|cep|zip|code|c[oó]digo|key|chave)$|^id[_\s-]/i;
const ID_CAMEL = /[a-z]Id$/;
function isMoney(name) { return !!name && MONEY_NAME.test(name); }
function isIdLike(name) { return !!name && (ID_NAME.test(name) || ID_CAMEL.test(name)); }
/* A unit symbol the producer read in the file: a currency as an ISO code
 * when it names one ("$" alone does not: it is shown as written), or %. */
const UNIT_CODES = { 'R$': 'BRL', 'US$': 'USD', '€': 'EUR', '£': 'GBP' };
function money(v, unit) {
  if (v === null || v === undefined) return '–';
  if (unit === '%') return `${num(v)}%`;
  const code = unit ? UNIT_CODES[unit] : 'BRL';
  if (!code) {
    const n = num(Math.abs(v), 2);
    return `${v < 0 ? '-' : ''}${unit}${n}`;
  }
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: code }).format(v);
}
/* The currency symbol of column name in the snapshot shown, or undefined. */
function unitOf(name) {
  const c = state.snapshot && state.snapshot.columns && state.snapshot.columns[name];
  return c ? c.unit : undefined;
}
function num(v, digits) {
  if (v === null || v === undefined) return '–';
  const o = digits === undefined ? { maximumFractionDigits: 2 }
    : { minimumFractionDigits: digits, maximumFractionDigits: digits };
  return new Intl.NumberFormat(locale(), o).format(v);
}
/* A value of column `name`: money for money-like columns, plain digits for
 * identifiers, the viewer's number format otherwise. */
function fmt(name, v) {
  if (v === null || v === undefined) return '–';
  const unit = unitOf(name);
  if (unit) return money(v, unit);
  if (isMoney(name)) return money(v);
  if (isIdLike(name)) return String(v);
  return num(v);
}
/* A label that names the column of a role ("Total price"); the classic
 * label when the column is the classic one (valor, idade). */
function roleLabel(key, classic, s) {
  const v = s && s.roles.value; const a = s && s.roles.age; const c = s && s.roles.category;
  const classicCols = { value: ['valor', 'value'], age: ['idade', 'age'], category: ['cidade', 'city'] };
  const isClassic = (col, role) => !col || classicCols[role].includes(String(col).toLowerCase());
  if (isClassic(v, 'value') && isClassic(a, 'age') && isClassic(c, 'category')) return t(classic);
  return t(key).replace('{v}', v || t('value')).replace('{a}', a || t('age'))
    .replace('{c}', c || t('category'));
}
function setText(id, text) { $(id).textContent = text; }

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (cls) e.className = cls;
  return e;
}

/* ---- Charts ---- */

/* Ten colours that stay apart (Tableau 10), then grey for "Others": the
 * bar, the pie and the scatter show the top TOP_N categories in the same
 * colours, everything else is one "Others" group. */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
const OTHERS_COLOUR = '#6b7280';
const TOP_N = 9;
const SCATTER_MANY = 150;

function makeCharts() {
  if (!window.Chart) return;
  const fg = getComputedStyle(document.body).color;
  Chart.defaults.color = fg;
  Chart.defaults.borderColor = 'rgba(128,128,128,0.25)';
  Chart.defaults.animation = false;
  const common = { responsive: true, maintainAspectRatio: false, locale: locale() };
  const tick = (axis) => ({ callback(v) {
    const name = axis === 'y' ? this.chart.$yName : this.chart.$xName;
    return this.type === 'category' ? this.getLabelForValue(v) : fmtTick(name, v);
  } });
  const axes = () => ({ x: { title: { display: true, text: '' }, ticks: tick('x') },
    y: { title: { display: true, text: '' }, beginAtZero: true, ticks: tick('y') } });
  const legend = { position: 'bottom', labels: { boxWidth: 12, usePointStyle: true } };
  const pick = (chart, i) => {
    const name = chart.data.labels[i];
    if (name === undefined || chart.$others === name) return;
    setFilter(state.filter === name ? null : name);
  };
  const onClick = (e, items, chart) => { if (items.length) pick(chart, items[0].index); };
  state.charts.bar = new Chart($('chart-bar'), { type: 'bar',
    data: { labels: [], datasets: [{ data: [] }] },
    options: { ...common, onClick, scales: axes(), plugins: { legend: { display: false },
      tooltip: { callbacks: { label: (c) => fmt(c.chart.$yName, c.raw) } } } } });
  state.charts.hist = new Chart($('chart-hist'), { type: 'bar',
    data: { labels: [], datasets: [{ data: [], backgroundColor: PALETTE[0],
      borderColor: getComputedStyle(document.body).backgroundColor, borderWidth: 1,
      barPercentage: 1, categoryPercentage: 1 }] },
    options: { ...common, scales: axes(), plugins: { legend: { display: false },
      tooltip: { callbacks: { label: (c) => num(c.raw, 0) } } } } });
  state.charts.hist.options.scales.y.ticks.precision = 0; // counts are whole
  state.charts.pie = new Chart($('chart-pie'), { type: 'pie',
    data: { labels: [], datasets: [{ data: [] }] },
    options: { ...common, onClick, plugins: { legend: { ...legend,
      onClick: (e, item, l) => pick(l.chart, item.index),
      labels: { ...legend.labels, generateLabels: pieLegend } },
    tooltip: { callbacks: { label: (c) => `${c.label}: ${fmt(c.chart.$yName, c.raw)} (${pct(c.raw, c.dataset.data)})` } } } } });
  state.charts.time = new Chart($('chart-time'), { type: 'line',
    data: { labels: [], datasets: [
      { data: [], yAxisID: 'y', borderColor: PALETTE[0], backgroundColor: `${PALETTE[0]}55`,
        fill: true, pointRadius: 0, tension: 0.2 },
      { data: [], yAxisID: 'y1', borderColor: PALETTE[1], pointRadius: 0, tension: 0.2,
        spanGaps: false }] },
    options: { ...common, interaction: { mode: 'index', intersect: false },
      scales: { x: { ticks: { maxTicksLimit: window.innerWidth < 600 ? 3 : 8, maxRotation: 0,
        autoSkip: true } },
        y: { beginAtZero: true, position: 'left', title: { display: true, text: '' },
          ticks: { precision: 0, callback: (v) => num(v) } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
          title: { display: true, text: '' },
          ticks: { callback(v) { return fmtTick(this.chart.$yName, v); } } } },
      plugins: { legend },
      tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${c.datasetIndex ? fmt(c.chart.$yName, c.raw) : num(c.raw)}` } } } });
  state.charts.scatter = new Chart($('chart-scatter'), { type: 'scatter',
    data: { datasets: [] },
    options: { ...common, scales: axes(),
      plugins: { legend: { ...legend, onClick: (e, item, l) => {
        const name = l.chart.data.datasets[item.datasetIndex].label;
        if (name !== l.chart.$others) setFilter(state.filter === name ? null : name);
      } },
        tooltip: { callbacks: { label: (c) => `${c.raw.l ?? ''} (${fmt(c.chart.$xName, c.raw.x)}, ${fmt(c.chart.$yName, c.raw.y)})` } } } } });
}

function fmtTick(name, v) {
  if (isMoney(name)) {
    return new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(v);
  }
  return isIdLike(name) ? String(v) : num(v);
}

function pct(v, all) {
  const total = all.reduce((a, b) => a + b, 0);
  return total > 0 ? new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 })
    .format(v / total) : '–';
}

/* The pie's legend: each slice's share, so it reads without hovering. */
function pieLegend(chart) {
  const data = chart.data.datasets[0].data;
  const base = Chart.controllers.pie.overrides.plugins.legend.labels.generateLabels(chart);
  return base.map((l, i) => ({ ...l, text: `${l.text} ${pct(data[i], data)}` }));
}

/* The top TOP_N categories, then one "Others" entry for the rest. */
function topCategories(cat) {
  const items = cat.items.map((c) => ({ name: c.name, sum: Number(c.sum) || 0 }));
  if (items.length <= TOP_N + 1 && cat.total <= TOP_N + 1) {
    return items.map((c, i) => ({ ...c, colour: PALETTE[i] }));
  }
  const top = items.slice(0, TOP_N).map((c, i) => ({ ...c, colour: PALETTE[i] }));
  // The listed ones past TOP_N plus every category the snapshot does not
  // list (it lists the top 100; "others" merges the rest on the server).
  const unlisted = cat.others && cat.others.sum !== null ? Number(cat.others.sum) || 0 : 0;
  const rest = items.slice(TOP_N).reduce((a, c) => a + c.sum, 0) + unlisted;
  top.push({ name: t('others').replace('{n}', num(cat.total - TOP_N, 0)), sum: rest,
    colour: OTHERS_COLOUR, others: true });
  return top;
}

function setAxes(chart, x, y) {
  chart.options.scales.x.title.text = x || '';
  chart.options.scales.y.title.text = y || '';
  chart.$xName = x;
  chart.$yName = y;
}

function renderCharts(s) {
  const ch = state.charts;
  if (!ch.bar) return;
  for (const c of Object.values(ch)) c.options.locale = locale();
  const cats = topCategories(s.categories);
  const labels = cats.map((c) => c.name);
  const sums = cats.map((c) => c.sum);
  ch.bar.data.labels = labels;
  ch.bar.data.datasets[0].data = sums;
  ch.bar.data.datasets[0].label = s.roles.value || '';
  const faded = (c) => (state.filter === null || c.name === state.filter ? c.colour : `${c.colour}40`);
  ch.bar.data.datasets[0].backgroundColor = cats.map(faded);
  setAxes(ch.bar, s.categories.column, s.roles.value);
  ch.bar.update('none');
  const bins = s.histogram.bins;
  const hname = s.histogram.column;
  ch.hist.data.labels = bins.map((b) => (s.histogram.exact && b.to - b.from <= 1
    ? fmt(hname, b.from) : `${fmt(hname, b.from)}–${fmt(hname, b.to)}`));
  ch.hist.data.datasets[0].data = state.filter === null ? bins.map((b) => b.count)
    : sampleHistogram(s, bins);
  ch.hist.data.datasets[0].label = hname || '';
  setAxes(ch.hist, hname, t('countAxis'));
  ch.hist.$yName = null;
  ch.hist.update('none');
  const others = cats.find((c) => c.others);
  for (const c of [ch.bar, ch.pie, ch.scatter]) c.$others = others ? others.name : null;
  ch.pie.data.labels = labels;
  ch.pie.data.datasets[0].data = sums;
  ch.pie.data.datasets[0].backgroundColor = cats.map(faded);
  ch.pie.$yName = s.roles.value;
  ch.pie.update('none');
  renderScatter(ch.scatter, s, cats);
  renderTime(ch.time, s);
}

/* Rows per second and the value column's sum per second, by the rows'
 * Kafka timestamps (read time), over the last two minutes. */
function renderTime(chart, s) {
  const tl = s.timeline;
  if (!chart || !tl) return;
  const p = tl.per_second;
  const time = new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  chart.data.labels = p.rows.map((_, i) => time.format(new Date(p.from_ms + i * p.interval_ms)));
  chart.data.datasets[0].data = p.rows;
  chart.data.datasets[0].label = t('rowsPerSecond');
  // The sums of the viewer's value column (the server keeps each numeric
  // column's); none when that column is past the server's column limit.
  const limited = tl.value && p.values_unavailable === 'column_limit';
  chart.data.datasets[1].data = p.values.map((v) => v ?? 0); // an empty second adds 0
  chart.data.datasets[1].label = tl.value ? `${tl.value}/s` : '';
  chart.data.datasets[1].hidden = !tl.value || limited;
  chart.options.scales.y.title.text = t('rowsPerSecond');
  chart.options.scales.y1.title.text = tl.value || '';
  chart.$yName = tl.value;
  chart.update('none');
  setText('caption-time', limited ? t('timeLimit').replace('{v}', tl.value).replace('{n}', p.columns_max)
    : tl.value ? t('timeOf').replace('{v}', tl.value) : t('chartTime'));
}

/* Points grouped as the bar and pie group categories; small, translucent
 * marks when there are many, so that dense areas show as density. */
/* The filtered category's histogram, from the sample's points (the exact
 * per-category histogram is not kept): the bins of the whole table. */
function sampleHistogram(s, bins) {
  const xs = s.sample.points.filter((p) => String(p[2]) === state.filter).map((p) => p[0]);
  return bins.map((b, i) => xs.filter((x) => x >= b.from
    && (x < b.to || (i === bins.length - 1 && x <= b.to))).length);
}

function renderScatter(chart, s, cats) {
  const named = new Map(cats.filter((c) => !c.others).map((c) => [c.name, c]));
  const others = cats.find((c) => c.others);
  const groups = new Map();
  for (const p of s.sample.points) {
    const key = p[2] === null ? '–' : String(p[2]);
    if (state.filter !== null && key !== state.filter) continue;
    const g = named.has(key) ? key : (others ? others.name : key);
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push({ x: p[0], y: p[1], l: p[3] });
  }
  const many = s.sample.points.length > SCATTER_MANY;
  const order = cats.map((c) => c.name).filter((n) => groups.has(n));
  for (const k of groups.keys()) if (!order.includes(k)) order.push(k);
  chart.data.datasets = order.map((k, i) => {
    const c = cats.find((x) => x.name === k);
    const colour = c ? c.colour : PALETTE[i % PALETTE.length];
    return { label: k, data: groups.get(k), backgroundColor: `${colour}${many ? '99' : 'cc'}`,
      borderWidth: 0, pointRadius: many ? 2.5 : 4, pointHoverRadius: 6 };
  });
  setAxes(chart, s.sample.x, s.sample.y);
  chart.update('none');
}

/* ---- Snapshot ---- */

/* ---- Filter: one category, for every card, chart and the table ---- */

function setFilter(name) {
  state.filter = name;
  state.page = 1;
  writeUrl();
  if (state.snapshot) render(state.snapshot);
}

/* The cards of the filtered category, from its row of the category table
 * (the same exact figures the server computed). */
function filteredCards(s) {
  const item = s.categories.items.find((c) => c.name === state.filter);
  if (!item) return { total_value: null, mean_value: null, records: 0, mean_age: null };
  return { total_value: item.sum, mean_value: item.mean, records: item.count,
    mean_age: item.mean_age };
}

function renderFilter(s) {
  const box = $('filters');
  box.replaceChildren();
  if (state.source !== null) {
    const chip = el('button', `${t('sourceChip').replace('{s}', shortSource(state.source))} ✕`, 'chip');
    chip.title = `${state.source}\n${t('showAll')}`;
    chip.dataset.testid = 'source-chip';
    chip.id = 'source-chip';
    chip.addEventListener('click', () => setSource(null));
    box.append(chip, ' ');
  }
  if (state.filter === null) {
    box.append(el('span', t('filterHint'), 'hint'));
    return;
  }
  const chip = el('button', `${s.categories.column || t('category')} = ${state.filter} ✕`, 'chip');
  chip.title = t('removeFilter');
  chip.dataset.testid = 'filter-chip';
  chip.id = 'filter-chip';
  chip.addEventListener('click', () => setFilter(null));
  box.append(chip);
}

function render(s) {
  state.snapshot = s;
  const c = state.filter === null ? s.cards : filteredCards(s);
  renderFilter(s);
  const v = s.roles.value; const a = s.roles.age;
  setText('card-total', fmt(v, c.total_value));
  setText('card-mean', fmt(v, c.mean_value));
  setText('card-count', num(c.records, 0));
  setText('card-age', c.mean_age === null ? '–'
    : `${num(c.mean_age, 1)}${AGE_NAME.test(a || '') ? ` ${t('years')}` : ''}`);
  renderLabels(s);
  const cu = s.catchup;
  const problems = renderHealth(s);
  renderMissing(s);
  $('catchup').hidden = cu.done || problems.some((p) => p.check === 'topic' || p.check === 'kafka');
  $('empty').hidden = !(cu.done && s.count === 0);
  renderRoles(s);
  $('catchup-bar').value = cu.progress;
  renderCharts(s);
  renderCategories(s);
  renderStream(s);
  renderProducers(s);
  renderSources(s);
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

/* ---- Rows gone from the topic: a banner line per source (the snapshot's
 * sources[].missing), whatever source this viewer shows ---- */

function missingText(src, m) {
  const fill = (key) => t(key).replace('{s}', src).replace('{k}', num(m.before_record || 0, 0))
    .replace('{n}', num(m.rows || 0, 0)).replace('{m}', num(m.expected || 0, 0));
  if (m.rows === null) return fill(m.before_record ? 'missingStart' : 'missingStartAll');
  return fill(m.shown ? 'missingRows' : 'missingNewer');
}

function renderMissing(s) {
  const box = $('missing');
  box.replaceChildren();
  for (const src of s.sources || []) {
    const m = src.missing;
    if (!m) continue;
    const line = el('p', '');
    line.dataset.source = src.source;
    const why = t(`missing_${m.reason}`).replace('{p}', String(m.partition))
      .replace('{o}', String(m.log_start));
    line.append(el('strong', missingText(src.source, m)), el('span', ` ${why}`, 'detail'));
    box.append(line);
  }
  box.hidden = box.childElementCount === 0;
}

/* Green only while both the WebSocket and the dashboard's Kafka are up. */
function showLive() {
  if (!state.wsOpen) return;
  if (state.kafkaOk === false) setStatus('kafkaDown', 'down');
  else setStatus(state.paused ? 'paused' : 'live', 'live');
}

/* Labels that name the chosen columns ("Total price", "quantity
 * distribution"), or the classic ones for the classic columns. */
function renderLabels(s) {
  setText('label-total', roleLabel('totalOf', 'totalValue', s));
  setText('label-mean', roleLabel('meanOf', 'meanValue', s));
  setText('label-age', roleLabel('meanOfAge', 'meanAge', s));
  setText('caption-bar', roleLabel('barOf', 'chartBar', s));
  setText('caption-hist', histCaption(s));
  setText('caption-pie', roleLabel('pieOf', 'chartPie', s));
  setText('caption-scatter', roleLabel('scatterOf', 'chartScatter', s));
}

/* A filtered histogram is built from the sample's points of the category
 * (sampleHistogram): exact only when the sample holds every row. Without a
 * filter, the server's histogram is exact for integer columns; otherwise
 * ("exact": false) it counts each file's sampled rows, and says so. */
function histCaption(s) {
  const h = roleLabel('histOf', 'chartHist', s);
  if (state.filter === null) {
    const n = s.histogram.bins.reduce((a, b) => a + b.count, 0);
    if (s.histogram.exact || n >= s.count) return h;
    return t('histSampledAll').replace('{h}', h).replace('{n}', num(n, 0))
      .replace('{t}', num(s.count, 0));
  }
  if (s.sample.points.length >= s.sample.of) return h;
  const n = s.sample.points.filter((p) => String(p[2]) === state.filter).length;
  return t('histSampled').replace('{h}', h).replace('{f}', state.filter)
    .replace('{n}', num(n, 0)).replace('{t}', num(s.sample.of, 0));
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

/* A role chosen here is this viewer's only: it goes into the address (so
 * the link shows the same view) and into every request. */
function chooseRole(role, column) {
  if (column) state.roles[role] = column; else delete state.roles[role];
  if (role === 'value') state.sort = null; // the table follows the value
  writeUrl();
  fetchSnapshot();
}

/* The snapshot with this viewer's roles (pushes carry the defaults). One
 * request at a time; a call meanwhile asks for one more. */
async function fetchSnapshot() {
  if (state.snapInFlight) { state.snapAgain = true; return; }
  state.snapInFlight = true;
  state.snapStarted = performance.now();
  try {
    const q = roleParams().toString();
    const r = await fetch(`/api/snapshot${q ? `?${q}` : ''}`);
    if (r.ok && !state.paused) {
      $('view-error').hidden = true;
      render(await r.json());
    } else if (!r.ok) {
      // A source not (yet) known: say so; the next push asks again.
      const body = await r.json().catch(() => ({}));
      setText('view-error', body.error || `HTTP ${r.status}`);
      $('view-error').hidden = false;
    }
  } catch (e) { /* shown by the status light; the next push retries */ }
  state.snapInFlight = false;
  if (state.snapAgain) { state.snapAgain = false; fetchSnapshot(); }
}

/* On a push, a viewer with its own roles or source fetches its snapshot at
 * most once per SNAPSHOT_FETCH_MS: a push sooner than that after the last
 * fetch started schedules one fetch for the end of the interval, and the
 * pushes until then add nothing. (Pushes come up to ten times a second
 * while rows arrive; the viewer's own actions fetch at once.) */
const SNAPSHOT_FETCH_MS = 1000;
function fetchOnPush() {
  if (state.pushTimer) return;
  const wait = (state.snapStarted ?? -Infinity) + SNAPSHOT_FETCH_MS - performance.now();
  if (wait <= 0) { fetchSnapshot(); return; }
  state.pushTimer = setTimeout(() => { state.pushTimer = null; fetchSnapshot(); }, wait);
}

function renderCategories(s) {
  setText('cat-col-name', s.categories.column || t('category'));
  const body = $('cats').tBodies[0];
  body.replaceChildren();
  const v = s.roles.value;
  for (const c of s.categories.items) {
    const tr = document.createElement('tr');
    tr.append(el('td', c.name), el('td', num(c.count, 0), 'num'),
      el('td', fmt(v, c.sum), 'num'), el('td', fmt(v, c.mean), 'num'),
      el('td', fmt(v, c.min), 'num'), el('td', fmt(v, c.max), 'num'),
      el('td', c.mean_age === null ? '–' : num(c.mean_age, 1), 'num'));
    tr.className = `clickable${state.filter === c.name ? ' selected' : ''}`;
    tr.addEventListener('click', () => setFilter(state.filter === c.name ? null : c.name));
    body.append(tr);
  }
}

function kv(dl, pairs) {
  dl.replaceChildren();
  for (const [k, v] of pairs) dl.append(el('dt', k), el('dd', v));
}

/* A generation number is the time (ms) its file version started. */
function generationText(g) {
  if (!g) return '–';
  return g > 1e12 ? new Date(g).toLocaleString(locale()) : String(g);
}

function renderStream(s) {
  const st = s.stream;
  const lat = st.latency_ms;
  // One source shown: generation, records, last update and latency are its
  // own; the lag and replay are the topic's, and say so.
  const topicWide = (key) => (s.source === null || s.source === undefined ? t(key)
    : t('wholeTopic').replace('{k}', t(key)));
  kv($('stream'), [
    [t('topic'), st.topic], [t('partitions'), num(st.partitions, 0)],
    [t('generation'), generationText(st.generation)],
    [t('records'), num(s.count, 0)],
    [t('lastUpdate'), st.last_update_ms ? new Date(st.last_update_ms).toLocaleString(locale()) : '–'],
    [topicWide('lag'), st.lag < 0 ? '–' : num(st.lag, 0)],
    [t('latency'), lat.p50 === null ? '–' : `${lat.p50} ms / ${lat.p99} ms`],
    [topicWide('caughtUp'), s.catchup.done ? t('done') : `${num(s.catchup.progress * 100, 0)} %`],
  ]);
}

/* ---- Sources: one or all, this viewer's choice ---- */

function setSource(id) {
  state.source = id;
  state.filter = null; // a category of one source may not be in another
  state.page = 1;
  writeUrl();
  fetchSnapshot();
}

/* A source id as shown: ids longer than SOURCE_SHOWN characters lose
 * their middle, never the file name ("/data/exports/2026…/sales.csv"); a
 * file name too long itself keeps its start and its end (the extension).
 * The full id goes in the element's title. */
const SOURCE_SHOWN = 48;
function shortSource(id) {
  const all = Array.from(id); // whole characters, never half a pair
  if (all.length <= SOURCE_SHOWN) return id;
  const cut = Math.max(id.lastIndexOf('/'), id.lastIndexOf('\\'));
  const name = Array.from(id.slice(cut + 1));
  if (cut < 0 || name.length + 2 > SOURCE_SHOWN) {
    const tail = Math.min(12, Math.floor(SOURCE_SHOWN / 2));
    return `${all.slice(0, SOURCE_SHOWN - 1 - tail).join('')}…${all.slice(-tail).join('')}`;
  }
  return `${all.slice(0, SOURCE_SHOWN - name.length - 2).join('')}…${id[cut]}${name.join('')}`;
}

function sourceCell(id, text = shortSource(id)) {
  const td = el('td', text, 'source-id');
  td.title = id;
  return td;
}

function timeText(ms) {
  return ms ? new Date(ms).toLocaleString(locale()) : '–';
}

/* Each source: rows, its generation as the time the file version started,
 * its last change and its producer. A click shows that source alone. */
function renderSources(s) {
  const list = s.sources || [];
  const producers = new Map((s.producers || []).map((p) => [p.source, p]));
  const body = $('sources').tBodies[0];
  body.replaceChildren();
  const total = list.reduce((n, x) => n + (x.rows || 0), 0);
  const all = document.createElement('tr');
  all.append(el('td', t('allSources')), el('td', num(total, 0), 'num'),
    el('td', ''), el('td', ''), el('td', ''));
  all.className = `clickable${state.source === null ? ' selected' : ''}`;
  all.dataset.source = '';
  all.addEventListener('click', () => setSource(null));
  body.append(all);
  for (const src of list) {
    const tr = document.createElement('tr');
    const p = producers.get(src.source);
    let who = '–';
    if (p) {
      const key = !p.alive ? (p.state === 'stopped' ? 'stopped' : 'silent') : p.state;
      who = `${p.instance || '?'} (${t(`st_${key}`)})`;
    }
    const short = shortSource(src.source);
    const name = src.reason === 'deleted' ? `${short} (${t('deleted')})` : short;
    tr.append(sourceCell(src.source, name), el('td', num(src.rows || 0, 0), 'num'),
      el('td', generationText(src.generation)), el('td', timeText(src.changed_ms)),
      el('td', who));
    tr.className = `clickable${state.source === src.source ? ' selected' : ''}`;
    tr.dataset.source = src.source;
    tr.addEventListener('click', () => setSource(state.source === src.source ? null : src.source));
    body.append(tr);
  }
  $('sources-section').hidden = list.length === 0;
}

/* One thing reading the file assumed (the producer's notices). */
function noteText(n) {
  return t(`note_${n.kind}`).replace('{t}', n.text || '').replace('{c}', n.column || '')
    .replace('{n}', num(n.count || 0, 0));
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
    for (const n of p.notes || []) details.push(noteText(n));
    const tr = document.createElement('tr');
    tr.dataset.state = key;
    tr.append(sourceCell(p.source), el('td', t(`st_${key}`)), el('td', details.join('; ')));
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
    const q = roleParams(new URLSearchParams({ page: state.page, size: PAGE_SIZE,
      order: state.order }));
    if (state.sort) q.set('sort', state.sort);
    if (state.filter !== null) q.set('filter', state.filter);
    const r = await fetch(`/api/rows?${q}`);
    if (r.ok) renderRows(await r.json());
  } catch (e) { /* the next update retries */ }
  state.rowsInFlight = false;
  if (state.rowsAgain) { state.rowsAgain = false; loadRows(); }
}

function renderRows(p) {
  if (state.paused && state.snapshot === null) return;
  if (state.cleared !== null) return; // an answer to a request sent before "Clear view"
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
      writeUrl();
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
      if (numeric && v !== null) text = fmt(col.name, v);
      tr.append(el('td', text, numeric ? 'num' : ''));
    });
    body.append(tr);
  }
  const ex = roleParams(new URLSearchParams({ order: p.order }));
  if (p.sort) ex.set('sort', p.sort);
  if (state.filter !== null) ex.set('filter', state.filter);
  $('export').href = `/api/export.csv?${ex}`;
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
    if (hasRoles()) fetchOnPush(); else render(s);
  };
  ws.onclose = () => {
    state.wsOpen = false;
    setStatus('reconnecting', 'down');
    setTimeout(connect, state.retry);
    state.retry = Math.min(RECONNECT_MAX_MS, state.retry * 2);
  };
}

function refreshNow() {
  state.cleared = null;
  fetchSnapshot();
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
  const url = readUrl();
  state.lang = pickLanguage(url);
  const theme = url.get('theme');
  document.documentElement.dataset.theme = theme === 'light' || theme === 'dark' ? theme
    : localStorage.getItem('theme') || 'dark';
  makeCharts();
  applyLanguage();
  $('lang').addEventListener('change', (e) => {
    state.lang = e.target.value;
    localStorage.setItem('lang', state.lang);
    writeUrl();
    applyLanguage();
  });
  $('theme').addEventListener('click', () => {
    const next = document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark';
    document.documentElement.dataset.theme = next;
    localStorage.setItem('theme', next);
    writeUrl();
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
    if (!state.paused && state.pending) {
      if (hasRoles()) fetchSnapshot(); else render(state.pending);
      state.pending = null;
    }
  });
  $('prev').addEventListener('click', () => { state.page = Math.max(1, state.page - 1); loadRows(); });
  $('next').addEventListener('click', () => { state.page += 1; loadRows(); });
  writeUrl();
  connect();
  if (hasRoles()) fetchSnapshot();
}

document.addEventListener('DOMContentLoaded', init);
