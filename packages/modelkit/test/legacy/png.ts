/**
 * The fast-png–based decodePng as it was before the bounded decoder replaced it, frozen as a
 * reference: the new decoder must give the same pixels, and pngToMnistInput the same 784 values as
 * `legacyToMnistInput(legacyDecodePng(bytes))`. Not for production: it inflates without a bound.
 */
import { decode } from 'fast-png';
import { type DecodedImage, type DecodePngOptions, ImageDecodeError } from '../../src/png.ts';

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10] as const;
const DEFAULT_MAX_PIXELS = 1 << 24;

export function legacyDecodePng(
  bytes: Uint8Array | ArrayBuffer,
  options: DecodePngOptions = {},
): DecodedImage {
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
