import { UserError } from '../errors.ts';

/**
 * IDX, the format MNIST and its look-alikes (Fashion-MNIST, KMNIST, EMNIST) ship in: a magic number
 * (two zero bytes, a type code, the number of dimensions), the dimensions as big-endian int32,
 * then the data. Only unsigned bytes (type 0x08) are used by these datasets.
 */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

const UBYTE = 0x08;

export function parseIdx(bytes: Uint8Array, name: string, expectedRank: number): IdxArray {
  const fail = (problem: string) => new UserError(`${name}: ${problem}`);
  if (bytes.length < 4) throw fail(`truncated: ${bytes.length} bytes, not even an IDX header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] !== expectedRank) {
    const wanted = (UBYTE << 8) | expectedRank;
    throw fail(
      `wrong magic number 0x${magic.toString(16).padStart(8, '0')} (expected 0x${wanted.toString(16).padStart(8, '0')}: ` +
        `unsigned bytes, ${expectedRank} dimension${expectedRank > 1 ? 's' : ''}); is this an IDX ${expectedRank === 1 ? 'label' : 'image'} file?`,
    );
  }
  const headerBytes = 4 + 4 * expectedRank;
  if (bytes.length < headerBytes) throw fail(`truncated: ${bytes.length} bytes, header needs ${headerBytes}`);
  const dims = Array.from({ length: expectedRank }, (_, i) => view.getUint32(4 + 4 * i));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw fail(`truncated: header declares ${dims.join('×')} = ${expected} values but only ${actual} follow`);
  }
  if (actual > expected)
    throw fail(`${actual - expected} unexpected bytes after the ${dims.join('×')} values`);
  return { dims, data: bytes.subarray(headerBytes) };
}
