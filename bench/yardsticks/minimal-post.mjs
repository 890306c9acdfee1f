// Yardstick (a): the least a program can do to fetch a key; no toolkit, no bundle.
import { postForKey } from './provisioning-post.mjs';

process.stdout.write(`${await postForKey()}\n`);
