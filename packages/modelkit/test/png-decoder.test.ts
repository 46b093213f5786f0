/**
 * The bounded PNG decoder: every format against the samples it was built from and against the
 * fast-png–based decoder it replaced, the refusals (decompression bombs first), and the lean path to a
 * model input, bit for bit against the old pipeline.
 */
import { zlibSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  decodePng,
  decodePngGrey,
  ImageDecodeError,
  type MnistInputOptions,
  pngToMnistInput,
  toGrey,
  toMnistInput,
} from '../src/index.ts';
import { legacyToGrey, legacyToMnistInput } from './legacy/image.ts';
import { legacyDecodePng } from './legacy/png.ts';
import {
  buildPng,
  chunk,
  concat,
  crc32,
  digitImage,
  expectedRgba,
  ihdr,
  latin1,
  onePixel,
  type RawImage,
  random,
  SIGNATURE,
  scanlines,
  zeroBomb,
} from './png-builder.ts';

const FORMATS: [RawImage['colourType'], RawImage['depth']][] = [
  [0, 1],
  [0, 2],
  [0, 4],
  [0, 8],
  [0, 16],
  [2, 8],
  [2, 16],
  [3, 1],
  [3, 2],
  [3, 4],
  [3, 8],
  [4, 8],
  [4, 16],
  [6, 8],
  [6, 16],
];
const COLOUR = { 0: 'grey', 2: 'rgb', 3: 'palette', 4: 'grey+alpha', 6: 'rgba' } as const;

function sameBytes(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Equal as float32 bit patterns: -0 and 0 differ, so does every last bit. */
function sameFloats(a: Float32Array, b: Float32Array): boolean {
  return sameBytes(
    new Uint32Array(a.buffer, a.byteOffset, a.length),
    new Uint32Array(b.buffer, b.byteOffset, b.length),
  );
}

function refusal(bytes: Uint8Array, decode: (b: Uint8Array) => unknown = decodePng): ImageDecodeError {
  try {
    decode(bytes);
  } catch (error) {
    expect(error).toBeInstanceOf(ImageDecodeError);
    return error as ImageDecodeError;
  }
  throw new Error('expected an ImageDecodeError, but the PNG decoded');
}

/** Node-only, for the memory checks: a collection before measuring makes the baseline honest. */
async function collector(): Promise<() => void> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose_gc');
  return runInNewContext('gc') as () => void;
}

const MiB = 2 ** 20;

/** The limitations of the fast-png–based decoder, which the new one does not share. */
function oldDecoderRefuses(image: RawImage, interlace: boolean): boolean {
  return (
    (interlace && image.depth < 8) ||
    (image.colourType === 2 && image.trns !== undefined && image.width * image.height < 3)
  );
}

