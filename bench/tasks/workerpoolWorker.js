'use strict';
const workerpool = require('workerpool');
workerpool.worker({ double: require('./double') });
