/**
 * Hands a secret to the clipboard (SAFEHOLD_CLIPBOARD_CMD via the shell, or the platform tool) on its
 * stdin, never as an argument, and starts a detached helper that clears it later.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SafeholdError } from '@safehold/protocol';

/** How to run the clipboard writer: a shell command line, or a program with arguments. */
export type ClipboardTool = { shell: string } | { argv: string[] };

function onPath(bin: string, env: NodeJS.ProcessEnv): boolean {
  return (env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, bin)));
}

/** The clipboard writer for this environment; throws when none is found. */
export function clipboardTool(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): ClipboardTool {
  if (env.SAFEHOLD_CLIPBOARD_CMD) return { shell: env.SAFEHOLD_CLIPBOARD_CMD };
  if (platform === 'darwin') return { argv: ['pbcopy'] };
  if (platform === 'win32') return { argv: ['clip'] };
  if (env.WAYLAND_DISPLAY && onPath('wl-copy', env)) return { argv: ['wl-copy'] };
  if (onPath('xclip', env)) return { argv: ['xclip', '-selection', 'clipboard'] };
  if (onPath('xsel', env)) return { argv: ['xsel', '--clipboard', '--input'] };
  if (onPath('wl-copy', env)) return { argv: ['wl-copy'] };
  throw new SafeholdError('internal', 'no clipboard tool found (wl-copy, xclip, xsel): install one or set SAFEHOLD_CLIPBOARD_CMD');
}

/**
 * What the clipboard tool and the clear-helper may see of the environment: what a clipboard needs to find its
 * display and run, nothing else. Never SAFEHOLD_PASSWORD, SAFEHOLD_SESSION or anything a user's shell exported:
 * the helper lives for the whole clear delay, and /proc/<pid>/environ is readable by the same user.
 */
const CLIPBOARD_ENV = [
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TMPDIR', 'TZ',
  'DISPLAY', 'XAUTHORITY', 'WAYLAND_DISPLAY', 'XDG_RUNTIME_DIR', 'XDG_SESSION_TYPE', 'DBUS_SESSION_BUS_ADDRESS',
  'SYSTEMROOT', 'WINDIR', 'COMSPEC', 'PATHEXT', 'TEMP', 'TMP', 'USERPROFILE',
];

/** The minimal environment of the clipboard tool and the clear-helper (see CLIPBOARD_ENV). */
export function clipboardEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const k of CLIPBOARD_ENV) if (env[k] !== undefined) out[k] = env[k];
  return out;
}

/** Writes `value` to the clipboard tool's stdin (with the minimal environment) and waits briefly for it to take it. */
export function writeClipboard(tool: ClipboardTool, value: string, fullEnv: NodeJS.ProcessEnv): Promise<void> {
  const env = clipboardEnv(fullEnv);
  const [cmd, args] = 'shell' in tool ? (process.platform === 'win32' ? ['cmd.exe', ['/d', '/s', '/c', tool.shell]] : ['/bin/sh', ['-c', tool.shell]]) : [tool.argv[0] ?? '', tool.argv.slice(1)];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd as string, args as string[], { stdio: ['pipe', 'ignore', 'ignore'], env });
    let done = false;
    // Tools like xclip keep running to serve the selection: once they took the input, do not wait for them.
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      child.unref();
      resolve();
    }, 2000);
    child.on('error', () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      reject(new SafeholdError('internal', 'the clipboard command could not be started'));
    });
    child.on('exit', (code) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new SafeholdError('internal', `the clipboard command failed (exit ${code ?? 'signal'})`));
    });
    child.stdin.on('error', () => {
      /* reported by exit */
    });
    child.stdin.end(value, 'utf8');
  });
}

/**
 * Copies and schedules the clearing after `clearAfterSeconds` (0 = never) in a detached helper; returns the
 * helper's pid (null when none was started).
 */
export async function copyToClipboard(value: string, clearAfterSeconds: number, env: NodeJS.ProcessEnv): Promise<{ helperPid: number | null }> {
  const tool = clipboardTool(env);
  await writeClipboard(tool, value, env);
  if (clearAfterSeconds <= 0) return { helperPid: null };
  const helper = fileURLToPath(new URL('./clipclear.js', import.meta.url));
  const child = spawn(process.execPath, [helper], {
    detached: true,
    stdio: 'ignore',
    // NODE_OPTIONS and the like are left out too: the helper needs nothing of the caller's.
    env: { ...clipboardEnv(env), SAFEHOLD_CLIPCLEAR: JSON.stringify({ tool, seconds: clearAfterSeconds }) },
  });
  child.unref();
  return { helperPid: child.pid ?? null };
}
