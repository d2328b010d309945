import subgroupsSum from '../../shaders/lib/group_sum_subgroups.wgsl?raw';
import workgroupSum from '../../shaders/lib/group_sum_workgroup.wgsl?raw';

/**
 * A kernel that reduces rows of 64 invocations calls `group_sum`, which it does not define:
 * it is linked here with one of two implementations, by subgroupAdd when the device has
 * `subgroups` (the module must then open with `enable subgroups;`, which a device without
 * the feature refuses to compile), else by a tree in workgroup memory. Both are tested.
 */
export function linkGroupSum(kernel: string, subgroups: boolean): string {
  return `${subgroups ? subgroupsSum : workgroupSum}\n${kernel}`;
}
