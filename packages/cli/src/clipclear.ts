/**
 * The detached helper started by `safehold copy`: waits, then overwrites the clipboard with an empty
 * value. It never receives the secret.
 */
import { writeClipboard, type ClipboardTool } from './clipboard.js';

const spec = JSON.parse(process.env.SAFEHOLD_CLIPCLEAR ?? 'null') as { tool: ClipboardTool; seconds: number } | null;
if (spec && Number.isFinite(spec.seconds) && spec.seconds > 0) {
  const env = { ...process.env };
  delete env.SAFEHOLD_CLIPCLEAR;
  setTimeout(() => {
    writeClipboard(spec.tool, '', env).catch(() => {
      // Nothing to report to: the command that started us has returned long ago.
    });
  }, spec.seconds * 1000);
}
