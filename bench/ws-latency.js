#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Append-to-browser latency, measured from one process so that the write and
// the receipt share a clock:
//   - opens --viewers WebSocket connections to the dashboard's /ws;
//   - appends --samples single rows to the CSV that csv-producer watches, at
//     --rate rows per second, each with one write() on an O_APPEND descriptor;
//   - for every viewer and row, latency = receipt time of the first update
//     whose "count" includes the row - time just before the row's write().
// Prints one JSON object: percentiles over all (viewer, row) pairs, and over
// viewer 0 alone. Every loop is bounded (samples, --timeout-s).
//
//   node ws-latency.js --url ws://127.0.0.1:PORT/ws --file input.csv \
//       --rate 200 --samples 1000 --viewers 1 --start-id 1000001
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');
const WebSocket = require('ws');

function parseArgs(argv) {
  const a = {
    url: null, file: null, rate: 200, samples: 1000, viewers: 1, startId: 1,
    timeoutS: 120, connectConcurrency: 50, settleMs: 1000, origin: null,
    kcatBrokers: null, kcatTopic: null,
  };
  for (let i = 2; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(k in a)) throw new Error(`unknown option ${argv[i]}`);
    const v = argv[i + 1];
    a[k] = typeof a[k] === 'number' ? Number(v) : v;
  }
  if (!a.url || !a.file) throw new Error('--url and --file are required');
  return a;
}

// The snapshot starts {"version":N,"generated_ms":T,"count":C,...}: the first
// "count" is the top-level one. Only the head of the frame is decoded.
const COUNT_RE = /"count":(\d+)/;
function countOf(buf) {
  const m = COUNT_RE.exec(buf.toString('latin1', 0, Math.min(buf.length, 256)));
  return m ? Number(m[1]) : -1;
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  const k = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[k];
}

function summary(vals) {
  const s = Float64Array.from(vals).sort();
  const r = (x) => (x === null ? null : Math.round(x * 1000) / 1000);
  return { n: s.length, p50_ms: r(pct(s, 50)), p99_ms: r(pct(s, 99)), max_ms: r(s.length ? s[s.length - 1] : null) };
}

const sleep = (ms) => new Promise((res) => setTimeout(res, ms));
const epochMs = () => performance.timeOrigin + performance.now();

