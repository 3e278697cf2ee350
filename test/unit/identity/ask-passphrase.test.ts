import { PassThrough } from 'node:stream';
import { expect, test } from 'vitest';
import { askPassphrase } from '../../../electron/node/identity/index.ts';
import { expectIdentityError } from './helpers.ts';

function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[] });
  const terminal = {
    input: Object.assign(input, { setRawMode: (mode: boolean) => input.rawModes.push(mode) }),
    output: new PassThrough(),
  };
  let shown = '';
  terminal.output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
  return { terminal, input, shown: () => shown };
}

test('reads a line without echo, handling backspace, and leaves raw mode', async () => {
  const { terminal, input, shown } = fakeTerminal();
  const answer = askPassphrase('Passphrase: ', terminal);
  input.write('s3cret');
  input.write('x\u007f pâss\r');
  expect(await answer).toBe('s3cret pâss');
  expect(shown()).toBe('Passphrase: \n');
  expect(input.rawModes).toEqual([true, false]);
});

test('Ctrl-C cancels with a typed error', async () => {
  const { terminal, input } = fakeTerminal();
  const answer = askPassphrase('Passphrase: ', terminal);
  input.write('abc\u0003');
  await expectIdentityError(answer, 'passphrase_unavailable');
  expect(input.rawModes).toEqual([true, false]);
});

test('without a terminal it tells the operator to set PAKIT_KEY_PASSPHRASE', async () => {
  const error = await expectIdentityError(askPassphrase('Passphrase: ', { input: new PassThrough(), output: new PassThrough() }), 'passphrase_unavailable');
  expect(error.fix).toContain('PAKIT_KEY_PASSPHRASE');
});
