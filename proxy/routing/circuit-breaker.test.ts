import { describe, expect, it } from 'vitest';
import { Circuit, CircuitBreakers, RECOVERY_MS } from './circuit-breaker.ts';

describe('Circuit', () => {
  it('opens after 5 consecutive failures and refuses requests until the recovery time', () => {
    const circuit = new Circuit();
    for (let i = 0; i < 4; i++) circuit.failure(0);
    expect(circuit.available(0)).toBe(true);
    circuit.failure(1000);
    expect(circuit.state).toBe('open');
    expect(circuit.available(1000 + RECOVERY_MS - 1)).toBe(false);
  });

  it('a success in between resets the count', () => {
    const circuit = new Circuit();
    for (let i = 0; i < 4; i++) circuit.failure(0);
    circuit.success();
    for (let i = 0; i < 4; i++) circuit.failure(0);
    expect(circuit.state).toBe('closed');
  });

  it('after the recovery time admits one probe at a time, and closes after two successful probes', () => {
    const circuit = new Circuit();
    for (let i = 0; i < 5; i++) circuit.failure(0);
    expect(circuit.available(RECOVERY_MS)).toBe(true);
    expect(circuit.state).toBe('half_open');
    circuit.begin();
    expect(circuit.available(RECOVERY_MS)).toBe(false);
    circuit.success();
    expect(circuit.state).toBe('half_open');
    expect(circuit.available(RECOVERY_MS)).toBe(true);
    circuit.begin();
    circuit.success();
    expect(circuit.state).toBe('closed');
  });

  it('a failed probe opens it for another recovery period; an abandoned probe frees the slot', () => {
    const circuit = new Circuit();
    for (let i = 0; i < 5; i++) circuit.failure(0);
    circuit.available(RECOVERY_MS);
    circuit.begin();
    circuit.abandon();
    expect(circuit.available(RECOVERY_MS)).toBe(true);
    circuit.begin();
    circuit.failure(RECOVERY_MS + 5);
    expect(circuit.state).toBe('open');
    expect(circuit.available(2 * RECOVERY_MS)).toBe(false);
    expect(circuit.available(2 * RECOVERY_MS + 5)).toBe(true);
  });
});

describe('CircuitBreakers', () => {
  it('does nothing when disabled', () => {
    const breakers = new CircuitBreakers({ enabled: false, now: () => 0 });
    const probe = breakers.begin('a');
    for (let i = 0; i < 10; i++) probe.failure();
    expect(breakers.refusing(['a']).size).toBe(0);
  });

  it('tracks accounts separately and the upstream as a whole', () => {
    let now = 0;
    const breakers = new CircuitBreakers({ enabled: true, now: () => now });
    for (let i = 0; i < 3; i++) breakers.begin('a').failure();
    for (let i = 0; i < 2; i++) breakers.begin('b').failure();
    expect([...breakers.refusing(['a', 'b'])]).toEqual([]);
    expect(breakers.global.state).toBe('open');
    breakers.failed('a');
    breakers.failed('a');
    expect([...breakers.refusing(['a', 'b'])]).toEqual(['a']);
    now = RECOVERY_MS;
    expect([...breakers.refusing(['a', 'b'])]).toEqual([]);
    const probe = breakers.begin('a');
    expect([...breakers.refusing(['a'])]).toEqual(['a']);
    probe.success();
    expect(breakers.state('a')).toBe('half_open');
  });
});
