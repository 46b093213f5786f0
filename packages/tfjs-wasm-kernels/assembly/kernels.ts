// AssemblyScript, compiled to src/simd/*.wasm by `pnpm --filter @autoencoders/tfjs-wasm-kernels build:simd`.
//
// Kernels that run directly on the wasm backend's heap: the module imports the backend's own memory,
// so every argument named `*Ptr` is a byte offset of a tensor the backend already holds and nothing is
// copied in or out. They exist because XNNPACK has no filter-gradient operator and its matrix products
// repack a whole operand on every call, which for the long reductions of a filter gradient costs more
// than the arithmetic. Here the 3×3 taps are read in place from x and dy instead.
//
// The module must stay free of static data (strings, constant arrays): a data segment would be written
// into the backend's heap at instantiation. The build checks this (scripts/build-simd.ts).

/**
 * Filter gradient, NHWC, one tap at a time:
 *   out[t, s, v] += Σ_{n ∈ [n0,n1), r, q} S[n, r, q, s] · V[n, r, q, v]
 * over the output positions (r, q) whose input position (r·sh + i - pt, q·sw + j - pl) lies inside x,
 * where t = i·kw + j. One of S and V is x (read at the shifted input position), the other dy: the caller
 * puts the operand with more channels on the vector side (vc must be a multiple of 4), so the result is
 * out[kh, kw, ci, co] when S = x and out[kh, kw, co, ci] when S = dy (transposed by the caller).
 * Images [n0, n1) let several threads split the batch, each into its own `out`.
 */
export function filterGrad(
  xPtr: usize,
  dyPtr: usize,
  outPtr: usize,
  sIsX: bool,
  n0: i32,
  n1: i32,
  h: i32,
  w: i32,
  ci: i32,
  ho: i32,
  wo: i32,
  co: i32,
  kh: i32,
  kw: i32,
  sh: i32,
  sw: i32,
  pt: i32,
  pl: i32,
): void {
  const sc = sIsX ? ci : co;
  const vc = sIsX ? co : ci;
  // Byte strides of one step along a dy row (q) for x and dy.
  const xStepQ = <usize>(sw * ci) << 2;
  const dyStepQ = <usize>co << 2;
  const sStep = sIsX ? xStepQ : dyStepQ;
  const vStep = sIsX ? dyStepQ : xStepQ;
  for (let n = n0; n < n1; n++) {
    for (let i = 0; i < kh; i++) {
      // Output rows whose input row r·sh + i - pt is inside [0, h).
      const r0 = max(0, ceilDiv(pt - i, sh));
      const r1 = min(ho, ceilDiv(h + pt - i, sh));
      for (let j = 0; j < kw; j++) {
        const q0 = max(0, ceilDiv(pl - j, sw));
        const q1 = min(wo, ceilDiv(w + pl - j, sw));
        if (r0 >= r1 || q0 >= q1) continue;
        const count = q1 - q0;
        const tapOut = outPtr + ((<usize>((i * kw + j) * sc * vc)) << 2);
        for (let r = r0; r < r1; r++) {
          const xRow = xPtr + ((<usize>(((n * h + r * sh + i - pt) * w + q0 * sw + j - pl) * ci)) << 2);
          const dyRow = dyPtr + ((<usize>(((n * ho + r) * wo + q0) * co)) << 2);
          const sRow = sIsX ? xRow : dyRow;
          const vRow = sIsX ? dyRow : xRow;
          accumulateRun(sRow, sStep, 4, sc, vRow, vStep, vc, count, tapOut);
        }
      }
    }
  }
}

/**
 * C[m, n] += A[m, k] · B[k, n], row-major float32, n a multiple of 4: the register tiles of the filter
 * gradient with A's rows as the splatted side. For the LSTM's per-step recurrent products.
 */
export function gemm(aPtr: usize, bPtr: usize, cPtr: usize, m: i32, k: i32, n: i32): void {
  const aRow = <usize>k << 2;
  accumulateRun(aPtr, 4, aRow, m, bPtr, <usize>n << 2, n, k, cPtr);
}

