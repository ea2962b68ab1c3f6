import { isIPv4 } from 'node:net';

/**
 * An address as a proxy may write it in `X-Forwarded-For` (`203.0.113.8`, `203.0.113.8:51234`,
 * `[2001:db8::1]:443`, `2001:DB8:0::1`, `::ffff:cb00:7107`) in one form per address: IPv4
 * dotted, without a port; IPv6 compressed, lower case, without brackets or port; IPv4 mapped
 * into IPv6 as the IPv4 address. Null for anything else (a name, a zone id, `unknown`).
 *
 * Rate limits count per address (ADR 016): were the port kept, each new source port would be a
 * fresh address with a fresh budget; were other spellings kept, each would be one too.
 */
export function forwardedAddress(entry: string): string | null {
  let address = entry.trim();
  const bracketed = /^\[([^\]]*)\](?::\d{1,5})?$/.exec(address);
  if (bracketed) address = bracketed[1] ?? '';
  else if (/^[\d.]+:\d{1,5}$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (isIPv4(address)) return address;
  // Hex digits, colons and dots only: given anything else (`::1]@host/[`), the URL parser below
  // would read a user, a host and a path, and hand back the host, cut, as an address.
  if (!address.includes(':') || !/^[\da-f:.]+$/i.test(address)) return null;
  let host: string;
  try {
    // The WHATWG URL parser writes an IPv6 address in its one canonical form, or throws.
    host = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return null;
  }
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(host);
  if (!mapped) return host;
  const [high, low] = [Number.parseInt(mapped[1] ?? '', 16), Number.parseInt(mapped[2] ?? '', 16)];
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}
