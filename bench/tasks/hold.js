'use strict';
// Holds its worker until flags[0] is set (memory bench: everything after it queues).
module.exports = (flags) => {
  Atomics.wait(flags, 0, 0);
  return 0;
};
