// A per-second countdown that re-renders its element while it runs: the wait before a rate-limited retry.
import type { ReactiveController, ReactiveControllerHost } from 'lit';

export class Countdown implements ReactiveController {
  private endsAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Whole seconds left, 0 when the countdown has run out or never started. */
  get remaining(): number {
    return Math.max(0, Math.ceil((this.endsAt - Date.now()) / 1000));
  }

  /** What is left as a clock shows it: `42`, then `9:58` from a minute up, then `23:59:58` from an hour up. */
  get clock(): string {
    const left = this.remaining;
    const two = (n: number) => String(n).padStart(2, '0');
    if (left < 60) return `${left}`;
    if (left < 3600) return `${Math.floor(left / 60)}:${two(left % 60)}`;
    return `${Math.floor(left / 3600)}:${two(Math.floor(left / 60) % 60)}:${two(left % 60)}`;
  }

  get running(): boolean {
    return this.remaining > 0;
  }

  start(seconds: number): void {
    this.stop();
    this.endsAt = Date.now() + seconds * 1000;
    this.tick();
  }

  // Wakes at each whole second left rather than every 1000 ms, so that timer drift never skips a number.
  private tick(): void {
    this.host.requestUpdate();
    const left = this.endsAt - Date.now();
    if (left <= 0) return this.stop();
    this.timer = setTimeout(() => this.tick(), left % 1000 || 1000);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.endsAt = 0;
  }

  /**
   * Out of the page the countdown sleeps; moved back in (into a dialog, say), it goes on where it is, or ends
   * there and then if its time ran out meanwhile.
   */
  hostConnected(): void {
    if (this.endsAt && this.timer === undefined) this.tick();
  }

  hostDisconnected(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
