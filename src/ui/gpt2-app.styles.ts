import { css } from 'lit';

/** The styles of <gpt2-app>: the page layout and its panels. */
export const appStyles = css`
  :host {
    display: block;
    min-height: 100vh;
  }
  header.top {
    position: sticky;
    top: 0;
    z-index: 20;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 0.75rem 1.25rem;
    padding: 0.75rem 1.25rem;
    background: color-mix(in srgb, var(--bg) 88%, transparent);
    backdrop-filter: blur(10px);
    border-bottom: 1px solid var(--border);
  }
  .brand {
    display: flex;
    align-items: center;
    gap: 0.6rem;
    margin: 0;
    font-size: 1.0625rem;
    font-weight: 700;
    letter-spacing: -0.01em;
    white-space: nowrap;
  }
  .logo {
    width: 1.75rem;
    height: 1.75rem;
    border-radius: 0.5rem;
    background: linear-gradient(135deg, var(--accent), #22b8cf);
    display: grid;
    place-items: center;
    color: white;
    font-size: 0.75rem;
    font-weight: 800;
  }
  .brand small {
    font-weight: 500;
    color: var(--text-muted);
  }
  /* Below this width the header would wrap to two rows: the subtitle goes first. */
  @media (max-width: 1500px) {
    .brand small {
      display: none;
    }
  }
  model-picker {
    flex: 1 1 28rem;
  }
  gpu-status {
    flex: 0 1 auto;
  }
  main {
    max-width: 88rem;
    margin: 0 auto;
    padding: 1.25rem;
    display: grid;
    grid-template-columns: minmax(0, 1fr) 21rem;
    gap: 1.25rem;
    align-items: start;
  }
  .notices {
    grid-column: 1 / -1;
    display: grid;
    gap: 0.75rem;
  }
  .work,
  aside {
    display: grid;
    gap: 1.25rem;
    min-width: 0;
  }
  .panel {
    padding: 1.1rem 1.25rem 1.25rem;
  }
  /* The views below the output: off screen, the browser skips their layout and paint, so the
     end of a long run (1,024 tokens reaching every view at once) costs what is on screen. */
  .analysis {
    content-visibility: auto;
    contain-intrinsic-size: auto 24rem;
  }
  @media (max-width: 960px) {
    main {
      grid-template-columns: minmax(0, 1fr);
      padding: 0.9rem;
    }
    header.top {
      position: static;
      padding: 0.75rem 0.9rem;
    }
    /* One column: the sampling controls come right after the output they steer, not below
       every inspector view. */
    .work,
    aside {
      display: contents;
    }
    .work > *,
    aside > * {
      order: 10;
      min-width: 0;
    }
    .work > .prompt-card {
      order: 1;
    }
    .work > .output-card {
      order: 2;
    }
    aside > .sampling-card {
      order: 3;
    }
  }
  .drop {
    position: fixed;
    inset: 0;
    z-index: 100;
    display: grid;
    place-items: center;
    background: color-mix(in srgb, var(--accent) 18%, transparent);
    backdrop-filter: blur(3px);
    pointer-events: none;
  }
  .drop div {
    padding: 1.5rem 2rem;
    border: 2px dashed var(--accent);
    border-radius: var(--radius);
    background: var(--surface);
    font-weight: 600;
    box-shadow: var(--shadow);
    text-align: center;
  }
  footer {
    max-width: 88rem;
    margin: 0 auto;
    padding: 0 1.25rem 2rem;
    font-size: 0.75rem;
    color: var(--text-muted);
  }
  footer a {
    margin-left: 0.5rem;
    color: var(--accent);
  }
`;
