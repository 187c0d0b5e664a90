import {
  type AutoScalingGroup,
  CreateOrUpdateTagsCommand,
  DeleteTagsCommand,
  type LaunchTemplateSpecification,
  paginateDescribeAutoScalingGroups,
} from '@aws-sdk/client-auto-scaling';
import type { Resource } from '@elava/types';
import { base, compact, iso, required, sorted, tagsOf } from '../normalize.js';
import type { ApiCall, Provider } from '../provider.js';

export interface AutoscalingLaunchTemplate {
  id?: string;
  name?: string;
  /** `$Latest`, `$Default` or a number, as the group names it. */
  version?: string;
}

/**
 * The group's configuration. Its instance list is left out on purpose: instances come and go with
 * every scale-out, scale-in and health replacement, so recording them would make a new version of
 * the group all day long; each instance is recorded as an `ec2.instance` of its own (tagged with
 * `aws:autoscaling:groupName`). Desired capacity is kept: it is what was asked for.
 */
export interface AutoscalingGroupAttributes {
  arn: string;
  min_size: number;
  max_size: number;
  desired_capacity: number;
  launch_template?: AutoscalingLaunchTemplate;
  launch_configuration_name?: string;
  /** With a mixed instances policy: its launch template and the instance types it may use. */
  mixed_instances?: { launch_template?: AutoscalingLaunchTemplate; instance_types: string[] };
  subnet_ids: string[];
  availability_zones: string[];
  target_group_arns: string[];
  load_balancer_names: string[];
  health_check_type?: string;
  health_check_grace_period_seconds?: number;
  default_cooldown_seconds?: number;
  /** In the order AWS applies them: the order is the configuration. */
  termination_policies: string[];
  suspended_processes: string[];
  new_instances_protected_from_scale_in?: boolean;
  capacity_rebalance?: boolean;
  max_instance_lifetime_seconds?: number;
  service_linked_role_arn?: string;
  placement_group?: string;
  deletion_protection?: string;
  /** The tag keys copied onto the instances the group launches (PropagateAtLaunch); absent: none. */
  propagate_at_launch?: string[];
}

const template = (t: LaunchTemplateSpecification | undefined): AutoscalingLaunchTemplate | undefined =>
  t ? compact({ id: t.LaunchTemplateId, name: t.LaunchTemplateName, version: t.Version }) : undefined;

function normalise(ctx: { account: string; region: string }, g: AutoScalingGroup): Resource<'autoscaling.group'> {
  const name = required(g.AutoScalingGroupName, 'AutoScalingGroup.AutoScalingGroupName');
  const mixed = g.MixedInstancesPolicy?.LaunchTemplate;
  const attributes: AutoscalingGroupAttributes = {
    arn: required(g.AutoScalingGroupARN, `${name} AutoScalingGroupARN`),
    min_size: required(g.MinSize, `${name} MinSize`),
    max_size: required(g.MaxSize, `${name} MaxSize`),
    desired_capacity: required(g.DesiredCapacity, `${name} DesiredCapacity`),
    launch_template: template(g.LaunchTemplate),
    launch_configuration_name: g.LaunchConfigurationName,
    mixed_instances: mixed
      ? compact({
          launch_template: template(mixed.LaunchTemplateSpecification),
          instance_types: sorted(mixed.Overrides?.map((o) => o.InstanceType)),
        })
      : undefined,
    // A comma-separated list in the API.
    subnet_ids: sorted(g.VPCZoneIdentifier?.split(',').map((s) => s.trim())),
    availability_zones: sorted(g.AvailabilityZones),
    target_group_arns: sorted(g.TargetGroupARNs),
    load_balancer_names: sorted(g.LoadBalancerNames),
    health_check_type: g.HealthCheckType,
    health_check_grace_period_seconds: g.HealthCheckGracePeriod,
    default_cooldown_seconds: g.DefaultCooldown,
    termination_policies: [...(g.TerminationPolicies ?? [])],
    suspended_processes: sorted(g.SuspendedProcesses?.map((p) => p.ProcessName)),
    new_instances_protected_from_scale_in: g.NewInstancesProtectedFromScaleIn,
    capacity_rebalance: g.CapacityRebalance,
    max_instance_lifetime_seconds: g.MaxInstanceLifetime,
    service_linked_role_arn: g.ServiceLinkedRoleARN,
    placement_group: g.PlacementGroup,
    deletion_protection: g.DeletionProtection,
    propagate_at_launch: nonEmpty(sorted(g.Tags?.filter((t) => t.PropagateAtLaunch === true).map((t) => t.Key))),
  };
  return {
    ...base(ctx, 'autoscaling.group', name, tagsOf(g.Tags), name),
    // `Status` is set only while the group is being deleted.
    status: g.Status ?? 'active',
    created_at: iso(g.CreatedTime),
    attributes: compact({ ...attributes }),
  };
}

const ref = (name: string) => ({ ResourceId: name, ResourceType: 'auto-scaling-group' });
const nonEmpty = (keys: string[]): string[] | undefined => (keys.length > 0 ? keys : undefined);

export const autoscalingGroup: Provider<'autoscaling.group'> = {
  type: 'autoscaling.group',
  service: 'autoscaling',
  cfnType: 'AWS::AutoScaling::AutoScalingGroup',
  tagWrites: {
    writable: true,
    commands: { CreateOrUpdateTags: CreateOrUpdateTagsCommand, DeleteTags: DeleteTagsCommand },
    // Whether a tag is copied onto the group's instances is the owner's choice, and AWS takes a
    // tag written without PropagateAtLaunch as off: a tag that has it on as read now keeps it on
    // when its value is rewritten. A tag not there now (added, or put back after a deletion) is
    // written with it off, as AWS would, for nothing read now says otherwise.
    calls(t, set, remove) {
      const calls: ApiCall[] = [];
      const propagating = new Set((t.attributes?.propagate_at_launch as string[] | undefined) ?? []);
      if (Object.keys(set).length)
        calls.push({
          service: 'autoscaling',
          operation: 'CreateOrUpdateTags',
          input: {
            Tags: Object.entries(set).map(([Key, Value]) => ({
              ...ref(t.nativeId),
              Key,
              Value,
              ...(propagating.has(Key) ? { PropagateAtLaunch: true } : {}),
            })),
          },
        });
      if (Object.keys(remove).length)
        calls.push({
          service: 'autoscaling',
          operation: 'DeleteTags',
          input: { Tags: Object.keys(remove).map((Key) => ({ ...ref(t.nativeId), Key })) },
        });
      return calls;
    },
  },
  operations: ['DescribeAutoScalingGroups'],
  serverSideTagFilter: false,
  async *pages(ctx, _filter, ids) {
    // Asked by name, a group that does not exist is simply not in the answer.
    for await (const page of paginateDescribeAutoScalingGroups(
      { client: ctx.clients.client('autoscaling'), pageSize: ctx.pageSize },
      ids ? { AutoScalingGroupNames: [...ids] } : {},
    )) {
      yield (page.AutoScalingGroups ?? []).map((g) => normalise(ctx, g));
    }
  },
};
