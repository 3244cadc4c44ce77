/** The output contract every command prints through (docs/output.md): one module, so new
 * commands print the same way. */
export * from './document';
export * from './format';
export * from './values';
