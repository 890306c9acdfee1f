/**
 * A mock platform in a process of its own, started by `platform-process.mjs`, so that the
 * server's work does not share a thread with the client being measured.
 */
import { importMockPlatform } from './report.mjs';

const { startMockPlatform } = await importMockPlatform();
const platform = await startMockPlatform(JSON.parse(process.argv[2] ?? '{}'));

process.on('message', async (message) => {
  if (message === 'counts') {
    process.send({ connections: platform.connections(), requests: platform.requests.length });
  } else if (message === 'close') {
    await platform.close();
    process.disconnect();
  }
});
process.send({ url: platform.url });
