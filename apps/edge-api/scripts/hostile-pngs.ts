/**
 * PNGs an attacker would send, written chunk by chunk so that they can declare what they like; zlib
 * makes the bombs small. For the worker tests (test/global-setup.ts) and the bench.
 */
import { crc32, deflateSync } from 'node:zlib';

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit grey PNG of `width`×`height` with `idat` as its image data and `before` ahead of it. */
function png(width: number, height: number, idat: Uint8Array, before: Buffer[] = []): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    ...before,
    chunk('IDAT', idat),
    chunk('IEND', new Uint8Array()),
  ]);
}

/** 256 MiB of zeros, deflated: about 260 KB. */
const zeros = () => deflateSync(Buffer.alloc(256 * 1024 * 1024), { level: 9 });

/** A 1×1 PNG whose image data inflates to 256 MiB. */
export function idatBomb(): Buffer {
  return png(1, 1, zeros());
}

/** A valid 28×28 black PNG carrying an ICC profile (`iCCP`) that inflates to 256 MiB. */
export function iccpBomb(): Buffer {
  const image = deflateSync(Buffer.alloc(28 * 29)); // 28 rows: a filter byte and 28 pixels each
  return png(28, 28, image, [chunk('iCCP', Buffer.concat([Buffer.from('bomb\0\0', 'latin1'), zeros()]))]);
}
