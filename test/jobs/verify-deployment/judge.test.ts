import { describe, expect, it } from 'vitest';
import {
  addSample,
  emptyTally,
  failure,
  overall,
  verdict,
  type SampleOutcome,
} from '../../../jobs/verify-deployment/judge.js';

/** The rules that turn a window of samples into a gate verdict (pure; the scenarios show them end to end). */

const health = { failAfterConsecutive: 3, maxFailureRatio: 0.2 };

function tally(outcomes: string) {
  const map: Record<string, SampleOutcome> = { '+': 'pass', x: 'fail', '?': 'unknown' };
  return [...outcomes].reduce((t, c) => addSample(t, map[c]!), emptyTally());
}

describe('verify-deployment judge', () => {
  it('fails on consecutive failures, unknown samples neither breaking nor extending a run', () => {
    expect(failure(tally('++xx'), health, 20)).toBeNull();
    expect(failure(tally('++xxx'), health, 20)).toBe('3 consecutive failures (limit 3)');
    expect(failure(tally('xx?x'), health, 20)).toBe('3 consecutive failures (limit 3)');
    expect(failure(tally('xx+x'), health, 20)).toBeNull();
  });

  it('fails flapping by the share of the planned window, as soon as it cannot recover', () => {
    // 10 planned samples: 2 failures tolerated, the third fails the gate at once
    expect(failure(tally('+x+x'), health, 10)).toBeNull();
    expect(failure(tally('+x+x+x'), health, 10)).toBe('3 of 10 samples failed (at most 2 allowed)');
    expect(verdict(tally('+x++++x+++'), health, 10)).toEqual({
      verdict: 'pass',
      reason: '8 of 10 samples passed, 2 failed (tolerated)',
    });
  });

  it('is unknown when most samples could not be taken, and never passes on no evidence', () => {
    expect(verdict(tally('??+'), health, 3).verdict).toBe('unknown');
    expect(verdict(tally('?++'), health, 3)).toEqual({
      verdict: 'pass',
      reason: '2 of 3 samples passed, 1 could not be taken',
    });
    expect(verdict(emptyTally(), health, 3).verdict).toBe('unknown');
    // a failure still fails, whatever else is unknown
    expect(verdict(tally('??x'), { failAfterConsecutive: 1, maxFailureRatio: 1 }, 3).verdict).toBe('fail');
  });

  it('combines gates: any failure fails, else any unknown is inconclusive', () => {
    expect(overall(['pass', 'unknown', 'fail'])).toBe('fail');
    expect(overall(['pass', 'unknown'])).toBe('unknown');
    expect(overall(['pass', 'pass'])).toBe('pass');
  });
});
