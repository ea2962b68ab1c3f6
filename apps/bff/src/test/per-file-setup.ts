import { afterAll } from 'vitest';
import { cleanUpThisFile } from './file-cleanup.ts';

// Runs before each test file, in the worker: what the file opened through the helpers is
// closed when it ends (test/file-cleanup.ts).
afterAll(cleanUpThisFile);
