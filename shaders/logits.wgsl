// LM head (tied to the token embedding): out[v] = dot(input[0 .. C), wte[v, 0 .. C)) for
// v < V, wte [V, C] row-major. Memory-bound: wte is read once, coalesced. A workgroup of
// 8 x 8 invocations takes 8 rows, 8 invocations per row striding along it (adjacent
// invocations, adjacent words: 32 contiguous bytes per row per step); after one barrier
// the first invocation of each row sums its 8 partials.
//   f16: the row's whole u32 words serve both halves. With odd C a row may start or end in
//        the middle of a word; that word is shared with the neighbouring row, and each of
//        the two rows reads it for its own half.
// Bindings: 0 Params, 1 input: array<f32>[C], 2 wte: array<u32> (f32 bits, or packed f16
//   pairs when WEIGHTS_F16), 3 out: array<f32>[V].
// Dispatch: ceil(V / 8) workgroups, split over x and y by grid1d (rows past V do nothing).

struct Params {
  C: u32,
  V: u32,
}

override WEIGHTS_F16: bool = false;

const GROUP: u32 = 8u; // invocations per row
const ROWS: u32 = 8u; // rows per workgroup

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read> wte: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> part: array<f32, 64>; // [ROWS][GROUP]

@compute @workgroup_size(GROUP, ROWS)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_id) lid: vec3<u32>,
) {
  let C = params.C;
  let V = params.V;
  let lane = lid.x;
  let v = (wid.y * groups.x + wid.x) * ROWS + lid.y;
  var acc = 0.0;
  if (v < V) {
    let f0 = v * C; // flat range of row v: [f0, f1)
    let f1 = f0 + C;
    if (WEIGHTS_F16) {
      // Whole words q0 .. q1 - 1: word q holds elements 2q - f0 and 2q + 1 - f0.
      let q1 = f1 >> 1u;
      for (var q = ((f0 + 1u) >> 1u) + lane; q < q1; q += GROUP) {
        let w = unpack2x16float(wte[q]);
        let e = 2u * q - f0;
        acc += w.x * input[e] + w.y * input[e + 1u];
      }
      // Element 0 as the high half of a word (odd f0), element C - 1 as a low half (odd f1).
      if (lane == 0u && (f0 & 1u) == 1u) {
        acc += unpack2x16float(wte[f0 >> 1u]).y * input[0];
      }
      if (lane == 1u && (f1 & 1u) == 1u) {
        acc += unpack2x16float(wte[f1 >> 1u]).x * input[C - 1u];
      }
    } else {
      for (var c = lane; c < C; c += GROUP) {
        acc += bitcast<f32>(wte[f0 + c]) * input[c];
      }
    }
  }
  let i = lid.y * GROUP + lane;
  part[i] = acc;
  workgroupBarrier();
  if (lane == 0u && v < V) {
    var sum = 0.0;
    for (var j = 0u; j < GROUP; j++) {
      sum += part[i + j];
    }
    out[v] = sum;
  }
}
