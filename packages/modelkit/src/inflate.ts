/**
 * zlib/DEFLATE decompression (RFC 1950, RFC 1951) for PNG image data, in bounded memory and time.
 * Internal: not exported from the package.
 *
 * Why not fflate's `Unzlib`: its streaming inflater grows a fresh output buffer on every push (at
 * least 160 KiB, doubled as output arrives, then sliced), so a push of n compressed bytes can briefly
 * hold about 5·1032·n bytes, and each push costs ~15 µs however small. Pieces small enough to keep a
 * bomb's footprint to a few MiB (1 KiB) made decoding 2–3× slower than fast-png; pieces fast enough
 * (4 KiB) let one bomb push hold ~20 MiB. This inflater writes into one fixed 128 KiB window instead
 * and hands the output over in batches of at most 128 KiB, so the caller can stop a bomb after at
 * most that much, with nothing allocated per step. It reads the compressed bytes where they lie, as a
 * list of byte ranges (the IDAT chunks' data) in the file, so nothing is concatenated or copied.
 *
 * Time: each output byte costs one symbol at most, and each dynamic block's tables cost ~1,300
 * entries whatever its codes (see `Code`), so a file costs time in proportion to its size plus its
 * output, never more.
 *
 * The Adler-32 trailer must be present but is not verified, as in fflate and Chromium: every chunk's
 * CRC already guards the data.
 */

/** Why the data could not be inflated; `truncated` when the stream stops before its end. */
export class InflateError extends Error {
  override name = 'InflateError';
  constructor(
    message: string,
    readonly truncated = false,
  ) {
    super(message);
  }
}

const WINDOW = 32_768;
/** The window plus 96 KiB of fresh output between two hand-overs. */
const BUFFER = WINDOW + 98_304;
/** A match copies at most 258 bytes, so this much room is made before each symbol. */
const MAX_MATCH = 258;

// Base lengths and extra bits of length symbols 257..285, and of distance symbols 0..29.
// biome-ignore format: tables read better in rows
const LENGTH_BASE = Uint16Array.of(
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
);
// biome-ignore format: tables read better in rows
const LENGTH_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
);
// biome-ignore format: tables read better in rows
const DIST_BASE = Uint16Array.of(
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
  4097, 6145, 8193, 12289, 16385, 24577,
);
// biome-ignore format: tables read better in rows
const DIST_EXTRA = Uint8Array.of(
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
);
/** The order in which a dynamic block lists its code-length code's lengths. */
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

/**
 * A Huffman code. `map` is indexed by the next `bits` input bits (least significant first, as
 * DEFLATE packs them): each entry is symbol << 4 | code length, 0 where no code starts, or LONG where
 * only codes longer than `bits` do; those are decoded from `count` and `symbols` (canonical order).
 *
 * The table is kept to `root` bits rather than the longest code's (up to 15): each dynamic block
 * rebuilds it, and 2^15 entries for a block of ~20 bytes let a file of such blocks cost seconds of
 * CPU with no output at all (fflate, and so the old decoder, took 2–3 s for 450 KB of them).
 */
interface Code {
  readonly root: number;
  readonly map: Uint16Array;
  readonly count: Uint16Array;
  readonly symbols: Uint16Array;
  bits: number;
}

const LONG = 0xfff0;

function newCode(root: number, symbols: number): Code {
  return {
    root,
    map: new Uint16Array(1 << root),
    count: new Uint16Array(16),
    symbols: new Uint16Array(symbols),
    bits: 1,
  };
}

/** The bits of every 10-bit number in reverse order, for codes up to that long. */
const REVERSED = new Uint16Array(1 << 10);
for (let i = 0; i < REVERSED.length; i++) {
  let r = 0;
  for (let k = 0; k < 10; k++) r |= ((i >> k) & 1) << (9 - k);
  REVERSED[i] = r;
}
// Scratch for buildCode, which runs once per dynamic block and should allocate nothing.
const NEXT_CODE = new Uint16Array(16);
const OFFSET = new Uint16Array(16);

