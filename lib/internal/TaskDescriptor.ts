/**
 * How a task is named across a thread or process boundary: a module export,
 * or (thread pool only) a self-contained function's source. Shared by every
 * executor that loads tasks on the far side (lib/internal/loadTask.ts).
 */
export type TaskDescriptor =
  | { readonly kind: 'module'; readonly specifier: string; readonly exportName: string }
  | { readonly kind: 'inline'; readonly source: string; readonly name: string };
