export * from './domain.ts';
export * from './errors.ts';
export * from './media.ts';
export * from './events.ts';
export * from './http.ts';
export * from './routing.ts';
export * from './notes.ts';
export * from './admin.ts';
