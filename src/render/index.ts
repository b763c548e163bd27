// Public entry of terminal output: tables and the other row formats, trees, the sync progress bar.
export { formatTable } from './table.js';
export { createProgressBar } from './progress.js';
export {
  formatRows, formatHumanTable, jsonValue, projectRow, textValue, streamRows, OUTPUT_FORMATS,
  type OutputFormat, type Rows, type TableStyle,
} from './formats.js';
export { formatTree, type TreeLine } from './tree.js';
