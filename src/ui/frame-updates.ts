/**
 * Coalesces a host's updates to at most one per animation frame. A GPU that makes thousands
 * of tokens a second would otherwise make the page re-render for each of them, and the
 * rendering, not the GPU, would set the pace (or freeze the page). The engine's loop never
 * waits for a frame: it only marks the host dirty.
 */
import type { ReactiveControllerHost } from 'lit';

export class FrameUpdates {
  private frame = 0;

  /**
   * @param beforeUpdate runs in the frame, before the host is asked to render: state that
   *   arrived since the last frame is made visible there, once (see EngineController)
   */
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly beforeUpdate: () => void = () => {},
  ) {}

  /** The host renders at the next animation frame, once however often this is called. */
  request(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.beforeUpdate();
      this.host.requestUpdate();
    });
  }

  /** Drops a pending frame (the host is going away). */
  cancel(): void {
    if (this.frame) cancelAnimationFrame(this.frame);
    this.frame = 0;
  }
}
