'use strict';
const { ThreadWorker } = require('poolifier');
module.exports = new ThreadWorker(require('./double'));
