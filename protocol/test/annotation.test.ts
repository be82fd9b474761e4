import { describe, expect, it } from 'vitest';
import { AnnotatedSource, sentPageOf, sentPageSource } from '../src/annotation.ts';

describe('the pictures marks are drawn on', () => {
  it('names a page of a sent document, and reads it back', () => {
    const source = sentPageSource('0b6f3a52-6c1e-4f57-9d0e-2a1c6d1e9b10', 3);
    expect(AnnotatedSource.parse(source)).toBe(source);
    expect(sentPageOf(source)).toEqual({ documentId: '0b6f3a52-6c1e-4f57-9d0e-2a1c6d1e9b10', page: 3 });
    expect(sentPageOf('document')).toBeNull();
    expect(AnnotatedSource.parse('screen')).toBe('screen');
  });

  it('refuses what is not a camera, a screen or a page from 1', () => {
    for (const bad of ['sent:abc', 'sent:abc:0', 'sent:abc:-1', 'sent:abc:1.5', 'sent::1', 'sent:a/b:1', `sent:${'x'.repeat(65)}:1`, 'sent:abc:10000', 'camera', 7]) {
      expect(AnnotatedSource.safeParse(bad).success, String(bad)).toBe(false);
    }
  });
});
