import type { RecordingMode, TaskLevel } from '../../core/vocabulary.js';

/**
 * The Markdown file the reference writes next to each JSONL: a header with the task, then one
 * block per action. It is for people to read; the JSONL is the data. We reproduce the
 * reference's layout exactly, so untouched recordings export byte for byte, and add the
 * completed description and thought when they exist.
 */
const TITLES: Record<string, RecordingMode> = {
  'Given Task': 'given',
  'Free Task': 'free',
  'Non-Task': 'non-task',
  'Agent Run': 'run',
  'Agent Replay': 'replay',
};

export interface MarkdownHeader {
  mode: RecordingMode | null;
  description: string | null;
  level: TaskLevel | null;
}

export interface MarkdownStep {
  timestamp: string;
  image: string | null;
  /** The "Output" text: the action, with the element name for clicks as the reference writes it. */
  output: string;
  actionDescription?: string | null;
  thought?: string | null;
}

export function titleOf(mode: RecordingMode): string {
  return Object.entries(TITLES).find(([, m]) => m === mode)![0];
}

export function parseMarkdownHeader(text: string): MarkdownHeader {
  const title = /^# (.+)$/m.exec(text)?.[1]?.trim();
  // A given task's description can span lines; it runs until the level or the first action.
  const desc = /\*\*Description:\*\* ?([\s\S]*?)(?:\n\n\*\*Level:\*\*|\n\n### |\n*$)/.exec(text)?.[1];
  const level = /\*\*Level:\*\* ?(easy|medium|hard)\b/.exec(text)?.[1] as TaskLevel | undefined;
  return { mode: title ? (TITLES[title] ?? null) : null, description: desc ?? null, level: level ?? null };
}

export function renderMarkdown(
  mode: RecordingMode,
  description: string | null,
  level: TaskLevel | null,
  steps: readonly MarkdownStep[],
): string {
  let out = `# ${titleOf(mode)}\n`;
  if (description !== null) out += `**Description:** ${description}\n\n`;
  if (level !== null) out += `**Level:** ${level}\n\n`;
  for (const s of steps) {
    out += `### ${s.timestamp}\n**Input:** \n\nGiven the screenshot as below. What's the next step that you will do to help with the task?\n\n`;
    if (s.image) out += `<img src="${s.image}" width="100%" height="100%">\n\n`;
    if (s.actionDescription) out += `**Action description:** ${s.actionDescription}\n\n`;
    if (s.thought) out += `**Thought:** ${s.thought}\n\n`;
    out += `**Output:** \n\n${s.output}\n\n\n`;
  }
  return out;
}
