// Bundles the server into dist/ so production starts one file with no TypeScript at run time.
import { bundle } from './bundle.mjs';

await bundle('dist');
