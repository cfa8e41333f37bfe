'use strict';
// ~`ms` milliseconds of pure CPU (a counted loop calibrated on the main thread, so every
// runner does the same amount of work rather than the same wall time).
function spin(iterations) {
  let x = 0;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) % 1000003;
  return x;
}
module.exports = spin;
module.exports.spin = spin;
