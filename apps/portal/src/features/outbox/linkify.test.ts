import { describe, expect, it } from 'vitest';
import { linkify } from './linkify.ts';

describe('linkify', () => {
  it('turns the sign-in link in an email body into a link, keeping the text around it', () => {
    const body =
      'Hello Ben,\n\nSign in to onbehalf: http://127.0.0.1:3500/one-click/7/abc_DEF-1\n\nBye';
    expect(linkify(body)).toEqual([
      { kind: 'text', text: 'Hello Ben,\n\nSign in to onbehalf: ' },
      { kind: 'link', href: 'http://127.0.0.1:3500/one-click/7/abc_DEF-1' },
      { kind: 'text', text: '\n\nBye' },
    ]);
  });

  it('leaves sentence punctuation and closing quotes out of the address', () => {
    expect(linkify('See https://example.test/a?b=1. Or “https://example.test/c”, then.')).toEqual([
      { kind: 'text', text: 'See ' },
      { kind: 'link', href: 'https://example.test/a?b=1' },
      { kind: 'text', text: '. Or “' },
      { kind: 'link', href: 'https://example.test/c' },
      { kind: 'text', text: '”, then.' },
    ]);
  });

  it('keeps a closing parenthesis the address opened, and drops one that wraps it', () => {
    expect(linkify('(https://example.test/wiki/Foo_(bar))')).toEqual([
      { kind: 'text', text: '(' },
      { kind: 'link', href: 'https://example.test/wiki/Foo_(bar)' },
      { kind: 'text', text: ')' },
    ]);
  });

  it('finds every address in a body', () => {
    const links = linkify('a http://a.test b https://b.test/x c').filter((p) => p.kind === 'link');
    expect(links).toHaveLength(2);
  });

  it('makes links only of web addresses', () => {
    expect(linkify('javascript:alert(1) mailto:a@b.test ftp://x.test http://')).toEqual([
      { kind: 'text', text: 'javascript:alert(1) mailto:a@b.test ftp://x.test http://' },
    ]);
  });

  it('gives plain text back whole, and nothing for nothing', () => {
    expect(linkify('No links here.')).toEqual([{ kind: 'text', text: 'No links here.' }]);
    expect(linkify('')).toEqual([]);
  });
});
