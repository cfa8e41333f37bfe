'use strict';
// The tiny task every pool runs: x * 2. One file, several export shapes, so
// each library gets the form it expects.
function double(x) {
  return x * 2;
}
module.exports = double; // Piscina / tinypool default export
module.exports.double = double; // rxfutures task('…', 'double')
