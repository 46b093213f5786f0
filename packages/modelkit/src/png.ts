/**
 * PNG in and out, in code that runs unchanged in Node, workerd and the browser (no zlib, no Buffer).
 * Encoding takes the project's float images and is fast-png's. Decoding accepts whatever PNG a user
 * uploads and hands back 8-bit RGBA, the layout of the DOM's ImageData (`decodePng`), or the luma
 * `toGrey` would make of it (`decodePngGrey`), so every caller deals with one shape.
 *
 * The decoder is this module's own (with its own inflater, src/inflate.ts), because uploads are
 * untrusted and a Worker isolate's 128 MB are shared by every request in flight. What it guarantees:
 *
 * - Refused before anything is allocated for the image: data that is not a PNG (a JPEG, GIF, WebP,
 *   BMP, AVIF/HEIC or SVG is named), an IHDR that is not first or not 13 bytes, zero dimensions, an
 *   unknown colour type or a bit depth it does not allow, a compression, filter or interlace method
 *   other than PNG's, more than `maxPixels` pixels (default 2^24), and a shape so wide and short that
 *   its rows would outweigh its pixels (see Memory).
 * - Every chunk is checked before anything is inflated: its CRC-32 (ancillary chunks included), its
 *   length (within the data, at most 2^31-1), its type (four letters) and its place: IHDR once and
 *   first, at most one PLTE and one tRNS (both before the image data), consecutive IDAT chunks, a
 *   palette for an indexed image, IEND at the end (bytes after it are ignored), at most 65,536 chunks.
 *   An unknown critical chunk is refused; unknown ancillary ones are skipped.
 * - Only IDAT is ever inflated. Compressed ancillary chunks (iCCP, zTXt, iTXt) are skipped without
 *   being inflated, so they cannot be used as decompression bombs; they are not refused either.
 * - The image data's output is counted against exactly what IHDR declares (rows × (1 + bytes per
 *   row), summed over the seven Adam7 passes when interlaced), in batches of at most 128 KiB; the
 *   first byte beyond it stops decoding with "… inflates to more than its W×H header declares …". A
 *   1×1 image whose data would inflate to 1 GiB (a 1 MiB file) is refused after inflating 128 KiB, in
 *   about a millisecond once warm, most of it checking the file's CRCs. Data that inflates to less
 *   than declared, or whose stream is cut short, is refused as truncated.
 * - Time: in proportion to the file's size plus the declared image's, whatever the data: each output
 *   byte costs at most one symbol, and the Huffman tables a block rebuilds are kept small, so a file
 *   of empty compressed blocks cannot make the inflater work for seconds (as fflate's did).
 * - Memory: the result (4 bytes a pixel: RGBA, or float32 luma written over the RGBA in place) plus
 *   two rows of the image and a fixed ~130 KiB (the inflater's 128 KiB window, its Huffman tables).
 *   The rows take at most 1 MiB or half the result, whichever is more: a very wide, very short image
 *   whose rows would take more (only possible beyond 65,536 pixels wide) is refused. So the peak is at
 *   most 6 bytes a pixel plus ~1.1 MiB, and 4 bytes a pixel plus ~130 KiB for usual shapes. The
 *   compressed data is read where it lies in the file; neither it nor the inflated stream is ever
 *   copied whole.
 * - Every colour type and bit depth PNG allows is decoded (grey 1/2/4/8/16, RGB 8/16, palette 1/2/4/8,
 *   grey+alpha 8/16, RGBA 8/16), with tRNS and Adam7 interlacing (sub-byte depths included). 16-bit
 *   samples are rounded to 8 bits; a palette index beyond the palette is refused.
 *
 * Every refusal is an ImageDecodeError whose message starts with what went wrong ("not a PNG",
 * "truncated PNG", "corrupt PNG", "unsupported PNG", "PNG too large") and is fit for an API's answer.
 */
import { encode } from 'fast-png';
import { InflateError, inflateZlib } from './inflate.ts';
import { rgbaToLuma } from './luma.ts';

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
   * exhaust a Worker's memory. The default, 2^24 (4096×4096), is 64 MiB of RGBA; decoding needs about
   * 4 bytes a pixel (see the module comment).
   */
  maxPixels?: number;
}

