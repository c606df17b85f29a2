import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/temp-dir';

/**
 * The local game day as a person runs it: `bin/rxdr` in a real terminal (a tmux pane), the test reading the
 * screen (`tmux capture-pane`) and typing the answers (`tmux send-keys`), a wrong answer included.
 */
const BIN = path.join(__dirname, '..', '..', 'bin', 'rxdr');
const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });

// A terminal multiplexer is not part of "only Node.js": skipped without tmux, required in CI (RXDR_REQUIRE_TMUX=1).
const hasTmux = (() => {
  try {
    tmux('-V');
    return true;
  } catch {
    return false;
  }
})();
if (!hasTmux && process.env.RXDR_REQUIRE_TMUX === '1')
  throw new Error(
    'RXDR_REQUIRE_TMUX=1 but tmux is missing (Debian: apt-get install tmux): this test types into a terminal',
  );

(hasTmux ? describe : describe.skip)('rxdr gameday --local in a real terminal (tmux)', () => {
  const session = `rxdr-gameday-${process.pid}`;
  afterEach(() => {
    try {
      tmux('kill-session', '-t', session);
    } catch {
      // already gone
    }
  });

  test('GIVEN a person at the terminal WHEN they read each prompt and type the decisions THEN the run is recovered, timed and scored', async () => {
    const dir = tempDir('rxdr-gameday-tty-');
    const done = path.join(dir, 'exit-code');
    const command =
      `PATH=${path.dirname(process.execPath)}:$PATH ${BIN} gameday --local --scenario primary-instance-failure ` +
      `--prescriptions 100 --evidence-dir ${path.join(dir, 'evidence')}; echo $? > ${done}`;
    tmux('new-session', '-d', '-s', session, '-x', '200', '-y', '50', command);
    tmux('set-option', '-t', session, 'remain-on-exit', 'on');

    const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-2000', '-t', session);
    const waitFor = async (pattern: RegExp, seconds = 60): Promise<string> => {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const text = screen();
        if (pattern.test(text)) return text;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${pattern}:\n${text}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    };
    const answer = (keys: string) => tmux('send-keys', '-t', session, keys, 'Enter');

    let text = await waitFor(/Is the primary down\? \[yes\/no\] $/m);
    expect(text).toContain('*** FAULT (primary-instance-failure)');
    expect(text).toMatch(/PREFLIGHT \(promote-replica\): decision proceed/);
    answer('maybe');
    await waitFor(/please answer one of: yes, no/);
    answer('yes');
    text = await waitFor(/Choose the recovery strategy \[promote-replica\/point-in-time[a-z/-]*\] $/m);
    answer('p'); // ambiguous: asked again
    await waitFor(/please answer one of: promote-replica, point-in-time/);
    answer('promote-replica');
    await waitFor(/Approve the failover\? \[approve\/abort\] $/m);
    answer('approve');
    text = await waitFor(/Is the service back\? \[yes\/no\] $/m);
    expect(text).toMatch(/Validation: passed/);
    expect(text).toMatch(/✓ clients-write/);
    answer('yes');
    text = await waitFor(/GAME DAY (PASSED|FAILED)/);
    await waitFor(/game-day evidence: /);
    expect(text).toMatch(/GAME DAY PASSED {2}scenario primary-instance-failure/);
    expect(text).toMatch(/✓ preflight +yes/);
    expect(text).toMatch(/✓ verify +yes/);
    const deadline = Date.now() + 10_000;
    let code = '';
    while (Date.now() < deadline && !(code = readFileOr(done))) await new Promise((r) => setTimeout(r, 100));
    expect(code.trim()).toBe('0');
  }, 240_000);
});

function readFileOr(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
