import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Re-renders its host when the page switches between light and dark: for elements that
 * paint with colour-scale's palettes (CSS custom properties follow the theme by themselves,
 * colours computed in script do not).
 */
export class ThemeController implements ReactiveController {
  private query: MediaQueryList | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  hostConnected(): void {
    this.query =
      typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null;
    this.query?.addEventListener('change', this.onChange);
  }

  hostDisconnected(): void {
    this.query?.removeEventListener('change', this.onChange);
    this.query = null;
  }

  private onChange = (): void => this.host.requestUpdate();
}
