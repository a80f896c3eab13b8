/**
 * Child processes for the test ground (etcd, kube-apiserver, postgres, fake upstream, operator...).
 *
 * Every child is started through `setpriv --pdeathsig KILL`, so the kernel kills it if the test
 * runner dies without cleaning up; on a normal exit we stop children ourselves with SIGTERM, then
 * SIGKILL after a grace period. Output is kept in a bounded ring so a failing start can show why.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const LOG_LIMIT = 64 * 1024;
const live = new Set<ChildProcess>();

process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Run as this uid/gid (only when we are root), e.g. for PostgreSQL which refuses root. */
  user?: { uid: number; gid: number };
  /** Written to the child's stdin, which is then closed. */
  input?: string;
}

export class ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  #output = '';

  constructor(name: string, command: string, args: readonly string[], options: StartOptions = {}) {
    this.name = name;
    const wrapper = ['--pdeathsig', 'KILL'];
    if (options.user) {
      wrapper.push(`--reuid=${options.user.uid}`, `--regid=${options.user.gid}`, '--clear-groups');
    }
    this.child = spawn('setpriv', [...wrapper, '--', command, ...args], {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    if (options.input !== undefined) this.child.stdin?.end(options.input);
    live.add(this.child);
    const collect = (chunk: Buffer): void => {
      this.#output = (this.#output + chunk.toString('utf8')).slice(-LOG_LIMIT);
    };
    this.child.stdout?.on('data', collect);
    this.child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        live.delete(this.child);
        resolve(code ?? (signal ? null : 0));
      });
      this.child.once('error', (err) => {
        collect(Buffer.from(`\nspawn error: ${err.message}\n`));
        live.delete(this.child);
        resolve(null);
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last 64 KiB of combined stdout and stderr. */
  output(): string {
    return this.#output;
  }

  /** `signal` (SIGTERM), then SIGKILL once `graceMs` has passed. Resolves when the process is gone. */
  async stop(graceMs = 5000, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.running) {
      await this.exited;
      return;
    }
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends a signal without waiting (e.g. SIGKILL to simulate a crash). */
  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }
}

/** How long a step may take before `reportSlow` names it. */
const SLOW_STEP_MS = 60_000;

/** Runs `work`; if it is still running after a minute, says so on stderr (teardowns that hang say where). */
export async function reportSlow(what: string, work: () => Promise<unknown>): Promise<void> {
  const slow = setTimeout(() => console.warn(`${what}: still running after ${SLOW_STEP_MS / 1000} s`), SLOW_STEP_MS);
  try {
    await work();
  } finally {
    clearTimeout(slow);
  }
}

/** How long `run` waits, after the command exited, for the rest of its output. */
const OUTPUT_GRACE_MS = 5000;

/** Runs a command to completion and returns its stdout; rejects with its output on failure. */
export async function run(command: string, args: readonly string[], options: StartOptions = {}): Promise<string> {
  const proc = new ManagedProcess(command, command, args, options);
  let stdout = '';
  proc.child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  const outputRead = new Promise<void>((resolve) => (proc.child.stdout ? proc.child.stdout.once('close', () => resolve()) : resolve()));
  const code = await proc.exited;
  // 'exit' can come before the child's output has all been read (a loaded machine returned a `kubectl get -o
  // json` as ""): wait for stdout to close, but not for long, in case a daemon the command started inherited it.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([outputRead, new Promise<void>((resolve) => (timer = setTimeout(resolve, OUTPUT_GRACE_MS)))]);
  clearTimeout(timer);
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited with ${code}:\n${proc.output()}`);
  }
  return stdout;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Fail at once, with its output, if this process exits. */
  proc?: ManagedProcess;
  /** Called before every probe; a throw ends the wait at once (probe errors are retried instead). */
  abortIf?: () => void;
}

/** Polls `probe` until it returns a value other than undefined, or fails with the last error. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 60_000, intervalMs = 200, proc, abortIf }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    if (proc && !proc.running) {
      throw new Error(`${proc.name} exited while waiting for ${what}:\n${proc.output()}`);
    }
    abortIf?.();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      const logs = proc ? `\n--- ${proc.name} output ---\n${proc.output()}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}${logs}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Whether a process with this pid exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
