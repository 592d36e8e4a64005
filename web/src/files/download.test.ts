import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/http';
import { sharedFile } from './fakes';
import { downloadProblemText, downloadSharedFile, triggerBrowserDownload } from './download';

describe('downloading a shared file', () => {
  const file = { ...sharedFile('f1', ''), filename: 'notes.pdf' };

  it('asks for a signed link with the token, then hands it to the browser', async () => {
    const fetchLink = vi.fn(async () => ({ url: 'http://127.0.0.1:1/blobs/f1?sig=z', expiresAt: '' }));
    const trigger = vi.fn();
    await downloadSharedFile(file, { access: () => ({ code: 'abcd-efgh-jkmn', token: 'tok' }), fetchLink, trigger });
    expect(fetchLink).toHaveBeenCalledWith('f1', 'tok');
    expect(trigger).toHaveBeenCalledWith('http://127.0.0.1:1/blobs/f1?sig=z', 'notes.pdf');
  });

  it('clicks a hidden <a href download> and takes it away again', () => {
    const clicked: { href: string; download: string }[] = [];
    const anchor = {
      href: '',
      download: '',
      rel: '',
      style: { display: '' },
      click() {
        clicked.push({ href: this.href, download: this.download });
      },
      remove: vi.fn(),
    };
    const doc = { createElement: () => anchor, body: { append: vi.fn() } } as unknown as Document;
    triggerBrowserDownload('http://x/blob?sig=1', 'notes.pdf', doc);
    expect(clicked).toEqual([{ href: 'http://x/blob?sig=1', download: 'notes.pdf' }]);
    expect(anchor.style.display).toBe('none');
    expect(anchor.remove).toHaveBeenCalled();
  });

  it('says why in words when there is no link', async () => {
    await expect(downloadSharedFile(file, { access: () => null })).rejects.toMatchObject({ code: 'unauthorized' });
    expect(downloadProblemText(new ApiError('file_not_found', 'gone', 404))).toBe(
      'Download failed: that file is no longer in this room.',
    );
    expect(downloadProblemText(new ApiError('unreachable', ''))).toBe(
      "Download failed: can't reach the Parlor server. Check your connection, then try again.",
    );
  });
});