/** The bytes could not be read as a PNG; the message says why, in words fit for an API error. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
}

const PNG_SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10] as const;
const DEFAULT_MAX_PIXELS = 1 << 24;
/**
 * Encoders write few chunks (libpng's 8 KiB IDATs make ~500 for a 4 MiB file); a cap keeps a file of
 * empty chunks from costing more than a glance.
 */
const MAX_CHUNKS = 65_536;
/** Memory the two row buffers may take whatever the image's shape (see readHeader). */
const ROW_ALLOWANCE = 1 << 20;

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

/** What IHDR says, checked, with what decoding derives from it. */
interface PngHeader {
  width: number;
  height: number;
  depth: PngBitDepth;
  colourType: number;
  interlaced: boolean;
  /** Bits of one pixel, all samples together: 1 for 1-bit grey, 64 for 16-bit RGBA. */
  pixelBits: number;
}

/**
 * Decodes a PNG to 8-bit RGBA. See the module comment for what is refused and the memory it needs
 * (the result, 4 bytes a pixel, plus two rows and about 130 KiB).
 */
export function decodePng(bytes: Uint8Array | ArrayBuffer, options: DecodePngOptions = {}): DecodedImage {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const header = readHeader(input, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const rgba = new Uint8ClampedArray(header.width * header.height * 4);
  const { transparency } = decodeInto(input, header, rgba);
  return {
    width: header.width,
    height: header.height,
    channels: 4,
    data: rgba,
    source: {
      colour: COLOUR_NAMES[header.colourType] ?? 'rgba',
      depth: header.depth,
      interlaced: header.interlaced,
      transparency,
    },
  };
}

/**
 * Decodes a PNG straight to luma in 0..1: bit for bit `toGrey(decodePng(bytes, options))`, translucent
 * pixels composited the same way, in the memory of the RGBA alone (4 bytes a pixel): the floats are
 * written over the decoded bytes. What an API that only wants a grey picture should call.
 */
export function decodePngGrey(bytes: Uint8Array | ArrayBuffer, options: DecodePngOptions = {}): GreyImage {
  const input = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const header = readHeader(input, options.maxPixels ?? DEFAULT_MAX_PIXELS);
  const n = header.width * header.height;
  const rgba = new Uint8Array(n * 4);
  const { transparency } = decodeInto(input, header, rgba);
  const luma = new Float32Array(rgba.buffer, 0, n);
  const mayBeTranslucent = transparency || header.colourType === 4 || header.colourType === 6;
  rgbaToLuma(rgba, luma, n, mayBeTranslucent);
  return { width: header.width, height: header.height, data: luma };
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

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Checks, before anything is allocated, that this is a PNG at all (naming the format when it is a
 * common other one), that IHDR is sane, and that the image is not too large. IHDR's CRC is checked
 * with every other chunk's when the chunks are walked.
 */
function readHeader(bytes: Uint8Array, maxPixels: number): PngHeader {
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
  if (view.getUint32(12) !== IHDR || view.getUint32(8) !== 13) {
    throw new ImageDecodeError('corrupt PNG: the first chunk is not a valid IHDR');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24] as number;
  const colourType = bytes[25] as number;
  const [compression, filter, interlace] = [bytes[26], bytes[27], bytes[28]];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new ImageDecodeError(`corrupt PNG: the image is ${width}×${height}`);
  }
  const depths = VALID_DEPTHS[colourType];
  if (!depths) throw new ImageDecodeError(`corrupt PNG: unknown colour type ${colourType}`);
  if (!depths.includes(depth)) {
    throw new ImageDecodeError(
      `corrupt PNG: bit depth ${depth} is not allowed for colour type ${colourType}`,
    );
  }
  if (compression !== 0) throw new ImageDecodeError(`corrupt PNG: unknown compression method ${compression}`);
  if (filter !== 0) throw new ImageDecodeError(`corrupt PNG: unknown filter method ${filter}`);
  if (interlace !== 0 && interlace !== 1) {
    throw new ImageDecodeError(`corrupt PNG: unknown interlace method ${interlace}`);
  }
  if (width * height > maxPixels) {
    throw new ImageDecodeError(
      `PNG too large: ${width}×${height} is more than the ${maxPixels} pixels accepted`,
    );
  }
  const pixelBits = depth * (SAMPLES[colourType] as number);
  // Unfiltering keeps two rows of up to 8 bytes a pixel. Within the pixel budget, a 4194304×1
  // 16-bit RGBA image would need 64 MiB for them beside 16 MiB of pixels: refuse a shape whose rows
  // outweigh half its pixels' memory, which no image narrower than 65,536 pixels can do.
  const rows = 2 * Math.ceil((width * pixelBits) / 8);
  if (rows > Math.max(ROW_ALLOWANCE, 2 * width * height)) {
    throw new ImageDecodeError(
      `unsupported PNG: ${width}×${height} is too wide for its height (decoding its rows would take more memory than its pixels)`,
    );
  }
  return {
    width,
    height,
    depth: depth as PngBitDepth,
    colourType,
    interlaced: interlace === 1,
    pixelBits,
  };
}

// Chunk types as the big-endian 32-bit numbers their four letters make.
const IHDR = 0x49484452;
const PLTE = 0x504c5445;
const IDAT = 0x49444154;
const IEND = 0x49454e44;
const TRNS = 0x74524e53;

function chunkName(type: number): string {
  return String.fromCharCode(type >>> 24, (type >>> 16) & 255, (type >>> 8) & 255, type & 255);
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function corrupt(reason: string): ImageDecodeError {
  return new ImageDecodeError(`corrupt PNG: ${reason}`);
}

function truncated(): ImageDecodeError {
  return new ImageDecodeError('truncated PNG: the data ends before the image does');
}

/**
 * Walks every chunk after the signature, checking each one's CRC and place, then inflates the image
 * data into `rgba` (width × height × 4 bytes). Nothing is inflated before the whole file has been
 * found sound.
 */
function decodeInto(
  bytes: Uint8Array,
  header: PngHeader,
  rgba: Uint8Array | Uint8ClampedArray,
): { transparency: boolean } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let pos = 8;
  let chunks = 0;
  let palette: Uint8Array | undefined;
  let trns: Uint8Array | undefined;
  // Where each IDAT chunk's data lies in `bytes`: start, end, start, end…
  const idat: number[] = [];
  let afterImageData = false;
  for (;;) {
    if (end - pos < 12) throw truncated();
    const length = view.getUint32(pos);
    const type = view.getUint32(pos + 4);
    if (
      !isLetter(type >>> 24) ||
      !isLetter((type >>> 16) & 255) ||
      !isLetter((type >>> 8) & 255) ||
      !isLetter(type & 255)
    ) {
      const hex = Array.from(bytes.subarray(pos + 4, pos + 8), (b) => b.toString(16).padStart(2, '0'));
      throw corrupt(`a chunk's type is not four letters (0x${hex.join('')})`);
    }
    if (length > 0x7fffffff) {
      throw corrupt(`chunk ${chunkName(type)} claims ${length} bytes, more than PNG allows`);
    }
    if (end - pos - 12 < length) throw truncated();
    if (++chunks > MAX_CHUNKS) throw new ImageDecodeError(`unsupported PNG: more than ${MAX_CHUNKS} chunks`);
    const dataStart = pos + 8;
    const dataEnd = dataStart + length;
    const expectedCrc = view.getUint32(dataEnd);
    const actualCrc = crc32(bytes, pos + 4, dataEnd);
    if (expectedCrc !== actualCrc) {
      throw corrupt(`CRC mismatch for chunk ${chunkName(type)}. Expected ${expectedCrc}, found ${actualCrc}`);
    }
    const seenImageData = idat.length > 0;
    if (seenImageData && type !== IDAT) afterImageData = true;

    if (type === IDAT) {
      if (afterImageData) throw corrupt('the IDAT chunks are not consecutive');
      if (!seenImageData && header.colourType === 3 && !palette) {
        throw corrupt('indexed image without a palette');
      }
      idat.push(dataStart, dataEnd);
    } else if (type === IEND) {
      if (!seenImageData) throw corrupt('no image data (IDAT chunk) before IEND');
      break;
    } else if (type === IHDR) {
      if (pos !== 8) throw corrupt('more than one IHDR chunk');
    } else if (type === PLTE) {
      if (palette) throw corrupt('more than one PLTE chunk');
      if (seenImageData) throw corrupt('PLTE after the image data');
      if (length === 0 || length % 3 !== 0 || length > 768) {
        throw corrupt(`a PLTE of ${length} bytes is not 1 to 256 RGB entries`);
      }
      palette = bytes.subarray(dataStart, dataEnd);
    } else if (type === TRNS) {
      // The specification puts tRNS before the image data; libpng ignores a late one, and so does
      // this decoder, which may already have written the pixels.
      if (!seenImageData) {
        trns = checkTransparency(header.colourType, bytes.subarray(dataStart, dataEnd), palette, trns);
      }
    } else if ((type & 0x20000000) === 0) {
      // Bit 5 of the first letter (lower case) marks a chunk a decoder may skip; this one it may not.
      throw new ImageDecodeError(`unsupported PNG: unknown critical chunk ${chunkName(type)}`);
    }
    pos = dataEnd + 4;
  }

  const stream = new ImageStream(header, rowWriter(header, rgba, palette, trns));
  try {
    inflateZlib(bytes, idat, (output) => stream.take(output));
  } catch (error) {
    if (!(error instanceof InflateError)) throw error;
    if (error.truncated) {
      throw new ImageDecodeError(
        `truncated PNG: the compressed image data ends before its stream does (${error.message})`,
        { cause: error },
      );
    }
    throw new ImageDecodeError(`corrupt PNG: the image data cannot be inflated (${error.message})`, {
      cause: error,
    });
  }
  stream.finish();
  return { transparency: trns !== undefined };
}

function checkTransparency(
  colourType: number,
  data: Uint8Array,
  palette: Uint8Array | undefined,
  previous: Uint8Array | undefined,
): Uint8Array {
  if (previous) throw corrupt('more than one tRNS chunk');
  if (colourType === 3) {
    if (!palette) throw corrupt('tRNS before PLTE');
    if (data.length > palette.length / 3) {
      throw corrupt(
        `tRNS chunk contains more alpha values than there are palette colors (${data.length} vs ${palette.length / 3})`,
      );
    }
  } else if (colourType === 0 || colourType === 2) {
    if (data.length % 2 !== 0) throw corrupt(`tRNS chunk length must be a multiple of 2, got ${data.length}`);
  } else {
    throw corrupt(`tRNS chunk is not allowed for colour type ${colourType}`);
  }
  return data;
}

// CRC-32 (ISO-HDLC, as PNG and zlib use it), eight bytes a step ("slicing by 8"): the checksum covers
// every byte of the file, so it is worth being several times faster than a byte at a time.
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number;
    for (let k = 1; k < 8; k++) {
      c = (t[c & 255] as number) ^ (c >>> 8);
      t[k * 256 + n] = c;
    }
  }
  return t;
})();