/** ceil(a / b) for b > 0 and any sign of a. */
@inline
function ceilDiv(a: i32, b: i32): i32 {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

/**
 * out[s, v] += Σ_{k < count} S[k·sStep + s·sRow] · V[k·vStep + v] for one run of positions, in register
 * tiles: 4 rows × 8 columns where possible (8 accumulators, each S value splatted once per position
 * and each V vector loaded once for four rows), then single rows 32 or 4 columns at a time.
 */
function accumulateRun(
  s: usize,
  sStep: usize,
  sRow: usize,
  sc: i32,
  v: usize,
  vStep: usize,
  vc: i32,
  count: i32,
  out: usize,
): void {
  const rowBytes = <usize>vc << 2;
  let row = 0;
  for (; row + 4 <= sc; row += 4) {
    let col = 0;
    for (; col + 8 <= vc; col += 8) {
      tile4x8(s + <usize>row * sRow, sStep, sRow, v + (<usize>col << 2), vStep, count, out + <usize>row * rowBytes + (<usize>col << 2), rowBytes);
    }
    for (let r = row; r < row + 4; r++) {
      for (let c = col; c < vc; c += 4) {
        tile1x4(s + <usize>r * sRow, sStep, v + (<usize>c << 2), vStep, count, out + <usize>r * rowBytes + (<usize>c << 2));
      }
    }
  }
  for (; row < sc; row++) {
    const sAt = s + <usize>row * sRow;
    const outRow = out + <usize>row * rowBytes;
    let col = 0;
    for (; col + 32 <= vc; col += 32) {
      tile1x32(sAt, sStep, v + (<usize>col << 2), vStep, count, outRow + (<usize>col << 2));
    }
    for (; col < vc; col += 4) {
      tile1x4(sAt, sStep, v + (<usize>col << 2), vStep, count, outRow + (<usize>col << 2));
    }
  }
}

@inline
function tile4x8(s: usize, sStep: usize, sRow: usize, v: usize, vStep: usize, count: i32, out: usize, rowBytes: usize): void {
  const s1 = sRow;
  const s2 = sRow * 2;
  const s3 = sRow * 3;
  const o1 = out + rowBytes;
  const o2 = o1 + rowBytes;
  const o3 = o2 + rowBytes;
  let a00 = v128.load(out);
  let a01 = v128.load(out, 16);
  let a10 = v128.load(o1);
  let a11 = v128.load(o1, 16);
  let a20 = v128.load(o2);
  let a21 = v128.load(o2, 16);
  let a30 = v128.load(o3);
  let a31 = v128.load(o3, 16);
  for (let k = 0; k < count; k++) {
    const b0 = v128.load(v);
    const b1 = v128.load(v, 16);
    let x = v128.load32_splat(s);
    a00 = f32x4.add(a00, f32x4.mul(x, b0));
    a01 = f32x4.add(a01, f32x4.mul(x, b1));
    x = v128.load32_splat(s + s1);
    a10 = f32x4.add(a10, f32x4.mul(x, b0));
    a11 = f32x4.add(a11, f32x4.mul(x, b1));
    x = v128.load32_splat(s + s2);
    a20 = f32x4.add(a20, f32x4.mul(x, b0));
    a21 = f32x4.add(a21, f32x4.mul(x, b1));
    x = v128.load32_splat(s + s3);
    a30 = f32x4.add(a30, f32x4.mul(x, b0));
    a31 = f32x4.add(a31, f32x4.mul(x, b1));
    s += sStep;
    v += vStep;
  }
  v128.store(out, a00);
  v128.store(out, a01, 16);
  v128.store(o1, a10);
  v128.store(o1, a11, 16);
  v128.store(o2, a20);
  v128.store(o2, a21, 16);
  v128.store(o3, a30);
  v128.store(o3, a31, 16);
}

@inline
function tile1x32(s: usize, sStep: usize, v: usize, vStep: usize, count: i32, out: usize): void {
  let a0 = v128.load(out);
  let a1 = v128.load(out, 16);
  let a2 = v128.load(out, 32);
  let a3 = v128.load(out, 48);
  let a4 = v128.load(out, 64);
  let a5 = v128.load(out, 80);
  let a6 = v128.load(out, 96);
  let a7 = v128.load(out, 112);
  for (let k = 0; k < count; k++) {
    const x = v128.load32_splat(s);
    a0 = f32x4.add(a0, f32x4.mul(x, v128.load(v)));
    a1 = f32x4.add(a1, f32x4.mul(x, v128.load(v, 16)));
    a2 = f32x4.add(a2, f32x4.mul(x, v128.load(v, 32)));
    a3 = f32x4.add(a3, f32x4.mul(x, v128.load(v, 48)));
    a4 = f32x4.add(a4, f32x4.mul(x, v128.load(v, 64)));
    a5 = f32x4.add(a5, f32x4.mul(x, v128.load(v, 80)));
    a6 = f32x4.add(a6, f32x4.mul(x, v128.load(v, 96)));
    a7 = f32x4.add(a7, f32x4.mul(x, v128.load(v, 112)));
    s += sStep;
    v += vStep;
  }
  v128.store(out, a0);
  v128.store(out, a1, 16);
  v128.store(out, a2, 32);
  v128.store(out, a3, 48);
  v128.store(out, a4, 64);
  v128.store(out, a5, 80);
  v128.store(out, a6, 96);
  v128.store(out, a7, 112);
}

@inline
function tile1x4(s: usize, sStep: usize, v: usize, vStep: usize, count: i32, out: usize): void {
  let a = v128.load(out);
  for (let k = 0; k < count; k++) {
    a = f32x4.add(a, f32x4.mul(v128.load32_splat(s), v128.load(v)));
    s += sStep;
    v += vStep;
  }
  v128.store(out, a);
}

/**
 * MaxPool gradient for 2×2 windows with stride 2, NHWC, c a multiple of 4, images [n0, n1) of dx. Each window's gradient goes to the first element (row-major) strictly greater
 * than all before it, as in the cpu backend; a window of only -Infinity/NaN passes none. Windows cut by
 * the border read a clamped position twice, which cannot win twice under the strict comparison, and
 * every position is added to rather than stored so that the duplicate does not overwrite the winner.
 */
export function maxPool2x2Grad(
  xPtr: usize,
  dyPtr: usize,
  dxPtr: usize,
  n0: i32,
  n1: i32,
  h: i32,
  w: i32,
  c: i32,
  ho: i32,
  wo: i32,
  pt: i32,
  pl: i32,
): void {
  const rowBytes = <usize>(w * c) << 2;
  const pixBytes = <usize>c << 2;
  const negInf = f32x4.splat(<f32>-Infinity);
  memory.fill(dxPtr + <usize>n0 * <usize>h * rowBytes, 0, <usize>(n1 - n0) * <usize>h * rowBytes);
  let d = dyPtr + ((<usize>(n0 * ho * wo * c)) << 2);
  for (let n = n0; n < n1; n++) {
    const img = <usize>(n * h) * rowBytes;
    for (let r = 0; r < ho; r++) {
      const top = r * 2 - pt;
      const row0 = img + <usize>max(0, top) * rowBytes;
      const row1 = img + <usize>min(h - 1, top + 1) * rowBytes;
      for (let q = 0; q < wo; q++) {
        const left = q * 2 - pl;
        const col0 = <usize>max(0, left) * pixBytes;
        const col1 = <usize>min(w - 1, left + 1) * pixBytes;
        const p00 = row0 + col0;
        const p01 = row0 + col1;
        const p10 = row1 + col0;
        const p11 = row1 + col1;
        for (let k: usize = 0; k < pixBytes; k += 16, d += 16) {
          const v00 = v128.load(xPtr + p00 + k);
          const v01 = v128.load(xPtr + p01 + k);
          const v10 = v128.load(xPtr + p10 + k);
          const v11 = v128.load(xPtr + p11 + k);
          // Lane masks of the winner so far; a later candidate wins only where strictly greater.
          const m00 = f32x4.gt(v00, negInf);
          let best = v128.bitselect(v00, negInf, m00);
          const m01 = f32x4.gt(v01, best);
          best = v128.bitselect(v01, best, m01);
          const m10 = f32x4.gt(v10, best);
          best = v128.bitselect(v10, best, m10);
          const m11 = f32x4.gt(v11, best);
          const g = v128.load(d);
          // Each earlier winner is cleared by every later win.
          const w11 = m11;
          const w10 = v128.andnot(m10, m11);
          const w01 = v128.andnot(v128.andnot(m01, m10), m11);
          const w00 = v128.andnot(v128.andnot(v128.andnot(m00, m01), m10), m11);
          addMasked(dxPtr + p00 + k, g, w00);
          addMasked(dxPtr + p01 + k, g, w01);
          addMasked(dxPtr + p10 + k, g, w10);
          addMasked(dxPtr + p11 + k, g, w11);
        }
      }
    }
  }
}

@inline
function addMasked(p: usize, g: v128, mask: v128): void {
  v128.store(p, f32x4.add(v128.load(p), v128.and(g, mask)));
}

/**
 * UpSampling2D's 2× nearest-neighbour resize, NHWC, 4-byte elements, c a multiple of 4, images
 * [n0, n1): every input pixel is written to a 2×2 block of the output.
 */
export function upsample2x(xPtr: usize, outPtr: usize, n0: i32, n1: i32, h: i32, w: i32, c: i32): void {
  const pixBytes = <usize>c << 2;
  const outRowBytes = <usize>(2 * w) * pixBytes;
  let src = xPtr + <usize>(n0 * h * w) * pixBytes;
  let dst = outPtr + <usize>(n0 * 2 * h) * outRowBytes;
  for (let row = n0 * h; row < n1 * h; row++, dst += outRowBytes) {
    for (let q = 0; q < w; q++, src += pixBytes) {
      for (let k: usize = 0; k < pixBytes; k += 16) {
        const v = v128.load(src + k);
        const p = dst + (<usize>(2 * q) * pixBytes) + k;
        v128.store(p, v);
        v128.store(p + pixBytes, v);
        v128.store(p + outRowBytes, v);
        v128.store(p + outRowBytes + pixBytes, v);
      }
    }
    dst += outRowBytes;
  }
}

/**
 * Gradient of upsample2x: each dx pixel is the sum of its 2×2 block of dy, added in the order
 * top-left, top-right, bottom-left, bottom-right (as the JavaScript path does). Images [n0, n1).
 */
export function upsample2xGrad(dyPtr: usize, dxPtr: usize, n0: i32, n1: i32, h: i32, w: i32, c: i32): void {
  const pixBytes = <usize>c << 2;
  const dyRowBytes = <usize>(2 * w) * pixBytes;
  let dst = dxPtr + <usize>(n0 * h * w) * pixBytes;
  let top = dyPtr + <usize>(n0 * 2 * h) * dyRowBytes;
  for (let row = n0 * h; row < n1 * h; row++, top += dyRowBytes) {
    for (let q = 0; q < w; q++, dst += pixBytes) {
      const p = top + <usize>(2 * q) * pixBytes;
      for (let k: usize = 0; k < pixBytes; k += 16) {
        const s = f32x4.add(f32x4.add(f32x4.add(v128.load(p + k), v128.load(p + pixBytes + k)), v128.load(p + dyRowBytes + k)), v128.load(p + dyRowBytes + pixBytes + k));
        v128.store(dst + k, s);
      }
    }
    top += dyRowBytes;
  }
}

/**
 * One Adam update of elements [i0, i1), with the operations, their order and their float32 rounding of
 * tfjs's AdamOptimizer (so the result is bit-identical to it on the wasm backend):
 *   m' = m·β1 + g·(1-β1)    v' = v·β2 + g²·(1-β2)
 *   p' = (m'/(1-β1ᵗ)) / (sqrt(v'/(1-β2ᵗ)) + ε) · (-lr) + p
 * `constsPtr` holds float32 [β1, 1-β1, β2, 1-β2, 1-β1ᵗ, 1-β2ᵗ, ε, -lr]. New values go to the *Out arrays.
 */
export function adamStep(
  pPtr: usize,
  gPtr: usize,
  mPtr: usize,
  vPtr: usize,
  pOut: usize,
  mOut: usize,
  vOut: usize,
  i0: i32,
  i1: i32,
  constsPtr: usize,
): void {
  const b1 = load<f32>(constsPtr);
  const c1 = load<f32>(constsPtr, 4);
  const b2 = load<f32>(constsPtr, 8);
  const c2 = load<f32>(constsPtr, 12);
  const k1 = load<f32>(constsPtr, 16);
  const k2 = load<f32>(constsPtr, 20);
  const eps = load<f32>(constsPtr, 24);
  const negLr = load<f32>(constsPtr, 28);
  const vb1 = f32x4.splat(b1);
  const vc1 = f32x4.splat(c1);
  const vb2 = f32x4.splat(b2);
  const vc2 = f32x4.splat(c2);
  const vk1 = f32x4.splat(k1);
  const vk2 = f32x4.splat(k2);
  const veps = f32x4.splat(eps);
  const vlr = f32x4.splat(negLr);
  let i = i0;
  for (; i + 4 <= i1; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(gPtr + o);
    const m = f32x4.add(f32x4.mul(v128.load(mPtr + o), vb1), f32x4.mul(g, vc1));
    const v = f32x4.add(f32x4.mul(v128.load(vPtr + o), vb2), f32x4.mul(f32x4.mul(g, g), vc2));
    const step = f32x4.div(f32x4.div(m, vk1), f32x4.add(f32x4.sqrt(f32x4.div(v, vk2)), veps));
    v128.store(pOut + o, f32x4.add(f32x4.mul(step, vlr), v128.load(pPtr + o)));
    v128.store(mOut + o, m);
    v128.store(vOut + o, v);
  }
  for (; i < i1; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(gPtr + o);
    const m = load<f32>(mPtr + o) * b1 + g * c1;
    const v = load<f32>(vPtr + o) * b2 + g * g * c2;
    const step = m / k1 / (Mathf.sqrt(v / k2) + eps);
    store<f32>(pOut + o, step * negLr + load<f32>(pPtr + o));
    store<f32>(mOut + o, m);
    store<f32>(vOut + o, v);
  }
}
