import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";

/** Markdown from agents and prompts: raw HTML is not rendered (react-markdown skips it by default). */
export function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={[remarkGfm]}>{text}</ReactMarkdown>
    </div>
  );
}
