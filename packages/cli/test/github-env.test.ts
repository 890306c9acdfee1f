import { describe, expect, it } from 'vitest';

import { type AppendHandle, GithubEnvError, GithubEnvFile } from '../src/github-env.js';

/** A regular file in memory that accepts at most `room` more bytes per write. */
class FakeFile implements AppendHandle {
  content: Buffer;
  readonly writes: string[] = [];
  closed = false;

  constructor(
    content: string,
    private readonly room = Number.POSITIVE_INFINITY,
  ) {
    this.content = Buffer.from(content);
  }

  async stat() {
    return { size: this.content.length, isFile: () => true };
  }

  async write(buffer: Uint8Array, offset: number, length: number) {
    const accepted = Buffer.from(buffer.subarray(offset, offset + Math.min(length, this.room)));
    this.writes.push(accepted.toString('utf8'));
    this.content = Buffer.concat([this.content, accepted]);
    return { bytesWritten: accepted.length };
  }

  async truncate(length: number) {
    this.content = this.content.subarray(0, length);
  }

  async close() {
    this.closed = true;
  }
}

const BLOCK = 'LITELLM_API_KEY<<EOF\nsk-test\nEOF\nLITELLM_BASE_URL<<EOF\nhttps://gw\nEOF\n';

describe('appending to GITHUB_ENV', () => {
  it('writes the whole block with a single write, then closes the file', async () => {
    const file = new FakeFile('EARLIER=kept\n');

    await new GithubEnvFile('/runner/env', file).append(BLOCK);

    expect(file.writes).toEqual([BLOCK]);
    expect(file.content.toString('utf8')).toBe(`EARLIER=kept\n${BLOCK}`);
    expect(file.closed).toBe(true);
  });

  it('removes what a write that stopped short left, and names GITHUB_ENV', async () => {
    const file = new FakeFile('EARLIER=kept\n', 20);

    const failure = new GithubEnvFile('/runner/env', file).append(BLOCK);

    await expect(failure).rejects.toBeInstanceOf(GithubEnvError);
    await expect(failure).rejects.toMatchObject({
      stage: 'append',
      message: `Cannot append the key to GITHUB_ENV (/runner/env): wrote 20 of ${BLOCK.length} bytes, then removed them`,
    });
    expect(file.content.toString('utf8')).toBe('EARLIER=kept\n');
  });

  it('says so when what a short write left cannot be removed', async () => {
    const file = new FakeFile('', 5);
    file.truncate = async () => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    };

    const failure = new GithubEnvFile('/runner/env', file).append(BLOCK);

    await expect(failure).rejects.toThrow(/wrote 5 of \d+ bytes and could not remove them$/);
  });
});
