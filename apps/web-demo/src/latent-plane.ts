/**
 * The VAE's 2-D latent plane: the test digits' z_mean as coloured dots, the current input's code as a
 * ring, and a picked point (drag with any pointer, or arrow keys) that the page decodes live.
 */
import { DIGIT_COLOURS } from './render.ts';

export type LatentPoint = [number, number];

/** The 95th percentile of N(0, 1): the manifold spans ±this on each axis. */
const PRIOR_90 = 1.6448536269514722;

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/** The `q` and `1 - q` quantiles of one coordinate of interleaved 2-D points. */
function quantiles(points: Float32Array, axis: 0 | 1, q: number): [number, number] {
  const values = Array.from({ length: points.length / 2 }, (_, i) => points[2 * i + axis] as number).sort(
    (a, b) => a - b,
  );
  if (values.length === 0) return [-PRIOR_90, PRIOR_90];
  const at = (p: number) => values[Math.min(values.length - 1, Math.floor(p * values.length))] as number;
  return [at(q), at(1 - q)];
}

export class LatentPlane {
  private points: Float32Array = new Float32Array(0);
  private labels: Uint8Array = new Uint8Array(0);
  /** The square of latent space shown: its centre and half its side. */
  private view = { cx: 0, cy: 0, half: 3 };
  private marker: LatentPoint | null = null;
  private picked: LatentPoint = [0, 0];
  private dragging = false;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onPick: (z: LatentPoint) => void,
  ) {
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    this.draw();
    canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      canvas.setPointerCapture(e.pointerId);
      this.dragging = true;
      this.pick(this.toLatent(e));
    });
    canvas.addEventListener('pointermove', (e) => {
      if (this.dragging) this.pick(this.toLatent(e));
    });
    const stop = () => {
      this.dragging = false;
    };
    canvas.addEventListener('pointerup', stop);
    canvas.addEventListener('pointercancel', stop);
    canvas.addEventListener('keydown', (e) => this.key(e));
  }

  /** z: count × 2 (z_mean of each test digit); labels: the digit of each. */
  setPoints(z: Float32Array, labels: Uint8Array): void {
    this.points = z;
    this.labels = labels;
    // A square holding all but the outermost 0.5 % of points on each side (a few outliers would squeeze
    // the rest into a corner) and the prior's central 90 %, where the manifold is drawn: a VAE that
    // has not learnt to match its prior should show it.
    const [x0, x1] = quantiles(z, 0, 0.005);
    const [y0, y1] = quantiles(z, 1, 0.005);
    const left = Math.min(x0, -PRIOR_90);
    const right = Math.max(x1, PRIOR_90);
    const bottom = Math.min(y0, -PRIOR_90);
    const top = Math.max(y1, PRIOR_90);
    const half = (Math.max(right - left, top - bottom) / 2) * 1.08;
    this.view = { cx: (left + right) / 2, cy: (bottom + top) / 2, half };
    this.draw();
  }

  get pickedPoint(): LatentPoint {
    return [...this.picked];
  }

  setMarker(z: LatentPoint | null): void {
    this.marker = z;
    this.draw();
  }

  pick(z: LatentPoint): void {
    const { cx, cy, half } = this.view;
    this.picked = [clamp(z[0], cx - half, cx + half), clamp(z[1], cy - half, cy + half)];
    this.draw();
    this.onPick(this.pickedPoint);
  }

  /** Canvas pixel of a latent point; y grows upwards as in a plot. */
  toCanvas([x, y]: LatentPoint): [number, number] {
    const { width, height } = this.canvas;
    const { cx, cy, half } = this.view;
    return [((x - cx + half) / (2 * half)) * width, ((cy + half - y) / (2 * half)) * height];
  }

  private toLatent(e: PointerEvent): LatentPoint {
    const r = this.canvas.getBoundingClientRect();
    const u = (e.clientX - r.left) / r.width;
    const v = (e.clientY - r.top) / r.height;
    const { cx, cy, half } = this.view;
    return [cx + (2 * u - 1) * half, cy + (1 - 2 * v) * half];
  }

  private key(e: KeyboardEvent): void {
    const step = (this.view.half / 20) * (e.shiftKey ? 5 : 1);
    const moves: Record<string, LatentPoint> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, step],
      ArrowDown: [0, -step],
    };
    const move = moves[e.key];
    if (e.key === 'Home') {
      e.preventDefault();
      this.pick([0, 0]);
    } else if (move) {
      e.preventDefault();
      this.pick([this.picked[0] + move[0], this.picked[1] + move[1]]);
    }
  }

  draw(): void {
    const { ctx, canvas } = this;
    const { width, height } = canvas;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = '#ddd';
    ctx.lineWidth = 1;
    const { cx, cy, half } = this.view;
    // Unit grid lines, the axes darker, and the manifold's square dashed.
    for (let t = Math.ceil(cx - half); t <= cx + half; t++) {
      const [x] = this.toCanvas([t, 0]);
      ctx.strokeStyle = t === 0 ? '#999' : '#e6e6e6';
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, height);
      ctx.stroke();
    }
    for (let t = Math.ceil(cy - half); t <= cy + half; t++) {
      const [, y] = this.toCanvas([0, t]);
      ctx.strokeStyle = t === 0 ? '#999' : '#e6e6e6';
      ctx.beginPath();
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
      ctx.stroke();
    }
    const [mx0, my0] = this.toCanvas([-PRIOR_90, PRIOR_90]);
    const [mx1, my1] = this.toCanvas([PRIOR_90, -PRIOR_90]);
    ctx.setLineDash([6, 6]);
    ctx.strokeStyle = '#aaa';
    ctx.strokeRect(mx0, my0, mx1 - mx0, my1 - my0);
    ctx.setLineDash([]);
    const dot = Math.max(1.5, width / 260);
    for (let i = 0; i < this.labels.length; i++) {
      const [x, y] = this.toCanvas([this.points[2 * i] as number, this.points[2 * i + 1] as number]);
      ctx.fillStyle = DIGIT_COLOURS[this.labels[i] as number] ?? '#000';
      ctx.fillRect(x - dot / 2, y - dot / 2, dot, dot);
    }
    if (this.marker) {
      const [x, y] = this.toCanvas(this.marker);
      ctx.lineWidth = Math.max(2, width / 180);
      ctx.strokeStyle = '#000';
      ctx.beginPath();
      ctx.arc(x, y, width / 45, 0, 2 * Math.PI);
      ctx.stroke();
    }
    const [px, py] = this.toCanvas(this.picked);
    const arm = width / 30;
    ctx.lineWidth = Math.max(2, width / 150);
    ctx.strokeStyle = '#d00';
    ctx.beginPath();
    ctx.moveTo(px - arm, py);
    ctx.lineTo(px + arm, py);
    ctx.moveTo(px, py - arm);
    ctx.lineTo(px, py + arm);
    ctx.stroke();
  }
}
