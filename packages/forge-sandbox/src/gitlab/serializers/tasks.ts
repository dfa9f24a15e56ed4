/** Markdown task list items (`- [ ] text`, `* [x] text`, `1. [ ] text`). */
const TASK = /^\s*(?:[-*+]|\d+[.)])\s+\[([ xX~])\]\s+(.*)$/;

export interface TaskItem {
  checked: boolean;
  text: string;
}

export function taskItems(markdown: string): TaskItem[] {
  const items: TaskItem[] = [];
  for (const line of markdown.split('\n')) {
    const m = TASK.exec(line);
    if (m) items.push({ checked: m[1] !== ' ', text: m[2]!.trim() });
  }
  return items;
}

export function taskCompletion(markdown: string): { count: number; completed_count: number } {
  const items = taskItems(markdown);
  return { count: items.length, completed_count: items.filter((i) => i.checked).length };
}
