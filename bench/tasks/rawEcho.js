'use strict';
// A hand-rolled worker_threads loop: the floor every pool pays at least.
const { parentPort } = require('node:worker_threads');
const spin = require('./spin');
parentPort.on('message', (m) => {
  if (m.spin !== undefined) parentPort.postMessage(spin(m.spin));
  else parentPort.postMessage(m * 2);
});
