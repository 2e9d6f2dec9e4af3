/** Reading the master password: SAFEHOLD_PASSWORD, --password-stdin, or a hidden prompt on a TTY. */
import { openSync, readSync, closeSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { SafeholdError } from '@safehold/protocol';

export interface PasswordSources {
  env: NodeJS.ProcessEnv;
  /** --password-stdin was given. */
  fromStdin: boolean;
  /** Reads all of standard input (injected in tests; default: fd 0). */
  readStdin?: () => string[];
}

let stdinLines: string[] | null = null;

function readStdinLines(): string[] {
  if (stdinLines) return stdinLines;
  const chunks: Buffer[] = [];
  const buf = Buffer.alloc(4096);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      if ((e as NodeJS.ErrnoException).code === 'EOF') break;
      throw e;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  buf.fill(0);
  const all = Buffer.concat(chunks);
  stdinLines = all.toString('utf8').split(/\r?\n/);
  all.fill(0);
  return stdinLines;
}

let processStdinNext = 0;

/** The next unread line of standard input (after any master password read from it); undefined at its end. */
export function nextStdinLine(): string | undefined {
  const lines = readStdinLines();
  if (processStdinNext >= lines.length) return undefined;
  const line = lines[processStdinNext++];
  // The split leaves an empty last element after a final newline: that is the end, not a value.
  if (processStdinNext === lines.length && line === '') return undefined;
  return line;
}

/** Hidden prompt on the controlling terminal (nothing echoed). */
export async function promptHidden(question: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r+');
  } catch {
    if (!process.stdin.isTTY) {
      throw new SafeholdError('bad_request', 'no master password: set SAFEHOLD_PASSWORD, use --password-stdin, or run in a terminal');
    }
    fd = 0;
  }
  const input = fd === 0 ? process.stdin : new ReadStream(fd);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    input.setRawMode(true);
    input.resume();
    input.setEncoding('utf8');
    const done = (err: Error | null): void => {
      input.setRawMode(false);
      input.pause();
      input.removeListener('data', onData);
      process.stderr.write('\n');
      if (fd !== 0) {
        input.destroy();
        try {
          closeSync(fd);
        } catch {
          // already closed by the stream
        }
      }
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (s: string): void => {
      for (const ch of s) {
        if (ch === '\r' || ch === '\n') return done(null);
        if (ch === '\u0003') return done(new SafeholdError('bad_request', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}

/**
 * Returns a password reader for the session code. `current`: the master password; `new`: a new one
 * (register, passwd), from SAFEHOLD_NEW_PASSWORD, the next stdin line, or a confirmed prompt.
 */
export function passwordReader(src: PasswordSources): (purpose: 'current' | 'new', opts?: { newIsFirst?: boolean }) => Promise<string> {
  let stdinIndex = 0;
  return async (purpose, opts) => {
    if (src.fromStdin) {
      const lines = (src.readStdin ?? readStdinLines)();
      // Standard input is one stream for the run: the master password and --secret-field-stdin values share it.
      const line = src.readStdin ? lines[stdinIndex++] : lines[processStdinNext++];
      if (line === undefined || line === '') throw new SafeholdError('bad_request', `--password-stdin: no ${purpose === 'new' ? 'new ' : ''}password on standard input`);
      return line;
    }
    if (purpose === 'current' || opts?.newIsFirst) {
      const v = purpose === 'new' ? (src.env.SAFEHOLD_PASSWORD ?? src.env.SAFEHOLD_NEW_PASSWORD) : src.env.SAFEHOLD_PASSWORD;
      if (v !== undefined && v !== '') return v;
    } else if (src.env.SAFEHOLD_NEW_PASSWORD) return src.env.SAFEHOLD_NEW_PASSWORD;
    if (purpose === 'current') return promptHidden('Master password: ');
    const a = await promptHidden('New master password: ');
    const b = await promptHidden('Repeat the new master password: ');
    if (a !== b) throw new SafeholdError('bad_request', 'the two passwords differ');
    if (a.length === 0) throw new SafeholdError('bad_request', 'the master password must not be empty');
    return a;
  };
}

/**
 * Reading a file password (import/export, issue 15): from `envName`, from standard input with
 * `fromStdin` (the line after the master password when --password-stdin is given too), or a hidden
 * prompt (asked twice with `confirm`). Never empty.
 */
export function filePasswordReader(src: {
  env: NodeJS.ProcessEnv;
  envName: 'SAFEHOLD_EXPORT_PASSWORD' | 'SAFEHOLD_IMPORT_PASSWORD';
  fromStdin: boolean;
  masterFromStdin: boolean;
  confirm: boolean;
  flag: string;
  readStdin?: () => string[];
}): () => Promise<string> {
  let cached: string | null = null;
  return async () => {
    if (cached !== null) return cached;
    let value: string;
    if (src.fromStdin) {
      const line = (src.readStdin ?? readStdinLines)()[src.masterFromStdin ? 1 : 0];
      if (line === undefined || line === '') throw new SafeholdError('bad_request', `${src.flag}: no file password on standard input`);
      value = line;
    } else if (src.env[src.envName]) {
      value = src.env[src.envName] ?? '';
    } else {
      value = await promptHidden('File password: ');
      if (src.confirm && (await promptHidden('Repeat the file password: ')) !== value) throw new SafeholdError('bad_request', 'the two file passwords differ');
    }
    if (value === '') throw new SafeholdError('bad_request', 'the file password must not be empty');
    cached = value;
    return value;
  };
}
