/** Runs the mailctl CLI from source (tests that must kill -9 a real migration process). */
import { main } from '../../src/cli.js';

process.exitCode = await main(process.argv.slice(2));
