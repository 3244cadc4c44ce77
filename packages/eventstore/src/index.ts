export * from './port';
export * from './errors';
export * from './chain';
export * from './plan';
export * from './subscription';
export * from './memory';
export * from './feed';
export * from './blocks';
