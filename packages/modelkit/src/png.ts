/**
 * PNG in and out, on top of fast-png so the same code runs in Node, workerd and the browser (no zlib,
 * no Buffer). Encoding takes the project's float images; decoding accepts whatever PNG a user uploads
 * and hands back 8-bit RGBA, the layout of the DOM's ImageData, so every caller deals with one shape.
 */
import { decode, encode } from 'fast-png';

/** One channel, row-major, 0 = black and 1 = white (an MNIST digit is white on black). */
export interface GreyImage {
  width: number;
  height: number;
  data: Float32Array;
}

/**
 * Interleaved colour, row-major. Float32Array samples are 0..1; byte arrays are 0..255, which lets a
 * decoded image or a canvas's ImageData be written back out without a conversion.
 */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Float32Array | Uint8Array | Uint8ClampedArray;
}

/** 8-bit RGBA with straight (not premultiplied) alpha: what a canvas's ImageData holds. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array | Uint8ClampedArray;
}

export type PngBitDepth = 1 | 2 | 4 | 8 | 16;

export interface DecodedImage extends RgbaImage {
  channels: 4;
  data: Uint8ClampedArray;
  /** What the file held before normalisation to RGBA, for callers that want to report it. */
  source: {
    colour: 'grey' | 'grey+alpha' | 'rgb' | 'rgba' | 'palette';
    depth: PngBitDepth;
    interlaced: boolean;
    /** True where a tRNS chunk made some pixels transparent. */
    transparency: boolean;
  };
}

export interface EncodePngOptions {
  /** 16 keeps the precision of float images; 8 (the default) is what viewers and browsers expect. */
  depth?: 8 | 16;
}

export interface DecodePngOptions {
  /**
   * Refuse images with more pixels than this before inflating them, so a small malicious file cannot
   * exhaust a Worker's memory. The default, 2^24 (4096×4096), is 64 MiB of RGBA.
   */
  maxPixels?: number;
}

/** The bytes could not be read as a PNG; the message says why, in words fit for an API error. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10] as const;
const DEFAULT_MAX_PIXELS = 1 << 24;

export function encodePng(image: GreyImage | RgbImage, options: EncodePngOptions = {}): Uint8Array {
  const depth = options.depth ?? 8;
  const channels = 'channels' in image ? image.channels : 1;
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`encodePng: width and height must be positive integers, got ${width}×${height}`);
  }
  const expected = width * height * channels;
  if (data.length !== expected) {
    throw new RangeError(
      `encodePng: ${width}×${height}×${channels} needs ${expected} samples, got ${data.length}`,
    );
  }
  const max = depth === 16 ? 65535 : 255;
  const out = depth === 16 ? new Uint16Array(expected) : new Uint8Array(expected);
  if (data instanceof Float32Array) {
    for (let i = 0; i < expected; i++) {
      const v = data[i] as number;
      // NaN would otherwise become 0 only by accident of the typed-array cast; make it explicit.
      out[i] = v > 0 ? (v < 1 ? Math.round(v * max) : max) : 0;
    }
  } else if (depth === 16) {
    for (let i = 0; i < expected; i++) out[i] = (data[i] as number) * 257;
  } else {
    out.set(data);
  }
  return encode({ width, height, data: out, depth, channels });
}

export function decodePng(bytes: Uint8Array | ArrayBuffer, options: DecodePngOptions = {}): DecodedImage {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const header = readHeader(input, options.maxPixels ?? DEFAULT_MAX_PIXELS);

  let png: ReturnType<typeof decode>;
  try {
    png = decode(input, { checkCrc: true });
  } catch (error) {
    // Reading past the end surfaces from iobuffer as a DataView RangeError, which means nothing to a user.
    if (error instanceof RangeError && /outside the bounds/.test(error.message)) {
      throw new ImageDecodeError('truncated PNG: the data ends before the image does', { cause: error });
    }
    const reason = (error instanceof Error ? error.message : String(error)).replace(/:\s*$/, '');
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    throw new ImageDecodeError(`corrupt PNG: ${reason}${cause}`, { cause: error });
  }
  const { width, height, depth } = png;
  const data = toRgba(png, header.colourType);
  return {
    width,
    height,
    channels: 4,
    data,
    source: {
      colour: COLOUR_NAMES[header.colourType] ?? 'rgba',
      depth,
      interlaced: header.interlaced,
      transparency: png.transparency !== undefined || (png.palette?.[0]?.length ?? 3) === 4,
    },
  };
}

const COLOUR_NAMES: Record<number, DecodedImage['source']['colour']> = {
  0: 'grey',
  2: 'rgb',
  3: 'palette',
  4: 'grey+alpha',
  6: 'rgba',
};

// Which bit depths the PNG specification allows for each colour type.
const VALID_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * Checks what fast-png does not before it allocates anything: that this is a PNG at all (naming the
 * format when it is a common other one), that IHDR is sane, and that the image is not too large.
 */
