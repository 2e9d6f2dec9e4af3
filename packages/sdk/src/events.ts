/**
 * Typed events of the SDK: progress, notices and warnings (consumed by the CLI and the web UI), and the
 * core's lifecycle events `saved` and `loggedIn` (subscribed to by add-ons such as the Offline Add-on).
 */
import { EventEmitter } from 'node:events';

export interface ProgressEvent {
  task: string;
  done: number;
  total: number | null;
}
export interface MessageEvent {
  message: string;
}
/**
 * A lifecycle event of the SDK core: a change was saved on the server (`saved`), an account logged in
 * (`loggedIn`). The operation that emits it returns only after the work handed to `waitFor` is done.
 */
export interface LifecycleEvent {
  /** The ClientContext the event is about (typed loosely here: events.ts stays below context.ts). */
  context: object;
  /** Makes the emitting operation wait for `work` (which should not reject: report through `warning`). */
  waitFor(work: Promise<unknown>): void;
}
export interface SafeholdEventMap {
  progress: [ProgressEvent];
  notice: [MessageEvent];
  warning: [MessageEvent];
  saved: [LifecycleEvent];
  loggedIn: [LifecycleEvent];
}

/** An EventEmitter whose event names and payloads are typed. */
export class SafeholdEvents extends EventEmitter<SafeholdEventMap> {
  /** Emits a one-line notice. */
  notice(message: string): void {
    this.emit('notice', { message });
  }
  /** Emits a warning (an operation went on, but something failed). */
  warning(message: string): void {
    this.emit('warning', { message });
  }
  /** Emits a progress step. */
  progress(task: string, done: number, total: number | null): void {
    this.emit('progress', { task, done, total });
  }
  /** Emits a lifecycle event about `context` and waits for the work its listeners handed back. */
  async lifecycle(name: 'saved' | 'loggedIn', context: object): Promise<void> {
    const work: Array<Promise<unknown>> = [];
    this.emit(name, { context, waitFor: (w) => void work.push(w) });
    await Promise.all(work);
  }
}
