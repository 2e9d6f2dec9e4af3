/** A virtualised list: only the rows in view (plus a margin) are in the DOM, so 100k records stay fast. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';

export function VirtualList<T>({ items, rowHeight, label, render, keyOf }: { items: readonly T[]; rowHeight: number; label: string; render: (item: T, index: number) => ComponentChildren; keyOf: (item: T) => string }) {
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
    if (box.current && box.current.scrollTop > items.length * rowHeight) box.current.scrollTop = 0;
  }, [items.length, rowHeight]);
  const first = Math.max(0, Math.floor(top / rowHeight) - 5);
  const last = Math.min(items.length, Math.ceil((top + height) / rowHeight) + 5);
  const slice = items.slice(first, last);
  return (
    <div class="vlist" ref={box} onScroll={(e) => setTop((e.target as HTMLDivElement).scrollTop)}>
      <ul aria-label={label} aria-setsize={items.length} style={{ height: `${items.length * rowHeight}px` }}>
        {slice.map((it, i) => (
          <li key={keyOf(it)} aria-posinset={first + i + 1} aria-setsize={items.length} style={{ top: `${(first + i) * rowHeight}px`, height: `${rowHeight}px` }}>
            {render(it, first + i)}
          </li>
        ))}
      </ul>
    </div>
  );
}