describe('decodePng: every format', () => {
  it('decodes every colour type and depth, with and without transparency, interlaced or not', () => {
    for (const [colourType, depth] of FORMATS) {
      for (const [width, height] of [
        [1, 1],
        [2, 3],
        [5, 1],
        [1, 7],
        [7, 5],
        [9, 13],
        [33, 17],
      ] as const) {
        for (const alpha of [false, true]) {
          const image = digitImage(width, height, colourType, depth, { alpha });
          for (const interlace of [false, true]) {
            const bytes = buildPng(image, { interlace });
            const what = `${COLOUR[colourType]} ${depth} ${width}×${height} alpha ${alpha} interlace ${interlace}`;
            const decoded = decodePng(bytes);
            expect(decoded.source, what).toEqual({
              colour: COLOUR[colourType],
              depth,
              interlaced: interlace,
              transparency: image.trns !== undefined,
            });
            expect(sameBytes(decoded.data, expectedRgba(image)), what).toBe(true);
            // fast-png scrambles interlaced sub-byte pixels, which the old decoder therefore refused,
            // and it took RGB tRNS's three values for one alpha a pixel, refusing images of 1 or 2.
            if (oldDecoderRefuses(image, interlace)) {
              expect(() => legacyDecodePng(bytes)).toThrow(ImageDecodeError);
            } else {
              const old = legacyDecodePng(bytes);
              expect(sameBytes(decoded.data, old.data), what).toBe(true);
              expect(decoded.source, what).toEqual(old.source);
            }
          }
        }
      }
    }
  });

  it('decodes interlaced images with 1, 2 and 4-bit pixels, which the fast-png decoder refused', () => {
    for (const [colourType, depth] of FORMATS.filter(([, d]) => d < 8)) {
      const image = digitImage(19, 11, colourType, depth);
      const interlaced = decodePng(buildPng(image, { interlace: true }));
      const plain = decodePng(buildPng(image));
      expect(interlaced.source.interlaced).toBe(true);
      expect(sameBytes(interlaced.data, plain.data)).toBe(true);
      expect(() => legacyDecodePng(buildPng(image, { interlace: true }))).toThrow(
        /unsupported PNG: interlaced/,
      );
    }
  });

  it('undoes each of the five filters at every pixel size', () => {
    const formats: [RawImage['colourType'], RawImage['depth']][] = [
      [0, 1],
      [0, 8],
      [4, 8],
      [2, 8],
      [6, 8],
      [2, 16],
      [6, 16],
    ];
    for (const [colourType, depth] of formats) {
      const image = digitImage(13, 6, colourType, depth, { alpha: true, seed: 3 });
      for (const filter of [0, 1, 2, 3, 4]) {
        for (const interlace of [false, true]) {
          const bytes = buildPng(image, { filter, interlace });
          expect(
            sameBytes(decodePng(bytes).data, expectedRgba(image)),
            `${colourType}/${depth} filter ${filter}`,
          ).toBe(true);
        }
      }
    }
  });

  it('reads image data split into IDAT chunks of any size, from one byte up', () => {
    const image = digitImage(23, 17, 6, 8, { alpha: true });
    for (const idatSize of [1, 2, 3, 64, 1000]) {
      expect(sameBytes(decodePng(buildPng(image, { idatSize })).data, expectedRgba(image))).toBe(true);
    }
  });

  it('rounds every 16-bit sample to 8 bits as the old decoder did', () => {
    const samples = Uint16Array.from({ length: 65_536 }, (_, i) => i);
    const image: RawImage = { width: 256, height: 256, colourType: 0, depth: 16, samples };
    const bytes = buildPng(image, { filter: 0 });
    const decoded = decodePng(bytes);
    for (let v = 0; v < 65_536; v++) {
      if (decoded.data[4 * v] !== Math.round((v * 255) / 65_535)) expect.fail(`sample ${v}`);
    }
    expect(sameBytes(decoded.data, legacyDecodePng(bytes).data)).toBe(true);
  });

  it('skips ancillary chunks, known and unknown, without inflating the compressed ones', () => {
    // Each compressed ancillary chunk holds a stream that would inflate to 1 GiB.
    const bomb = zeroBomb(Math.floor(2 ** 30 / 258));
    const image = digitImage(20, 20, 2, 8);
    const bytes = buildPng(image, {
      before: [
        chunk('iCCP', concat(latin1('ICC profile\0\0'), bomb)),
        chunk('zTXt', concat(latin1('Comment\0\0'), bomb)),
        chunk('iTXt', concat(latin1('Comment\0\x01\0en\0\0'), bomb)),
        chunk('tEXt', latin1('Software\0test')),
        chunk('prVt', Uint8Array.of(1, 2, 3)),
      ],
      after: [chunk('tIME', new Uint8Array(7)), chunk('zTXt', concat(latin1('Late\0\0'), bomb))],
    });
    const start = performance.now();
    const decoded = decodePng(bytes);
    expect(performance.now() - start).toBeLessThan(250);
    expect(sameBytes(decoded.data, expectedRgba(image))).toBe(true);
  });
});