function crc32(bytes: Uint8Array, from: number, to: number): number {
  const t = CRC_TABLES;
  let c = -1;
  let i = from;
  for (const last = to - 8; i <= last; i += 8) {
    const lo =
      c ^
      ((bytes[i] as number) |
        ((bytes[i + 1] as number) << 8) |
        ((bytes[i + 2] as number) << 16) |
        ((bytes[i + 3] as number) << 24));
    c =
      (t[1792 + (lo & 255)] as number) ^
      (t[1536 + ((lo >>> 8) & 255)] as number) ^
      (t[1280 + ((lo >>> 16) & 255)] as number) ^
      (t[1024 + (lo >>> 24)] as number) ^
      (t[768 + (bytes[i + 4] as number)] as number) ^
      (t[512 + (bytes[i + 5] as number)] as number) ^
      (t[256 + (bytes[i + 6] as number)] as number) ^
      (t[bytes[i + 7] as number] as number);
  }
  for (; i < to; i++) c = (t[(c ^ (bytes[i] as number)) & 255] as number) ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** One sub-image of the data: the whole image, or one of Adam7's seven passes. */
interface Pass {
  x: number;
  y: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
}

// Adam7: first column, first row, column step, row step of each pass.
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

function passesOf(h: PngHeader): Pass[] {
  const specs = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  const passes: Pass[] = [];
  for (const [x, y, dx, dy] of specs) {
    const width = h.width > x ? Math.ceil((h.width - x) / dx) : 0;
    const height = h.height > y ? Math.ceil((h.height - y) / dy) : 0;
    // A pass with no pixels has no rows at all, not even filter bytes.
    if (width > 0 && height > 0) {
      passes.push({ x, y, dx, dy, width, height, rowBytes: Math.ceil((width * h.pixelBits) / 8) });
    }
  }
  return passes;
}

/**
 * Writes `count` pixels whose unfiltered samples start at `row[start]` to the RGBA pixels `first`,
 * `first + step`, `first + 2·step`…
 */
type RowWriter = (row: Uint8Array, start: number, count: number, first: number, step: number) => void;

/**
 * Takes the inflated image data as it comes, never more than IHDR declares, and unfilters it a row
 * at a time into the RGBA output with two row buffers.
 */
class ImageStream {
  private readonly passes: Pass[];
  private readonly expected: number;
  /** Filter distance: bytes per complete pixel, at least 1. */
  private readonly bpp: number;
  private produced = 0;
  private passIndex = 0;
  private pass: Pass;
  private row = 0;
  /** Bytes of the current row received so far; -1 while its filter byte is awaited. */
  private fill = -1;
  private filter = 0;
  // Both rows start with `bpp` zero bytes, the "pixel" left of the first, so no filter needs a branch.
  private current: Uint8Array;
  private previous: Uint8Array;

  constructor(
    private readonly header: PngHeader,
    private readonly write: RowWriter,
  ) {
    this.passes = passesOf(header);
    this.expected = this.passes.reduce((sum, p) => sum + p.height * (1 + p.rowBytes), 0);
    this.bpp = Math.max(1, header.pixelBits >> 3);
    this.pass = this.passes[0] as Pass;
    const longest = Math.max(...this.passes.map((p) => p.rowBytes));
    this.current = new Uint8Array(this.bpp + longest);
    this.previous = new Uint8Array(this.bpp + longest);
  }

  finish(): void {
    if (this.produced < this.expected) {
      throw new ImageDecodeError(
        `truncated PNG: the image data inflates to ${this.produced} bytes, less than the ${this.expected} its ${this.size()} header declares`,
      );
    }
  }

  private size(): string {
    return `${this.header.width}×${this.header.height}`;
  }

  /** Inflated bytes of filtered rows, in slices of any length. */
  take(chunk: Uint8Array): void {
    const length = chunk.length;
    this.produced += length;
    if (this.produced > this.expected) {
      throw new ImageDecodeError(
        `corrupt PNG: the data inflates to more than its ${this.size()} header declares (${this.expected} bytes); refused as a decompression bomb`,
      );
    }
    const bpp = this.bpp;
    let off = 0;
    while (off < length) {
      if (this.fill < 0) {
        this.filter = chunk[off++] as number;
        if (this.filter > 4) {
          const where = this.header.interlaced ? ` of Adam7 pass ${this.passIndex + 1}` : '';
          throw corrupt(`unknown filter type ${this.filter} in row ${this.row}${where}`);
        }
        this.fill = 0;
        continue;
      }
      const rowBytes = this.pass.rowBytes;
      const take = Math.min(rowBytes - this.fill, length - off);
      const at = bpp + this.fill;
      if (take > 32) this.current.set(chunk.subarray(off, off + take), at);
      // A view per row would cost more than the copy for the narrow rows of a tall image.
      else for (let k = 0; k < take; k++) this.current[at + k] = chunk[off + k] as number;
      this.fill += take;
      off += take;
      if (this.fill === rowBytes) this.endRow();
    }
  }

  private endRow(): void {
    const { pass, bpp } = this;
    const cur = this.current;
    unfilter(this.filter, cur, this.previous, bpp, bpp + pass.rowBytes);
    this.write(cur, bpp, pass.width, (pass.y + this.row * pass.dy) * this.header.width + pass.x, pass.dx);
    this.current = this.previous;
    this.previous = cur;
    this.fill = -1;
    if (++this.row === pass.height) {
      this.row = 0;
      const next = this.passes[++this.passIndex];
      if (next) {
        this.pass = next;
        // Each Adam7 pass is filtered as an image of its own: its first row has zeros above it.
        this.previous.fill(0);
      }
    }
  }
}

/**
 * Undoes one row's filter in place. `cur` and `prev` hold the row and the one above it from index
 * `bpp` to `end`, after `bpp` zeros; a Uint8Array keeps every sum modulo 256 as the filters need.
 */
function unfilter(filter: number, cur: Uint8Array, prev: Uint8Array, bpp: number, end: number): void {
  switch (filter) {
    case 1:
      for (let i = 2 * bpp; i < end; i++) cur[i] = (cur[i] as number) + (cur[i - bpp] as number);
      break;
    case 2:
      for (let i = bpp; i < end; i++) cur[i] = (cur[i] as number) + (prev[i] as number);
      break;
    case 3:
      for (let i = bpp; i < end; i++) {
        cur[i] = (cur[i] as number) + (((cur[i - bpp] as number) + (prev[i] as number)) >> 1);
      }
      break;
    case 4:
      for (let i = bpp; i < end; i++) {
        const a = cur[i - bpp] as number;
        const b = prev[i] as number;
        const c = prev[i - bpp] as number;
        // Paeth's predictor with p = a + b - c expanded: |p - a|, |p - b|, |p - c|. Then a if
        // pa <= pb and pa <= pc, else b if pb <= pc, else c, chosen with sign masks rather than
        // branches: on photos the branches mispredict so often that this is 1.6× faster.
        const pa = Math.abs(b - c);
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - c - c);
        const notA = ((pb - pa) | (pc - pa)) >> 31;
        const bOrC = b + ((c - b) & ((pc - pb) >> 31));
        cur[i] = (cur[i] as number) + a + ((bOrC - a) & notA);
      }
      break;
    default:
  }
}

