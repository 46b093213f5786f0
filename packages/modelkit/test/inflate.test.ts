import { deflateSync, unzlibSync, zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { InflateError, inflateZlib } from '../src/inflate.ts';
import { random, tableBomb, zeroBomb } from './png-builder.ts';

/** Inflates `stream` split into the given pieces (as IDAT chunks split it), collecting the output. */
function inflate(stream: Uint8Array, cuts: number[] = []): Uint8Array {
  // The pieces lie in one buffer with gaps between them, as chunk data does between chunk headers.
  const bounds = [0, ...cuts, stream.length];
  const spread = new Uint8Array(stream.length + 12 * bounds.length).fill(0xa5);
  const ranges: number[] = [];
  for (let i = 0, at = 5; i + 1 < bounds.length; i++) {
    const piece = stream.subarray(bounds[i], bounds[i + 1]);
    spread.set(piece, at);
    ranges.push(at, at + piece.length);
    at += piece.length + 12;
  }
  const parts: Uint8Array[] = [];
  inflateZlib(spread, ranges, (bytes) => {
    expect(bytes.length).toBeLessThanOrEqual(128 * 1024);
    parts.push(bytes.slice());
  });
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Data from incompressible to very repetitive, so that every block type and code shape occurs. */
function sample(length: number, seed: number, alphabet: number): Uint8Array {
  const rand = random(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const r = rand();
    out[i] = r < 0.3 && i > 40 ? (out[i - 1 - Math.floor(rand() * 40)] as number) : Math.floor(r * alphabet);
  }
  return out;
}

describe('inflateZlib', () => {
  it('inflates what fflate deflates, at every level, split anywhere', () => {
    const rand = random(7);
    for (const length of [0, 1, 2, 100, 258, 5000, 40_000, 200_000]) {
      for (const alphabet of [1, 4, 256]) {
        for (const level of [0, 1, 6, 9] as const) {
          const data = sample(length, length + alphabet, alphabet);
          const stream = zlibSync(data, { level });
          expect(sameBytes(unzlibSync(stream), data)).toBe(true);
          expect(sameBytes(inflate(stream), data), `${length}/${alphabet}/${level}`).toBe(true);
          const cuts = Array.from({ length: 6 }, () => Math.floor(rand() * stream.length)).sort(
            (a, b) => a - b,
          );
          expect(sameBytes(inflate(stream, cuts), data), `${length}/${alphabet}/${level} cut`).toBe(true);
        }
      }
    }
  });

  it('reads streams cut into one-byte pieces', () => {
    const data = sample(3000, 3, 16);
    const stream = zlibSync(data, { level: 9 });
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(sameBytes(inflate(stream, cuts), data)).toBe(true);
    // Stored blocks, whose bytes are copied straight from the pieces.
    const storedStream = zlibSync(data, { level: 0 });
    expect(sameBytes(inflate(storedStream, [1, 2, 3, 7, 8, 100, 101, 2000]), data)).toBe(true);
  });

  it('reaches back 32 KiB across its window as output is handed over', () => {
    // A 32 KiB random block repeated: every match is at the longest distance DEFLATE allows.
    const block = sample(32_768, 11, 256);
    const data = new Uint8Array(32_768 * 12);
    for (let i = 0; i < 12; i++) data.set(block, i * 32_768);
    expect(sameBytes(inflate(zlibSync(data, { level: 9 })), data)).toBe(true);
  });

  it('inflates the densest stream DEFLATE has', () => {
    const out = inflate(zeroBomb(4000));
    expect(out.length).toBe(1 + 258 * 4000);
    expect(out.every((v) => v === 0)).toBe(true);
  });

  it('costs little on a file of empty blocks that each declare 15-bit codes', () => {
    // A valid stream: fflate reads it (slowly) to nothing.
    expect(unzlibSync(tableBomb(50)).length).toBe(0);
    const stream = tableBomb(20_000);
    expect(stream.length).toBeGreaterThan(400_000);
    const start = performance.now();
    expect(inflate(stream).length).toBe(0);
    // ~50 ms here; fflate, which rebuilds 2^15-entry tables for every block, took 1.8–2.9 s.
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('refuses broken streams with an InflateError', () => {
    const good = zlibSync(sample(10_000, 5, 32), { level: 6 });
    const raw = deflateSync(Uint8Array.of(1, 2, 3));
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.of(0x78), /unexpected end/],
      [Uint8Array.of(0x79, 0x9c, 0, 0, 0, 0), /bad header/],
      [Uint8Array.of(0x78, 0xbb, 0, 0, 0, 0, 0, 0), /dictionary/],
      [Uint8Array.of(0x78, 0x9c, 0b111, 0, 0, 0, 0), /invalid block type/],
      [Uint8Array.of(0x78, 0x9c, 0b001, 0x05, 0xfa, 0, 0, 0), /invalid stored block length/],
      [zeroBomb(10, true), /invalid block type/],
      // Distance 1 before any output.
      [Uint8Array.of(0x78, 0x01, ...fixedBlock([[285, 0]])), /too far back/],
      [Uint8Array.of(0x78, 0x9c, ...raw), /unexpected end/],
    ];
    for (const [stream, message] of cases) {
      expect(() => inflate(stream), String(message)).toThrow(InflateError);
      expect(() => inflate(stream)).toThrow(message);
    }
    // Cut anywhere, a stream is either reported as cut or (in its Adler-32 trailer) as short.
    for (let end = 0; end < good.length; end += 97) {
      let caught: unknown;
      try {
        inflate(good.subarray(0, end));
      } catch (error) {
        caught = error;
      }
      expect(caught, `cut at ${end}`).toBeInstanceOf(InflateError);
      expect((caught as InflateError).truncated).toBe(true);
    }
  });

  it('never hangs or throws anything but InflateError on random damage', () => {
    const data = sample(20_000, 9, 64);
    const good = zlibSync(data, { level: 6 });
    const rand = random(99);
    let failures = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bad = good.slice();
      for (let k = 0; k < 1 + (trial % 4); k++) {
        const at = 2 + Math.floor(rand() * (bad.length - 2));
        bad[at] = (bad[at] as number) ^ (1 << Math.floor(rand() * 8));
      }
      try {
        inflate(bad);
      } catch (error) {
        expect(error).toBeInstanceOf(InflateError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0);
  });
});

/** A final fixed-Huffman block of the given (length symbol, distance symbol) pairs, no extra bits. */
function fixedBlock(pairs: [number, number][]): number[] {
  const bits: number[] = [1, 1, 0];
  const code = (value: number, length: number) => {
    for (let i = length - 1; i >= 0; i--) bits.push((value >> i) & 1);
  };
  for (const [length, distance] of pairs) {
    code(length < 280 ? length - 256 : 0b11000000 + length - 280, length < 280 ? 7 : 8);
    code(distance, 5);
  }
  code(0, 7);
  const bytes: number[] = [];
  for (let i = 0; i < bits.length; i += 8) {
    bytes.push(bits.slice(i, i + 8).reduce((byte, bit, k) => byte | (bit << k), 0));
  }
  return [...bytes, 0, 0, 0, 0];
}
