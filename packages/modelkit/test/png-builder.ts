/**
 * Builds PNG files byte by byte for the decoder's tests: every colour type and depth, the five row
 * filters (fast-png's encoder writes only "None"), Adam7 at any depth, and deliberately broken files.
 * Independent of the decoder on purpose: its own CRC, its own packing and filtering.
 */
import { zlibSync } from 'fflate';

export const SIGNATURE = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 255] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One chunk: length, type, data, CRC (or `crc` to write a wrong one). */
export function chunk(type: string, data: Uint8Array = new Uint8Array(0), crc?: number): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc ?? crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function ihdr(width: number, height: number, depth: number, colourType: number, interlace = 0) {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  data.set([depth, colourType, 0, 0, interlace], 8);
  return chunk('IHDR', data);
}

export const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

export interface RawImage {
  width: number;
  height: number;
  colourType: 0 | 2 | 3 | 4 | 6;
  depth: 1 | 2 | 4 | 8 | 16;
  /** Samples, pixel by pixel, at the file's depth (palette indices for colour type 3). */
  samples: Uint16Array;
  /** RGB triplets, for colour type 3. */
  palette?: Uint8Array;
  /** The tRNS chunk's data, as the file holds it. */
  trns?: Uint8Array;
}

export interface BuildOptions {
  interlace?: boolean;
  /** A filter type for every row, or 'cycle' to use 0, 1, 2, 3, 4, 0… row after row (the default). */
  filter?: number | 'cycle';
  /** Splits the compressed data into IDAT chunks of this many bytes. */
  idatSize?: number;
  /** Chunks placed between IHDR and the first IDAT, and between the last IDAT and IEND. */
  before?: Uint8Array[];
  after?: Uint8Array[];
}

