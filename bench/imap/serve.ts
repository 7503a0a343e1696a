/** Runs `mailctl serve` from the TypeScript sources (no build step) for the benchmark. */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv.slice(2));
