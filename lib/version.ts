import packageJson from '../package.json';

/** This package's version, recorded in evidence as `toolVersion`. */
export const TOOL_VERSION: string = packageJson.version;
