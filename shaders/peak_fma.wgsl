// Peak FLOP/s: every invocation runs `iters` steps of four independent vec4 chains
// x = fma(x, m, c) (32 FLOPs per step, no memory traffic) and writes the chains' sum, so
// nothing can be folded away. m and c come from the uniform (unknown when compiling);
// with |m| < 1 each chain converges to c / (1 - m), so no value overflows however long it
// runs. Chain k of invocation g starts at (g % 8) / 8 + k / 4 + (0, 1, 2, 3) / 16.
// Bindings: 0 Params, 1 out: array<vec4<f32>>[invocations].
// Dispatch: (groups_x, groups_y) workgroups of WG = 256.

struct Params {
  iters: u32,
  groups_x: u32, // workgroups along x in the dispatch grid
  m: f32,
  c: f32,
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wid.y * params.groups_x + wid.x) * WG + lid.x;
  let m = vec4<f32>(params.m);
  let c = vec4<f32>(params.c);
  let base = f32(g % 8u) / 8.0 + vec4<f32>(0.0, 1.0, 2.0, 3.0) / 16.0;
  var x0 = base;
  var x1 = base + 0.25;
  var x2 = base + 0.5;
  var x3 = base + 0.75;
  for (var i = 0u; i < params.iters; i++) {
    x0 = fma(x0, m, c);
    x1 = fma(x1, m, c);
    x2 = fma(x2, m, c);
    x3 = fma(x3, m, c);
  }
  out[g] = x0 + x1 + x2 + x3;
}
