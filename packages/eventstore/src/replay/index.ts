export * from './replay';
export * from './key';
export * from './save';
export { checkpointSections, unsealed, SEAL_SECTION } from './seal';
export * from './prove';
