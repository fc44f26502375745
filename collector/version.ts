import pkg from '../package.json' with { type: 'json' };

/** The release of this collector (package.json): `tokenwatch --version`, the API's info. */
export const COLLECTOR_VERSION: string = pkg.version;
