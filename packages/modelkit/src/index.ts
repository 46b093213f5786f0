export * from './catalog.ts';
export * from './image.ts';
export * from './manifest.ts';
export * from './png.ts';