const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** The filtered scanlines (filter byte first), pass after pass, exactly as they go into zlib. */
export function scanlines(image: RawImage, options: BuildOptions = {}): Uint8Array {
  const { width, height, depth } = image;
  const channels = SAMPLES[image.colourType] as number;
  const bits = depth * channels;
  const bpp = Math.max(1, bits >> 3);
  const passes = [];
  for (const [x0, y0, dx, dy] of options.interlace ? ADAM7 : ([[0, 0, 1, 1]] as const)) {
    const pw = width > x0 ? Math.ceil((width - x0) / dx) : 0;
    const ph = height > y0 ? Math.ceil((height - y0) / dy) : 0;
    if (pw > 0 && ph > 0) passes.push({ x0, y0, dx, dy, pw, ph, rowBytes: Math.ceil((pw * bits) / 8) });
  }
  const out = new Uint8Array(passes.reduce((n, p) => n + p.ph * (1 + p.rowBytes), 0));
  let at = 0;
  let rowNumber = 0;
  for (const { x0, y0, dx, dy, pw, ph, rowBytes } of passes) {
    let prev = new Uint8Array(rowBytes);
    for (let py = 0; py < ph; py++) {
      const raw = new Uint8Array(rowBytes);
      let bit = 0;
      for (let px = 0; px < pw; px++) {
        const pixel = (y0 + py * dy) * width + x0 + px * dx;
        for (let c = 0; c < channels; c++, bit += depth) {
          const v = image.samples[pixel * channels + c] as number;
          if (depth === 16) {
            raw[bit >> 3] = v >> 8;
            raw[(bit >> 3) + 1] = v & 255;
          } else {
            raw[bit >> 3] = (raw[bit >> 3] as number) | (v << (8 - depth - (bit & 7)));
          }
        }
      }
      const filter =
        options.filter === undefined || options.filter === 'cycle' ? rowNumber % 5 : options.filter;
      rowNumber++;
      out[at++] = filter;
      for (let i = 0; i < rowBytes; i++) {
        const a = i >= bpp ? (raw[i - bpp] as number) : 0;
        const b = prev[i] as number;
        const c = i >= bpp ? (prev[i - bpp] as number) : 0;
        const predictor =
          filter === 1
            ? a
            : filter === 2
              ? b
              : filter === 3
                ? (a + b) >> 1
                : filter === 4
                  ? paeth(a, b, c)
                  : 0;
        out[at++] = (raw[i] as number) - predictor;
      }
      prev = raw;
    }
  }
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** A complete PNG of `image`, or one built from `compressed` image data instead. */
export function buildPng(image: RawImage, options: BuildOptions = {}, compressed?: Uint8Array): Uint8Array {
  const data = compressed ?? zlibSync(scanlines(image, options));
  const size = options.idatSize ?? data.length;
  const idats: Uint8Array[] = [];
  for (let at = 0; at < data.length || idats.length === 0; at += size) {
    idats.push(chunk('IDAT', data.subarray(at, at + size)));
  }
  return concat(
    SIGNATURE,
    ihdr(image.width, image.height, image.depth, image.colourType, options.interlace ? 1 : 0),
    ...(image.palette ? [chunk('PLTE', image.palette)] : []),
    ...(image.trns ? [chunk('tRNS', image.trns)] : []),
    ...(options.before ?? []),
    ...idats,
    ...(options.after ?? []),
    chunk('IEND'),
  );
}

/**
 * The RGBA a decoder must give for `image`, worked out from the samples alone: 16-bit rounded to
 * 8 bits, sub-byte grey scaled to 0..255, tRNS compared with the raw samples.
 */
export function expectedRgba(image: RawImage): Uint8Array {
  const { width, height, depth, colourType, samples, palette, trns } = image;
  const n = width * height;
  const channels = SAMPLES[colourType] as number;
  const max = 2 ** depth - 1;
  const to8 = (v: number) => Math.round((v * 255) / max);
  const key = (i: number) =>
    trns && trns.length >= 2 * i + 2 ? (trns[2 * i] as number) * 256 + (trns[2 * i + 1] as number) : -1;
  const out = new Uint8Array(n * 4);
  for (let p = 0; p < n; p++) {
    const s = Array.from(samples.subarray(p * channels, (p + 1) * channels));
    let rgba: number[];
    if (colourType === 3) {
      const i = s[0] as number;
      rgba = [
        ...(palette as Uint8Array).subarray(3 * i, 3 * i + 3),
        trns && i < trns.length ? (trns[i] as number) : 255,
      ];
    } else if (colourType === 0) {
      rgba = [to8(s[0] as number), to8(s[0] as number), to8(s[0] as number), s[0] === key(0) ? 0 : 255];
    } else if (colourType === 4) {
      rgba = [to8(s[0] as number), to8(s[0] as number), to8(s[0] as number), to8(s[1] as number)];
    } else if (colourType === 2) {
      const transparent = s[0] === key(0) && s[1] === key(1) && s[2] === key(2);
      rgba = [...s.map(to8), transparent ? 0 : 255];
    } else {
      rgba = s.map(to8);
    }
    out.set(rgba, p * 4);
  }
  return out;
}

/** A 32-bit xorshift generator, so that every run builds the same images. */
export function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/**
 * A digit-like picture: a ring of ink on paper, with a little grain, in the given format. `alpha`
 * makes the paper transparent (alpha types) or keys it out with tRNS (grey, RGB, palette).
 */
export function digitImage(
  width: number,
  height: number,
  colourType: RawImage['colourType'],
  depth: RawImage['depth'],
  options: { alpha?: boolean; dark?: boolean; seed?: number } = {},
): RawImage {
  const rand = random(options.seed ?? width * 131 + height);
  const channels = SAMPLES[colourType] as number;
  const max = 2 ** depth - 1;
  const samples = new Uint16Array(width * height * channels);
  const levels = colourType === 3 ? Math.min(2 ** depth, 16) : 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x + 0.5 - width / 2, y + 0.5 - height / 2);
      const ring = Math.max(
        0,
        Math.min(1, Math.max(1, width / 10) - Math.abs(r - Math.min(width, height) / 3)),
      );
      const grain = (rand() - 0.5) * 0.06;
      const paper = options.dark ? 0.05 : 0.93;
      const ink = options.dark ? 0.95 : 0.08;
      const v = Math.max(0, Math.min(1, paper + (ink - paper) * ring + grain));
      const p = (y * width + x) * channels;
      if (colourType === 3) {
        samples[p] = Math.round(v * (levels - 1));
        continue;
      }
      for (let c = 0; c < channels; c++) {
        const tint = c < 3 && channels >= 3 ? ([1, 0.9, 0.8][c] as number) : 1;
        samples[p + c] = Math.round(Math.min(1, v * tint) * max);
      }
      if (options.alpha && (colourType === 4 || colourType === 6)) {
        samples[p + channels - 1] = Math.round(Math.max(ring, 0.02 * rand()) * max);
      }
    }
  }
  const image: RawImage = { width, height, colourType, depth, samples };
  if (colourType === 3) {
    image.palette = Uint8Array.from({ length: levels * 3 }, (_, i) =>
      Math.round(((i / 3) | 0) * (255 / Math.max(1, levels - 1)) * ([1, 0.95, 0.9][i % 3] as number)),
    );
    if (options.alpha)
      image.trns = Uint8Array.from({ length: levels }, (_, i) => (i === levels - 1 ? 0 : 255));
  } else if (options.alpha && colourType === 0) {
    // The lightest paper sample is keyed out as transparent.
    let light = 0;
    for (const s of samples) if (s > light) light = s;
    image.trns = Uint8Array.of(light >> 8, light & 255);
  } else if (options.alpha && colourType === 2) {
    const key = Array.from(samples.subarray(0, 3));
    image.trns = Uint8Array.from(key.flatMap((v) => [v >> 8, v & 255]));
  }
  return image;
}

