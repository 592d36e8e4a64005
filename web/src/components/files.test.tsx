/** What the Files tab renders for a given state (static markup: no DOM needed). */
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { FileInfo } from '../api/types';
import type { Upload } from '../files/uploads';
import { SharedFileList, SharedFileRow } from './FileHistory';
import { DropZone, FilesPanel } from './FilesPanel';
import { UploadRow } from './UploadList';

const upload: Upload = {
  id: 'u1',
  name: 'report.pdf',
  mimeType: 'application/pdf',
  sizeBytes: 5 * 1024 * 1024,
  stage: 'uploading',
  percent: 42,
  problem: null,
};

const notes: FileInfo = {
  id: 'f1',
  filename: 'notes.pdf',
  mimeType: 'application/pdf',
  sizeBytes: 5 * 1024 * 1024,
  sha256: 'ab'.repeat(32),
  uploader: { id: 'me', displayName: 'Alice' },
  createdAt: '2026-11-25T19:57:00Z',
};

const text = (html: string) => html.replace(/<[^>]+>/g, '');

describe('an upload row', () => {
  it('shows the name, a named progress bar at the percentage, and "Cancel upload of <name>"', () => {
    const html = renderToStaticMarkup(<UploadRow upload={upload} />);
    expect(html).toContain('role="progressbar"');
    expect(html).toContain('aria-label="Uploading report.pdf"');
    expect(html).toContain('aria-valuenow="42"');
    expect(html).toContain('aria-label="Cancel upload of report.pdf"');
    expect(text(html)).toContain('report.pdf5.0 MB');
    expect(text(html)).toContain('Uploading… 42%');
    expect(text(html)).toContain('PDF document, ');
  });

  it('says "Preparing…" while hashing', () => {
    const html = renderToStaticMarkup(<UploadRow upload={{ ...upload, stage: 'preparing', percent: 7 }} />);
    expect(html).toContain('aria-label="Preparing report.pdf"');
    expect(text(html)).toContain('Preparing… 7%');
  });

  it('a file too large: the reason as an alert, "Dismiss", no retry, no bar', () => {
    const tooLarge = {
      ...upload,
      stage: 'failed' as const,
      problem: { kind: 'too-large' as const, text: 'report.pdf is too large: files can be at most 100 MiB.', retryable: false },
    };
    const html = renderToStaticMarkup(<UploadRow upload={tooLarge} />);
    expect(html).toContain('role="alert"');
    expect(text(html)).toContain('report.pdf is too large: files can be at most 100 MiB.');
    expect(html).toContain('aria-label="Dismiss report.pdf"');
    expect(html).not.toContain('Retry');
    expect(html).not.toContain('progressbar');
    expect(html).not.toContain('Cancel upload');
  });

  it('an expired link offers "Retry"', () => {
    const expired = {
      ...upload,
      stage: 'failed' as const,
      problem: { kind: 'expired' as const, text: 'The upload link expired.', retryable: true },
    };
    const html = renderToStaticMarkup(<UploadRow upload={expired} />);
    expect(text(html)).toContain('The upload link expired.');
    expect(html).toContain('aria-label="Retry upload of report.pdf"');
  });
});

describe('a shared file', () => {
  const now = Date.parse('2026-11-25T20:00:00Z');

  it('shows type, name, size, uploader ("you"), when, and "Download <name>"', () => {
    const html = renderToStaticMarkup(<SharedFileRow file={notes} selfId="me" now={now} />);
    expect(text(html)).toMatch(/PDF document, notes\.pdf5\.0 MB · , shared by you · , 3 min ago/);
    expect(html).toContain('aria-label="Download notes.pdf"');
    expect(html).toMatch(/datetime="2026-11-25T19:57:00Z"/i);
  });

  it('names the uploader for everyone else', () => {
    const html = renderToStaticMarkup(<SharedFileRow file={notes} selfId="other" now={now} />);
    expect(text(html)).toContain('shared by Alice');
  });
});

describe('the Files tab', () => {
  it('has the drop zone and "Upload files" with a hidden multi-file input', () => {
    const html = renderToStaticMarkup(<FilesPanel />);
    expect(text(html)).toContain('Drop files here or');
    expect(html).toMatch(/<button[^>]*>Upload files<\/button>/);
    expect(html).toMatch(/<input type="file" multiple="" hidden=""/);
    expect(text(html)).toContain('No files yet.');
  });

  it('says which file types the room refuses before anyone picks, tied to "Upload files"', () => {
    const html = renderToStaticMarkup(<DropZone buttonRef={{ current: null }} blockedTypes={['.exe', 'video/*']} />);
    expect(text(html)).toContain('Not allowed in this room: .exe, video/*');
    expect(html).toMatch(/<button[^>]*aria-describedby="files-not-allowed"[^>]*>Upload files<\/button>/);
    expect(html).toContain('id="files-not-allowed"');
    expect(text(renderToStaticMarkup(<DropZone buttonRef={{ current: null }} blockedTypes={[]} />))).not.toContain('Not allowed');
  });

  it('lists the history newest first', () => {
    const older = { ...notes, id: 'f0', filename: 'older.txt', mimeType: 'text/plain', createdAt: '2026-11-25T19:00:00Z' };
    const html = renderToStaticMarkup(<SharedFileList files={[older, notes]} selfId="me" now={Date.now()} />);
    expect(html).toContain('aria-label="Shared files"');
    expect(html.indexOf('Download notes.pdf')).toBeGreaterThan(0);
    expect(html.indexOf('Download notes.pdf')).toBeLessThan(html.indexOf('Download older.txt'));
  });
});
