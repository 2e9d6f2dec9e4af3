/**
 * A virtualised list: only the rows in view (plus a margin) are in the DOM, so 100k records stay fast.
 * `count` may exceed the rows loaded so far (a windowed answer): missing rows show as placeholders and
 * `onNeed(last)` asks for the rows up to `last` (exclusive).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

interface Props<T> {
  items: readonly T[];
  count?: number;
  rowHeight: number;
  label: string;
  render: (item: T, index: number) => ComponentChildren;
  keyOf: (item: T) => string;
  onNeed?: (last: number) => void;
}

export function VirtualList<T>({ items, count, rowHeight, label, render, keyOf, onNeed }: Props<T>) {
  const total = count ?? items.length;
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const [height, setHeight] = useState(600);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const measure = (): void => setHeight(el.clientHeight || 600);
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  useEffect(() => {
    if (box.current && box.current.scrollTop > total * rowHeight) box.current.scrollTop = 0;
  }, [total, rowHeight]);
  const first = Math.max(0, Math.floor(top / rowHeight) - 5);
  const last = Math.min(total, Math.ceil((top + height) / rowHeight) + 5);
  useEffect(() => {
    if (onNeed && last > items.length) onNeed(last);
  }, [last, items.length, onNeed]);
  const rows: ComponentChildren[] = [];
  for (let i = first; i < last; i++) {
    const it = items[i];
    rows.push(
      <li key={it === undefined ? `missing-${i}` : keyOf(it)} aria-posinset={i + 1} aria-setsize={total} style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {it === undefined ? <span class="row placeholder">Loading…</span> : render(it, i)}
      </li>,
    );
  }
  return (
    <div class="vlist" ref={box} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <ul aria-label={label} aria-setsize={total} style={{ height: `${total * rowHeight}px` }}>
        {rows}
      </ul>
    </div>
  );
}
