// SPDX-License-Identifier: MIT
// The real stack for the browser tests: a kafka-local broker, csv-producer
// watching a temporary CSV file and consumer-dashboard, each on free ports.
// Every process started here is remembered and stopped by stopAll(), which
// the spec calls from its after hook (and, as a last resort, on exit).

import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
const BUILD = process.env.BUILD_DIR || path.join(ROOT, 'build');
export const PRODUCER = path.join(BUILD, 'producer', 'csv-producer');
export const DASHBOARD = path.join(BUILD, 'consumer-dashboard', 'consumer-dashboard');
const KAFKA_LOCAL = path.join(ROOT, 'deploy', 'kafka', 'kafka-local');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls pred (sync or async) until it returns a truthy value; what (text,
 * or a function giving it) names the condition in the time-out error. */
export async function waitUntil(pred, { timeout = 60000, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v;
    } catch (e) {
      if (e.fatal) throw e; // waiting longer cannot help
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeout} ms waiting for ${typeof what === 'function' ? what() : what}` +
        (last ? ` (last error: ${last.message})` : ''));
    }
    await sleep(100);
  }
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function run(file, args, { timeout }) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (err.code ?? 1) : 0, stdout, stderr, err });
    });
  });
}

/** A child process whose output goes to a log file. */
class Proc {
  constructor(name, argv, logDir) {
    this.name = name;
    this.argv = argv;
    this.log = path.join(logDir, `${name}.log`);
    const fd = fs.openSync(this.log, 'a');
    this.child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => resolve(code ?? signal));
      this.child.on('error', (e) => resolve(`spawn error: ${e.message}`));
    });
    this.done = false;
    this.exited.then(() => { this.done = true; });
  }

  alive() { return !this.done; }

  /** SIGTERM, then SIGKILL after graceMs. @returns the exit code or signal. */
  async stop(graceMs = 10000) {
    if (this.done) return this.exited;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => { if (!this.done) this.child.kill('SIGKILL'); }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  tail(lines = 30) {
    try {
      return fs.readFileSync(this.log, 'utf8').split('\n').slice(-lines).join('\n');
    } catch { return ''; }
  }
}

export class Stack {
  constructor(dir, logDir) {
    this.dir = dir;
    this.logDir = logDir;
    this.procs = new Set();
    this.brokerDir = null;
    this.bootstrap = null;
    fs.mkdirSync(logDir, { recursive: true });
    // Last resort if the after hook never runs: kill synchronously on exit.
    this.onExit = () => {
      for (const p of this.procs) if (p.alive()) p.child.kill('SIGKILL');
    };
    process.on('exit', this.onExit);
  }

  /** Starts a single-node broker; the owner watchdog stops it if node dies. */
  async startBroker(partitions = 1) {
    this.brokerDir = path.join(this.dir, 'kafka');
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      let cport = await freePort();
      while (cport === port) cport = await freePort();
      const r = await run(KAFKA_LOCAL, ['start', '--dir', this.brokerDir, '--port', String(port),
        '--controller-port', String(cport), '--partitions', String(partitions),
        '--owner-pid', String(process.pid)], { timeout: 660000 });
      if (r.code === 0) {
        this.bootstrap = r.stdout.trim().split('\n').pop();
        return this.bootstrap;
      }
      if (attempt >= 3 || !/Address already in use/.test(r.stderr)) {
        throw new Error(`kafka-local start failed (${r.code}):\n${r.stderr}`);
      }
    }
  }

  async stopBroker() {
    if (!this.brokerDir || !this.bootstrap) return;
    const r = await run(KAFKA_LOCAL, ['stop', '--dir', this.brokerDir], { timeout: 60000 });
    if (r.code !== 0) await run(KAFKA_LOCAL, ['kill', '--dir', this.brokerDir], { timeout: 30000 });
    this.bootstrap = null;
  }

  start(name, argv) {
    const p = new Proc(name, argv, this.logDir);
    this.procs.add(p);
    return p;
  }

  startProducer(csvPath, topic, name = 'producer') {
    return this.start(name, [PRODUCER, '-b', this.bootstrap, '-t', topic, '-f', csvPath,
      '--state-dir', path.join(this.dir, `${name}-state`)]);
  }

  async startDashboard(topic, port, name = 'dashboard') {
    const p = this.start(name, [DASHBOARD, '-b', this.bootstrap, '-t', topic,
      '--listen', `127.0.0.1:${port}`]);
    const url = `http://127.0.0.1:${port}`;
    await waitUntil(async () => {
      if (!p.alive()) {
        throw Object.assign(new Error(`${name} exited:\n${p.tail()}`), { fatal: true });
      }
      // Serving: 200, or 503 naming a problem (a topic not created yet).
      const r = await fetch(`${url}/healthz`);
      return (await r.json()).status !== 'starting';
    }, { timeout: 60000, what: `${name} /healthz` });
    return { proc: p, url };
  }

  /** Stops every process (in reverse start order), then the broker. */
  async stopAll() {
    const errors = [];
    for (const p of [...this.procs].reverse()) {
      try { await p.stop(); } catch (e) { errors.push(e); }
    }
    try { await this.stopBroker(); } catch (e) { errors.push(e); }
    process.off('exit', this.onExit);
    if (errors.length) throw errors[0];
  }
}
