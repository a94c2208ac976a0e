import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useMemo, useRef, useState } from "react";
import type { ExecutionEvent } from "../api/types";
import { buildConversation } from "../lib/conversation";
import { ConversationEntry } from "./ConversationItem";

/**
 * The event stream as a conversation, virtualised: only the entries near the viewport are in
 * the DOM, so a run with thousands of events stays responsive. Follows the tail while the user
 * is at the bottom, and stops following when they scroll up.
 */
export function Conversation({ events, live }: { events: ExecutionEvent[]; live: boolean }) {
  const items = useMemo(() => buildConversation(events), [events]);
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  // The virtualiser hands back fresh functions each render; the compiler lint knows not to memoise them.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 72,
    overscan: 8,
    getItemKey: (index) => items[index].key,
  });

  useEffect(() => {
    if (follow && items.length) virtualizer.scrollToIndex(items.length - 1, { align: "end" });
  }, [items.length, follow, virtualizer]);

  const onScroll = () => {
    const element = scroller.current;
    if (!element) return;
    setFollow(element.scrollHeight - element.scrollTop - element.clientHeight < 48);
  };

  if (!items.length)
    return <div className="conversation empty-conversation muted">{live ? "Waiting for the first event…" : "No events were recorded."}</div>;

  return (
    <div className="conversation" ref={scroller} onScroll={onScroll} tabIndex={0} aria-label="Events" role="log">
      <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div
            key={row.key}
            data-index={row.index}
            ref={virtualizer.measureElement}
            className="conversation-row"
            style={{ position: "absolute", top: 0, left: 0, width: "100%", transform: `translateY(${row.start}px)` }}
          >
            <ConversationEntry item={items[row.index]} />
          </div>
        ))}
      </div>
    </div>
  );
}