/** Rounds a 16-bit sample to 8 bits: Math.round(v * 255 / 65535), exactly, for every v. */
function to8(v: number): number {
  return (v * 255 + 32895) >>> 16;
}

/**
 * The function that turns unfiltered rows of this image's samples into RGBA, converted exactly as
 * the fast-png–based decoder did: 16-bit samples rounded to 8 bits, sub-byte grey scaled to 0..255,
 * tRNS compared with the raw samples.
 */
function rowWriter(
  h: PngHeader,
  output: Uint8Array | Uint8ClampedArray,
  palette: Uint8Array | undefined,
  trns: Uint8Array | undefined,
): RowWriter {
  const { depth, colourType } = h;
  // Always written through a plain byte view: every value is 0..255 already, and one array type
  // keeps the writers monomorphic whichever view the caller holds.
  const rgba = new Uint8Array(output.buffer, output.byteOffset, output.length);
  // tRNS for grey or RGB: one raw colour (16-bit big-endian values) that stands for "transparent".
  const key = (i: number) =>
    trns && trns.length >= 2 * (i + 1) ? ((trns[2 * i] as number) << 8) | (trns[2 * i + 1] as number) : -1;

  if (depth <= 8 && (colourType === 0 || colourType === 3)) {
    // One sample of at most 8 bits a pixel: every possible value's RGBA comes from a table.
    const out = new Uint32Array(rgba.buffer, rgba.byteOffset, rgba.length >> 2);
    const table = new Uint32Array(256);
    const bytes = new Uint8Array(table.buffer);
    let entries = 1 << depth;
    if (colourType === 3) {
      const p = palette as Uint8Array;
      entries = Math.min(entries, p.length / 3);
      for (let i = 0; i < entries; i++) {
        bytes.set(p.subarray(3 * i, 3 * i + 3), 4 * i);
        bytes[4 * i + 3] = trns && i < trns.length ? (trns[i] as number) : 255;
      }
    } else {
      const max = (1 << depth) - 1;
      const transparent = key(0);
      for (let v = 0; v <= max; v++) {
        const g = depth === 8 ? v : Math.round((v * 255) / max);
        bytes.fill(g, 4 * v, 4 * v + 3);
        bytes[4 * v + 3] = v === transparent ? 0 : 255;
      }
    }
    const checked = entries < 1 << depth;
    const badIndex = (index: number) =>
      corrupt(`palette index ${index} beyond ${(palette as Uint8Array).length / 3} entries`);
    if (depth === 8) {
      return (row, start, count, first, step) => {
        for (let i = start, o = first, last = start + count; i < last; i++, o += step) {
          const v = row[i] as number;
          if (checked && v >= entries) throw badIndex(v);
          out[o] = table[v] as number;
        }
      };
    }
    const mask = (1 << depth) - 1;
    return (row, start, count, first, step) => {
      let o = first;
      let left = count;
      for (let b = start; left > 0; b++) {
        const byte = row[b] as number;
        for (let shift = 8 - depth; shift >= 0 && left > 0; shift -= depth, left--, o += step) {
          const v = (byte >> shift) & mask;
          if (checked && v >= entries) throw badIndex(v);
          out[o] = table[v] as number;
        }
      }
    };
  }

  if (depth === 8) {
    if (colourType === 6) {
      return (row, start, count, first, step) => {
        if (step === 1) {
          rgba.set(row.subarray(start, start + 4 * count), 4 * first);
          return;
        }
        for (let i = start, o = 4 * first, last = start + 4 * count; i < last; i += 4, o += 4 * step) {
          rgba[o] = row[i] as number;
          rgba[o + 1] = row[i + 1] as number;
          rgba[o + 2] = row[i + 2] as number;
          rgba[o + 3] = row[i + 3] as number;
        }
      };
    }
    if (colourType === 4) {
      return (row, start, count, first, step) => {
        for (let i = start, o = 4 * first, last = start + 2 * count; i < last; i += 2, o += 4 * step) {
          const g = row[i] as number;
          rgba[o] = g;
          rgba[o + 1] = g;
          rgba[o + 2] = g;
          rgba[o + 3] = row[i + 1] as number;
        }
      };
    }
    const [kr, kg, kb] = [key(0), key(1), key(2)];
    return (row, start, count, first, step) => {
      for (let i = start, o = 4 * first, last = start + 3 * count; i < last; i += 3, o += 4 * step) {
        const r = row[i] as number;
        const g = row[i + 1] as number;
        const b = row[i + 2] as number;
        rgba[o] = r;
        rgba[o + 1] = g;
        rgba[o + 2] = b;
        rgba[o + 3] = r === kr && g === kg && b === kb ? 0 : 255;
      }
    };
  }

  // 16 bits a sample: grey, grey+alpha, RGB or RGBA.
  const samples = SAMPLES[colourType] as number;
  const [k0, k1, k2] = [key(0), key(1), key(2)];
  return (row, start, count, first, step) => {
    for (let i = start, o = 4 * first, last = start + 2 * samples * count; i < last; o += 4 * step) {
      const s0 = ((row[i] as number) << 8) | (row[i + 1] as number);
      if (samples <= 2) {
        const g = to8(s0);
        rgba[o] = g;
        rgba[o + 1] = g;
        rgba[o + 2] = g;
        rgba[o + 3] =
          samples === 2 ? to8(((row[i + 2] as number) << 8) | (row[i + 3] as number)) : s0 === k0 ? 0 : 255;
      } else {
        const s1 = ((row[i + 2] as number) << 8) | (row[i + 3] as number);
        const s2 = ((row[i + 4] as number) << 8) | (row[i + 5] as number);
        rgba[o] = to8(s0);
        rgba[o + 1] = to8(s1);
        rgba[o + 2] = to8(s2);
        rgba[o + 3] =
          samples === 4
            ? to8(((row[i + 6] as number) << 8) | (row[i + 7] as number))
            : s0 === k0 && s1 === k1 && s2 === k2
              ? 0
              : 255;
      }
      i += 2 * samples;
    }
  };
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
