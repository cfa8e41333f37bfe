/**
 * Captures `process.emitWarning` (the pool reports idle-worker failures that
 * way) until `restore()`; `first` resolves with the first warning.
 */
export function captureWarnings(): { warnings: string[]; first: Promise<void>; restore(): void } {
  const warnings: string[] = [];
  let warned!: () => void;
  const first = new Promise<void>((resolve) => (warned = resolve));
  const spy = jest.spyOn(process, 'emitWarning').mockImplementation((w: string | Error) => {
    warnings.push(String(w));
    warned();
  });
  return { warnings, first, restore: () => spy.mockRestore() };
}
