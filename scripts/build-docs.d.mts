// The types of build-docs.mjs, for the docs test that imports it.
export interface BuildDocsOptions {
  /** Where to write the page (default docs/index.html). */
  output?: string;
  /** false: Redocly's default page, loading Redoc from its CDN (the offline check's own test). */
  inlineBundle?: boolean;
  /** Keep the page when it is verifiably fresh instead of building it again. */
  reuse?: boolean;
}

/** Builds the docs page; resolves with its absolute path, and whether it was built (not reused). */
export function buildDocs(options?: BuildDocsOptions): Promise<{ file: string; built: boolean }>;