/** Builds `code` from code lengths; refuses an over-subscribed set (more codes than bits allow). */
function buildCode(lengths: Uint8Array, code: Code): void {
  const { count, map, symbols } = code;
  count.fill(0);
  for (let s = 0; s < lengths.length; s++) {
    const l = lengths[s] as number;
    count[l] = (count[l] as number) + 1;
  }
  count[0] = 0;
  let left = 1;
  let maxBits = 0;
  for (let l = 1; l <= 15; l++) {
    left = (left << 1) - (count[l] as number);
    if (left < 0) throw new InflateError('over-subscribed Huffman code');
    if (count[l]) maxBits = l;
  }
  const bits = Math.max(1, Math.min(maxBits, code.root));
  const size = 1 << bits;
  // A complete code writes every entry below; only an incomplete one leaves gaps to clear.
  if (left > 0) map.fill(0, 0, size);
  // Canonical codes: consecutive values within a length, shorter lengths first.
  for (let l = 1, c = 0; l <= 15; l++) {
    c = (c + (count[l - 1] as number)) << 1;
    NEXT_CODE[l] = c;
    OFFSET[l] = l === 1 ? 0 : (OFFSET[l - 1] as number) + (count[l - 1] as number);
  }
  for (let symbol = 0; symbol < lengths.length; symbol++) {
    const l = lengths[symbol] as number;
    if (!l) continue;
    const at = OFFSET[l] as number;
    symbols[at] = symbol;
    OFFSET[l] = at + 1;
    const c = NEXT_CODE[l] as number;
    NEXT_CODE[l] = c + 1;
    // The table is indexed by bits in stream order, which is the code's bits reversed.
    if (l <= bits) {
      const entry = (symbol << 4) | l;
      for (let i = (REVERSED[c] as number) >> (10 - l); i < size; i += 1 << l) map[i] = entry;
    } else {
      map[(REVERSED[c >> (l - bits)] as number) >> (10 - bits)] = LONG;
    }
  }
  code.bits = bits;
}

/**
 * Decodes a code longer than the table from the next 15 bits of `hold`, bit by bit as the canonical
 * code defines it; returns the same entry shape as the table, or 0 for no code.
 */
function decodeLong(code: Code, hold: number): number {
  const { count, symbols } = code;
  let value = 0;
  let first = 0;
  let index = 0;
  for (let l = 1; l <= 15; l++) {
    value |= (hold >>> (l - 1)) & 1;
    const n = count[l] as number;
    if (value - first < n) return ((symbols[index + value - first] as number) << 4) | l;
    index += n;
    first = (first + n) << 1;
    value <<= 1;
  }
  return 0;
}

const LITERAL_ROOT = 10;
const DISTANCE_ROOT = 8;
const FIXED_LITERALS = newCode(LITERAL_ROOT, 288);
const FIXED_DISTANCES = newCode(DISTANCE_ROOT, 32);
{
  const lengths = new Uint8Array(288);
  lengths.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
  buildCode(lengths, FIXED_LITERALS);
  buildCode(new Uint8Array(32).fill(5), FIXED_DISTANCES);
}

/**
 * A code that is not in the table: when the bits looked up run past the end of the data, the
 * stream was cut short; otherwise it is damaged.
 */
function invalidCode(padding: number, message: string): InflateError {
  return padding > 0 ? new InflateError('unexpected end of data', true) : new InflateError(message);
}

/**
 * The compressed bits, read least significant first from a list of byte ranges of `data`. Past the
 * end it supplies zero bits but counts them (`padding`), so that a stream cut short is reported as
 * such the moment one of them is used, and never read as data.
 */
class BitReader {
  hold = 0;
  count = 0;
  padding = 0;
  p: number;
  end: number;
  private range = 0;

  constructor(
    readonly data: Uint8Array,
    private readonly ranges: readonly number[],
  ) {
    this.p = ranges[0] ?? 0;
    this.end = ranges[1] ?? 0;
  }

  /** The next byte once the current range is used up, or -1 at the end of the data. */
  nextRangeByte(): number {
    while (this.p >= this.end) {
      this.range += 2;
      if (this.range >= this.ranges.length) return -1;
      this.p = this.ranges[this.range] as number;
      this.end = this.ranges[this.range + 1] as number;
    }
    return this.data[this.p++] as number;
  }

  need(n: number): void {
    while (this.count < n) {
      const b = this.p < this.end ? (this.data[this.p++] as number) : this.nextRangeByte();
      if (b < 0) this.padding += 8;
      else this.hold |= b << this.count;
      this.count += 8;
    }
  }

  drop(n: number): void {
    this.hold >>>= n;
    this.count -= n;
    if (this.count < this.padding) throw new InflateError('unexpected end of data', true);
  }

  bits(n: number): number {
    this.need(n);
    const v = this.hold & ((1 << n) - 1);
    this.drop(n);
    return v;
  }

