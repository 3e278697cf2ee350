// Preloaded into Electronegativity only. First: its @typescript-eslint/typescript-estree needs the
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

// Its locale loader asks the internet for fresh translations on every run (a `got` request with a
// 1 s timeout whose retry can crash the process when it times out). Our machines have no internet
// and a lint must not depend on one: that one request fails at once, and the bundled English is used.
const offlineGot = () => Promise.reject(new Error('no network: the bundled translations are used'));
const load = Module._load;
Module._load = function (request, parent, ...rest) {
  if (request === 'got' && parent && parent.filename && parent.filename.includes(`${path.sep}electronegativity${path.sep}dist${path.sep}locales${path.sep}`)) {
    return offlineGot;
  }
  return load.call(this, request, parent, ...rest);
};
