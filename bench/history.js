'use strict';
/**
 * The record of full `npm run bench` runs that docs/benchmarks.md judges
 * targets by: a target counts as met only if it held in three consecutive
 * full runs on the same machine (issue #15) — one good run is not evidence.
 * Every full run appends its target figures, the machine and the load
 * average to docs/benchmarks-history.json (the newest kKeep runs are kept).
 */
const fs = require('node:fs');

// Runs in a row a target must hold to count as met.
const kConsecutive = 3;
// Runs kept in the file: enough to see a trend, small enough to read.
const kKeep = 12;

/** @returns the recorded runs, oldest first; an unreadable or foreign file counts as none */
function readHistory(file) {
  let parsed;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((run) => run !== null && typeof run === 'object' && Array.isArray(run.targets) && typeof run.machine === 'string');
}

/**
 * Appends one run and writes the file.
 * @param run - { date, machine, load: [before, after], seconds, targets: [{ name, target, met, figure }] }
 * @returns the history with the run, oldest first
 */
function recordRun(file, run) {
  const history = [...readHistory(file), run].slice(-kKeep);
  fs.writeFileSync(file, `${JSON.stringify(history, null, 1)}\n`);
  return history;
}

/**
 * How target `name` did in the newest kConsecutive runs on this run's machine (newest first).
 * @returns { runs: [{ met, figure } | undefined …], held } — held: met in every one of them
 */
function consecutive(history, name) {
  const newest = history[history.length - 1];
  const sameMachine = history.filter((run) => run.machine === newest?.machine).slice(-kConsecutive).reverse();
  const runs = sameMachine.map((run) => run.targets.find((t) => t.name === name));
  const held = runs.length === kConsecutive && runs.every((t) => t !== undefined && t.met === true);
  return { runs, held };
}

module.exports = { readHistory, recordRun, consecutive, kConsecutive };
