/**
 * The drawing canvas: white strokes on black, from mouse, touch or pen through pointer events.
 * Strokes are kept as point lists so that undo can redraw what was there before.
 */

type Point = readonly [number, number];

export class DrawPad {
  private readonly strokes: Point[][] = [];
  private current: Point[] | null = null;
  private readonly ctx: CanvasRenderingContext2D;

  constructor(
    readonly canvas: HTMLCanvasElement,
    /** Called after every change of the picture (stroke extended, undo, clear). */
    private readonly onChange: () => void,
  ) {
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('no 2D canvas context');
    this.ctx = ctx;
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    canvas.addEventListener('pointerup', () => this.up());
    canvas.addEventListener('pointercancel', () => this.up());
    this.redraw();
  }

  get isEmpty(): boolean {
    return this.strokes.length === 0;
  }

  /** The picture as 8-bit RGBA, what toMnistInput takes. */
  imageData(): ImageData {
    return this.ctx.getImageData(0, 0, this.canvas.width, this.canvas.height);
  }

  undo(): void {
    if (this.strokes.pop()) this.changed();
  }

  clear(): void {
    this.strokes.length = 0;
    this.changed();
  }

  /** Clears the picture without reporting a change: the page has switched to another input. */
  reset(): void {
    this.strokes.length = 0;
    this.current = null;
    this.redraw();
  }

  private changed(): void {
    this.redraw();
    this.onChange();
  }

  private point(e: PointerEvent): Point {
    // The canvas is drawn at its own resolution and shown at whatever size CSS gives it.
    const r = this.canvas.getBoundingClientRect();
    return [
      ((e.clientX - r.left) * this.canvas.width) / r.width,
      ((e.clientY - r.top) * this.canvas.height) / r.height,
    ];
  }

  private down(e: PointerEvent): void {
    if (e.button !== 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.current = [this.point(e)];
    this.strokes.push(this.current);
    this.changed();
  }

  private move(e: PointerEvent): void {
    if (!this.current) return;
    // Coalesced events keep fast strokes smooth where the browser batches pointer moves per frame.
    const events = e.getCoalescedEvents?.() ?? [];
    for (const ev of events.length > 0 ? events : [e]) this.current.push(this.point(ev));
    this.changed();
  }

  private up(): void {
    this.current = null;
  }

  private redraw(): void {
    const { ctx, canvas } = this;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    // About 1/12 of the canvas: after toMnistInput scales the digit to 20 px, strokes come out
    // 2–3 px wide, as MNIST's pen strokes are.
    ctx.lineWidth = canvas.width / 12;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.strokeStyle = '#fff';
    ctx.fillStyle = '#fff';
    for (const stroke of this.strokes) {
      const [first, ...rest] = stroke;
      if (!first) continue;
      if (rest.length === 0) {
        ctx.beginPath();
        ctx.arc(first[0], first[1], ctx.lineWidth / 2, 0, 2 * Math.PI);
        ctx.fill();
        continue;
      }
      ctx.beginPath();
      ctx.moveTo(first[0], first[1]);
      for (const [x, y] of rest) ctx.lineTo(x, y);
      ctx.stroke();
    }
  }
}
