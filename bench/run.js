'use strict';
/**
 * `npm run bench`: measures rxfutures against raw Piscina and the peers in
 * one run, prints every figure beside its target, and writes
 * docs/benchmarks.md and docs/benchmarks.svg. Figures are medians of
 * BENCH_REPS (default 5) repetitions after a warm-up; ratios are against raw
 * Piscina measured in this same run. Nothing here is asserted: targets that
 * are missed are reported as missed.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { kReps, fmt, spreadOf } = require('./lib');
const { renderMarkdown, renderSvg } = require('./report');
const { recordRun, consecutive, kConsecutive } = require('./history');

function python(n) {
  try {
    const out = execFileSync('python3', [path.join(__dirname, 'python/futures_bench.py'), String(n), String(kReps)], {
      encoding: 'utf8',
      timeout: 300_000,
    });
    return JSON.parse(out);
  } catch (err) {
    console.error(`python3 rows skipped: ${err.message.split('\n')[0]}`);
    return undefined;
  }
}

function memory() {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'suites/memory.js')], { encoding: 'utf8' });
  return JSON.parse(out);
}

async function main() {
  const only = process.argv[2];
  const started = Date.now();
  // The load average is recorded with the run: a figure measured on a busy machine says so.
  const loadBefore = os.loadavg()[0];
  const rows = [];
  const log = (r) => {
    const digits = r.unit === 'tasks/s' || r.unit === 'items/s' ? 0 : r.unit === '×' ? 2 : 1;
    // The spread of the repetitions behind the median: how far this figure moves within one run.
    r.spread ??= spreadOf(r.value);
    const spread = r.spread === undefined ? '' : `  (min–median–max of ${r.spread.reps}: ${fmt(r.spread.min, digits)} – ${fmt(r.value, digits)} – ${fmt(r.spread.max, digits)})`;
    const speedup = r.speedup === undefined ? '' : `  ${r.speedup.toFixed(2)}× serial`;
    console.log(`${r.suite.padEnd(11)} ${r.name.padEnd(46)} ${fmt(r.value, digits).padStart(12)} ${r.unit}${speedup}${spread}`);
  };
  const optional = (name) => (fs.existsSync(path.join(__dirname, `suites/${name}.js`)) ? [name] : []);
  for (const suite of ['throughput', 'streaming', 'latency', 'scaling', 'lifecycle', 'executors', 'midsize', ...optional('queue'), ...optional('interrupt'), 'demo']) {
    if (only && only !== suite) continue;
    if ((process.env.BENCH_SKIP ?? '').split(',').includes(suite)) continue;
    for (const r of await require(`./suites/${suite}`)()) {
      rows.push(r);
      log(r);
    }
  }
  const N = Number(process.env.BENCH_N ?? 100_000);
  const py = !only || only === 'python' ? python(N) : undefined;
  if (py) {
    for (const [name, value, unit] of [
      ['Python ThreadPoolExecutor(2) submit', py.threadSubmit, 'tasks/s'],
      ['Python ProcessPoolExecutor(2).map(chunksize=100)', py.processMapChunk100, 'items/s'],
      ['Python ProcessPoolExecutor(2) submit', py.processSubmit, 'tasks/s'],
    ]) {
      if (value === undefined) continue;
      const r = { suite: 'python', name, value, unit };
      rows.push(r);
      log(r);
    }
  }
  const mem = !only || only === 'memory' ? memory() : undefined;
  if (mem) {
    for (const r of [
      { suite: 'memory', name: 'raw Piscina bytes per queued task', value: mem.piscina, unit: 'B' },
      { suite: 'memory', name: 'rxfutures bytes per pending Future', value: mem.ours, unit: 'B' },
      { suite: 'memory', name: 'mapOrdered$ 1M items: heap growth after', value: mem.million.after / 2 ** 20, unit: 'MiB' },
      { suite: 'memory', name: 'mapOrdered$ 1M items: peak retained heap growth', value: mem.million.peak / 2 ** 20, unit: 'MiB' },
    ]) {
      rows.push(r);
      log(r);
    }
  }
  const targets = evaluateTargets(rows);
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'CPU'}, Node ${process.version}, ${os.platform()} ${os.arch()}`;
  const docs = path.join(__dirname, '../docs');
  const seconds = (Date.now() - started) / 1000;
  // Only a full run is a run of record: one suite alone is a look, not evidence.
  const history = only
    ? undefined
    : recordRun(path.join(docs, 'benchmarks-history.json'), {
        date: new Date().toISOString(),
        commit: gitCommit(),
        machine,
        load: [loadBefore, os.loadavg()[0]].map((l) => Number(l.toFixed(2))),
        seconds: Math.round(seconds),
        targets: targets.map(({ name, target, met, figure, value }) => ({ name, target, met: met === true, figure, value })),
      });
  console.log('\nTargets');
  for (const t of targets) {
    const held = history === undefined ? '' : consecutive(history, t.name).held ? `  — held in ${kConsecutive} consecutive runs` : '';
    console.log(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.figure} (target ${t.target})${held}`);
  }
  if (!only) {
    fs.mkdirSync(docs, { recursive: true });
    fs.writeFileSync(path.join(docs, 'benchmarks.md'), renderMarkdown({ rows, targets, machine, reps: kReps, seconds, history }));
    fs.writeFileSync(path.join(docs, 'benchmarks.svg'), renderSvg(rows));
    console.log('\nwrote docs/benchmarks.md and docs/benchmarks.svg');
  }
}

/** The commit the run measured (with `+` when the work tree had changes), or undefined outside git. */
function gitCommit() {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: __dirname, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${commit}+` : commit;
  } catch {
    return undefined;
  }
}

function evaluateTargets(rows) {
  const get = (name) => rows.find((r) => r.name === name)?.value;
  const out = [];
  const ratio = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);
  const add = (name, value, target, met, figure) => {
    if (value !== undefined) out.push({ name, target, met, figure, value });
  };
  const piscina = get('raw Piscina (piscina.run)');
  const submit = ratio(get('rxfutures (executor.submit + await)'), piscina);
  add('submit throughput vs raw Piscina', submit, '≥ 3×', submit >= 3, `${submit?.toFixed(2)}×`);
  const vsPoolifier = ratio(get('rxfutures (executor.submit + await)'), get('poolifier'));
  add('submit throughput vs poolifier', vsPoolifier, '> 1×', vsPoolifier > 1, `${vsPoolifier?.toFixed(2)}×`);
  const vsPython = ratio(get('rxfutures (executor.submit + await)'), get('Python ThreadPoolExecutor(2) submit'));
  add('submit throughput vs Python ThreadPoolExecutor(2)', vsPython, '> 1×', vsPython > 1, `${vsPython?.toFixed(2)}×`);
  const floor = ratio(get('rxfutures (executor.submit + await)'), get('raw worker_threads loop (floor)'));
  add('submit throughput vs raw worker_threads loop', floor, '≥ 0.8×', floor >= 0.8, `${floor?.toFixed(2)}×`);
  const lat = ratio(get('rxfutures p50'), get('raw Piscina p50'));
  add('sequential round trip p50 vs raw Piscina', lat, '≤ 1.1×', lat <= 1.1, `${lat?.toFixed(2)}×`);
  const lat99 = ratio(get('rxfutures p99'), get('raw Piscina p99'));
  add('sequential round trip p99 vs raw Piscina', lat99, '≤ 1.3×', lat99 <= 1.3, `${lat99?.toFixed(2)}×`);
  const cold = ratio(get('rxfutures cold start to first result'), get('raw Piscina cold start to first result'));
  add('cold start to first result vs raw Piscina', cold, '≤ 1.1×', cold <= 1.1, `${cold?.toFixed(2)}×`);
  const perItem = get('raw Piscina, one run per item');
  for (const name of ['rxfutures executor.map', 'rxfutures mapOrdered$']) {
    const r = ratio(get(name), perItem);
    add(`${name} vs raw per-item Piscina`, r, '≥ 30×', r >= 30, `${r?.toFixed(1)}×`);
    const p = ratio(get(name), get('Python ProcessPoolExecutor(2).map(chunksize=100)'));
    add(`${name} vs Python ProcessPoolExecutor.map(chunksize=100)`, p, '≥ 1.5×', p >= 1.5, `${p?.toFixed(2)}×`);
  }
  const speedup = rows.find((r) => r.name === 'rxfutures, 2 workers')?.speedup;
  const rawSpeedup = rows.find((r) => r.name === 'raw worker_threads pair')?.speedup;
  const s = ratio(speedup, rawSpeedup);
  add('2-worker CPU speedup vs raw worker_threads pair', s, '≥ 0.95×', s >= 0.95, `${speedup?.toFixed(2)}× vs ${rawSpeedup?.toFixed(2)}× → ${s?.toFixed(2)}`);
  // Mid-size suite (issue #15): against the hand-batched raw pair and raw Piscina, and serial.
  const speedupOf = (name) => rows.find((r) => r.name === name)?.speedup;
  for (const label of require('./suites/midsize').labels) {
    const ours = speedupOf(`${label}: rxfutures mapUnordered$`);
    const pair = speedupOf(`${label}: raw worker_threads pair, hand-batched`);
    const pis = speedupOf(`${label}: raw Piscina`);
    const vsPair = ratio(ours, pair);
    add(`mid-size ${label}: speedup vs raw hand-batched pair`, vsPair, '≥ 0.9×', vsPair >= 0.9, `${ours?.toFixed(2)}× vs ${pair?.toFixed(2)}× → ${vsPair?.toFixed(2)}`);
    add(`mid-size ${label}: speedup vs raw Piscina`, ours !== undefined && pis !== undefined ? ours : undefined, '≥ 1× raw Piscina’s', ours >= pis, `${ours?.toFixed(2)}× vs ${pis?.toFixed(2)}×`);
    const fromMs = require('./suites/midsize').sizesMs[require('./suites/midsize').labels.indexOf(label)];
    if (fromMs === undefined || fromMs >= 0.1) add(`mid-size ${label}: speedup vs serial`, ours, '≥ 1.6×', ours >= 1.6, `${ours?.toFixed(2)}×`);
  }
  // ProcessPoolExecutor against Python's, same run.
  const procSubmit = ratio(get('ProcessPoolExecutor submit + await (2 workers)'), get('Python ProcessPoolExecutor(2) submit'));
  add('ProcessPoolExecutor submit vs Python ProcessPoolExecutor(2) submit', procSubmit, '≥ 5×', procSubmit >= 5, `${procSubmit?.toFixed(2)}×`);
  const procMap = ratio(get('ProcessPoolExecutor.map (default) (2 workers)'), get('Python ProcessPoolExecutor(2).map(chunksize=100)'));
  add('ProcessPoolExecutor.map (default) vs Python ProcessPoolExecutor.map(chunksize=100)', procMap, '≥ 1×', procMap >= 1, `${procMap?.toFixed(2)}×`);
  // QueueExecutor: map with chunksize against mapOrdered$ with the same chunksize, per worker count.
  for (const r of rows) {
    if (r.suite !== 'queue' || !r.name.endsWith(': map chunksize 100')) continue;
    const prefix = r.name.slice(0, -': map chunksize 100'.length);
    const q = ratio(r.value, get(`${prefix}: mapOrdered$ chunksize 100`));
    add(`${prefix}: map vs mapOrdered$ (chunksize 100)`, q, '≥ 0.8×', q >= 0.8, `${q?.toFixed(2)}×`);
  }
  // Interrupt: an honoured interrupt frees its worker for the next task within 1 ms, on the same thread.
  const honoured = rows.find((r) => r.suite === 'interrupt' && r.honoured);
  if (honoured !== undefined) {
    const same = honoured.sameThread === honoured.samples;
    add('honoured interrupt to the next task on the same worker', honoured.value, '< 1 ms, every time on the same thread', honoured.value < 1 && same, `${honoured.value.toFixed(2)} ms, same thread ${honoured.sameThread}/${honoured.samples}`);
  }
  // The demo, as a new user runs it: median of its runs in this bench run.
  const demoRatio = get('npm run demo: serial time / pool time');
  const demoBound = get('npm run demo: best ratio its CPU times allow');
  add('npm run demo: pool vs serial (median of 3 runs)', demoRatio, '≥ 1.5×', demoRatio >= 1.5, `${demoRatio?.toFixed(2)}× (its CPU times allow ${demoBound?.toFixed(2)}×)`);
  const mem = ratio(get('rxfutures bytes per pending Future'), get('raw Piscina bytes per queued task'));
  add('bytes per pending Future vs Piscina per queued task', mem, '≤ 1.5×', mem <= 1.5, `${mem?.toFixed(2)}×`);
  const million = get('mapOrdered$ 1M items: peak retained heap growth');
  add('mapOrdered$ over 1,000,000 items, peak heap growth', million, '≤ 64 MiB', million <= 64, `${million?.toFixed(1)} MiB`);
  return out;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
