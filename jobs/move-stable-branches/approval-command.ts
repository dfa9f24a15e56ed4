/**
 * `/approve` as an approver writes it: a line of its own (at most three spaces in), not inside a
 * quote (`> /approve`), a code block (fenced with ``` or ~~~, or indented four spaces) or an HTML
 * comment. Text that quotes, shows or hides a command is not one: someone quoting an earlier
 * `/approve`, or a how-to in a code block, approves nothing.
 */

const COMMAND = /^ {0,3}\/approve(?:[ \t]+`?([0-9a-f]{6,64})`?)?[ \t]*$/;
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

export interface ApprovalCommand {
  /** The plan hash named after `/approve`, lowercased, if any. */
  hash: string | undefined;
}

export function approvalCommands(body: string): ApprovalCommand[] {
  // Rendered away, so never the approver's visible words.
  const visible = body.replace(/\r\n?/g, '\n').replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const commands: ApprovalCommand[] = [];
  let fence: string | null = null;
  for (const line of visible.split('\n')) {
    const open = FENCE.exec(line);
    if (fence) {
      // A fence closes with the same character, at least as long, and nothing after it.
      if (open && open[1]![0] === fence[0] && open[1]!.length >= fence.length && line.trim() === open[1])
        fence = null;
      continue;
    }
    if (open) {
      fence = open[1]!;
      continue;
    }
    const command = COMMAND.exec(line);
    if (command) commands.push({ hash: command[1]?.toLowerCase() });
  }
  return commands;
}
