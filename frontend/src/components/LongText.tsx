import { useState } from "react";

const STEP = 20_000;

/**
 * Preformatted text that shows its first 20,000 characters and more on request, so a 10 MiB
 * tool output never lands in the DOM in one piece.
 */
export function LongText({ text, className }: { text: string; className?: string }) {
  const [shown, setShown] = useState(STEP);
  const cut = text.length > shown;
  return (
    <>
      <pre className={className}>{cut ? text.slice(0, shown) : text}</pre>
      {cut && (
        <button type="button" className="link-button" onClick={() => setShown((value) => value + STEP * 5)}>
          Show more ({Math.round((text.length - shown) / 1024)} KiB hidden)
        </button>
      )}
    </>
  );
}
