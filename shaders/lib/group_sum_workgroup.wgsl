// Linked in front of a kernel that reduces across invocations (GROUP: an override of the kernel, a power of two <= 64), when the device has no
// `subgroups` (or a test forces this path): the same functions as group_sum_subgroups.wgsl,
// by trees in workgroup memory. Workgroups of exactly 256 invocations, lid =
// local_invocation_index. Call them in uniform control flow: they have barriers.
//   group_sum(v, lid): the sum of v over the aligned group of GROUP consecutive invocations
//     holding lid (a vec4: up to four sums at once), returned to the group's first
//     invocation (here to all of them, but callers may rely only on the first).
//   block_sum(v, lid): the sum of v over the whole workgroup, returned to all.

var<workgroup> sum_scratch: array<vec4<f32>, 256>;

fn tree_sum(v: vec4<f32>, lid: u32, width: u32) -> vec4<f32> {
  sum_scratch[lid] = v;
  workgroupBarrier();
  let lane = lid & (width - 1u);
  for (var s = width / 2u; s > 0u; s >>= 1u) {
    if (lane < s) {
      sum_scratch[lid] += sum_scratch[lid + s];
    }
    workgroupBarrier();
  }
  let total = sum_scratch[lid - lane];
  // Nobody may overwrite the scratch for the next sum before everyone has read this one.
  workgroupBarrier();
  return total;
}

fn group_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  return tree_sum(v, lid, GROUP);
}

fn block_sum(v: vec4<f32>, lid: u32) -> vec4<f32> {
  return tree_sum(v, lid, 256u);
}
