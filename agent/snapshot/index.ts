export * from './schema.ts';
export * from './errors.ts';
export * from './digest.ts';
export * from './compile.ts';
