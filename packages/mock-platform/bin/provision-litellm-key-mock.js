#!/usr/bin/env node
// The command's entry point. It exists before the package is built, so installing a fresh
// checkout can link the command; the program itself is compiled into dist/.
import { runFromCommandLine } from '../dist/cli.js';

runFromCommandLine();
