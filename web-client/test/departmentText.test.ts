import { describe, expect, it } from 'vitest';
import { departmentHint, departmentName, messagesFor } from '../src/i18n.ts';

describe('a department on the kiosk: the city’s words, translated only while they are the words translated', () => {
  const en = messagesFor('en');
  const ja = messagesFor('ja');
  const citizen = { code: 'citizen', name: '市民課', kioskText: '住民票・引っ越し・マイナンバーカード' };

  it('translates the seeded name and button text', () => {
    expect(departmentName(en, citizen)).toBe('Citizen Services');
    expect(departmentHint(en, citizen)).toEqual({ text: 'Residence certificate, moving, My Number card', translated: true });
    expect(departmentHint(ja, citizen)).toEqual({ text: '住民票・引っ越し・マイナンバーカード', translated: true });
  });

  it('shows what the city wrote once it differs, and a new department as it is', () => {
    const rewritten = { ...citizen, name: '市民窓口課', kioskText: '住民票・戸籍・印鑑登録' };
    expect(departmentName(en, rewritten)).toBe('市民窓口課');
    expect(departmentHint(en, rewritten)).toEqual({ text: '住民票・戸籍・印鑑登録', translated: false });
    const created = { code: 'environment', name: '環境課', kioskText: 'ごみ・リサイクル' };
    expect(departmentName(en, created)).toBe('環境課');
    expect(departmentHint(en, created)).toEqual({ text: 'ごみ・リサイクル', translated: false });
    expect(departmentHint(en, { ...created, kioskText: '' }).text).toBe('');
  });
});