function readHeader(bytes: Uint8Array, maxPixels: number) {
  if (bytes.length === 0) throw new ImageDecodeError('not a PNG: the data is empty');
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) {
    const other = sniffFormat(bytes);
    throw new ImageDecodeError(
      other
        ? `not a PNG: the data looks like ${other}; only PNG images are accepted`
        : 'not a PNG: the data does not start with the PNG signature',
    );
  }
  if (bytes.length < 8 + 8 + 13 + 4)
    throw new ImageDecodeError('truncated PNG: the file ends inside its header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (type !== 'IHDR' || view.getUint32(8) !== 13) {
    throw new ImageDecodeError('corrupt PNG: the first chunk is not a valid IHDR');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] as number;
  const colourType = bytes[25] as number;
  const interlaced = bytes[28] === 1;
  if (width === 0 || height === 0) throw new ImageDecodeError(`corrupt PNG: the image is ${width}×${height}`);
  const depths = VALID_DEPTHS[colourType];
  if (!depths) throw new ImageDecodeError(`corrupt PNG: unknown colour type ${colourType}`);
  if (!depths.includes(depth)) {
    throw new ImageDecodeError(
      `corrupt PNG: bit depth ${depth} is not allowed for colour type ${colourType}`,
    );
  }
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      `PNG too large: ${width}×${height} is more than the ${maxPixels} pixels accepted`,
    );
  }
  // fast-png 8.0.0 de-interlaces per byte, which scrambles sub-byte pixels; say so rather than return noise.
  if (interlaced && depth < 8) {
    throw new ImageDecodeError(`unsupported PNG: interlaced images with ${depth}-bit pixels`);
  }
  return { width, height, depth, colourType, interlaced };
}

function sniffFormat(b: Uint8Array): string | undefined {
  const ascii = (from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'a JPEG';
  if (ascii(0, 4) === 'GIF8') return 'a GIF';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'a WebP';
  if (ascii(0, 2) === 'BM') return 'a BMP';
  if (ascii(4, 12) === 'ftypavif' || ascii(4, 12) === 'ftypheic') return 'an AVIF/HEIC';
  if (/^\s*(<\?xml|<svg)/i.test(ascii(0, 64))) return 'an SVG';
  return undefined;
}

function toRgba(png: ReturnType<typeof decode>, colourType: number): Uint8ClampedArray {
  const { width, height, depth, data, channels } = png;
  const n = width * height;
  const out = new Uint8ClampedArray(n * 4);
  // Rows of sub-byte pixels are padded to whole bytes, so address samples by (row, column).
  const stride = depth < 8 ? Math.ceil((width * depth) / 8) : width * channels;
  const needed = depth < 8 ? stride * height : n * channels;
  if (data.length < needed) {
    throw new ImageDecodeError(`corrupt PNG: pixel data holds ${data.length} samples, ${needed} expected`);
  }
  const raw = (x: number, y: number, c: number): number => {
    if (depth >= 8) return data[y * stride + x * channels + c] as number;
    const bit = x * depth;
    const byte = data[y * stride + (bit >> 3)] as number;
    return (byte >> (8 - depth - (bit & 7))) & ((1 << depth) - 1);
  };
  const maxRaw = (1 << depth) - 1;
  const to8 = depth === 8 ? (v: number) => v : (v: number) => Math.round((v * 255) / maxRaw);

  if (colourType === 3) {
    const palette = png.palette;
    if (!palette || palette.length === 0)
      throw new ImageDecodeError('corrupt PNG: indexed image without a palette');
    for (let y = 0, o = 0; y < height; y++) {
      for (let x = 0; x < width; x++, o += 4) {
        const index = raw(x, y, 0);
        const entry = palette[index];
        if (!entry) {
          throw new ImageDecodeError(`corrupt PNG: palette index ${index} beyond ${palette.length} entries`);
        }
        out[o] = entry[0] as number;
        out[o + 1] = entry[1] as number;
        out[o + 2] = entry[2] as number;
        out[o + 3] = entry[3] ?? 255;
      }
    }
    return out;
  }

  // tRNS on grey or RGB images names one colour, in raw samples, that stands for "transparent".
  const key = png.transparency;
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 4) {
      if (channels <= 2) {
        const g = raw(x, y, 0);
        const v = to8(g);
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
        out[o + 3] = channels === 2 ? to8(raw(x, y, 1)) : key && key[0] === g ? 0 : 255;
      } else {
        const r = raw(x, y, 0);
        const g = raw(x, y, 1);
        const b = raw(x, y, 2);
        out[o] = to8(r);
        out[o + 1] = to8(g);
        out[o + 2] = to8(b);
        out[o + 3] =
          channels === 4 ? to8(raw(x, y, 3)) : key && key[0] === r && key[1] === g && key[2] === b ? 0 : 255;
      }
    }
  }
  return out;
}