/** Writes DEFLATE's bit order into a preallocated buffer: values least significant bit first. */
class BitWriter {
  bit = 0;
  constructor(readonly bytes: Uint8Array) {}

  write(value: number, bits: number): void {
    for (let i = 0; i < bits; i++, this.bit++) {
      if ((value >> i) & 1)
        this.bytes[this.bit >> 3] = (this.bytes[this.bit >> 3] as number) | (1 << (this.bit & 7));
    }
  }

  /** A Huffman code: its bits go most significant first. */
  code(code: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) this.write((code >> i) & 1, 1);
  }
}

/**
 * A zlib stream that inflates to 1 + 258·`matches` zero bytes at DEFLATE's densest, 1032:1: one
 * dynamic block whose only codes are literal 0, end-of-block and length 258 (1 bit), with a single
 * 1-bit distance code, so that each 258 bytes cost two zero bits. 1 GiB takes 1 MiB, built in
 * microseconds without inflating or deflating anything. With `poison`, the block is not the last and
 * is followed by one of the invalid type 3: a decoder that reports anything but its own limit has
 * inflated the whole bomb.
 */
export function zeroBomb(matches: number, poison = false): Uint8Array {
  const headerBits = 3 + 14 + 18 * 3 + 289 * 2 + 2;
  const bytes = new Uint8Array(2 + Math.ceil((headerBits + 2 * matches + 2 + 3) / 8) + 1 + 4);
  bytes[0] = 0x78;
  bytes[1] = 0x01;
  const w = new BitWriter(bytes.subarray(2));
  w.write(poison ? 0 : 1, 1);
  w.write(2, 2);
  w.write(286 - 257, 5);
  w.write(1 - 1, 5);
  w.write(18 - 4, 4);
  // Code-length code: symbol 0 → "0", 1 → "10", 2 → "11".
  const clLength: Record<number, number> = { 0: 1, 1: 2, 2: 2 };
  for (const s of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1])
    w.write(clLength[s] ?? 0, 3);
  const writeLength = (l: number) => (l === 0 ? w.code(0, 1) : w.code(l === 1 ? 2 : 3, 2));
  // Literal/length code: 285 → "0", 0 → "10", 256 → "11"; distance code: 0 → "0".
  for (let s = 0; s < 286; s++) writeLength(s === 285 ? 1 : s === 0 || s === 256 ? 2 : 0);
  writeLength(1);
  w.code(2, 2); // literal 0
  w.bit += 2 * matches; // (258, distance 1), all zero bits
  w.code(3, 2); // end of block
  if (poison) w.write(0b111, 3); // final block of type 3, which does not exist
  return bytes;
}

/** The 1×1 8-bit grey PNG with `compressed` as its image data: it declares 2 bytes of it. */
export function onePixel(compressed: Uint8Array, before: Uint8Array[] = []): Uint8Array {
  return concat(SIGNATURE, ihdr(1, 1, 8, 0), ...before, chunk('IDAT', compressed), chunk('IEND'));
}

export function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/**
 * A zlib stream of `blocks` dynamic blocks that produce nothing, each declaring a literal/length code
 * with lengths 1 to 15: ~22 bytes a block, and a decoder that builds full-width lookup tables fills
 * 2^15 entries for each. Then an empty final block and a (zero) checksum.
 */
export function tableBomb(blocks: number): Uint8Array {
  const bytes = new Uint8Array(2 + Math.ceil((blocks * 200 + 10) / 8) + 5);
  bytes[0] = 0x78;
  bytes[1] = 0x01;
  const w = new BitWriter(bytes.subarray(2));
  // Code-length code: symbols 1..15 and 18, all 4 bits (1..15 → codes 0..14, 18 → 15).
  const cl = (s: number) => w.code(s === 18 ? 15 : s - 1, 4);
  for (let b = 0; b < blocks; b++) {
    w.write(0, 1);
    w.write(2, 2);
    w.write(257 - 257, 5);
    w.write(1 - 1, 5);
    w.write(19 - 4, 4);
    for (const s of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]) {
      w.write(s === 16 || s === 17 || s === 0 ? 0 : 4, 3);
    }
    for (let l = 1; l <= 15; l++) cl(l); // symbols 0..14: lengths 1..15
    cl(18);
    w.write(138 - 11, 7); // symbols 15..152: unused
    cl(18);
    w.write(103 - 11, 7); // symbols 153..255: unused
    cl(15); // 256, end of block: 15 bits, the last code of the set
    cl(1); // distance code 0: 1 bit
    w.code(0x7fff, 15); // end of block
  }
  w.write(1, 1);
  w.write(1, 2);
  w.code(0, 7);
  return bytes.subarray(0, 2 + Math.ceil(w.bit / 8) + 4);
}
