import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodePng, encodePng, ImageDecodeError } from '../src/index.ts';

function ramp(n: number, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => ((i * 37 + offset) % 256) / 255);
}

/** Decoded RGBA as 0..1 floats of one channel, for comparing against what was encoded. */
function channel(data: Uint8ClampedArray, c: number): number[] {
  return Array.from({ length: data.length / 4 }, (_, i) => (data[i * 4 + c] as number) / 255);
}

describe('encodePng / decodePng', () => {
  it('round-trips a grey image exactly at 8 bits', () => {
    const image = { width: 7, height: 5, data: ramp(35) };
    const bytes = encodePng(image);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
    const decoded = decodePng(bytes);
    expect(decoded).toMatchObject({ width: 7, height: 5, channels: 4 });
    expect(decoded.source).toEqual({ colour: 'grey', depth: 8, interlaced: false, transparency: false });
    for (const c of [0, 1, 2]) {
      channel(decoded.data, c).forEach((v, i) => {
        expect(v).toBeCloseTo(image.data[i] as number, 6);
      });
    }
    expect(channel(decoded.data, 3).every((a) => a === 1)).toBe(true);
  });

  it('round-trips RGB and RGBA, from floats and from bytes', () => {
    const rgb = { width: 4, height: 3, channels: 3 as const, data: ramp(36, 5) };
    const decodedRgb = decodePng(encodePng(rgb));
    expect(decodedRgb.source.colour).toBe('rgb');
    for (let i = 0; i < 12; i++) {
      for (let c = 0; c < 3; c++) {
        expect((decodedRgb.data[i * 4 + c] as number) / 255).toBeCloseTo(rgb.data[i * 3 + c] as number, 6);
      }
      expect(decodedRgb.data[i * 4 + 3]).toBe(255);
    }

    const rgba = {
      width: 3,
      height: 3,
      channels: 4 as const,
      data: Uint8Array.from({ length: 36 }, (_, i) => i * 7),
    };
    const decodedRgba = decodePng(encodePng(rgba));
    expect(decodedRgba.source.colour).toBe('rgba');
    expect(Array.from(decodedRgba.data)).toEqual(Array.from(rgba.data));
    // A decoded image is itself encodable, which is what a Worker echoing an upload needs.
    expect(Array.from(decodePng(encodePng(decodedRgba)).data)).toEqual(Array.from(rgba.data));
  });

  it('writes 16-bit PNGs and reads them back to 8 bits', () => {
    const image = { width: 16, height: 2, data: Float32Array.from({ length: 32 }, (_, i) => i / 31) };
    const bytes = encodePng(image, { depth: 16 });
    expect(bytes[24]).toBe(16); // IHDR bit depth
    const decoded = decodePng(bytes);
    expect(decoded.source.depth).toBe(16);
    channel(decoded.data, 0).forEach((v, i) => {
      expect(Math.abs(v - (image.data[i] as number))).toBeLessThanOrEqual(0.5 / 255 + 1e-9);
    });

    const rgba16 = encode({
      width: 2,
      height: 1,
      depth: 16,
      channels: 4,
      data: Uint16Array.of(0xffff, 0x8000, 0x0000, 0xffff, 0x1234, 0x00ff, 0xff00, 0x7fff),
    });
    const d = decodePng(rgba16);
    expect(d.source).toMatchObject({ colour: 'rgba', depth: 16 });
    expect(Array.from(d.data)).toEqual([255, 128, 0, 255, 18, 1, 254, 127]);
  });

  it('reads grey+alpha, palettes with transparency and 1-bit grey', () => {
    const ga = decodePng(encode({ width: 2, height: 1, channels: 2, data: Uint8Array.of(10, 20, 200, 255) }));
    expect(ga.source.colour).toBe('grey+alpha');
    expect(Array.from(ga.data)).toEqual([10, 10, 10, 20, 200, 200, 200, 255]);

    const palette = encode({
      width: 3,
      height: 1,
      channels: 1,
      depth: 8,
      data: Uint8Array.of(1, 0, 2),
      // fast-png's encoder writes tRNS right only when the translucent entries come first.
      palette: [
        [255, 0, 0, 128],
        [0, 0, 255, 0],
        [0, 255, 0, 255],
      ],
    });
    const p = decodePng(palette);
    expect(p.source).toMatchObject({ colour: 'palette', transparency: true });
    expect(Array.from(p.data)).toEqual([0, 0, 255, 0, 255, 0, 0, 128, 0, 255, 0, 255]);

    // 10 pixels a row at 1 bit: each row is padded to 2 bytes, which decoding must skip.
    const bits = encode({
      width: 10,
      height: 2,
      channels: 1,
      depth: 1,
      data: Uint8Array.of(0b10100000, 0b01000000, 0xff, 0xc0),
    });
    const b = decodePng(bits);
    expect(b.source.depth).toBe(1);
    expect(channel(b.data, 0)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('reads Adam7-interlaced images', () => {
    const data = Uint8Array.from({ length: 9 * 7 * 3 }, (_, i) => (i * 11) % 256);
    const bytes = encode({ width: 9, height: 7, channels: 3, data }, { interlace: 'Adam7' });
    const decoded = decodePng(bytes);
    expect(decoded.source.interlaced).toBe(true);
    for (let i = 0; i < 63; i++) {
      expect(Array.from(decoded.data.subarray(i * 4, i * 4 + 3))).toEqual(
        Array.from(data.subarray(i * 3, i * 3 + 3)),
      );
    }
  });

  it('rejects what it cannot decode with an ImageDecodeError that says why', () => {
    const good = encodePng({ width: 28, height: 28, data: ramp(784) });
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /empty/],
      [new TextEncoder().encode('hello, this is not an image at all'), /not a PNG.*signature/],
      [Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70), /JPEG/],
      [new TextEncoder().encode('GIF89a\u0001\u0000'), /GIF/],
      [good.subarray(0, 20), /truncated/],
      [good.subarray(0, 60), /truncated PNG: the data ends/],
      [good.subarray(0, good.length - 12), /truncated/],
    ];
    const flipped = good.slice();
    flipped[45] = (flipped[45] as number) ^ 0xff;
    cases.push([flipped, /^corrupt PNG: \w/]);
    const badCrc = good.slice();
    badCrc[30] = (badCrc[30] as number) ^ 0xff;
    cases.push([badCrc, /CRC mismatch for chunk IHDR/]);
    for (const [bytes, message] of cases) {
      let caught: unknown;
      try {
        decodePng(bytes);
      } catch (error) {
        caught = error;
      }
      expect(caught, `expected ${message} to be thrown`).toBeInstanceOf(ImageDecodeError);
      expect((caught as Error).message).toMatch(message);
      expect((caught as Error).name).toBe('ImageDecodeError');
    }
  });

  it('refuses oversized images before inflating them', () => {
    const bytes = encodePng({ width: 100, height: 100, data: new Float32Array(10_000) });
    expect(() => decodePng(bytes, { maxPixels: 9_999 })).toThrow(/too large: 100×100/);
    expect(decodePng(bytes, { maxPixels: 10_000 }).width).toBe(100);
  });

  it('checks the sample count when encoding', () => {
    expect(() => encodePng({ width: 2, height: 2, data: new Float32Array(3) })).toThrow(RangeError);
  });
});
