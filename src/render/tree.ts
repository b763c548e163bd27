/** A node of a hierarchy to draw: its one-line label and its children. */
export interface TreeLine {
  label: string;
  children: TreeLine[];
}

/** Draws a forest with box-drawing branches (`├──`, `└──`), one node per line, iteratively (deep trees are fine). */
export function formatTree(roots: TreeLine[]): string {
  const out: string[] = [];
  const stack: Array<{ node: TreeLine; prefix: string; branch: string }> = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push({ node: roots[i]!, prefix: '', branch: '' });
  while (stack.length > 0) {
    const { node, prefix, branch } = stack.pop()!;
    out.push(prefix + branch + node.label);
    const childPrefix = prefix + (branch === '├── ' ? '│   ' : branch === '└── ' ? '    ' : '');
    for (let i = node.children.length - 1; i >= 0; i--) {
      stack.push({ node: node.children[i]!, prefix: childPrefix, branch: i === node.children.length - 1 ? '└── ' : '├── ' });
    }
  }
  return out.join('\n');
}
