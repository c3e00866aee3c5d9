// SPDX-License-Identifier: MIT
// The dashboard page in real headless Chromium, fed by the real pipeline:
// CSV file -> csv-producer -> Kafka (kafka-local) -> consumer-dashboard.
// The expected figures are computed here from the CSV text the test wrote,
// with integer cents, not with the project's code.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { DASHBOARD, Stack, freePort, waitUntil } from './stack.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ARTIFACTS = path.join(HERE, 'artifacts');
const WAIT = 60000; // generous: only ever used to wait, never to judge speed
const TEST = { timeout: 5 * 60000 };

const XSS = '<img src=x onerror=alert(1)>';
const HEADER = 'id,nome,idade,cidade,valor';
const SEED = [
  '1,Ana,23,São Paulo,100.00',
  '2,Bruno,35,Rio de Janeiro,200.50',
  '3,Carla,28,Belo Horizonte,150.75',
  '4,Diego,42,Salvador,300.25',
  '5,Elisa,12,Brasília,450.00',
  '6,Fábio,27,Boa Vista,500.01',
  '7,Gabi,36,Campina Grande,1000.00',
  '8,Hugo,25,Pouso Alegre,1200.00',
];
const APPENDED = `9,${XSS},31,Recife,250.49`;
const WHILE_PAUSED = '10,Júlia,40,Recife,99.99';

/* ---- Expected figures, from the file's text ---- */

function readCsv(file) {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
  assert.equal(lines[0], HEADER);
  return lines.slice(1).map((l) => {
    assert.ok(!l.includes('"'), 'the test data needs no quoting');
    const [id, nome, idade, cidade, valor] = l.split(',');
    const [units, frac = ''] = valor.split('.');
    const cents = BigInt(units) * 100n + BigInt((frac + '00').slice(0, 2));
    return { id: Number(id), nome, idade: Number(idade), cidade, cents };
  });
}

// Rounds a/b to the nearest integer, halves away from zero (a, b >= 0).
const divRound = (a, b) => (2n * a + b) / (2n * b);

function grouped(n, sep) {
  return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep);
}

/** Money as a person reads it: "R$3,901.51" (en) or "R$ 3.901,51" (pt-BR). */
function money(cents, lang) {
  const units = grouped(cents / 100n, lang === 'pt-BR' ? '.' : ',');
  const frac = (cents % 100n).toString().padStart(2, '0');
  return lang === 'pt-BR' ? `R$ ${units},${frac}` : `R$${units}.${frac}`;
}

function oneDecimal(sum, count, lang) {
  const tenths = divRound(BigInt(sum) * 10n, BigInt(count));
  const s = `${tenths / 10n}${lang === 'pt-BR' ? ',' : '.'}${tenths % 10n}`;
  return `${s} ${lang === 'pt-BR' ? 'anos' : 'years'}`;
}

function expected(file, lang = 'en') {
  const rows = readCsv(file);
  const n = BigInt(rows.length);
  const total = rows.reduce((s, r) => s + r.cents, 0n);
  const cities = new Map();
  for (const r of rows) cities.set(r.cidade, (cities.get(r.cidade) ?? 0n) + r.cents);
  const byCity = [...cities].sort((a, b) => (a[1] < b[1] ? 1 : a[1] > b[1] ? -1 : 0));
  return {
    count: rows.length,
    cards: {
      total: money(total, lang),
      mean: money(divRound(total, n), lang),
      count: String(rows.length),
      age: oneDecimal(rows.reduce((s, r) => s + r.idade, 0), rows.length, lang),
    },
    // Names in table order: value descending (the data has no ties).
    namesByValue: [...rows].sort((a, b) => (a.cents < b.cents ? 1 : -1)).map((r) => r.nome),
    cities: byCity.map(([name]) => name),
    citySums: byCity.map(([, c]) => Number(c) / 100),
  };
}

/* ---- Reading the page ---- */

const norm = (s) => s.replace(/[\u00a0\u202f]/g, ' ').trim();

async function cards(page) {
  const get = async (id) => norm(await page.textContent(`#${id}`));
  return { total: await get('card-total'), mean: await get('card-mean'),
    count: await get('card-count'), age: await get('card-age') };
}

async function waitCards(page, want) {
  let last;
  await waitUntil(async () => {
    last = await cards(page);
    return JSON.stringify(last) === JSON.stringify(want);
  }, { timeout: WAIT, what: () => `cards ${JSON.stringify(want)} (last seen ${JSON.stringify(last)})` });
}

/** What the page's Chart.js instances hold right now. */
function chartData(page) {
  return page.evaluate(() => {
    const get = (id) => window.Chart.getChart(document.getElementById(id));
    const bar = get('chart-bar'); const hist = get('chart-hist');
    const pie = get('chart-pie'); const sc = get('chart-scatter');
    return {
      barLabels: bar.data.labels, barData: bar.data.datasets[0].data,
      histTotal: hist.data.datasets[0].data.reduce((a, b) => a + b, 0),
      pieLabels: pie.data.labels, pieData: pie.data.datasets[0].data,
      scatterPoints: sc.data.datasets.reduce((a, d) => a + d.data.length, 0),
    };
  });
}

