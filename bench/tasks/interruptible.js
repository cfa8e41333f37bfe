'use strict';
/** Tasks for bench/suites/interrupt.js: one that honours an interrupt, one that ignores it. */
const { threadId } = require('node:worker_threads');
const { throwIfInterrupted } = require('../../dist/cjs');

function announce(flags) {
  Atomics.store(flags, 0, 1);
  Atomics.notify(flags, 0);
}

/** Polls throwIfInterrupted() in a CPU loop: ends within microseconds of an interrupt. */
exports.honour = function honour(flags) {
  announce(flags);
  for (;;) throwIfInterrupted();
};

/** Spins without looking: only termination stops it. */
exports.ignore = function ignore(flags) {
  announce(flags);
  for (;;) {
    // interrupt ignored
  }
};

exports.whichThread = function whichThread() {
  return threadId;
};
