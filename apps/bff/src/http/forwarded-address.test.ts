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
});