  decode(code: Code): number {
    this.need(code.bits);
    let entry = code.map[this.hold & ((1 << code.bits) - 1)] as number;
    if (entry === LONG) {
      this.need(15);
      entry = decodeLong(code, this.hold);
    }
    if (!entry) throw invalidCode(this.padding, 'invalid Huffman code');
    this.drop(entry & 15);
    return entry >> 4;
  }

  /** Skips to the next byte boundary, as stored blocks and the trailer require. */
  align(): void {
    this.drop(this.count & 7);
  }
}

/**
 * The last 32 KiB of output (what distances refer to) followed by output not yet handed over.
 * `emit` receives each batch as a view that is only valid until it returns.
 */
class Window {
  readonly buf = new Uint8Array(BUFFER);
  op = 0;
  private start = 0;

  constructor(private readonly emit: (bytes: Uint8Array) => void) {}

  /** Hands over what is new, then keeps only the last 32 KiB, at the front. */
  flush(): void {
    if (this.op > this.start) this.emit(this.buf.subarray(this.start, this.op));
    if (this.op > WINDOW) {
      this.buf.copyWithin(0, this.op - WINDOW, this.op);
      this.op = WINDOW;
    }
    this.start = this.op;
  }
}

/**
 * Inflates the zlib stream held in `data` at the byte ranges [ranges[0], ranges[1]), [ranges[2],
 * ranges[3])…, handing the output to `emit` in batches of at most 128 KiB. `emit` may throw to stop.
 * Throws InflateError for data that is not a valid stream.
 */
export function inflateZlib(
  data: Uint8Array,
  ranges: readonly number[],
  emit: (bytes: Uint8Array) => void,
): void {
  const r = new BitReader(data, ranges);
  const cmf = r.bits(8);
  const flg = r.bits(8);
  if ((cmf & 15) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0) {
    throw new InflateError('not a zlib stream (bad header)');
  }
  if (flg & 32) throw new InflateError('a preset dictionary, which PNG does not allow');
  const w = new Window(emit);
  const literals = newCode(LITERAL_ROOT, 288);
  const distances = newCode(DISTANCE_ROOT, 32);
  const scratch = { clLengths: new Uint8Array(19), cl: newCode(7, 19), lengths: new Uint8Array(286 + 30) };
  let final = 0;
  do {
    final = r.bits(1);
    const type = r.bits(2);
    if (type === 0) stored(r, w);
    else if (type === 1) huffman(r, w, FIXED_LITERALS, FIXED_DISTANCES);
    else if (type === 2) {
      dynamicCodes(r, literals, distances, scratch);
      huffman(r, w, literals, distances);
    } else throw new InflateError('invalid block type');
  } while (!final);
  w.flush();
  r.align();
  r.bits(16);
  r.bits(16);
}

function stored(r: BitReader, w: Window): void {
  r.align();
  const length = r.bits(16);
  if (r.bits(16) !== (~length & 0xffff)) throw new InflateError('invalid stored block length');
  let left = length;
  // Whole bytes may still sit in the bit buffer; then the rest comes straight from the ranges.
  while (left > 0 && r.count >= 8) {
    if (w.op === BUFFER) w.flush();
    w.buf[w.op++] = r.bits(8);
    left--;
  }
  while (left > 0) {
    if (r.p >= r.end) {
      const b = r.nextRangeByte();
      if (b < 0) throw new InflateError('unexpected end of data', true);
      r.p--;
    }
    if (w.op === BUFFER) w.flush();
    const n = Math.min(left, r.end - r.p, BUFFER - w.op);
    w.buf.set(r.data.subarray(r.p, r.p + n), w.op);
    w.op += n;
    r.p += n;
    left -= n;
  }
}

function dynamicCodes(
  r: BitReader,
  literals: Code,
  distances: Code,
  scratch: { clLengths: Uint8Array; cl: Code; lengths: Uint8Array },
): void {
  const nLiterals = r.bits(5) + 257;
  const nDistances = r.bits(5) + 1;
  const nCodeLengths = r.bits(4) + 4;
  if (nLiterals > 286 || nDistances > 30) throw new InflateError('too many length or distance codes');
  const { clLengths, cl } = scratch;
  clLengths.fill(0);
  for (let i = 0; i < nCodeLengths; i++) clLengths[CODE_LENGTH_ORDER[i] as number] = r.bits(3);
  buildCode(clLengths, cl);
  const lengths = scratch.lengths.subarray(0, nLiterals + nDistances);
  for (let i = 0; i < lengths.length; ) {
    const symbol = r.decode(cl);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let repeat: number;
    let value = 0;
    if (symbol === 16) {
      if (i === 0) throw new InflateError('a repeated code length with nothing to repeat');
      value = lengths[i - 1] as number;
      repeat = 3 + r.bits(2);
    } else if (symbol === 17) repeat = 3 + r.bits(3);
    else repeat = 11 + r.bits(7);
    if (i + repeat > lengths.length) throw new InflateError('too many code lengths');
    lengths.fill(value, i, i + repeat);
    i += repeat;
  }
  if (!lengths[256]) throw new InflateError('no end-of-block code');
  buildCode(lengths.subarray(0, nLiterals), literals);
  buildCode(lengths.subarray(nLiterals), distances);
}

