// Weight relayout at load time: out = transpose(src) for src [rows_in, cols_in] row-major,
// i.e. out[c, r] = src[r, c], out [cols_in, rows_in]. GPT-2 stores its Conv1D weights
// [in, out] = [K, N]; the kernels read them row per output, [N, K] (see matvec_v2.wgsl). Run
// once per matrix while loading, from a staging buffer the loader frees right after.
// f16 (WEIGHTS_F16): both are packed pairs (flat element i in word i >> 1, low half when i is
//   even); each invocation writes one whole output word (two elements; a buffer of odd length
//   ends in a zero half). Halves are moved as bits, so every value (subnormals too) is kept.
// Bindings: 0 Params, 1 src: array<u32>, 2 out: array<u32>.
// Dispatch: ceil(words / 256) workgroups of 256 (words = output words), split over x and y by
//   grid1d. Adjacent invocations write adjacent words (reads are strided: a one-off at load).

struct Params {
  rows_in: u32,
  cols_in: u32,
}

override WEIGHTS_F16: bool = false;

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

// Source element of output element e (out[c, r] with e = c * rows_in + r).
fn source_index(e: u32) -> u32 {
  let c = e / params.rows_in;
  let r = e - c * params.rows_in;
  return r * params.cols_in + c;
}

fn half_bits(i: u32) -> u32 {
  return (src[i >> 1u] >> (16u * (i & 1u))) & 0xffffu;
}

@compute @workgroup_size(256)
fn main(
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) groups: vec3<u32>,
  @builtin(local_invocation_index) lid: u32,
) {
  let word = (wid.y * groups.x + wid.x) * 256u + lid;
  let elements = params.rows_in * params.cols_in;
  if (WEIGHTS_F16) {
    let e = 2u * word;
    if (e >= elements) {
      return;
    }
    var hi = 0u;
    if (e + 1u < elements) {
      hi = half_bits(source_index(e + 1u));
    }
    out[word] = half_bits(source_index(e)) | (hi << 16u);
  } else {
    if (word >= elements) {
      return;
    }
    out[word] = src[source_index(word)];
  }
}
