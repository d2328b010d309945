// Mixes rows of an activation with rows of a source, channel group by channel group: the one
// kernel behind head ablation, activation patching and capturing activations. For t < rows,
// c < C, g = c / group:
//   x[(x_row0 + t) * C + c] = keep[g] * x[...] + take[g] * src[(src_row0 + t) * src_stride + c]
// with keep[g] = coefs[coef0 + 2g], take[g] = coefs[coef0 + 2g + 1]. A zero coefficient drops
// its term without reading it (so 0 * NaN in an unwritten buffer never leaks in).
// src_stride 0 repeats one source row (mean ablation); group = HS addresses heads, group = C
// whole rows (the residual stream).
// Bindings: 0 Params, 1 x: array<f32> (read-write), 2 src: array<f32>, 3 coefs: array<f32>.
// Dispatch: ceil(rows * C / 256) workgroups, split over x and y (grid1d); x must not be src.

struct Params {
  rows: u32,
  C: u32,
  group: u32,
  x_row0: u32,
  src_row0: u32,
  src_stride: u32,
  coef0: u32,
  row_stride: u32, // workgroups per row of the dispatch grid, times 256
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<f32>;
@group(0) @binding(3) var<storage, read> coefs: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.y * params.row_stride + gid.x;
  if (i >= params.rows * params.C) {
    return;
  }
  let t = i / params.C;
  let c = i % params.C;
  let g = c / params.group;
  let keep = coefs[params.coef0 + 2u * g];
  let take = coefs[params.coef0 + 2u * g + 1u];
  let xi = (params.x_row0 + t) * params.C + c;
  var v = 0.0;
  if (keep != 0.0) {
    v = keep * x[xi];
  }
  if (take != 0.0) {
    v += take * src[(params.src_row0 + t) * params.src_stride + c];
  }
  x[xi] = v;
}