/**
 * Decodes one Huffman-coded block: the hot loop, with the reader's and the window's state in locals
 * (no closure may capture them, or they would live in a context object instead of registers), the
 * bit buffer refilled inline, and every use of a bit checked against the padding past the end.
 */
function huffman(r: BitReader, w: Window, literals: Code, distances: Code): void {
  const lmap = literals.map;
  const lmask = (1 << literals.bits) - 1;
  const dmap = distances.map;
  const dmask = (1 << distances.bits) - 1;
  const data = r.data;
  const buf = w.buf;
  const limit = BUFFER - MAX_MATCH;
  let hold = r.hold;
  let count = r.count;
  let p = r.p;
  let end = r.end;
  let padding = r.padding;
  let op = w.op;
  try {
    for (;;) {
      // 15 bits: the longest code, which decodeLong may need.
      while (count < 15) {
        if (p < end) hold |= (data[p++] as number) << count;
        else {
          r.p = p;
          const b = r.nextRangeByte();
          p = r.p;
          end = r.end;
          if (b < 0) padding += 8;
          else hold |= b << count;
        }
        count += 8;
      }
      let entry = lmap[hold & lmask] as number;
      if (entry === LONG) entry = decodeLong(literals, hold);
      if (!entry) throw invalidCode(padding, 'invalid literal/length code');
      hold >>>= entry & 15;
      count -= entry & 15;
      if (count < padding) throw new InflateError('unexpected end of data', true);
      const symbol = entry >> 4;
      if (op > limit) {
        w.op = op;
        w.flush();
        op = w.op;
      }
      if (symbol < 256) {
        buf[op++] = symbol;
        continue;
      }
      if (symbol === 256) return;
      const li = symbol - 257;
      if (li >= 29) throw new InflateError('invalid length symbol');
      // 5 extra bits at most, then 15 for the distance code: 20, which 32 bits of buffer hold.
      while (count < 20) {
        if (p < end) hold |= (data[p++] as number) << count;
        else {
          r.p = p;
          const b = r.nextRangeByte();
          p = r.p;
          end = r.end;
          if (b < 0) padding += 8;
          else hold |= b << count;
        }
        count += 8;
      }
      const le = LENGTH_EXTRA[li] as number;
      const length = (LENGTH_BASE[li] as number) + (hold & ((1 << le) - 1));
      hold >>>= le;
      count -= le;
      let dentry = dmap[hold & dmask] as number;
      if (dentry === LONG) dentry = decodeLong(distances, hold);
      if (!dentry) throw invalidCode(padding, 'invalid distance code');
      hold >>>= dentry & 15;
      count -= dentry & 15;
      if (count < padding) throw new InflateError('unexpected end of data', true);
      const dsymbol = dentry >> 4;
      if (dsymbol >= 30) throw new InflateError('invalid distance symbol');
      const de = DIST_EXTRA[dsymbol] as number;
      while (count < de) {
        if (p < end) hold |= (data[p++] as number) << count;
        else {
          r.p = p;
          const b = r.nextRangeByte();
          p = r.p;
          end = r.end;
          if (b < 0) padding += 8;
          else hold |= b << count;
        }
        count += 8;
      }
      const distance = (DIST_BASE[dsymbol] as number) + (hold & ((1 << de) - 1));
      hold >>>= de;
      count -= de;
      if (count < padding) throw new InflateError('unexpected end of data', true);
      // Once the window has slid, op is at least 32 KiB and every distance is in reach.
      if (distance > op) throw new InflateError('invalid distance: too far back');
      for (let from = op - distance, stop = op + length; op < stop; ) buf[op++] = buf[from++] as number;
    }
  } finally {
    r.hold = hold;
    r.count = count;
    r.p = p;
    r.end = end;
    r.padding = padding;
    w.op = op;
  }
}
