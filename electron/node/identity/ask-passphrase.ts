// Asks for a passphrase on an interactive terminal without echoing it: for the headless node when
// PAKIT_KEY_PASSPHRASE is not set.
import type { Readable, Writable } from 'node:stream';
import { IdentityError } from './errors.ts';

export type Terminal = {
  input: Readable & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  output: Writable;
};

const ENTER = new Set(['\r', '\n']);
const BACKSPACE = new Set(['\u007f', '\b']);
const CANCEL = new Set(['\u0003', '\u0004']); // Ctrl-C, Ctrl-D

/** Reads one line in raw mode. Not a terminal, or Ctrl-C/Ctrl-D: `passphrase_unavailable`. */
export function askPassphrase(prompt: string, terminal: Terminal = { input: process.stdin, output: process.stderr }): Promise<string> {
  const { input, output } = terminal;
  if (!input.isTTY || !input.setRawMode) {
    return Promise.reject(
      new IdentityError(
        'passphrase_unavailable',
        'The node key needs a passphrase, and there is no terminal to ask for it.',
        'Set PAKIT_KEY_PASSPHRASE in the environment of the headless node (e.g. from a file readable only by its user).',
      ),
    );
  }
  const setRawMode = input.setRawMode.bind(input);
  output.write(prompt);
  setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (): void => {
      input.off('data', onData);
      setRawMode(false);
      input.pause();
      output.write('\n');
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString('utf8')) {
        if (ENTER.has(char)) {
          finish();
          resolve(typed);
          return;
        }
        if (CANCEL.has(char)) {
          finish();
          reject(new IdentityError('passphrase_unavailable', 'Passphrase entry was cancelled.', 'Start the node again and type the passphrase.'));
          return;
        }
        typed = BACKSPACE.has(char) ? [...typed].slice(0, -1).join('') : typed + char;
      }
    };
    input.on('data', onData);
  });
}
