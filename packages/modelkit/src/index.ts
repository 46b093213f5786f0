export * from './catalog.ts';
export * from './image.ts';
export * from './inference.ts';
export * from './manifest.ts';
export * from './png.ts';
export * from './quality.ts';
