#!/usr/bin/env node
// SPDX-License-Identifier: MIT
// Many WebSocket viewers for the fan-out benchmark: opens --viewers
// connections to the dashboard's /ws, writes --ready-file once all are open
// and have their first snapshot, then receives until SIGTERM/SIGINT or
// --timeout-s. For every received update it records the push delay: receipt
// time - the snapshot's "generated_ms" (server render time, same machine
// clock). On exit it prints one JSON summary.
'use strict';

const fs = require('fs');
const { performance } = require('perf_hooks');
const WebSocket = require('ws');

const a = { url: null, viewers: 1000, readyFile: null, timeoutS: 600, connectConcurrency: 50 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
  if (!(k in a)) { process.stderr.write(`unknown option ${process.argv[i]}\n`); process.exit(2); }
  a[k] = typeof a[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

const GEN_RE = /"generated_ms":(\d+)/;
const epochMs = () => performance.timeOrigin + performance.now();
// Push delays in 0.1 ms buckets up to 60 s: bounded memory for any run.
const BUCKETS = 600000;
const hist = new Uint32Array(BUCKETS + 1);
let samples = 0;
let maxDelay = 0;
let messages = 0;
let bytes = 0;
let closed = 0;
let errors = 0;
let measuring = false;
const viewers = [];

function onMessage(v, data) {
  const t = epochMs();
  v.messages++;
  if (!measuring) return;
  messages++;
  bytes += data.length;
  const m = GEN_RE.exec(data.toString('latin1', 0, Math.min(data.length, 256)));
  if (!m) return;
  const d = Math.max(0, t - Number(m[1]));
  hist[Math.min(BUCKETS, Math.round(d * 10))]++;
  samples++;
  if (d > maxDelay) maxDelay = d;
}

function pct(p) {
  const want = Math.ceil((p / 100) * samples);
  let acc = 0;
  for (let i = 0; i <= BUCKETS; i++) {
    acc += hist[i];
    if (acc >= want && want > 0) return i / 10;
  }
  return null;
}

function connect(i) {
  return new Promise((resolve) => {
    const ws = new WebSocket(a.url, { perMessageDeflate: false, handshakeTimeout: 30000 });
    const v = { ws, messages: 0, open: false };
    ws.on('message', (data) => onMessage(v, data));
    ws.on('open', () => { v.open = true; resolve(v); });
    ws.on('error', () => { errors++; if (!v.open) resolve(v); });
    ws.on('close', () => { if (v.open) closed++; v.open = false; });
  });
}

let finished = false;
function finish(code) {
  if (finished) return;
  finished = true;
  const per = viewers.map((v) => v.messages);
  const out = {
    viewers: a.viewers,
    connected: viewers.filter((v) => v.open).length,
    closed, errors,
    updates_received: messages,
    updates_per_viewer_min: per.length ? Math.min(...per) : 0,
    updates_per_viewer_mean: per.length ? Math.round(per.reduce((x, y) => x + y, 0) / per.length) : 0,
    mean_update_bytes: messages ? Math.round(bytes / messages) : 0,
    push_delay_ms: { n: samples, p50: pct(50), p99: pct(99), max: Math.round(maxDelay * 10) / 10 },
  };
  for (const v of viewers) v.ws.terminate();
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(code);
}

async function main() {
  for (let i = 0; i < a.viewers; i += a.connectConcurrency) {
    const batch = [];
    for (let j = i; j < Math.min(a.viewers, i + a.connectConcurrency); j++) batch.push(connect(j));
    viewers.push(...(await Promise.all(batch)));
  }
  const deadline = performance.now() + 60000;
  while (viewers.some((v) => v.open && v.messages === 0) && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
  }
  measuring = true;
  if (a.readyFile) {
    fs.writeFileSync(a.readyFile, `${viewers.filter((v) => v.open).length}\n`);
  }
}

process.on('SIGTERM', () => finish(0));
process.on('SIGINT', () => finish(0));
setTimeout(() => finish(4), a.timeoutS * 1000).unref();
// Keep the process alive while viewers are open.
setInterval(() => {}, 1000);
main().catch((e) => { process.stderr.write(`ws-viewers: ${e.message}\n`); finish(1); });