// Optional breakdown: kcat reads the topic alongside the dashboard and prints
// each row's key (the id) and Kafka timestamp: csv-producer sets it to the
// time it read the row's bytes (wire format v2, CreateTime). Arrival times on
// kcat's stdout give write -> producer read -> consumable.
function startKcat(a, seen) {
  const { spawn } = require('child_process');
  const k = spawn('kcat', ['-C', '-b', a.kcatBrokers, '-t', a.kcatTopic, '-o', 'beginning',
    '-u', '-q', '-f', '%k\t%T\n'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let buf = '';
  k.stdout.on('data', (d) => {
    const t = epochMs();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      const [key, ts] = line.split('\t');
      seen.set(key, { arrived: t, read: Number(ts) });
    }
  });
  return k;
}

async function main() {
  const a = parseArgs(process.argv);
  const deadline = performance.now() + a.timeoutS * 1000;
  const writeTimes = []; // writeTimes[k]: time before the write of row k
  let base = -1; // count before the first write
  const viewers = [];
  let messages = 0;
  let bytes = 0;
  let closedEarly = 0;

  function onMessage(v, data) {
    const t = performance.now();
    messages++;
    bytes += data.length;
    const c = countOf(data);
    if (c < 0) return;
    v.lastCount = c;
    if (base < 0) return;
    while (v.next < writeTimes.length && base + v.next + 1 <= c) {
      v.lat.push(t - writeTimes[v.next]);
      v.next++;
    }
  }

  function connect(i) {
    return new Promise((resolve, reject) => {
      const opts = { perMessageDeflate: false, handshakeTimeout: 30000 };
      if (a.origin) opts.origin = a.origin;
      const ws = new WebSocket(a.url, opts);
      const v = { ws, next: 0, lat: [], lastCount: -1, open: false };
      ws.on('message', (data) => onMessage(v, data));
      ws.on('open', () => { v.open = true; resolve(v); });
      ws.on('error', (e) => { if (!v.open) reject(new Error(`viewer ${i}: ${e.message}`)); });
      ws.on('close', () => { if (v.open && !v.done) closedEarly++; v.open = false; });
    });
  }

  // Connect in bounded batches.
  for (let i = 0; i < a.viewers; i += a.connectConcurrency) {
    const batch = [];
    for (let j = i; j < Math.min(a.viewers, i + a.connectConcurrency); j++) batch.push(connect(j));
    viewers.push(...(await Promise.all(batch)));
  }
  // Every viewer has its first snapshot and the count is stable.
  let stableSince = performance.now();
  let last = -2;
  while (performance.now() < deadline) {
    const counts = viewers.map((v) => v.lastCount);
    const ready = counts.every((c) => c >= 0);
    const c = Math.max(...counts);
    if (c !== last) { last = c; stableSince = performance.now(); }
    if (ready && performance.now() - stableSince >= a.settleMs) break;
    await sleep(20);
  }
  if (performance.now() >= deadline) throw new Error('viewers never got a stable first snapshot');
  base = last;

  const kseen = new Map();
  const kcat = a.kcatBrokers ? startKcat(a, kseen) : null;
  if (kcat) await sleep(1500); // kcat connects and reads the old rows

  // The writer: row k at t0 + k/rate.
  const writeEpoch = [];
  const fd = fs.openSync(a.file, 'a');
  const period = 1000 / a.rate;
  const t0 = performance.now() + 5;
  for (let k = 0; k < a.samples && performance.now() < deadline; k++) {
    const due = t0 + k * period;
    // No busy-wait: the event loop must stay free to receive the updates.
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const id = a.startId + k;
    const line = `${id},Bench Latency,${18 + (k % 60)},Recife,${100 + (k % 900)}.${String(k % 100).padStart(2, '0')}\n`;
    writeEpoch.push(epochMs());
    writeTimes.push(performance.now());
    fs.writeSync(fd, line);
  }
  fs.closeSync(fd);
  const writeSeconds = (performance.now() - t0) / 1000;

  // Wait until every viewer saw every row (or the deadline).
  while (performance.now() < deadline &&
         viewers.some((v) => v.open && v.next < writeTimes.length)) {
    await sleep(20);
  }
  const all = [];
  let missing = 0;
  for (const v of viewers) {
    for (const x of v.lat) all.push(x);
    missing += writeTimes.length - v.next;
    v.done = true;
  }
  for (const v of viewers) v.ws.terminate();
  let breakdown = null;
  if (kcat) {
    await sleep(200);
    kcat.kill();
    const toRead = [], toKafka = [], kafkaToWs = [];
    const v0 = viewers[0];
    for (let k = 0; k < writeEpoch.length; k++) {
      const e = kseen.get(String(a.startId + k));
      if (!e) continue;
      toRead.push(e.read - writeEpoch[k]);
      toKafka.push(e.arrived - writeEpoch[k]);
      if (k < v0.lat.length) kafkaToWs.push(writeEpoch[k] + v0.lat[k] - e.arrived);
    }
    breakdown = {
      note: 'ms; the producer read time (message timestamp) is a whole-ms clock',
      write_to_producer_read: summary(toRead),
      write_to_kcat_receipt: summary(toKafka),
      kcat_receipt_to_ws_update: summary(kafkaToWs),
    };
  }
  const out = {
    viewers: a.viewers, rows_written: writeTimes.length, rate: a.rate,
    write_seconds: Math.round(writeSeconds * 1000) / 1000, base_count: base,
    all: summary(all), viewer0: summary(viewers[0].lat), missing_samples: missing,
    closed_early: closedEarly, messages, mean_message_bytes: messages ? Math.round(bytes / messages) : 0,
    breakdown,
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(missing ? 3 : 0);
}

main().catch((e) => { process.stderr.write(`ws-latency: ${e.message}\n`); process.exit(1); });
