// Peak copy bandwidth: dst[i] = src[i] for the n vec4 elements, grid-stride: invocation g of
// S (every invocation of the dispatch) copies elements g, g + S, g + 2S, ... Each element
// is read once and written once (32 bytes moved per element).
// Bindings: 0 Params, 1 src: array<vec4<u32>>[n], 2 dst: array<vec4<u32>>[n].
// Dispatch: (groups_x, groups_y) workgroups of WG = 256, S = groups_x * groups_y * WG.

struct Params {
  n: u32, // vec4 elements to copy
  stride: u32, // S: invocations in the dispatch
  groups_x: u32, // workgroups along x in the dispatch grid
}

const WG: u32 = 256u;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let g = (wid.y * params.groups_x + wid.x) * WG + lid.x;
  for (var i = g; i < params.n; i += params.stride) {
    dst[i] = src[i];
  }
}
