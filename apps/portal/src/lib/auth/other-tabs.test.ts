import { describe, expect, it, vi } from 'vitest';
import { otherTabs } from './other-tabs.ts';

describe('the other tabs of this browser', () => {
  it('hear that who is signed in changed; the tab that says so does not hear itself', async () => {
    const [first, second, third] = [otherTabs(), otherTabs(), otherTabs()];
    const heard = { first: vi.fn(), second: vi.fn(), third: vi.fn() };
    first.listen(heard.first);
    const stop = second.listen(heard.second);
    third.listen(heard.third);

    first.announce();
    await vi.waitFor(() => expect(heard.second).toHaveBeenCalledTimes(1));
    await vi.waitFor(() => expect(heard.third).toHaveBeenCalledTimes(1));
    expect(heard.first).not.toHaveBeenCalled();

    stop();
    third.announce();
    await vi.waitFor(() => expect(heard.first).toHaveBeenCalledTimes(1));
    expect(heard.second).toHaveBeenCalledTimes(1);
  });
});