function assertCharts(c, want) {
  assert.deepEqual(c.barLabels, want.cities);
  assert.deepEqual(c.barData, want.citySums);
  assert.deepEqual(c.pieLabels, want.cities);
  assert.deepEqual(c.pieData, want.citySums);
  assert.equal(c.histTotal, want.count);
  assert.equal(c.scatterPoints, want.count);
}

const tableColumn = (page, table, col) => page.$$eval(`#${table} tbody tr`,
  (trs, i) => trs.map((tr) => tr.cells[i].textContent), col);

async function snapshotCount(url) {
  const r = await fetch(`${url}/api/snapshot`);
  return r.ok ? (await r.json()).count : -1;
}

/* ---- The suite ---- */

describe('dashboard in headless Chromium', () => {
  const topic = `browser-${process.pid}`;
  let tmp; let csv; let stack; let dash; let port; let browser; let context; let page;
  const dialogs = [];
  const pageErrors = [];

  function watch(p) {
    p.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
    p.on('pageerror', (e) => pageErrors.push(e.message));
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'dashboard-browser-'));
    fs.rmSync(path.join(ARTIFACTS, 'logs'), { recursive: true, force: true });
    csv = path.join(tmp, 'input.csv');
    fs.writeFileSync(csv, `${[HEADER, ...SEED].join('\n')}\n`);
    stack = new Stack(tmp, path.join(ARTIFACTS, 'logs'));
    await stack.startBroker();
    stack.startProducer(csv, topic);
    port = await freePort();
    dash = await stack.startDashboard(topic, port);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    watch(page);
  }, { timeout: 15 * 60000 });

  after(async () => {
    try {
      if (browser) await browser.close();
    } finally {
      if (stack) await stack.stopAll();
      if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    }
  }, { timeout: 2 * 60000 });

  it('shows the file\'s numbers: cards, charts, full table, per-city table, stream', TEST, async () => {
    const want = expected(csv);
    await page.goto(dash.url);
    await page.evaluate(() => { window.sameDocument = true; });
    await waitCards(page, want.cards);
    assert.deepEqual(want.cards, { total: 'R$3,901.51', mean: 'R$487.69', count: '8',
      age: '28.5 years' }); // the seed's screenshot
    assertCharts(await chartData(page), want);
    await waitUntil(async () => (await tableColumn(page, 'rows', 1)).length === want.count,
      { timeout: WAIT, what: 'all rows in the table' });
    assert.deepEqual(await tableColumn(page, 'rows', 1), want.namesByValue);
    assert.equal(norm((await tableColumn(page, 'rows', 4))[0]), 'R$1,200.00');
    assert.deepEqual(await tableColumn(page, 'cats', 0), want.cities);
    assert.equal(norm(await page.textContent('#stream')).includes(topic), true);
    assert.equal(await page.textContent('h1'), 'Real-time dashboard');
  });

  it('an appended row updates cards, charts and table without a reload', TEST, async () => {
    const before = await chartData(page);
    fs.appendFileSync(csv, `${APPENDED}\n`);
    const want = expected(csv);
    await waitCards(page, want.cards);
    assert.deepEqual(want.cards, { total: 'R$4,152.00', mean: 'R$461.33', count: '9',
      age: '28.8 years' });
    const now = await chartData(page);
    assert.notDeepEqual(now.barData, before.barData);
    assertCharts(now, want);
    await waitUntil(async () => (await tableColumn(page, 'rows', 1)).length === want.count,
      { timeout: WAIT, what: 'the new row in the table' });
    assert.deepEqual(await tableColumn(page, 'rows', 1), want.namesByValue);
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page reloaded');
  });

  it('a cell holding HTML shows as text and runs nothing', TEST, async () => {
    const cells = await page.$$eval('#rows tbody td', (tds, x) => tds
      .filter((td) => td.textContent === x).map((td) => td.innerHTML), XSS);
    assert.deepEqual(cells, ['&lt;img src=x onerror=alert(1)&gt;']);
    assert.equal(await page.locator('img').count(), 0);
    // Hover data and legends never become markup either.
    assert.equal(await page.evaluate(() => document.querySelectorAll('[onerror]').length), 0);
    assert.deepEqual(dialogs, []);
  });

  it('pause stops updates; resume catches up', TEST, async () => {
    const shown = await cards(page);
    const chartsBefore = await chartData(page);
    await page.click('#pause');
    await page.waitForSelector('#status[data-state="paused"]', { timeout: WAIT });
    fs.appendFileSync(csv, `${WHILE_PAUSED}\n`);
    const want = expected(csv);
    await waitUntil(async () => (await snapshotCount(dash.url)) === want.count,
      { timeout: WAIT, what: 'the server to have the new row' });
    await new Promise((r) => setTimeout(r, 2000));
    assert.deepEqual(await cards(page), shown);
    assert.deepEqual(await chartData(page), chartsBefore);
    await page.click('#pause');
    await waitCards(page, want.cards);
    assert.deepEqual(want.cards, { total: 'R$4,251.99', mean: 'R$425.20', count: '10',
      age: '29.9 years' });
    assertCharts(await chartData(page), want);
  });

  it('clear view blanks the page until refresh now', TEST, async () => {
    const want = expected(csv);
    await page.click('#clear');
    const blank = { total: '–', mean: '–', count: '–', age: '–' };
    assert.deepEqual(await cards(page), blank);
    // Longer than the server's idle re-push (1 s): the page stays blank.
    await new Promise((r) => setTimeout(r, 2500));
    assert.deepEqual(await cards(page), blank);
    assert.equal(await page.locator('#rows tbody tr').count(), 0);
    assert.deepEqual((await chartData(page)).barData, []);
    await page.click('#refresh');
    await waitCards(page, want.cards);
    assertCharts(await chartData(page), want);
    await waitUntil(async () => (await tableColumn(page, 'rows', 1)).length === want.count,
      { timeout: WAIT, what: 'the table back after refresh' });
  });

  it('pt-BR shows money as R$ 4.251,99, by browser locale and by the switch', TEST, async () => {
    const want = expected(csv, 'pt-BR');
    assert.equal(want.cards.total, 'R$ 4.251,99');
    const pt = await browser.newContext({ locale: 'pt-BR', viewport: { width: 1400, height: 900 } });
    try {
      const p = await pt.newPage();
      watch(p);
      await p.goto(dash.url);
      await waitCards(p, want.cards);
      assert.equal(await p.textContent('h1'), 'Dashboard em tempo real');
      assert.equal(await p.getAttribute('html', 'lang'), 'pt-BR');
      await waitUntil(async () => (await tableColumn(p, 'rows', 4)).length === want.count,
        { timeout: WAIT, what: 'table rows (pt-BR)' });
      assert.equal(norm((await tableColumn(p, 'rows', 4))[0]), 'R$ 1.200,00');
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await p.screenshot({ path: path.join(ARTIFACTS, 'dashboard-pt-BR.png'), fullPage: true });
    } finally {
      await pt.close();
    }
    await page.selectOption('#lang', 'pt-BR');
    await waitCards(page, want.cards);
    await page.selectOption('#lang', 'en');
    await waitCards(page, expected(csv).cards);
  });

  it('the theme switch turns the page light and back to dark', TEST, async () => {
    const look = () => page.evaluate(() => ({
      theme: document.documentElement.dataset.theme,
      bg: getComputedStyle(document.body).backgroundColor,
      fg: getComputedStyle(document.body).color,
    }));
    const dark = await look();
    assert.equal(dark.theme, 'dark');
    await page.click('#theme');
    const light = await look();
    assert.equal(light.theme, 'light');
    assert.equal(light.bg, 'rgb(255, 255, 255)');
    assert.notEqual(light.fg, dark.fg);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-light.png'), fullPage: true });
    assertCharts(await chartData(page), expected(csv)); // charts redrawn with the data
    await page.click('#theme');
    assert.deepEqual(await look(), dark);
    assertCharts(await chartData(page), expected(csv));
  });

  it('the column selector makes another column the value for this viewer only, kept in the address', TEST, async () => {
    const rows = readCsv(csv);
    const ages = rows.reduce((a, r) => a + r.idade, 0);
    const byCity = new Map();
    for (const r of rows) byCity.set(r.cidade, (byCity.get(r.cidade) ?? 0) + r.idade);
    const cities = [...byCity].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const opts = await page.$$eval('#role-value option', (os) => os.map((o) => o.value));
    assert.deepEqual(opts, ['', 'id', 'idade', 'valor']);
    assert.equal(await page.inputValue('#role-value'), 'valor');
    const other = await context.newPage();
    watch(other);
    try {
      await other.goto(dash.url);
      await waitCards(other, expected(csv).cards);
      await page.selectOption('#role-value', 'idade');
      const want = expected(csv).cards;
      // Plain numbers now: idade is not money; labels name the column.
      const ageCards = { ...want, total: String(ages),
        mean: new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 }).format(ages / rows.length) };
      await waitCards(page, ageCards);
      assert.equal(norm(await page.textContent('#label-total')), 'Total idade');
      assert.match(page.url(), /[?&]value=idade(&|$)/);
      const c = await chartData(page);
      assert.deepEqual(new Set(c.barLabels), new Set(cities.map(([n]) => n)));
      assert.deepEqual([...c.barData].sort((a, b) => b - a), cities.map(([, v]) => v));
      // The time chart sums the viewer's value column too (the server keeps
      // every numeric column's sums per second).
      const timeChart = () => page.evaluate(() => {
        const tc = window.Chart.getChart(document.getElementById('chart-time'));
        return { label: tc.data.datasets[1].label, name: tc.$yName };
      });
      assert.deepEqual(await timeChart(), { label: 'idade/s', name: 'idade' });
      assert.match(norm(await page.textContent('#caption-time')), /idade/);
      const oldest = [...rows].sort((a, b) => b.idade - a.idade)[0].nome;
      await waitUntil(async () => (await tableColumn(page, 'rows', 1))[0] === oldest,
        { timeout: WAIT, what: 'the table sorted by the new value column' });
      // Another viewer is not affected, even after updates.
      await new Promise((r) => setTimeout(r, 1500));
      assert.deepEqual(await cards(other), want);
      // The link shows the same view to whoever opens it.
      const shared = await context.newPage();
      watch(shared);
      await shared.goto(page.url());
      await waitCards(shared, ageCards);
      await shared.close();
      await page.selectOption('#role-value', '');
      await waitCards(page, want);
      assert.equal(await page.inputValue('#role-value'), 'valor');
      assert.doesNotMatch(page.url(), /value=/);
      assertCharts(await chartData(page), expected(csv));
    } finally {
      await other.close();
    }
  });

  it('after a dashboard restart the page reconnects by itself, same numbers', TEST, async () => {
    const want = expected(csv);
    await waitCards(page, want.cards);
    assert.equal(await dash.proc.stop(), 0);
    await page.waitForSelector('#status[data-state="reconnecting"]', { timeout: WAIT });
    dash = await stack.startDashboard(topic, port, 'dashboard-restarted');
    await page.waitForSelector('#status[data-state="live"]', { timeout: WAIT });
    await waitCards(page, want.cards);
    assertCharts(await chartData(page), want);
    assert.deepEqual(await tableColumn(page, 'rows', 1), want.namesByValue);
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page reloaded');
  });

  it('producers panel: the producer\'s status record, alive and caught up', TEST, async () => {
    const row = page.locator('#producers tr[data-state="caught_up"]');
    await row.waitFor({ timeout: WAIT });
    assert.equal(await row.locator('td').nth(0).textContent(), csv);
    assert.equal(await row.locator('td').nth(1).textContent(), 'alive, caught up');
  });

  it('banners in the viewer\'s language: topic missing, Kafka unreachable (live light off)', TEST, async () => {
    const missing = `${topic}-missing`;
    const port2 = await freePort();
    const other = await stack.startDashboard(missing, port2, 'dashboard-missing-topic');
    const port3 = await freePort();
    const nobroker = stack.start('dashboard-no-broker', [DASHBOARD, '-b',
      `127.0.0.1:${await freePort()}`, '-t', topic, '--listen', `127.0.0.1:${port3}`]);
    const url3 = `http://127.0.0.1:${port3}`;
    await waitUntil(async () => (await (await fetch(`${url3}/healthz`)).json()).status === 'degraded',
      { timeout: WAIT, what: 'the dashboard without a broker to say so' });
    for (const [lang, topicText, kafkaText] of [
      ['en', 'The topic does not exist', 'Kafka is unreachable'],
      ['pt-BR', 'O tópico não existe', 'O Kafka está inacessível']]) {
      const ctx = await browser.newContext({ locale: lang === 'en' ? 'en-US' : 'pt-BR' });
      try {
        const p2 = await ctx.newPage();
        watch(p2);
        await p2.goto(other.url);
        const banner = p2.locator('#health p[data-check="topic"]');
        await banner.waitFor({ timeout: WAIT });
        assert.ok((await banner.textContent()).startsWith(topicText), await banner.textContent());
        assert.ok((await banner.textContent()).includes(missing));
        assert.equal(await p2.isVisible('#catchup'), false, 'a missing topic is not a replay');
        await p2.goto(url3);
        const down = p2.locator('#health p[data-check="kafka"]');
        await down.waitFor({ timeout: WAIT });
        assert.ok((await down.textContent()).startsWith(kafkaText), await down.textContent());
        await p2.waitForSelector('#status[data-state="kafkaDown"]', { timeout: WAIT });
      } finally {
        await ctx.close();
      }
    }
    // The healthy dashboard shows no banner and a live light.
    assert.equal(await page.isVisible('#health'), false);
    await page.waitForSelector('#status[data-state="live"]', { timeout: WAIT });
    assert.equal(await nobroker.stop(), 0);
    assert.equal(await other.proc.stop(), 0);
  });

  it('rows missing from the topic: a banner per source in the viewer\'s language', TEST, async () => {
    // A generation whose snapshot-complete announces 5 rows, of which the
    // topic holds 3 (written with kcat: as if the others had been deleted).
    const lost = `${topic}-lost`;
    const src = 'data/lost.csv';
    const gen = 1764370000000;
    const send = (kind, key, value, record = 0) => execFileSync('kcat', ['-P', '-b',
      stack.bootstrap, '-t', lost, '-p', '0', '-k', key, '-H', `csv.kind=${kind}`,
      '-H', `csv.id=v2;${gen};${record};0;0123456789abcdef;${src}`], { input: value });
    send('reset', '__reset__', JSON.stringify({ __control: 'reset', source: src, generation: gen,
      reason: 'start', columns: [{ name: 'id', type: 'integer' }] }));
    for (const r of [1, 2, 5]) send('row', String(r), `{"id":${r}}`, r);
    send('snapshot_complete', '__snapshot_complete__', JSON.stringify({
      __control: 'snapshot_complete', source: src, generation: gen, last_record: 5, row_count: 5 }));
    const port2 = await freePort();
    const other = await stack.startDashboard(lost, port2, 'dashboard-rows-missing');
    for (const [lang, text, why] of [
      ['en', `2 of 5 rows of ${src} are missing.`, 'They were not read from the topic'],
      ['pt-BR', `Faltam 2 de 5 registros de ${src}.`, 'Não foram lidos do tópico']]) {
      const ctx = await browser.newContext({ locale: lang === 'en' ? 'en-US' : 'pt-BR' });
      try {
        const p2 = await ctx.newPage();
        watch(p2);
        await p2.goto(other.url);
        const banner = p2.locator(`#missing p[data-source="${src}"]`);
        await banner.waitFor({ timeout: WAIT });
        assert.equal(await banner.locator('strong').textContent(), text);
        assert.ok((await banner.textContent()).includes(why), await banner.textContent());
      } finally {
        await ctx.close();
      }
    }
    // The file's own dashboard lost nothing: no such banner.
    assert.equal(await page.isVisible('#missing'), false);
    assert.equal(await other.proc.stop(), 0);
  });

  it('a click on a category filters cards, charts and table; the chip removes it; export follows', TEST, async () => {
    const rows = readCsv(csv);
    const recife = rows.filter((r) => r.cidade === 'Recife');
    const cents = recife.reduce((a, r) => a + r.cents, 0n);
    // Click Recife's bar in the bar chart.
    const at = await page.evaluate(() => {
      const c = window.Chart.getChart(document.getElementById('chart-bar'));
      const i = c.data.labels.indexOf('Recife');
      const bar = c.getDatasetMeta(0).data[i];
      const box = c.canvas.getBoundingClientRect();
      return { x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2 };
    });
    await page.mouse.click(at.x, at.y);
    await waitUntil(async () => norm(await page.textContent('#card-count')) === String(recife.length),
      { timeout: WAIT, what: 'the cards of Recife' });
    assert.equal(norm(await page.textContent('#card-total')), money(cents, 'en'));
    assert.match(norm(await page.textContent('#filter-chip')), /^cidade = Recife/);
    assert.match(page.url(), /[?&]filter=Recife(&|$)/);
    await waitUntil(async () => {
      const cities = await tableColumn(page, 'rows', 3);
      return cities.length === recife.length && cities.every((c) => c === 'Recife');
    }, { timeout: WAIT, what: 'only Recife in the table' });
    const sc = await page.evaluate(() => window.Chart.getChart(
      document.getElementById('chart-scatter')).data.datasets.map((d) => d.label));
    assert.deepEqual(sc, ['Recife']);
    const href = await page.getAttribute('#export', 'href');
    assert.match(href, /filter=Recife/);
    const csvText = await (await fetch(`${dash.url}${href}`)).text();
    assert.equal(csvText.trim().split('\r\n').length, 1 + recife.length);
    // The chip removes the filter; a table row sets it too.
    await page.click('#filter-chip');
    await waitCards(page, expected(csv).cards);
    assert.doesNotMatch(page.url(), /filter=/);
    await page.click('#cats tbody tr:first-child');
    await page.waitForSelector('#filter-chip', { timeout: WAIT });
    await page.click('#filter-chip');
    await waitCards(page, expected(csv).cards);
  });

  it('address state: ?lang=pt-BR&theme=light; tab title, chart numbers and ticks in the viewer\'s locale', TEST, async () => {
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(`${dash.url}/?lang=pt-BR&theme=light`);
      await waitCards(p, expected(csv, 'pt-BR').cards);
      assert.equal(await p.title(), 'Dashboard em tempo real');
      assert.equal(await p.getAttribute('html', 'data-theme'), 'light');
      const ticks = await p.evaluate(() => {
        const bar = window.Chart.getChart(document.getElementById('chart-bar'));
        return { locale: bar.options.locale, y: bar.scales.y.ticks.map((t) => t.label) };
      });
      assert.equal(ticks.locale, 'pt-BR');
      // Compact pt-BR numbers ("1,2 mil"), never English "1,200".
      assert.ok(ticks.y.some((l) => /mil/.test(l)), JSON.stringify(ticks.y));
      // Generation shown as the time the file version started.
      const gen = await p.$$eval('#stream dt', (dts) => {
        const dt = dts.find((d) => d.textContent === 'Geração');
        return dt ? dt.nextElementSibling.textContent : null;
      });
      assert.match(gen, /\d{2}\/\d{2}\/\d{4}/);
      await p.click('#theme');
      assert.match(p.url(), /theme=dark/);
      assert.match(p.url(), /lang=pt-BR/);
    } finally {
      await p.close();
    }
  });

  it('many categories: top 9 + others in bar and pie, distinct colours, pie shares, ids without separators, 390 px without sideways scroll', TEST, async () => {
    const many = path.join(tmp, 'many.csv');
    const lines = ['id,nome,idade,cidade,valor'];
    for (let i = 0; i < 230; i++) {
      lines.push(`${116500 + i},P${i},${20 + (i % 50)},City ${String(i % 23).padStart(2, '0')},${(i % 23) * 10 + 5}.50`);
    }
    fs.writeFileSync(many, `${lines.join('\n')}\n`);
    const mtopic = `${topic}-many`;
    stack.startProducer(many, mtopic, 'producer-many');
    const mport = await freePort();
    const md = await stack.startDashboard(mtopic, mport, 'dashboard-many');
    for (const [lang, width] of [['en', 1440], ['pt-BR', 1440], ['en', 390], ['pt-BR', 390]]) {
      const ctx = await browser.newContext({ locale: lang === 'pt-BR' ? 'pt-BR' : 'en-US',
        viewport: { width, height: 900 } });
      try {
        const p = await ctx.newPage();
        watch(p);
        await p.goto(`${md.url}/?lang=${lang}`);
        await waitUntil(async () => norm(await p.textContent('#card-count')) === '230',
          { timeout: WAIT, what: 'the 230 rows' });
        const c = await chartData(p);
        assert.equal(c.barLabels.length, 10);
        assert.match(c.barLabels[9], lang === 'en' ? /^Others \(14\)$/ : /^Outros \(14\)$/);
        assert.deepEqual(c.pieLabels, c.barLabels);
        const colours = await p.evaluate(() => window.Chart.getChart(
          document.getElementById('chart-pie')).data.datasets[0].backgroundColor);
        assert.equal(new Set(colours).size, 10);
        const legend = await p.evaluate(() => window.Chart.getChart(
          document.getElementById('chart-pie')).legend.legendItems.map((l) => l.text));
        assert.ok(legend.every((l) => /%$/.test(l)), JSON.stringify(legend));
        // The live time chart: 120 one-second points by read time, the
        // rows just loaded among them (waiting only; no timing judged).
        await waitUntil(async () => (await p.evaluate(() => window.Chart.getChart(
          document.getElementById('chart-time')).data.datasets[0].data
          .reduce((a, b) => a + b, 0))) > 0, { timeout: WAIT, what: 'rows in the time chart' });
        const time = await p.evaluate(() => {
          const c = window.Chart.getChart(document.getElementById('chart-time'));
          return { n: c.data.labels.length, rows: c.data.datasets[0].data.reduce((a, b) => a + b, 0),
            value: c.data.datasets[1].label };
        });
        assert.equal(time.n, 120);
        assert.ok(time.rows <= 230);
        assert.equal(time.value, 'valor/s');
        // Scatter: every point, in at most 10 groups (legend fits).
        const sc = await p.evaluate(() => window.Chart.getChart(document.getElementById('chart-scatter')).data.datasets.length);
        assert.ok(sc <= 10);
        await waitUntil(async () => (await tableColumn(p, 'rows', 0)).length > 0,
          { timeout: WAIT, what: 'table rows' });
        const ids = await tableColumn(p, 'rows', 0);
        assert.ok(ids.every((v) => /^116\d{3}$/.test(v)), JSON.stringify(ids.slice(0, 3)));
        const wide = await p.evaluate(() => document.documentElement.scrollWidth
          - document.documentElement.clientWidth);
        assert.equal(wide, 0, `page scrolls sideways by ${wide} px at ${width} px`);
        fs.mkdirSync(ARTIFACTS, { recursive: true });
        await p.screenshot({ path: path.join(ARTIFACTS, `many-${lang}-${width}.png`), fullPage: true });
      } finally {
        await ctx.close();
      }
    }
    await md.proc.stop();
  });

  it('"Others" in bar and pie covers every category past the top 9, also those past the snapshot\'s top 100', TEST, async () => {
    const file = path.join(tmp, 'cities.csv');
    const lines = [HEADER];
    for (let k = 1; k <= 110; k++) lines.push(`${k},P${k},30,City ${String(k).padStart(3, '0')},${k}.00`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const ctopic = `${topic}-cities`;
    const producer = stack.startProducer(file, ctopic, 'producer-cities');
    const cd = await stack.startDashboard(ctopic, await freePort(), 'dashboard-cities');
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(cd.url);
      await waitUntil(async () => norm(await p.textContent('#card-count')) === '110',
        { timeout: WAIT, what: 'the 110 rows' });
      const c = await chartData(p);
      assert.equal(c.barLabels.length, 10);
      assert.equal(c.barLabels[9], 'Others (101)');
      // Cities 1..101: 5151, of which cities 1..10 are not in the snapshot's list.
      assert.deepEqual(c.barData.slice(0, 9), [110, 109, 108, 107, 106, 105, 104, 103, 102]);
      assert.equal(c.barData[9], 5151);
      assert.equal(c.pieData[9], 5151);
    } finally {
      await p.close();
    }
    await cd.proc.stop();
    await producer.stop();
  });

  it('a filtered histogram built from the sample says so in its caption', TEST, async () => {
    // 700 rows: more than the 500-row sample, so a category's histogram is
    // not exact (the whole table's is).
    const file = path.join(tmp, 'sampled.csv');
    const lines = [HEADER];
    for (let k = 1; k <= 700; k++) lines.push(`${k},P${k},${20 + (k % 40)},${k % 2 ? 'Recife' : 'Natal'},${k}.00`);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
    const htopic = `${topic}-sampled`;
    const producer = stack.startProducer(file, htopic, 'producer-sampled');
    const hd = await stack.startDashboard(htopic, await freePort(), 'dashboard-sampled');
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(`${hd.url}/?filter=Recife`);
      let caption = '';
      await waitUntil(async () => {
        caption = norm(await p.textContent('#caption-hist'));
        return /, Recife: from \d+ sampled rows of 700, not exact$/.test(caption);
      }, { timeout: WAIT, what: () => `the sampled-histogram caption (last: ${caption})` });
      await p.click('#filters .chip:not(#source-chip)'); // remove the filter
      await waitUntil(async () => !/sampled/.test(await p.textContent('#caption-hist')),
        { timeout: WAIT, what: 'the plain caption without a filter' });
      // A decimal column's histogram (no exact value counts) is the files'
      // samples too, and says so.
      await p.goto(`${hd.url}/?age=valor`);
      await waitUntil(async () => {
        caption = norm(await p.textContent('#caption-hist'));
        return /valor.*: from \d+ sampled rows of 700, not exact$/.test(caption);
      }, { timeout: WAIT, what: () => `the sampled caption of a decimal column (last: ${caption})` });
    } finally {
      await p.close();
    }
    await hd.proc.stop();
    await producer.stop();
  });

  it('sources panel: two producers; a click shows one source alone (kept in the address, live), "All sources" goes back', TEST, async () => {
    // The second file's absolute id is long: the page shortens it in the
    // middle, keeps the file name, and gives the full id as a tooltip.
    const deep = path.join(tmp, 'quarterly-exports-of-the-finance-team-for-the-review-2026',
      'region-north-east-and-south-east-consolidated');
    fs.mkdirSync(deep, { recursive: true });
    const files = [path.join(tmp, 'one.csv'), path.join(deep, 'two.csv')];
    fs.writeFileSync(files[0], `${[HEADER, SEED[0], SEED[1], SEED[2]].join('\n')}\n`);
    fs.writeFileSync(files[1], `${[HEADER, SEED[6], SEED[7]].join('\n')}\n`);
    const stopic = `${topic}-sources`;
    const producers = files.map((f, i) => stack.startProducer(f, stopic, `producer-source-${i}`));
    const sd = await stack.startDashboard(stopic, await freePort(), 'dashboard-sources');
    const all = { total: 'R$2,651.25', mean: 'R$530.25', count: '5', age: '29.4 years' };
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(sd.url);
      await waitCards(p, all);
      await waitUntil(async () => (await p.locator('#sources tbody tr').count()) === 3,
        { timeout: WAIT, what: 'the sources panel: all + 2 sources' });
      const shown = await tableColumn(p, 'sources', 0);
      assert.deepEqual(shown.slice(0, 2), ['All sources', files[0]]);
      assert.ok(files[1].length > 120 && shown[2].length <= 48, shown[2]);
      assert.ok(shown[2].startsWith(files[1].slice(0, 20)) && shown[2].endsWith('…/two.csv'), shown[2]);
      assert.equal(await p.getAttribute(`#sources tbody tr[data-source="${files[1]}"] td`, 'title'),
        files[1]);
      // One line: the id no longer wraps over several lines in the panel.
      const lines = await p.evaluate((id) => {
        const td = [...document.querySelectorAll('#sources tbody tr')]
          .find((tr) => tr.dataset.source === id).cells[0];
        const r = document.createRange();
        r.selectNodeContents(td);
        return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size;
      }, files[1]);
      assert.equal(lines, 1, 'the shortened id takes one line');
      assert.deepEqual((await tableColumn(p, 'sources', 1)).map(norm), ['5', '3', '2']);
      // Generation and last change as times, the producer named.
      const gen = await tableColumn(p, 'sources', 2);
      assert.match(gen[1], /\d{1,2}\/\d{1,2}\/\d{4}/);
      await waitUntil(async () => (await tableColumn(p, 'sources', 4)).slice(1)
        .every((t) => /alive, caught up/.test(t)), { timeout: WAIT, what: 'both producers alive' });
      // One source: cards, table and the address follow.
      await p.click(`#sources tbody tr[data-source="${files[1]}"]`);
      const two = { total: 'R$2,200.00', mean: 'R$1,100.00', count: '2', age: '30.5 years' };
      await waitCards(p, two);
      assert.match(p.url(), new RegExp(`[?&]source=${encodeURIComponent(files[1])}(&|$)`));
      const chipText = norm(await p.textContent('#source-chip'));
      assert.ok(chipText.startsWith(`source = ${files[1].slice(0, 20)}`) && chipText.endsWith('…/two.csv ✕'),
        chipText);
      assert.ok((await p.getAttribute('#source-chip', 'title')).startsWith(`${files[1]}\n`));
      // (measured in one evaluation: each render replaces the chip)
      const chipWidth = await p.evaluate(() => document.getElementById('source-chip')
        .getBoundingClientRect().width);
      assert.ok(chipWidth < 800, `the chip is ${chipWidth} px wide`);
      // The topic's figures say they are the topic's, not this source's.
      await waitUntil(async () => norm(await p.textContent('#stream')).includes('Consumer lag (whole topic)'),
        { timeout: WAIT, what: 'the stream panel labels the topic\'s figures' });
      await waitUntil(async () => (await tableColumn(p, 'rows', 1)).join() === 'Hugo,Gabi',
        { timeout: WAIT, what: 'only two.csv in the table' });
      assert.match(await p.getAttribute('#export', 'href'), /source=/);
      assert.equal((await chartData(p)).barLabels.length, 2);
      fs.mkdirSync(ARTIFACTS, { recursive: true });
      await p.screenshot({ path: path.join(ARTIFACTS, 'sources-one.png'), fullPage: true });
      // Live: a row appended to that file reaches this viewer's cards.
      fs.appendFileSync(files[1], `${SEED[5]}\n`);
      await waitCards(p, { total: 'R$2,700.01', mean: 'R$900.00', count: '3', age: '29.3 years' });
      // The address keeps the choice: a reload shows the same source.
      await p.reload();
      await waitCards(p, { total: 'R$2,700.01', mean: 'R$900.00', count: '3', age: '29.3 years' });
      // Back to all.
      await p.click('#sources tbody tr[data-source=""]');
      await waitCards(p, { total: 'R$3,151.26', mean: 'R$525.21', count: '6', age: '29.0 years' });
      assert.doesNotMatch(p.url(), /source=/);
      assert.equal(await p.locator('#source-chip').count(), 0);
      assert.doesNotMatch(norm(await p.textContent('#stream')), /whole topic/);
      // A viewer with its own source fetches its snapshot at most once a
      // second, however often pushes come (rows arrive below for ~4 s).
      await p.click(`#sources tbody tr[data-source="${files[1]}"]`);
      await waitCards(p, { total: 'R$2,700.01', mean: 'R$900.00', count: '3', age: '29.3 years' });
      const fetches = [];
      p.on('request', (r) => { if (r.url().includes('/api/snapshot?')) fetches.push(Date.now()); });
      const t0 = Date.now();
      for (let i = 0; i < 40; i++) {
        fs.appendFileSync(files[0], `${100 + i},N${i},30,Natal,1.00\n`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const seconds = (Date.now() - t0) / 1000;
      const during = fetches.filter((t) => t >= t0).length;
      assert.ok(during >= 1, 'the viewer fetched while rows arrived');
      assert.ok(during <= Math.floor(seconds) + 2, `${during} snapshot fetches in ${seconds} s`);
    } finally {
      await p.close();
    }
    await sd.proc.stop();
    for (const pr of producers) await pr.stop();
  });

  it('producers panel: what reading a file assumed (its encoding, a "1,234" guess) is said beside its producer', TEST, async () => {
    const file = path.join(tmp, 'excel-1252.csv');
    fs.writeFileSync(file, Buffer.from('id,nome,qtd\n1,São,"1,234"\n2,Zé,"12,500"\n3,Ana,7\n', 'latin1'));
    const ntopic = `${topic}-notes`;
    const pr = stack.startProducer(file, ntopic, 'producer-notes');
    const nd = await stack.startDashboard(ntopic, await freePort(), 'dashboard-notes');
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(nd.url);
      const details = async () => norm(await p.textContent('#producers tbody') || '');
      await waitUntil(async () => /decimal comma/.test(await details()),
        { timeout: WAIT, what: 'the reading notes in the producers panel' });
      const text = await details();
      assert.match(text, /text read as: text is not valid UTF-8: reading the file as WINDOWS-1252/);
      assert.match(text, /numbers like 1,234 in qtd read with a decimal comma/);
      // The rows themselves arrived, accents intact.
      await waitUntil(async () => (await tableColumn(p, 'rows', 1)).includes('São'),
        { timeout: WAIT, what: 'the rows, decoded' });
    } finally {
      await p.close();
    }
    await nd.proc.stop();
    await pr.stop();
  });

  it('cards: a price column the file writes in dollars ("$1,234.50", "($5.00)") is summed and shown in dollars', TEST, async () => {
    const file = path.join(tmp, 'excel-usd.csv');
    fs.writeFileSync(file, 'id,item,price\r\n1,Pen,"$1,234.50"\r\n2,Refund,($5.00)\r\n3,Gum,$0.99\r\n');
    const ctopic = `${topic}-usd`;
    const pr = stack.startProducer(file, ctopic, 'producer-usd');
    const cd = await stack.startDashboard(ctopic, await freePort(), 'dashboard-usd');
    const p = await context.newPage();
    watch(p);
    try {
      await p.goto(cd.url);
      await waitUntil(async () => norm(await p.textContent('#card-total')) === '$1,230.49',
        { timeout: WAIT, what: 'the total in dollars' });
      assert.equal(norm(await p.textContent('#card-mean')), '$410.16');
    } finally {
      await p.close();
    }
    await cd.proc.stop();
    await pr.stop();
  });

  it('full-page screenshot; no dialog, no <img>, no script error all along', TEST, async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    assert.equal(await page.locator('img').count(), 0);
    assert.deepEqual(dialogs, []);
    assert.deepEqual(pageErrors, []);
  });
});
