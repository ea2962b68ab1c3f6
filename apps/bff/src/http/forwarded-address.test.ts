import { describe, expect, it } from 'vitest';
import { forwardedAddress } from './forwarded-address.ts';

describe('an address written by a proxy', () => {
  it('has one form per address, whatever the spelling or port', () => {
    const same = (entries: string[], address: string) =>
      expect(entries.map(forwardedAddress)).toEqual(entries.map(() => address));
    same(['203.0.113.8', ' 203.0.113.8 ', '203.0.113.8:51234', '[203.0.113.8]:80'], '203.0.113.8');
    same(
      ['2001:db8::1', '2001:DB8:0:0::1', '[2001:db8::1]', '[2001:db8::1]:443', '2001:0db8::0001'],
      '2001:db8::1',
    );
    same(['::ffff:203.0.113.7', '::ffff:cb00:7107', '[::ffff:cb00:7107]:8080'], '203.0.113.7');
  });

  it('is nothing when it is no address', () => {
    for (const entry of ['unknown', '', 'example.test', 'fe80::1%eth0', '203.0.113', '1.2.3.4:x']) {
      expect(forwardedAddress(entry)).toBeNull();
    }
  });

  it('is nothing when the URL parser would find a user, a host or a path in it', () => {
    // Each was read as the host's name cut by a character at each end ("ttacker.exampl"), an
    // IPv4 address inside it, or 10 kB of text, and recorded as the client's address.
    for (const entry of [
      '::1]@attacker.example/[',
      '::]@x198.51.100.20y/[',
      `::]@${'a.'.repeat(5000)}b/[`,
      '[::1]@attacker.example',
      '::1/64',
      '::1#x',
      '::1?x',
    ]) {
      expect(forwardedAddress(entry)).toBeNull();
    }
  });
});
