/**
 * Copies text. The async Clipboard API needs a secure context and permission; where it is
 * missing or refused, the old selection-based copy is tried. Resolves false if both fail,
 * so the caller can show the text for copying by hand.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (typeof navigator !== 'undefined' && navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection-based copy
  }
  try {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    area.style.pointerEvents = 'none';
    const previousFocus = document.activeElement as HTMLElement | null;
    document.body.appendChild(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    previousFocus?.focus();
    return copied;
  } catch {
    return false;
  }
}
