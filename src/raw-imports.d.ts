// Vite's `?raw` suffix yields a file's text; the Node CLI gets the same through src/cli/raw-loader.
declare module '*.wgsl?raw' {
  const source: string;
  export default source;
}
