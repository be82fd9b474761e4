// Starts the records writer thread from TypeScript source: a worker thread does not inherit the
// main thread's tsx loader, so it loads its entry through tsx's API (ConsultationRecorder uses this
// file when the server runs from source).
import { tsImport } from 'tsx/esm/api';

await tsImport('./recordsWriterThread.ts', import.meta.url);
