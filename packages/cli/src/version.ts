import { version } from '../package.json';

/** The tool's version, from its package.json: printed by --version and in report footers. */
export const VERSION: string = version;
