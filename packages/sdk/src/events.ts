/** Typed events of the SDK (progress, notices, warnings), consumed by the CLI and the web UI. */
import { EventEmitter } from 'node:events';

export interface ProgressEvent {
  task: string;
  done: number;
  total: number | null;
}
export interface MessageEvent {
  message: string;
}
export interface SafeholdEventMap {
  progress: [ProgressEvent];
  notice: [MessageEvent];
  warning: [MessageEvent];
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
}
