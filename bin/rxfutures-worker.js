#!/usr/bin/env node
'use strict';
// `npx rxfutures-worker --redis URL --queue NAME`: a queue worker process (lib/queue/cli.ts).
require('../dist/cjs/queue/cli.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code));
