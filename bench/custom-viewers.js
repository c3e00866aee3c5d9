#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Viewers with their own roles or source, for the query-load benchmark
// (bench/06): each opens the dashboard's /ws and, on pushes, fetches
// GET /api/snapshot?<--query> as the page does, under one of two rules:
//   --rule push  on every push (one request at a time; pushes during one
//                ask for one more): the page before the fetch rule;
//   --rule page  the page's rule (web/app.js, SNAPSHOT_FETCH_MS): at most
//                one fetch started per --interval-ms, a push sooner than
//                that schedules one fetch for the end of the interval.
// Runs until --stop-file exists (or SIGTERM, or --timeout-s), then prints
// one JSON summary: pushes received, fetches, errors, fetch latency.
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');
const WebSocket = require('ws');

const a = { url: null, viewers: 5, query: 'value=idade', rule: 'page', intervalMs: 1000,
  stopFile: null, timeoutS: 1800 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  if (!(k in a)) { process.stderr.write(`unknown option ${process.argv[i]}\n`); process.exit(2); }
  a[k] = typeof a[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
if (!a.url || !['push', 'page'].includes(a.rule)) {
  process.stderr.write('usage: custom-viewers.js --url http://HOST:PORT [--rule push|page] ...\n');
  process.exit(2);
}

let pushes = 0;
let fetches = 0;
let errors = 0;
const errorKinds = {}; // HTTP status or error code -> count
let bytes = 0;
const latencies = [];

async function fetchOnce(v) {
  v.inFlight = true;
  v.last = performance.now();
  fetches++;
  const t0 = performance.now();
  try {
    const r = await fetch(`${a.url}/api/snapshot?${a.query}`);
    const body = await r.arrayBuffer();
    bytes += body.byteLength;
    if (!r.ok) { errors++; errorKinds[r.status] = (errorKinds[r.status] || 0) + 1; }
    latencies.push(performance.now() - t0);
  } catch (e) {
    errors++;
    const k = (e.cause && e.cause.code) || e.name;
    errorKinds[k] = (errorKinds[k] || 0) + 1;
  }
  v.inFlight = false;
  if (v.again) { v.again = false; fetchOnce(v); }
}

function onPush(v) {
  pushes++;
  if (a.rule === 'push') {
    if (v.inFlight) v.again = true; else fetchOnce(v);
    return;
  }
  if (v.timer) return;
  const wait = v.last + a.intervalMs - performance.now();
  const go = () => { v.timer = null; if (v.inFlight) v.again = true; else fetchOnce(v); };
  if (wait <= 0) go(); else v.timer = setTimeout(go, wait);
}

const viewers = [];
function connect() {
  const v = { inFlight: false, again: false, timer: null, last: -Infinity };
  const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws`, { perMessageDeflate: false });
  v.ws = ws;
  ws.on('message', () => onPush(v));
  ws.on('error', () => { errors++; errorKinds.websocket = (errorKinds.websocket || 0) + 1; });
  viewers.push(v);
}

function pct(sorted, p) {
  if (!sorted.length) return null;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]);
}

let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  for (const v of viewers) { clearTimeout(v.timer); v.ws.terminate(); }
  const s = latencies.sort((x, y) => x - y);
  process.stdout.write(`${JSON.stringify({ viewers: a.viewers, rule: a.rule, pushes, fetches, errors,
    error_kinds: errorKinds,
    mean_bytes: fetches ? Math.round(bytes / fetches) : 0, p50_ms: pct(s, 50), p99_ms: pct(s, 99) })}\n`);
  process.exit(code);
}

for (let i = 0; i < a.viewers; i++) connect();
process.on('SIGTERM', () => finish(0));
process.on('SIGINT', () => finish(0));
setTimeout(() => finish(4), a.timeoutS * 1000).unref();
setInterval(() => { if (a.stopFile && fs.existsSync(a.stopFile)) finish(0); }, 100);
