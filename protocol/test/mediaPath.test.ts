import { describe, expect, it } from 'vitest';
import { selectedMediaPath } from '../src/client/mediaPath.ts';
import { samePath } from '../src/media.ts';

/** Stats shaped as Chromium's getStats() reports them (only the fields the path is read from). */
const report = (local: Record<string, unknown>, pair: Record<string, unknown> = {}) => [
  { id: 'T01', type: 'transport', selectedCandidatePairId: 'CP1' },
  { id: 'CP1', type: 'candidate-pair', localCandidateId: 'L1', remoteCandidateId: 'R1', state: 'succeeded', nominated: true, currentRoundTripTime: 0.0234, ...pair },
  { id: 'CP2', type: 'candidate-pair', localCandidateId: 'L2', remoteCandidateId: 'R1', state: 'failed' },
  { id: 'L1', type: 'local-candidate', ...local },
  { id: 'L2', type: 'local-candidate', candidateType: 'host', protocol: 'udp' },
  { id: 'R1', type: 'remote-candidate', candidateType: 'host', protocol: 'udp' },
];

describe('the media path a browser reports', () => {
  it('is the selected pair: direct UDP or TCP, or relayed with how the browser reaches TURN', () => {
    expect(selectedMediaPath(report({ candidateType: 'host', protocol: 'udp' }))).toEqual({ localType: 'host', protocol: 'udp', rttMs: 23 });
    expect(selectedMediaPath(report({ candidateType: 'prflx', protocol: 'tcp' }))).toEqual({ localType: 'prflx', protocol: 'tcp', rttMs: 23 });
    expect(selectedMediaPath(report({ candidateType: 'relay', protocol: 'udp', relayProtocol: 'tls' }))).toEqual({ localType: 'relay', protocol: 'udp', relayProtocol: 'tls', rttMs: 23 });
  });

  it('falls back to the nominated pair that succeeded, and is null before ICE connects or for what it cannot name', () => {
    const withoutTransport = report({ candidateType: 'srflx', protocol: 'udp' }, { currentRoundTripTime: undefined }).filter((stat) => stat.type !== 'transport');
    expect(selectedMediaPath(withoutTransport)).toEqual({ localType: 'srflx', protocol: 'udp' });
    expect(selectedMediaPath(report({ candidateType: 'host', protocol: 'udp' }, { state: 'in-progress', nominated: false }).filter((stat) => stat.type !== 'transport'))).toBeNull();
    expect(selectedMediaPath(report({ candidateType: 'mystery', protocol: 'udp' }))).toBeNull();
    expect(selectedMediaPath([])).toBeNull();
  });

  it('counts as the same route whatever the round trip', () => {
    expect(samePath({ localType: 'relay', protocol: 'udp', relayProtocol: 'tls', rttMs: 5 }, { localType: 'relay', protocol: 'udp', relayProtocol: 'tls', rttMs: 90 })).toBe(true);
    expect(samePath({ localType: 'relay', protocol: 'udp', relayProtocol: 'tls' }, { localType: 'relay', protocol: 'udp', relayProtocol: 'tcp' })).toBe(false);
    expect(samePath(undefined, { localType: 'host', protocol: 'udp' })).toBe(false);
  });
});
