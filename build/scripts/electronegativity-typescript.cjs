// Preloaded into Electronegativity only: its @typescript-eslint/typescript-estree needs the
// TypeScript JavaScript API, which TypeScript 7 (our compiler, a native binary) no longer ships.
// Point that one import at the TypeScript release Electronegativity installs for itself.
const Module = require('node:module');
const path = require('node:path');

const scannerRoot = path.dirname(require.resolve('@doyensec/electronegativity/package.json'));
const scannerTypeScript = require.resolve('typescript', { paths: [scannerRoot] });
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  if (request === 'typescript' && parent && parent.filename && parent.filename.includes(`${path.sep}@typescript-eslint${path.sep}`)) {
    return scannerTypeScript;
  }
  return resolve.call(this, request, parent, ...rest);
};
