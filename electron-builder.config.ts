// `npm run dist`: AppImage and .deb for Linux field laptops. electron-builder downloads Electron,
// fpm and the AppImage runtime, so this runs on a machine with internet, not on our build machines.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Configuration } from 'electron-builder';

/** Native modules stay outside the bundle; ship them and everything they need at run time. */
const nativeExternals = ['serialport'];

function runtimeClosure(names: string[], seen = new Set<string>()): Set<string> {
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join('node_modules', name, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    runtimeClosure(Object.keys(manifest.dependencies ?? {}), seen);
  }
  return seen;
}

const config: Configuration = {
  appId: 'org.pakit.mesh',
  productName: 'Pakit Mesh',
  executableName: 'pakit-mesh',
  directories: { output: 'out/dist', buildResources: 'build' },
  // main.js and preload.js are self-contained bundles (npm run build:electron); the console is a resource.
  files: ['.vite/build/**', 'package.json', '!node_modules/**', ...[...runtimeClosure(nativeExternals)].map((name) => `node_modules/${name}/**`)],
  extraResources: [{ from: 'dist/console', to: 'console' }],
  asarUnpack: ['node_modules/@serialport/bindings-cpp/**'],
  electronFuses: {
    runAsNode: false,
    enableCookieEncryption: true,
    enableNodeOptionsEnvironmentVariable: false,
    enableNodeCliInspectArguments: false,
    enableEmbeddedAsarIntegrityValidation: true,
    onlyLoadAppFromAsar: true,
  },
  linux: {
    target: ['AppImage', 'deb'],
    category: 'Network',
    icon: 'build/icons',
    synopsis: 'Off-grid mesh node for field operators',
    desktop: { entry: { Name: 'Pakit Mesh', Comment: 'Off-grid LoRa and IP mesh console', Keywords: 'mesh;lora;meshtastic;off-grid;' } },
  },
  deb: {
    // Serial radios need the dialout group; the app says so when a port is refused.
    depends: ['libnss3', 'libgtk-3-0', 'libxss1', 'libasound2'],
  },
};

export default config;
