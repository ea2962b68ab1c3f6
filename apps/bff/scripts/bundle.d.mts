/** See bundle.mjs. `outdir` is relative to this package's directory. */
export function bundle(outdir: string): Promise<void>;
