import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../src/index.js';
import { proxyRouteFor } from '../src/proxy-route.js';

const HTTPS_TARGET = new URL('https://platform.example.test/api');
const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('which proxy a request goes through', () => {
  it.each([
    [
      'HTTPS_PROXY for an https target',
      { HTTPS_PROXY: 'http://proxy.corp:3128' },
      'https://platform.example.test',
      { variable: 'HTTPS_PROXY', host: 'proxy.corp', port: 3128, protocol: 'http:' },
    ],
    [
      'HTTP_PROXY for an http target',
      { HTTP_PROXY: 'http://proxy.corp:3128' },
      'http://platform.example.test',
      { variable: 'HTTP_PROXY', host: 'proxy.corp', port: 3128 },
    ],
    [
      'the lower-case name first',
      { https_proxy: 'http://lower:1', HTTPS_PROXY: 'http://upper:2' },
      'https://platform.example.test',
      { variable: 'https_proxy', host: 'lower', port: 1 },
    ],
    [
      'past an empty lower-case name',
      { https_proxy: ' ', HTTPS_PROXY: 'http://upper:2' },
      'https://platform.example.test',
      { variable: 'HTTPS_PROXY', host: 'upper' },
    ],
    [
      'a host name without a scheme, as http',
      { HTTPS_PROXY: 'proxy.corp:3128' },
      'https://platform.example.test',
      { host: 'proxy.corp', port: 3128, protocol: 'http:' },
    ],
    [
      'localhost without a scheme',
      { HTTPS_PROXY: 'localhost:3128' },
      'https://platform.example.test',
      { host: 'localhost', port: 3128 },
    ],
    [
      'an IPv6 proxy, unbracketed',
      { HTTPS_PROXY: 'http://[::1]:3128' },
      'https://platform.example.test',
      { host: '::1', port: 3128 },
    ],
    [
      'port 80 for an http proxy without a port',
      { HTTPS_PROXY: 'http://proxy.corp' },
      'https://platform.example.test',
      { port: 80 },
    ],
    [
      'port 443 for an https proxy without a port',
      { HTTPS_PROXY: 'https://proxy.corp' },
      'https://platform.example.test',
      { port: 443, protocol: 'https:' },
    ],
    [
      'an IPv6 target that NO_PROXY does not list',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'fd00::2' },
      'https://[fd00::1]',
      { host: 'p' },
    ],
    [
      'a name that only starts like a loopback address',
      { HTTPS_PROXY: 'http://p:1' },
      'https://127.platform.example.test',
      { host: 'p' },
    ],
  ])('uses %s', (_case, env, target, expected) => {
    expect(proxyRouteFor(new URL(target), env)).toMatchObject(expected);
  });

  it.each([
    ['no proxy variable is set', {}, 'https://platform.example.test'],
    [
      'only the other scheme has a proxy',
      { HTTP_PROXY: 'http://p:1' },
      'https://platform.example.test',
    ],
    ['the target is localhost', { HTTPS_PROXY: 'http://p:1' }, 'https://localhost:8443'],
    ['the target is in 127.0.0.0/8', { HTTPS_PROXY: 'http://p:1' }, 'https://127.0.0.2'],
    ['the target is ::1', { HTTPS_PROXY: 'http://p:1' }, 'https://[::1]:8443'],
    [
      'NO_PROXY is *',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names the host',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'other.test, platform.example.test' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names a parent domain',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names .domain',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example.test' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names *.domain',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*.example.test' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY differs in case',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'PLATFORM.Example.TEST' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names host and port',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'platform.example.test:443' },
      'https://platform.example.test',
    ],
    [
      'lower-case no_proxy names the host',
      { HTTPS_PROXY: 'http://p:1', no_proxy: 'platform.example.test' },
      'https://platform.example.test',
    ],
    [
      'NO_PROXY names an IPv6 target',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'fd00::1' },
      'https://[fd00::1]',
    ],
    [
      'NO_PROXY names an IPv6 target and port',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '[fd00::1]:8443' },
      'https://[fd00::1]:8443',
    ],
    [
      'NO_PROXY writes the IPv6 address another way',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'fd00:0:0::1' },
      'https://[fd00::1]',
    ],
    [
      'NO_PROXY names an IPv4 range',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '10.0.0.0/8' },
      'https://10.20.30.40',
    ],
    [
      'NO_PROXY names an IPv6 range',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'fd00::/8' },
      'https://[fd12::7]',
    ],
    [
      'NO_PROXY names the host with a final dot',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test.' },
      'https://platform.example.test',
    ],
    [
      'the target has a final dot',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.test' },
      'https://platform.example.test.',
    ],
    [
      'the target is localhost with a final dot',
      { HTTPS_PROXY: 'http://p:1' },
      'https://localhost.:8443',
    ],
    [
      'the target is loopback written as IPv4-mapped IPv6',
      { HTTPS_PROXY: 'http://p:1' },
      'https://[::ffff:127.0.0.1]:8443',
    ],
  ])('goes direct when %s', (_case, env, target) => {
    expect(proxyRouteFor(new URL(target), env)).toBeUndefined();
  });

  it.each([
    ['another port', 'platform.example.test:8443'],
    ['a look-alike domain', 'example.test.evil'],
    ['a name that merely ends the same way', 'le.test'],
  ])('still uses the proxy when NO_PROXY names %s', (_case, noProxy) => {
    const env = { HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy };
    expect(proxyRouteFor(HTTPS_TARGET, env)).toMatchObject({ host: 'p' });
  });

  it.each([
    ['the end of an address', '1.2.3', 'https://10.1.2.3'],
    ['another range', '10.0.0.0/8', 'https://11.0.0.1'],
    ['a range of the other family', 'fd00::/8', 'https://10.0.0.1'],
    ['an impossible prefix', '10.0.0.0/33', 'https://10.0.0.1'],
  ])('still uses the proxy for an address when NO_PROXY names %s', (_case, noProxy, target) => {
    const env = { HTTPS_PROXY: 'http://p:1', NO_PROXY: noProxy };
    expect(proxyRouteFor(new URL(target), env)).toMatchObject({ host: 'p' });
  });
});

