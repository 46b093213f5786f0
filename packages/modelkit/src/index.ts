export * from './catalog.ts';
export * from './image.ts';
export * from './png.ts';
export * from './manifest.ts';