describe('decodePng: refusals', () => {
  const bombMessage = /^corrupt PNG: the data inflates to more than its 1×1 header declares \(2 bytes\)/;

  it('refuses a 1×1 image whose data inflates to 64 MiB, in milliseconds', () => {
    const bytes = onePixel(zlibSync(new Uint8Array(64 * MiB), { level: 9 }));
    for (const decode of [decodePng, decodePngGrey, pngToMnistInput]) {
      const start = performance.now();
      expect(refusal(bytes, decode).message).toMatch(bombMessage);
      // The fast-png decoder took seconds (5.7 s for 256 MiB); this one stops after 128 KiB.
      expect(performance.now() - start).toBeLessThan(250);
    }
  });

  it("refuses the tester's 1 GiB bomb after inflating at most 128 KiB of it", async () => {
    const gc = await collector();
    const gib = onePixel(zeroBomb(Math.floor(2 ** 30 / 258)));
    gc();
    const before = process.memoryUsage().arrayBuffers;
    expect(refusal(gib).message).toMatch(bombMessage);
    // The window, the Huffman tables, two rows: nothing that grows with the bomb.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 * MiB);

    // Poisoned after 258 KiB: had the decoder gone that far, it would report the invalid block.
    expect(refusal(onePixel(zeroBomb(1000, true))).message).toMatch(bombMessage);
    // A larger image may inflate what it declares and no more (64×64 grey: 4160 bytes).
    const big = concat(SIGNATURE, ihdr(64, 64, 8, 0), chunk('IDAT', zeroBomb(1000, true)), chunk('IEND'));
    expect(refusal(big).message).toMatch(/more than its 64×64 header declares \(4160 bytes\)/);
  });

  it('refuses image data that inflates to a single byte more, or less, than declared', () => {
    const image = digitImage(3, 2, 0, 8);
    const rows = scanlines(image);
    expect(rows.length).toBe(8);
    const longer = buildPng(image, {}, zlibSync(concat(rows, Uint8Array.of(0))));
    expect(refusal(longer).message).toMatch(/inflates to more than its 3×2 header declares \(8 bytes\)/);
    const shorter = buildPng(image, {}, zlibSync(rows.subarray(0, 7)));
    expect(refusal(shorter).message).toBe(
      'truncated PNG: the image data inflates to 7 bytes, less than the 8 its 3×2 header declares',
    );
    // Interlaced, a 3×2 image has four non-empty passes: (1 + 1) + (1 + 1) + (1 + 1) + (1 + 3) bytes.
    const interlaced = scanlines(image, { interlace: true });
    expect(interlaced.length).toBe(10);
    const extra = buildPng(image, { interlace: true }, zlibSync(concat(interlaced, Uint8Array.of(0))));
    expect(refusal(extra).message).toMatch(/inflates to more than its 3×2 header declares \(10 bytes\)/);
  });

  it('refuses a compressed stream that is cut short or damaged', () => {
    const image = digitImage(30, 30, 0, 8);
    const stream = zlibSync(scanlines(image), { level: 9 });
    const cut = buildPng(image, {}, stream.subarray(0, stream.length - 20));
    expect(refusal(cut).message).toMatch(
      /^truncated PNG: the compressed image data ends before its stream does/,
    );
    const noChecksum = buildPng(image, {}, stream.subarray(0, stream.length - 4));
    expect(refusal(noChecksum).message).toMatch(/^truncated PNG/);
    const badHeader = buildPng(image, {}, concat(Uint8Array.of(0x79), stream.subarray(1)));
    expect(refusal(badHeader).message).toMatch(
      /^corrupt PNG: the image data cannot be inflated \(not a zlib stream/,
    );
  });

  it('checks the CRC of every chunk, ancillary ones included', () => {
    const image = digitImage(8, 8, 0, 8);
    const bytes = buildPng(image, { before: [chunk('tEXt', latin1('Title\0digit'), 12345)] });
    expect(refusal(bytes).message).toMatch(
      /^corrupt PNG: CRC mismatch for chunk tEXt\. Expected 12345, found \d+/,
    );
    const late = buildPng(image, { after: [chunk('tEXt', latin1('Title\0digit'), 1)] });
    expect(refusal(late).message).toMatch(/CRC mismatch for chunk tEXt/);
  });

  it('refuses a broken chunk structure with a message that says what is wrong', () => {
    const grey = digitImage(4, 3, 0, 8);
    const palette = digitImage(4, 3, 3, 2);
    const idat = chunk('IDAT', zlibSync(scanlines(grey)));
    const head = concat(SIGNATURE, ihdr(4, 3, 8, 0));
    const end = chunk('IEND');
    const withRows = (rows: Uint8Array, header = ihdr(4, 3, 8, 0), ...before: Uint8Array[]) =>
      concat(SIGNATURE, header, ...before, chunk('IDAT', zlibSync(rows)), end);
    const badFilter = scanlines(grey);
    badFilter[0] = 5;
    const badFilterInterlaced = scanlines(grey, { interlace: true });
    badFilterInterlaced[0] = 9;
    const longLength = concat(head, Uint8Array.of(0x80, 0, 0, 0), latin1('tEXt'), new Uint8Array(20));
    const outOfPalette = { ...palette, palette: Uint8Array.of(0, 0, 0, 255, 255, 255) };
    const cases: [Uint8Array, RegExp | string][] = [
      [
        concat(head, chunk('CRIT', Uint8Array.of(1)), idat, end),
        'unsupported PNG: unknown critical chunk CRIT',
      ],
      [
        concat(head, chunk('ID4T', Uint8Array.of(1)), idat, end),
        /^corrupt PNG: a chunk's type is not four letters \(0x49443454\)/,
      ],
      [longLength, /^corrupt PNG: chunk tEXt claims 2147483648 bytes/],
      [
        concat(head, idat, chunk('tEXt', latin1('a\0b')), idat, end),
        'corrupt PNG: the IDAT chunks are not consecutive',
      ],
      [
        concat(head, chunk('tEXt', latin1('a\0b')), end),
        'corrupt PNG: no image data (IDAT chunk) before IEND',
      ],
      [concat(head, ihdr(4, 3, 8, 0), idat, end), 'corrupt PNG: more than one IHDR chunk'],
      [concat(head, idat, chunk('PLTE', new Uint8Array(6)), end), 'corrupt PNG: PLTE after the image data'],
      [
        concat(head, chunk('PLTE', new Uint8Array(6)), chunk('PLTE', new Uint8Array(6)), idat, end),
        'corrupt PNG: more than one PLTE chunk',
      ],
      [
        concat(head, chunk('PLTE', new Uint8Array(4)), idat, end),
        'corrupt PNG: a PLTE of 4 bytes is not 1 to 256 RGB entries',
      ],
      [buildPng({ ...palette, palette: undefined }), 'corrupt PNG: indexed image without a palette'],
      [buildPng(outOfPalette), /^corrupt PNG: palette index [23] beyond 2 entries$/],
      [
        buildPng({ ...outOfPalette, trns: Uint8Array.of(1, 2, 3) }),
        /more alpha values than there are palette colors \(3 vs 2\)/,
      ],
      [
        buildPng({ ...digitImage(4, 3, 6, 8), trns: Uint8Array.of(0, 0) }),
        'corrupt PNG: tRNS chunk is not allowed for colour type 6',
      ],
      [
        buildPng({ ...grey, trns: Uint8Array.of(0, 1) }, { before: [chunk('tRNS', Uint8Array.of(0, 2))] }),
        'corrupt PNG: more than one tRNS chunk',
      ],
      [withRows(badFilter), 'corrupt PNG: unknown filter type 5 in row 0'],
      [
        withRows(badFilterInterlaced, ihdr(4, 3, 8, 0, 1)),
        'corrupt PNG: unknown filter type 9 in row 0 of Adam7 pass 1',
      ],
      [withRows(scanlines(grey), ihdrWith(10, 1)), 'corrupt PNG: unknown compression method 1'],
      [withRows(scanlines(grey), ihdrWith(11, 1)), 'corrupt PNG: unknown filter method 1'],
      [withRows(scanlines(grey), ihdrWith(12, 2)), 'corrupt PNG: unknown interlace method 2'],
      [withRows(scanlines(grey), ihdr(2 ** 31, 1, 8, 0)), 'corrupt PNG: the image is 2147483648×1'],
    ];
    for (const [bytes, message] of cases) {
      const error = refusal(bytes);
      if (typeof message === 'string') expect(error.message).toBe(message);
      else expect(error.message).toMatch(message);
    }
  });

  it('refuses an image so wide and short that its rows would outweigh its pixels', () => {
    // Within the API's 2048×2048 budget, 4194304×1 16-bit RGBA would need two 32 MiB rows.
    const wide = concat(SIGNATURE, ihdr(4_194_304, 1, 16, 6), chunk('IDAT', zeroBomb(10)), chunk('IEND'));
    expect(refusal(wide, (b) => decodePng(b, { maxPixels: 2048 * 2048 })).message).toBe(
      'unsupported PNG: 4194304×1 is too wide for its height (decoding its rows would take more memory than its pixels)',
    );
    // The same width in 8-bit grey, or 16-bit RGBA 65,535 wide, is fine.
    const rows = (width: number, bytesPerPixel: number) => new Uint8Array(1 + width * bytesPerPixel);
    const grey = concat(
      SIGNATURE,
      ihdr(4_194_304, 1, 8, 0),
      chunk('IDAT', zlibSync(rows(4_194_304, 1))),
      chunk('IEND'),
    );
    expect(decodePng(grey, { maxPixels: 2048 * 2048 }).width).toBe(4_194_304);
    const rgba = concat(
      SIGNATURE,
      ihdr(65_535, 1, 16, 6),
      chunk('IDAT', zlibSync(rows(65_535, 8))),
      chunk('IEND'),
    );
    expect(decodePng(rgba).width).toBe(65_535);
  });

  it('refuses more than 65,536 chunks', () => {
    const empty = chunk('tEXt');
    const many = new Uint8Array(65_536 * empty.length);
    for (let i = 0; i < 65_536; i++) many.set(empty, i * empty.length);
    const grey = digitImage(2, 2, 0, 8);
    const idat = chunk('IDAT', zlibSync(scanlines(grey)));
    const ok = concat(SIGNATURE, ihdr(2, 2, 8, 0), many.subarray(empty.length * 3), idat, chunk('IEND'));
    expect(decodePng(ok).width).toBe(2);
    const tooMany = concat(SIGNATURE, ihdr(2, 2, 8, 0), many, idat, chunk('IEND'));
    expect(refusal(tooMany).message).toBe('unsupported PNG: more than 65536 chunks');
  });

  it('ignores a tRNS chunk that comes after the image data, as libpng does', () => {
    const image = digitImage(5, 5, 0, 8);
    const late = buildPng(image, { after: [chunk('tRNS', Uint8Array.of(0, 0))] });
    const decoded = decodePng(late);
    expect(decoded.source.transparency).toBe(false);
    expect(sameBytes(decoded.data, expectedRgba(image))).toBe(true);
  });

  it('throws nothing but ImageDecodeError, and never hangs, on randomly damaged files', () => {
    const rand = random(2024);
    const sources = [
      buildPng(digitImage(12, 9, 6, 8, { alpha: true })),
      buildPng(digitImage(12, 9, 3, 4, { alpha: true }), { interlace: true }),
      buildPng(digitImage(12, 9, 0, 16), { idatSize: 40 }),
    ];
    let refused = 0;
    for (let trial = 0; trial < 600; trial++) {
      const bytes = (sources[trial % sources.length] as Uint8Array).slice();
      const flips = 1 + (trial % 3);
      for (let k = 0; k < flips; k++) {
        const at = 8 + Math.floor(rand() * (bytes.length - 8));
        bytes[at] = (bytes[at] as number) ^ (1 + Math.floor(rand() * 255));
      }
      // Half the time, mend every CRC so that the damage reaches the inflater and the filters.
      if (trial % 2) mendCrcs(bytes);
      try {
        decodePng(bytes);
      } catch (error) {
        expect(error, String(error)).toBeInstanceOf(ImageDecodeError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(300);
  });
});

describe('decodePngGrey and pngToMnistInput', () => {
  it('give bit for bit what toGrey and toMnistInput gave on the old decoder, for every format', () => {
    const optionSets: MnistInputOptions[] = [{}, { invert: true }, { invert: false, noiseFloor: 0.1 }];
    let withInk = 0;
    let total = 0;
    for (const [colourType, depth] of FORMATS) {
      for (const [width, height] of [
        [1, 1],
        [4, 3],
        [28, 28],
        [31, 45],
        [64, 64],
        [97, 61],
      ] as const) {
        for (const alpha of [false, true]) {
          for (const dark of [false, true]) {
            const image = digitImage(width, height, colourType, depth, { alpha, dark });
            for (const interlace of [false, true]) {
              const bytes = buildPng(image, { interlace });
              // Where the old decoder refused the file, the reference is the picture's own RGBA.
              const reference = oldDecoderRefuses(image, interlace)
                ? { width, height, data: expectedRgba(image) }
                : legacyDecodePng(bytes);
              const what = `${COLOUR[colourType]} ${depth} ${width}×${height} alpha ${alpha} dark ${dark} interlace ${interlace}`;
              expect(sameFloats(decodePngGrey(bytes).data, legacyToGrey(reference).data), what).toBe(true);
              for (const options of optionSets) {
                const expected = legacyToMnistInput(reference, options);
                expect(
                  sameFloats(pngToMnistInput(bytes, options), expected),
                  `${what} ${JSON.stringify(options)}`,
                ).toBe(true);
                expect(sameFloats(toMnistInput(decodePng(bytes), options), expected), what).toBe(true);
                total++;
                if (expected.some((v) => v > 0)) withInk++;
              }
            }
          }
        }
      }
    }
    // The comparison means something only if most inputs hold a digit.
    expect(withInk).toBeGreaterThan(total / 2);
  });

  it('toGrey and toMnistInput give what they gave before on float and canvas pictures', () => {
    const rand = random(5);
    for (const [width, height] of [
      [1, 1],
      [3, 2],
      [28, 28],
      [40, 23],
    ] as const) {
      const n = width * height;
      // Out-of-range values and NaN, which toGrey clamps and zeroes.
      const floats = Float32Array.from({ length: n }, (_, i) =>
        i % 17 === 3 ? Number.NaN : i % 13 === 5 ? -0.5 : i % 11 === 2 ? 1.5 : rand() * (i % 3 ? 0.2 : 1),
      );
      const greyImage = { width, height, data: floats };
      expect(sameFloats(toGrey(greyImage).data, legacyToGrey(greyImage).data)).toBe(true);
      expect(sameFloats(toMnistInput(greyImage), legacyToMnistInput(greyImage))).toBe(true);
      // A canvas: dark strokes on a transparent background, and the same opaque.
      for (const opaque of [false, true]) {
        const data = new Uint8ClampedArray(n * 4);
        for (let i = 0; i < n; i++) {
          const ink = rand() < 0.3;
          data.set(
            [
              ink ? 20 : 250,
              ink ? 30 : 240,
              ink ? 10 : 245,
              opaque ? 255 : ink ? 255 : Math.floor(rand() * 40),
            ],
            i * 4,
          );
        }
        const canvas = { width, height, data };
        expect(sameFloats(toGrey(canvas).data, legacyToGrey(canvas).data)).toBe(true);
        for (const invert of ['auto', true, false] as const) {
          expect(sameFloats(toMnistInput(canvas, { invert }), legacyToMnistInput(canvas, { invert }))).toBe(
            true,
          );
        }
      }
    }
  });

  it('finds the border statistics of very thin images without copying the border, as before', () => {
    const rand = random(17);
    for (const [width, height] of [
      [70_000, 1],
      [1, 70_000],
      [40_000, 3],
      [2, 40_000],
    ] as const) {
      const n = width * height;
      const long = Math.max(width, height);
      // Paper with grain and a dark stroke a fifth of the way along, then a light one.
      const data = Float32Array.from({ length: n }, (_, i) => {
        const t = (i % long) / long;
        return (
          0.85 + 0.1 * rand() - (Math.abs(t - 0.2) < 0.01 ? 0.7 : 0) + (Math.abs(t - 0.7) < 0.002 ? 0.1 : 0)
        );
      });
      const image = { width, height, data };
      for (const options of [
        {},
        { invert: true },
        { invert: false },
        { noiseFloor: 0.05 },
      ] as MnistInputOptions[]) {
        const expected = legacyToMnistInput(image, options);
        expect(expected.some((v) => v > 0)).toBe(true);
        expect(sameFloats(toMnistInput(image, options), expected), `${width}×${height}`).toBe(true);
      }
    }
    const strip = digitImage(70_000, 1, 0, 8);
    const bytes = buildPng(strip);
    expect(sameFloats(pngToMnistInput(bytes), legacyToMnistInput(legacyDecodePng(bytes)))).toBe(true);
  });

  it('decodes a 2048×2048 16-bit RGBA upload in about 4 bytes a pixel', async () => {
    const gc = await collector();
    const png = rgba16Upload();
    // What the input costs is the caller's: measure from here.
    gc();
    let before = process.memoryUsage().arrayBuffers;
    const decoded = decodePng(png);
    const rgbaCost = process.memoryUsage().arrayBuffers - before;
    expect(decoded.data.length).toBe(2048 * 2048 * 4);
    // 16 MiB of RGBA and the decoder's fixed working set; fast-png's path held ~70 MiB.
    expect(rgbaCost).toBeLessThan(17 * MiB);
    // Pixel (8, 63) repeats the first row; pixel (8, 64) has 1 added to its red sample's high byte.
    expect(decoded.data[4 * (63 * 2048 + 8)]).toBe(192);
    expect(decoded.data[4 * (64 * 2048 + 8)]).toBe(193);

    gc();
    before = process.memoryUsage().arrayBuffers;
    const input = pngToMnistInput(png);
    // The grey picture is garbage by now, but nothing has collected it: what is counted is the peak.
    const mnistCost = process.memoryUsage().arrayBuffers - before;
    expect(input.length).toBe(784);
    expect(mnistCost).toBeLessThan(17 * MiB);
  });
});

/** The 4×3 8-bit grey IHDR with one byte of its data changed (10: compression, 11: filter, 12: interlace). */
function ihdrWith(offset: number, value: number): Uint8Array {
  const data = ihdr(4, 3, 8, 0).slice(8, 21);
  data[offset] = value;
  return chunk('IHDR', data);
}

/** Rewrites the CRC of every chunk in a PNG, in place, as far as its lengths make sense. */
function mendCrcs(png: Uint8Array): void {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  for (let pos = 8; pos + 12 <= png.length; ) {
    const length = view.getUint32(pos);
    if (pos + 12 + length > png.length) return;
    view.setUint32(pos + 8 + length, crc32(png.subarray(pos + 4, pos + 8 + length)));
    pos += 12 + length;
  }
}

/**
 * A 2048×2048 16-bit RGBA PNG that compresses well (a first row, then rows "Up"-filtered to repeat
 * it with a mark every 64 rows), so building it costs the test little.
 */
function rgba16Upload(): Uint8Array {
  const width = 2048;
  const rowBytes = width * 8;
  const raw = new Uint8Array(width * (1 + rowBytes));
  for (let y = 0; y < width; y++) {
    const o = y * (1 + rowBytes);
    raw[o] = y === 0 ? 0 : 2;
    if (y === 0) for (let i = 0; i < rowBytes; i++) raw[o + 1 + i] = i % 8 === 6 ? 255 : (i * 7) & 255;
    else if (y % 64 === 0) raw[o + 1 + 8 * 8] = 1;
  }
  return concat(
    SIGNATURE,
    ihdr(width, width, 16, 6),
    chunk('IDAT', zlibSync(raw, { level: 1 })),
    chunk('IEND'),
  );
}