describe('proxy credentials', () => {
  it.each([
    ['percent-decoded', 'http://ci%40corp:p%3Ass%20word@proxy:1', basic('ci@corp:p:ss word')],
    ['a bare % kept as written', 'http://ci:100%@proxy:1', basic('ci:100%')],
    ['a user name alone', 'http://ci@proxy:1', basic('ci:')],
  ])('are sent %s', (_case, proxyUrl, authorization) => {
    expect(proxyRouteFor(HTTPS_TARGET, { HTTPS_PROXY: proxyUrl })?.authorization).toBe(
      authorization,
    );
  });

  it('are absent when the proxy URL has none', () => {
    expect(
      proxyRouteFor(HTTPS_TARGET, { HTTPS_PROXY: 'http://proxy:1' })?.authorization,
    ).toBeUndefined();
  });
});

describe('an unusable proxy setting', () => {
  it.each([
    ['http://ci:s3cretpw@::1:3128', 'HTTPS_PROXY is not a usable proxy URL'],
    [
      'socks5://ci:s3cretpw@proxy:1080',
      'HTTPS_PROXY names a socks5 proxy; only http and https proxies are supported',
    ],
    ['http://', 'HTTPS_PROXY is not a usable proxy URL'],
    [
      'file:///s3cretpw',
      'HTTPS_PROXY names a file proxy; only http and https proxies are supported',
    ],
    [
      'http://ci:8080/s3cretpw@proxy:3128',
      'HTTPS_PROXY is not a plain proxy URL; percent-encode any / ? # or @ in the user name or password',
    ],
    [
      'http://ci@proxy:3128/?s3cretpw',
      'HTTPS_PROXY is not a plain proxy URL; percent-encode any / ? # or @ in the user name or password',
    ],
    ['http://proxy:0', 'HTTPS_PROXY names port 0'],
  ])('%j fails before any request, naming the variable and not the password', (value, message) => {
    let failure: unknown;
    try {
      proxyRouteFor(HTTPS_TARGET, { HTTPS_PROXY: value });
    } catch (error) {
      failure = error;
    }

    expect(failure).toBeInstanceOf(InvalidInputError);
    expect(failure).toMatchObject({ field: 'proxy', message });
    expect((failure as InvalidInputError).hint).toBe(
      'Set HTTPS_PROXY to http://host:port (or http://user:password@host:port), or unset it.',
    );
    expect(JSON.stringify(failure)).not.toContain('s3cretpw');
    expect((failure as Error).cause).toBeUndefined();
  });

  it('is not read at all when NO_PROXY exempts the platform', () => {
    const env = { HTTPS_PROXY: 'socks5://proxy:1080', NO_PROXY: 'platform.example.test' };
    expect(proxyRouteFor(HTTPS_TARGET, env)).toBeUndefined();
  });
});
