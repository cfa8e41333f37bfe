'use strict';
/**
 * 1. Tiny-task throughput: 100,000 `x * 2` tasks in flight on 2 workers.
 * Every runner is warmed up, then measured kReps times; the median counts.
 */
const path = require('node:path');
const { Worker } = require('node:worker_threads');
const { Piscina } = require('piscina');
const { ThreadPoolExecutor, task } = require('../../dist/cjs');
const { medianOf, rate } = require('../lib');

const N = Number(process.env.BENCH_N ?? 100_000);
const double = path.join(__dirname, '../tasks/double.js');
const items = Array.from({ length: N }, (_, i) => i);

async function rxfutures() {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const t = task(double, 'double');
  const value = await medianOf(() => rate(N, () => Promise.all(items.map((i) => pool.submit(t, i)))));
  await pool.shutdown();
  return value;
}

async function piscina() {
  const pool = new Piscina({ filename: double, minThreads: 2, maxThreads: 2, idleTimeout: Infinity });
  const value = await medianOf(() => rate(N, () => Promise.all(items.map((i) => pool.run(i)))));
  await pool.destroy();
  return value;
}

async function tinypool() {
  const { Tinypool } = await import('tinypool');
  const pool = new Tinypool({ filename: double, minThreads: 2, maxThreads: 2, idleTimeout: Infinity });
  const value = await medianOf(() => rate(N, () => Promise.all(items.map((i) => pool.run(i)))));
  await pool.destroy();
  return value;
}

async function workerpool() {
  const wp = require('workerpool');
  const pool = wp.pool(path.join(__dirname, '../tasks/workerpoolWorker.js'), { minWorkers: 2, maxWorkers: 2, workerType: 'thread' });
  const value = await medianOf(() => rate(N, () => Promise.all(items.map((i) => pool.exec('double', [i])))));
  await pool.terminate();
  return value;
}

async function poolifier() {
  const { FixedThreadPool } = require('poolifier');
  const pool = new FixedThreadPool(2, path.join(__dirname, '../tasks/poolifierWorker.js'));
  await new Promise((resolve) => (pool.info.ready ? resolve() : pool.emitter.once('ready', resolve)));
  const value = await medianOf(() => rate(N, () => Promise.all(items.map((i) => pool.execute(i)))));
  await pool.destroy();
  return value;
}

/** All N messages in flight over two raw workers, round robin: the floor. */
async function rawWorkerThreads() {
  const workers = [0, 1].map(() => new Worker(path.join(__dirname, '../tasks/rawEcho.js')));
  const run = () =>
    new Promise((resolve) => {
      let left = N;
      for (const w of workers) {
        w.removeAllListeners('message');
        w.on('message', () => {
          if (--left === 0) resolve();
        });
      }
      for (let i = 0; i < N; i++) workers[i & 1].postMessage(i);
    });
  const value = await medianOf(() => rate(N, run));
  await Promise.all(workers.map((w) => w.terminate()));
  return value;
}

module.exports = async function throughput() {
  const rows = [];
  const add = (name, value) => rows.push({ suite: 'throughput', name, value, unit: 'tasks/s' });
  add('raw Piscina (piscina.run)', await piscina());
  add('rxfutures (executor.submit + await)', await rxfutures());
  add('tinypool', await tinypool());
  add('workerpool', await workerpool());
  add('poolifier', await poolifier());
  add('raw worker_threads loop (floor)', await rawWorkerThreads());
  return rows;
};
