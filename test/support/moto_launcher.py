#!/usr/bin/env python3
"""Start moto 5.2.1's server with the fixes the pilot-light tests depend on.

moto is the project's AWS emulator. Where it differs from AWS in a way the reconciler can see, it is fixed here,
before the server starts, so tests assert what AWS does instead of working around moto. Each patch says what
moto does wrong and what AWS does. The patches are pinned to moto 5.2.1: on another version the launcher
refuses to start rather than patch code it has not been checked against.

Facts (checked against moto 5.2.1's source and AWS documentation, 2026-12):
- ECS: moto never registers a service's tasks in the target groups of its loadBalancers (moto/ecs/models.py has no
  elbv2 call). AWS does, on RUNNING (ip: ENI address + containerPort), and deregisters on stop; here patch_ecs does.
  A reconciler that also registers them only repeats what AWS did (RegisterTargets is idempotent).
- ASG: moto registers InService instances in TargetGroupARNs but never deregisters one on scale-in, detach,
  Standby or delete; AWS does; here patch_autoscaling does. Deregistered targets drain (patch_elbv2).

Usage: moto_launcher.py [--host 127.0.0.1] --port PORT
"""

import argparse
import copy
import ipaddress
import json
import logging
import sys
import time
from typing import Any, Callable

import moto

PINNED_MOTO_VERSION = "5.2.1"


def wraps(original: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """functools.wraps, plus a marker so a double patch is detectable."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.__name__ = original.__name__
        fn.__doc__ = original.__doc__
        fn.__wrapped__ = original  # type: ignore[attr-defined]
        fn.__pilot_light_patch__ = True  # type: ignore[attr-defined]
        return fn

    return decorate


# --------------------------------------------------------------------------------------------------- RDS


def patch_rds() -> None:
    from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError
    from moto.rds.models import DBInstance, RDSBackend

    def forget_replica(primary: DBInstance, replica: DBInstance) -> None:
        # moto stores a same-region replica by identifier and a cross-region one by ARN.
        for ref in (replica.db_instance_identifier, replica.db_instance_arn):
            if ref in primary.replicas:
                primary.replicas.remove(ref)

    # moto: remove_replica only removes by identifier, so deleting a cross-region replica (stored by ARN)
    # raises ValueError (an HTML 500). AWS: the source simply stops listing the deleted replica.
    @wraps(DBInstance.remove_replica)
    def remove_replica(self: DBInstance, replica: DBInstance) -> None:
        forget_replica(self, replica)

    DBInstance.remove_replica = remove_replica

    # moto: PromoteReadReplica only flips an internal flag. It leaves ReadReplicaSourceDBInstanceIdentifier set,
    # leaves the replica in the source's ReadReplicaDBInstanceIdentifiers, accepts an instance that is not a
    # replica, and answers a missing instance with a KeyError (HTML 500).
    # AWS: the instance becomes standalone (no source identifier), the source stops listing it, a non-replica
    # or an instance that is not `available` is refused with InvalidDBInstanceState, a missing one with
    # DBInstanceNotFound.
    @wraps(RDSBackend.promote_read_replica)
    def promote_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        database_id = db_kwargs["db_instance_identifier"]
        database = self.databases.get(database_id)
        if database is None:
            raise DBInstanceNotFoundError(database_id)
        source_id = database.source_db_instance_identifier
        if not database.is_replica or not source_id:
            raise RDSClientError("InvalidDBInstanceState", f"DB Instance {database_id} is not a read replica.")
        if database.status != "available":
            raise RDSClientError("InvalidDBInstanceState", f"DB Instance {database_id} is not in available state.")
        try:
            source = self.find_db_from_id(source_id)
        except DBInstanceNotFoundError:
            source = None  # the source is gone already; nothing lists this replica any more
        if source is not None:
            forget_replica(source, database)
        database.is_replica = False
        database.source_db_instance_identifier = None
        database.update(**db_kwargs)
        return database

    RDSBackend.promote_read_replica = promote_read_replica

    # moto: a cross-region replica (source given as an ARN) looks up its DBSubnetGroupName in the source's
    # region and fails with DBSubnetGroupNotFound. AWS: the replica's subnet group is one in the replica's own
    # region (that is the point of giving it). Resolve it in this backend.
    original_create_replica = RDSBackend.create_db_instance_read_replica

    #
    # moto: accepts a read replica of a source whose master password Secrets Manager manages
    # (ManageMasterUserPassword). AWS refuses it for every engine but SQL Server: "InvalidParameterValue: Creating
    # read replicas for source instance … where ManageMasterUserPassword is enabled is not supported" (RDS User
    # Guide, "Limitations for Secrets Manager integration with Amazon RDS"; terraform-aws-modules/terraform-aws-rds
    # #512, #532). Refuse it as AWS does, so a stack that relies on it fails here as it would in AWS.
    @wraps(RDSBackend.create_db_instance_read_replica)
    def create_db_instance_read_replica(self: RDSBackend, db_kwargs: dict[str, Any]) -> DBInstance:
        source_id = db_kwargs["source_db_instance_identifier"]
        source = self.find_db_from_id(source_id)
        if getattr(source, "manage_master_user_password", False) and not str(source.engine).startswith("sqlserver"):
            raise RDSClientError(
                "InvalidParameterValue",
                f"Creating read replicas for source instance {source.db_instance_identifier} where ManageMasterUserPassword is enabled is not supported.",
            )
        if self.arn_regex.match(source_id):
            db_kwargs = {"backend": self, **db_kwargs}
        replica = original_create_replica(self, db_kwargs)
        # moto: the replica is a copy of the source and keeps the source's log exports, ignoring the request's
        # EnableCloudwatchLogsExports; AWS sets the replica's own (RDS API Reference, CreateDBInstanceReadReplica:
        # "EnableCloudwatchLogsExports — The list of logs that the new DB instance is to export to CloudWatch Logs").
        if db_kwargs.get("enable_cloudwatch_logs_exports") is not None:
            replica.enabled_cloudwatch_logs_exports = list(db_kwargs["enable_cloudwatch_logs_exports"])
        return replica

    RDSBackend.create_db_instance_read_replica = create_db_instance_read_replica

    # moto: CreateDBInstance drops MonitoringInterval and MonitoringRoleArn (DescribeDBInstances then reports 0 and
    # no role, and Terraform plans to set them again forever). AWS stores both and returns them (RDS API Reference,
    # CreateDBInstance: "MonitoringInterval ... MonitoringRoleArn"; DBInstance: the same two fields).
    original_init = DBInstance.__init__

    @wraps(original_init)
    def init_with_monitoring(self: DBInstance, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        if kwargs.get("monitoring_interval") is not None:
            self.monitoring_interval = int(kwargs["monitoring_interval"])
        if kwargs.get("monitoring_role_arn"):
            self.monitoring_role_arn = kwargs["monitoring_role_arn"]

    DBInstance.__init__ = init_with_monitoring


# ------------------------------------------------------------------------------------------- Auto Scaling


def patch_autoscaling() -> None:
    from moto.autoscaling.exceptions import ValidationError
    from moto.autoscaling.models import AutoScalingBackend, FakeAutoScalingGroup

    original_update = FakeAutoScalingGroup.update

    # moto: UpdateAutoScalingGroup without MixedInstancesPolicy overwrites the stored policy with None (the group
    # silently loses its spot/on-demand split); a policy with only InstancesDistribution raises KeyError (HTML 500)
    # after min/max were already applied; MinSize > MaxSize and a DesiredCapacity outside [min, max] are accepted.
    # AWS: parameters that are not given keep their value; a partial MixedInstancesPolicy updates only the parts
    # given; an inconsistent size is refused with ValidationError before anything changes.
    @wraps(original_update)
    def update(self: FakeAutoScalingGroup, **kwargs: Any) -> None:
        min_size = kwargs.get("min_size")
        max_size = kwargs.get("max_size")
        desired = kwargs.get("desired_capacity")
        new_min = self.min_size if min_size is None else min_size
        new_max = self.max_size if max_size is None else max_size
        if new_min > new_max:
            raise ValidationError(f"Max bound, {new_max}, must be greater than or equal to min bound, {new_min}")
        if desired is not None and not new_min <= desired <= new_max:
            raise ValidationError(
                f"Desired capacity:{desired} must be between the specified min size:{new_min} and max size:{new_max}"
            )

        stored = copy.deepcopy(self.mixed_instances_policy) if self.mixed_instances_policy else None
        if stored is not None:
            # moto stores the spec with both id and name, which its own validation refuses as input.
            spec = stored.get("LaunchTemplate", {}).get("LaunchTemplateSpecification", {})
            if spec.get("LaunchTemplateId"):
                spec.pop("LaunchTemplateName", None)
        given = kwargs.get("mixed_instances_policy")
        switching_launch_config = kwargs.get("launch_config_name") or kwargs.get("launch_template")
        if given is None and stored is not None and not switching_launch_config:
            kwargs["mixed_instances_policy"] = stored
        elif given is not None and stored is not None:
            merged = copy.deepcopy(given)
            if "LaunchTemplate" not in merged:
                merged["LaunchTemplate"] = stored["LaunchTemplate"]
            distribution = dict(stored.get("InstancesDistribution") or {})
            distribution.update(merged.get("InstancesDistribution") or {})
            merged["InstancesDistribution"] = distribution
            kwargs["mixed_instances_policy"] = merged
        original_update(self, **kwargs)

    FakeAutoScalingGroup.update = update

    # moto: an ASG registers its instances in its TargetGroupARNs (update_attached_target_groups, called after
    # every capacity change) but never deregisters one: on scale-in, DetachInstances, TerminateInstanceInAuto-
    # ScalingGroup, EnterStandby or DeleteAutoScalingGroup the instance is terminated or leaves the group and
    # stays registered (and, being a terminated instance, keeps reporting `healthy`). It also registers Standby
    # instances, and one missing target group fails the whole call with TargetGroupNotFound.
    # AWS: an ASG registers its InService instances and deregisters an instance before it terminates, detaches
    # or enters Standby (EC2 Auto Scaling User Guide, "Use Elastic Load Balancing to distribute incoming
    # application traffic in your Auto Scaling group"); the target then drains (patch_elbv2). Each registration is
    # recorded on the group, so the ASG deregisters only what it registered (a target the reconciler registered
    # by hand is not the ASG's).
    @wraps(AutoScalingBackend.update_attached_target_groups)
    def update_attached_target_groups(self: AutoScalingBackend, group_name: str) -> None:
        group = self.autoscaling_groups[group_name]
        registered: dict[str, dict[str, int]] = group.__dict__.setdefault("pilot_light_registered_targets", {})
        in_service = {state.instance.id for state in group.active_instances()}
        for arn in list(registered):
            if arn not in group.target_group_arns:
                del registered[arn]  # DetachLoadBalancerTargetGroups deregistered them already
        for arn in group.target_group_arns:
            target_group = self.elbv2_backend.target_groups.get(arn)
            if target_group is None:
                continue  # AWS: a failed scaling activity for that group, not a failed API call
            ours = registered.setdefault(arn, {})
            leaving = [{"Id": i, "Port": port} for i, port in ours.items() if i not in in_service]
            if leaving:
                target_group.deregister(leaving)
            joining = [{"Id": i, "Port": target_group.port} for i in sorted(in_service) if i not in ours]
            if joining:
                target_group.register(joining)
            registered[arn] = {i: ours.get(i, target_group.port) for i in in_service}

    AutoScalingBackend.update_attached_target_groups = update_attached_target_groups

    original_detach_target_groups = AutoScalingBackend.detach_load_balancer_target_groups

    @wraps(original_detach_target_groups)
    def detach_load_balancer_target_groups(self: AutoScalingBackend, group_name: str, target_group_arns: list[str]) -> None:
        original_detach_target_groups(self, group_name, target_group_arns)
        registered = self.autoscaling_groups[group_name].__dict__.get("pilot_light_registered_targets", {})
        for arn in target_group_arns:
            registered.pop(arn, None)  # moto deregistered them; attaching the group again registers them anew

    AutoScalingBackend.detach_load_balancer_target_groups = detach_load_balancer_target_groups

    original_notify_terminate = AutoScalingBackend.notify_terminate_instances

    # moto: when TerminateInstances ends an ASG instance, the group launches a replacement but registers it only
    # with Classic Load Balancers. AWS: the replacement is registered in the group's target groups when it is
    # InService, and the terminated instance is deregistered.
    @wraps(original_notify_terminate)
    def notify_terminate_instances(self: AutoScalingBackend, instance_ids: list[str]) -> None:
        original_notify_terminate(self, instance_ids)
        for group_name in list(self.autoscaling_groups):
            self.update_attached_target_groups(group_name)

    AutoScalingBackend.notify_terminate_instances = notify_terminate_instances


# ------------------------------------------------------------------------------------------------ EC2 / ENI


def patch_ec2() -> None:
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ec2.utils import generate_dns_from_ip

    original_init = NetworkInterface.__init__

    # moto: an ENI only gets `private_dns_name` when its VPC has DNS hostnames enabled, but RunTask with awsvpc
    # reads it unconditionally, so every awsvpc task in such a VPC fails with AttributeError (HTML 500).
    # AWS: every ENI has a private DNS name (ip-a-b-c-d.<region>.compute.internal).
    # moto: an ENI created without an address gets a random one from its subnet, with no check that another ENI
    # already has it, so two tasks (or instances) can share an IP (seen: both frontend tasks on 10.20.1.67).
    # AWS: addresses in a subnet are unique; the first four and the last are reserved.
    def free_address(ec2_backend: Any, subnet: Any) -> str | None:
        if isinstance(subnet, str):  # the ECS path passes the subnet id
            subnet = ec2_backend.get_subnet(subnet)
        used = {eni.private_ip_address for eni in ec2_backend.enis.values() if getattr(getattr(eni, "subnet", None), "id", None) == subnet.id}
        hosts = list(ipaddress.ip_network(subnet.cidr_block, strict=False).hosts())
        for candidate in hosts[3:-1]:
            if str(candidate) not in used:
                return str(candidate)
        return None

    @wraps(original_init)
    def init(self: NetworkInterface, ec2_backend: Any, subnet: Any, private_ip_address: Any, *args: Any, **kwargs: Any) -> None:
        if not private_ip_address and not kwargs.get("private_ip_addresses") and not (args and args[0]) and subnet is not None:
            private_ip_address = free_address(ec2_backend, subnet) or private_ip_address
        original_init(self, ec2_backend, subnet, private_ip_address, *args, **kwargs)
        if "private_dns_name" not in self.__dict__ and self.private_ip_address:
            self.private_dns_name = generate_dns_from_ip(self.private_ip_address)

    NetworkInterface.__init__ = init


# ---------------------------------------------------------------------------------------------------- ELBv2


def patch_elbv2() -> None:
    from moto.elbv2.exceptions import ELBClientError
    from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup

    # moto: CreateLoadBalancer without Scheme stores none (the response passes Scheme=None over the backend's
    # default), and DescribeLoadBalancers then returns no Scheme. The Terraform provider sends Scheme only for an
    # internal load balancer. AWS: the scheme defaults to internet-facing.
    original_create_lb = ELBv2Backend.create_load_balancer

    @wraps(original_create_lb)
    def create_load_balancer(self: ELBv2Backend, *args: Any, **kwargs: Any) -> Any:
        if kwargs.get("scheme") is None:
            kwargs["scheme"] = "internet-facing"
        return original_create_lb(self, *args, **kwargs)

    ELBv2Backend.create_load_balancer = create_load_balancer

    # moto: DeleteLoadBalancer deletes a load balancer whose deletion_protection.enabled is "true".
    # AWS: OperationNotPermitted until the attribute is turned off (the e2e turns it off in an apply of its own).
    original_delete_lb = ELBv2Backend.delete_load_balancer

    @wraps(original_delete_lb)
    def delete_load_balancer(self: ELBv2Backend, arn: str) -> None:
        lb = self.load_balancers.get(arn)
        if lb is not None and lb.attrs.get("deletion_protection.enabled") == "true":
            raise ELBClientError("OperationNotPermitted", f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled")
        original_delete_lb(self, arn)

    ELBv2Backend.delete_load_balancer = delete_load_balancer

    def draining(group: FakeTargetGroup, target_id: str) -> dict[str, Any] | None:
        entry = group.deregistered_targets.get(target_id)
        if entry is not None and entry.get("draining_until", 0) > time.time():
            return entry
        return None

    # moto: DeregisterTargets of a target that is not registered fails with InvalidTarget, ignores the port, and
    # the target vanishes at once. AWS: deregistering an (id, port) pair that is not registered succeeds and
    # does nothing; a deregistered target stays listed as `draining` (Target.DeregistrationInProgress) for the
    # group's deregistration_delay.timeout_seconds (default 300) - a reconciler must not deregister it again.
    @wraps(FakeTargetGroup.deregister)
    def deregister(self: FakeTargetGroup, targets: list[dict[str, Any]]) -> None:
        delay = int(self.attributes.get("deregistration_delay.timeout_seconds", 300))
        for target in targets:
            registered = self.targets.get(target["Id"])
            if registered is None or int(registered["Port"]) != int(target.get("Port", self.port)):
                continue
            del self.targets[target["Id"]]
            self.deregistered_targets[target["Id"]] = {**registered, "draining_until": time.time() + delay}

    FakeTargetGroup.deregister = deregister

    original_health_for = FakeTargetGroup.health_for

    @wraps(original_health_for)
    def health_for(self: FakeTargetGroup, target: dict[str, Any], ec2_backend: Any) -> FakeHealthStatus:
        if target["Id"] not in self.targets:
            entry = draining(self, target["Id"])
            if entry is not None:
                return FakeHealthStatus(
                    entry["Id"], entry["Port"], self.health_check_port, "draining",
                    "Target.DeregistrationInProgress", "Target deregistration is in progress",
                )
        return original_health_for(self, target, ec2_backend)

    FakeTargetGroup.health_for = health_for

    original_describe_target_health = ELBv2Backend.describe_target_health

    @wraps(original_describe_target_health)
    def describe_target_health(self: ELBv2Backend, target_group_arn: str, targets: list[dict[str, Any]]) -> Any:
        group = self.target_groups.get(target_group_arn)
        if group is not None and not targets:
            still_draining = [
                {"Id": target_id, "Port": entry["Port"]}
                for target_id in list(group.deregistered_targets)
                if (entry := draining(group, target_id)) is not None
            ]
            targets = list(group.targets.values()) + still_draining
            if not targets:
                return []
        return original_describe_target_health(self, target_group_arn, targets)

    ELBv2Backend.describe_target_health = describe_target_health


# ------------------------------------------------------------------------------------------------------ ECS


def patch_ecs() -> None:
    import moto.ecs.models as ecs_models
    from moto.core.utils import utcnow
    from moto.ecs.exceptions import InvalidParameterException
    from moto.ecs.models import EC2ContainerServiceBackend, Service, Task
    from moto.ecs.responses import EC2ContainerServiceResponse
    from moto.elbv2.models import elbv2_backends
    from moto.moto_api import state_manager
    from moto.moto_api._internal import mock_random

    # moto: a task moves RUNNING -> DEACTIVATING the first time DescribeTasks sees it ("manual" transition,
    # times=1), so a running service looks like it is stopping. AWS: a task stays RUNNING until it is stopped.
    # (Tests can still opt in to transitions through /moto-api/state-manager/set-transition.)
    state_manager.register_default_transition("ecs::task", {"progression": "manual", "times": sys.maxsize})

    # moto: the ENI of an awsvpc task gets a random 10.x.y.z address outside the task's subnet.
    # AWS: the address comes from the subnet (ELBv2 ip targets must lie inside the VPC). Returning None makes
    # the ENI pick an address from its subnet's CIDR.
    ecs_models.random_private_ip = lambda *args, **kwargs: None  # type: ignore[assignment]

    original_requirements = EC2ContainerServiceBackend._calculate_task_resource_requirements

    # moto: a Fargate task definition with memory set only at task level (the usual Fargate form) makes RunTask
    # fail with TypeError (None + int, HTML 500). AWS: container-level memory is optional when the task sets it.
    @wraps(original_requirements)
    def calculate_task_resource_requirements(task_definition: Any) -> dict[str, Any]:
        patched = copy.copy(task_definition)
        patched.container_definitions = [
            {**c, "memory": 0} if c.get("memory") is None and c.get("Memory") is None
            and c.get("memoryReservation") is None and c.get("MemoryReservation") is None else c
            for c in task_definition.container_definitions
        ]
        return original_requirements(patched)

    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate_task_resource_requirements)

    def is_service_task(task: Task, service: Service) -> bool:
        # What ECS tags a service's tasks with: group "service:<name>", startedBy the deployment id.
        return task.group == f"service:{service.name}" and str(task.started_by).startswith("ecs-svc/")

    def runs_on_fargate(service: Service) -> bool:
        strategy = getattr(service, "capacity_provider_strategy", None) or []
        return service.launch_type == "FARGATE" or any(
            str(item.get("capacityProvider", "")).startswith("FARGATE") for item in strategy
        )

    # moto: a service's loadBalancers are stored and returned, nothing more: moto/ecs/models.py never touches the
    # elbv2 backend (no RegisterTargets/DeregisterTargets anywhere in it), so a service's tasks never show up in
    # its target groups. AWS: ECS registers each service task in every target group of the service's
    # loadBalancers when the task reaches RUNNING - for target type `ip` the task ENI's private IPv4 address and
    # the containerPort, for `instance` the container instance's EC2 instance id and the host port - and
    # deregisters it when the task is stopped (scale-in, a smaller desiredCount, replacement by a new deployment,
    # DeleteService, StopTask); the target then drains for the group's deregistration delay (patch_elbv2).
    # Each registration is recorded on the task, so stopping it deregisters exactly what was registered.
    def service_event(service: Service, message: str) -> None:
        # AWS lists a service's events newest first, each with id, createdAt and message.
        service.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": utcnow(), "message": message})

    def task_ip(task: Task) -> str | None:
        for attachment in task.attachments:
            if attachment.get("type") == "ElasticNetworkInterface":
                for detail in attachment.get("details", []):
                    if detail.get("name") == "privateIPv4Address":
                        return detail.get("value")
        return None

    def register_task_targets(backend: EC2ContainerServiceBackend, service: Service, task: Task) -> set[str]:
        """Registers a RUNNING service task in the target groups of the service's loadBalancers, as ECS does.

        Returns the target group ARNs that do not exist."""
        elbv2 = elbv2_backends[backend.account_id][backend.region_name]
        registered: list[tuple[str, dict[str, Any]]] = []
        missing: set[str] = set()
        for load_balancer in service.load_balancers or []:
            arn = load_balancer.get("targetGroupArn")
            if not arn:
                continue  # a Classic Load Balancer (loadBalancerName): not modelled
            group = elbv2.target_groups.get(arn)
            if group is None:
                # AWS: the task keeps running unregistered and the service records an event; nothing fails.
                missing.add(arn)
                continue
            if group.target_type != "ip":
                # Target type `instance` needs a container instance (EC2 launch type); the launcher schedules only
                # Fargate tasks, and AWS refuses an instance target group for awsvpc tasks at CreateService.
                continue
            address = task_ip(task)
            if address is None:
                continue
            target = {"Id": address, "Port": int(load_balancer.get("containerPort") or group.port)}
            group.register([target])
            registered.append((arn, target))
        task.pilot_light_targets = registered  # type: ignore[attr-defined]
        return missing

    def deregister_task_targets(backend: EC2ContainerServiceBackend, task: Task) -> None:
        """Deregisters a stopped task from the target groups ECS registered it in (each then drains)."""
        elbv2 = elbv2_backends[backend.account_id][backend.region_name]
        for arn, target in getattr(task, "pilot_light_targets", []):
            group = elbv2.target_groups.get(arn)
            if group is not None:  # a target group deleted meanwhile has nothing left to deregister
                group.deregister([target])
        task.pilot_light_targets = []  # type: ignore[attr-defined]

    original_stop_task = EC2ContainerServiceBackend.stop_task

    @wraps(original_stop_task)
    def stop_task(self: EC2ContainerServiceBackend, cluster_str: str, task_str: str, reason: str) -> Task:
        task = original_stop_task(self, cluster_str, task_str, reason)
        deregister_task_targets(self, task)
        return task

    EC2ContainerServiceBackend.stop_task = stop_task

    def schedule(backend: EC2ContainerServiceBackend, service: Service, replace_all: bool = False) -> None:
        """Brings the service's RUNNING tasks to its desired count at once, as the ECS scheduler does over time."""
        # moto: services never start tasks (ListTasks stays empty, runningCount is just a copy of desiredCount),
        # so nothing can be registered with a target group. AWS: the service scheduler starts and stops tasks
        # (group "service:<name>", startedBy the deployment id) until RUNNING matches desiredCount, and a new
        # deployment (forceNewDeployment, new strategy) replaces the old tasks.
        # Only Fargate services are scheduled: EC2 placement needs container instances these tests never have.
        if not runs_on_fargate(service) or not service.task_definition:
            return
        cluster = backend._get_cluster(service.cluster_name)
        tasks = backend.tasks.setdefault(cluster.name, {})
        running = [t for t in tasks.values() if is_service_task(t, service) and t.desired_status == "RUNNING"]
        want = service.desired_count if service.status == "ACTIVE" else 0
        deployment_id = service.deployments[0]["id"] if service.deployments else "ecs-svc/0"
        stop = running if replace_all else running[want:]
        for task in stop:
            backend.stop_task(cluster.name, task.task_arn, f"Scaling activity initiated by (deployment {deployment_id})")
        keep = len(running) - len(stop)
        if keep < want:
            task_definition = backend.describe_task_definition(service.task_definition)
            requirements = backend._calculate_task_resource_requirements(task_definition)
            network = service.network_configuration or None
            missing: set[str] = set()
            for _ in range(want - keep):
                task = Task(
                    cluster,
                    task_definition,
                    None,
                    requirements,
                    backend,
                    group=f"service:{service.name}",
                    launch_type="FARGATE",
                    started_by=deployment_id,
                    networking_configuration=network,
                    platform_version=service.platform_version,
                )
                tasks[task.task_arn] = task
                missing |= register_task_targets(backend, service, task)  # the task is RUNNING from the start here
            for arn in sorted(missing):
                service_event(service, f"(service {service.name}) failed to register targets in (target-group {arn}) with (error Target group not found.)")
        service.running_count = want
        service.pending_count = 0
        for deployment in service.deployments[:1]:
            deployment.update(
                desiredCount=want,
                runningCount=want,
                pendingCount=0,
                rolloutState="COMPLETED",
                rolloutStateReason=f"ECS deployment {deployment['id']} completed.",
            )

    original_create_response = EC2ContainerServiceResponse.create_service

    # moto: CreateService ignores capacityProviderStrategy (the service shows none and launchType EC2) and
    # accepts it together with launchType. AWS: the strategy is stored and returned, launchType stays unset,
    # and giving both is refused with InvalidParameterException.
    @wraps(original_create_response)
    def create_service_response(self: EC2ContainerServiceResponse) -> Any:
        strategy = self._get_param("capacityProviderStrategy")
        if strategy and self._get_param("launchType"):
            raise InvalidParameterException(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."
            )
        result = original_create_response(self)
        service = self.ecs_backend._get_service(self._get_param("cluster", "default"), self._get_param("serviceName"))
        if strategy:
            service.capacity_provider_strategy = strategy
            service.launch_type = None
            for deployment in service.deployments:
                deployment["launchType"] = None
                deployment["capacityProviderStrategy"] = strategy
        schedule(self.ecs_backend, service)
        return result

    EC2ContainerServiceResponse.create_service = create_service_response

    original_update = EC2ContainerServiceBackend.update_service

    # UpdateService already stores a new capacityProviderStrategy in moto; what it lacks is the scheduler, and
    # a strategy change must not leave a stale launchType behind (AWS shows one or the other).
    # AWS: changing loadBalancers starts a new deployment: new tasks registered in the new target groups replace
    # the old ones, which are deregistered from the old groups (ECS Developer Guide, "Updating the load balancer
    # configuration of a service").
    @wraps(original_update)
    def update_service(self: EC2ContainerServiceBackend, service_properties: dict[str, Any]) -> Service:
        new_strategy = service_properties.get("capacity_provider_strategy")
        force = bool(service_properties.get("force_new_deployment"))
        new_load_balancers = service_properties.get("load_balancers")
        if new_load_balancers is not None:
            current = self._get_service(service_properties.get("cluster", "default"), str(service_properties.get("service", "")).split("/")[-1])
            force = force or list(new_load_balancers) != list(current.load_balancers or [])
        service = original_update(self, service_properties)
        if new_strategy:
            service.launch_type = None
            for deployment in service.deployments[:1]:
                deployment["launchType"] = None
                deployment["capacityProviderStrategy"] = new_strategy
        schedule(self, service, replace_all=force)
        return service

    EC2ContainerServiceBackend.update_service = update_service

    original_delete = EC2ContainerServiceBackend.delete_service

    # moto: deleting a service leaves its tasks running. AWS: the service's tasks are stopped.
    @wraps(original_delete)
    def delete_service(self: EC2ContainerServiceBackend, cluster_name: str, service_name: str, force: bool) -> Service:
        service = original_delete(self, cluster_name, service_name, force)
        for task in list(self.tasks.get(service.cluster_name, {}).values()):
            if is_service_task(task, service) and task.desired_status == "RUNNING":
                self.stop_task(service.cluster_name, task.task_arn, "Service deleted")
        return service

    EC2ContainerServiceBackend.delete_service = delete_service

    original_list_tasks = EC2ContainerServiceBackend.list_tasks

    # moto: ListTasks ignores serviceName and returns every task of the cluster. AWS: only the service's tasks,
    # and ServiceNotFoundException for a service that does not exist.
    @wraps(original_list_tasks)
    def list_tasks(self: EC2ContainerServiceBackend, cluster_str: Any = None, container_instance: Any = None,
                   family: Any = None, started_by: Any = None, service_name: Any = None,
                   desiredStatus: Any = None) -> list[Any]:
        tasks = original_list_tasks(self, cluster_str, container_instance, family, started_by, None, desiredStatus)
        if not service_name:
            return tasks
        service = self._get_service(cluster_str or "default", service_name.split("/")[-1])
        return [t for t in tasks if is_service_task(t, service)]

    EC2ContainerServiceBackend.list_tasks = list_tasks

    original_describe_services = EC2ContainerServiceBackend.describe_services

    # moto: DescribeServices takes any number of services. AWS: at most 10 a call, more is refused with
    # InvalidParameterException; enforcing it here is what proves the port batches.
    @wraps(original_describe_services)
    def describe_services(self: EC2ContainerServiceBackend, cluster_str: str, service_names_or_arns: list[str]) -> Any:
        if len(service_names_or_arns) > 10:
            raise InvalidParameterException(
                f"services can have at most 10 items, got: {len(service_names_or_arns)}"
            )
        return original_describe_services(self, cluster_str, service_names_or_arns)

    EC2ContainerServiceBackend.describe_services = describe_services

    original_describe_tasks = EC2ContainerServiceBackend.describe_tasks

    # moto: DescribeTasks takes any number of tasks. AWS: at most 100 a call.
    @wraps(original_describe_tasks)
    def describe_tasks(self: EC2ContainerServiceBackend, cluster_str: str, tasks: list[str]) -> Any:
        if tasks and len(tasks) > 100:
            raise InvalidParameterException(f"tasks can have at most 100 items, got: {len(tasks)}")
        return original_describe_tasks(self, cluster_str, tasks)

    EC2ContainerServiceBackend.describe_tasks = describe_tasks


# ------------------------------------------------------------------------------------------------ Route 53


def patch_route53() -> None:
    from moto.route53.models import HealthCheck
    from moto.route53.responses import Route53

    # moto: a CLOUDWATCH_METRIC health check drops its AlarmIdentifier and InsufficientDataHealthStatus and reads
    # back with Port 80, RequestInterval 30, FailureThreshold 3 and MeasureLatency, as if it were an endpoint check.
    # AWS (Route 53 API Reference, HealthCheckConfig): a CLOUDWATCH_METRIC check is defined by the alarm it follows
    # (AlarmIdentifier: name and region) and InsufficientDataHealthStatus; it has no endpoint, so no IP address,
    # port, request interval, failure threshold or latency measurement, and GetHealthCheck returns none of them.
    # (Terraform reads the missing fields back as a change, and request_interval forces a replacement.)
    original_create = Route53.create_health_check
    original_update = Route53.update_health_check
    original_config = HealthCheck.health_check_config

    def remember_alarm(health_check: HealthCheck, config: dict[str, Any]) -> None:
        if config.get("AlarmIdentifier") is not None:
            health_check.pilot_light_alarm_identifier = dict(config["AlarmIdentifier"])  # type: ignore[attr-defined]
        if config.get("InsufficientDataHealthStatus") is not None:
            health_check.pilot_light_insufficient_data = config["InsufficientDataHealthStatus"]  # type: ignore[attr-defined]

    @wraps(original_create)
    def create_health_check(self: Route53) -> Any:
        result = original_create(self)
        remember_alarm(result.result["HealthCheck"], self._get_param("HealthCheckConfig") or {})
        return result

    @wraps(original_update)
    def update_health_check(self: Route53) -> Any:
        result = original_update(self)
        remember_alarm(
            result.result["HealthCheck"],
            {"AlarmIdentifier": self._get_param("AlarmIdentifier"), "InsufficientDataHealthStatus": self._get_param("InsufficientDataHealthStatus")},
        )
        return result

    def health_check_config(self: HealthCheck) -> dict[str, Any]:
        config = original_config.fget(self)  # type: ignore[attr-defined]
        if self.type_ != "CLOUDWATCH_METRIC":
            return config
        for endpoint_only in ("IPAddress", "Port", "RequestInterval", "FailureThreshold", "MeasureLatency", "ResourcePath", "FullyQualifiedDomainName", "SearchString"):
            config.pop(endpoint_only, None)
        alarm = getattr(self, "pilot_light_alarm_identifier", None)
        if alarm is not None:
            config["AlarmIdentifier"] = alarm
        insufficient = getattr(self, "pilot_light_insufficient_data", None)
        if insufficient is not None:
            config["InsufficientDataHealthStatus"] = insufficient
        return config

    health_check_config.__pilot_light_patch__ = True  # type: ignore[attr-defined]
    Route53.create_health_check = create_health_check
    Route53.update_health_check = update_health_check
    HealthCheck.health_check_config = property(health_check_config)


# ------------------------------------------------------------------------------------------------------ IAM


def patch_iam() -> None:
    from moto.iam.exceptions import LimitExceededException
    from moto.iam.models import IAMBackend

    # moto: PutRolePolicy takes inline policies of any size. AWS: a role's inline policies together may not exceed
    # 10,240 characters, white space not counted (IAM and STS quotas), and PutRolePolicy fails with LimitExceeded
    # "Maximum policy size of 10240 bytes exceeded for role <name>". The reconciler's policy grows a statement per ASG.
    original_put_role_policy = IAMBackend.put_role_policy

    def size(policy_json: str) -> int:
        return sum(1 for c in policy_json if not c.isspace())

    @wraps(original_put_role_policy)
    def put_role_policy(self: IAMBackend, role_name: str, policy_name: str, policy_json: str) -> None:
        role = self.get_role(role_name)
        others = sum(size(doc) for name, doc in role.policies.items() if name != policy_name)
        if others + size(policy_json) > ROLE_INLINE_POLICY_LIMIT:
            raise LimitExceededException(f"Maximum policy size of {ROLE_INLINE_POLICY_LIMIT} bytes exceeded for role {role_name}")
        original_put_role_policy(self, role_name, policy_name, policy_json)

    IAMBackend.put_role_policy = put_role_policy


ROLE_INLINE_POLICY_LIMIT = 10240


# ------------------------------------------------------------------------------------------------------ SQS


def patch_sqs() -> None:
    from moto.sqs.models import Queue

    original_attributes = Queue.attributes

    # moto: GetQueueAttributes returns RedrivePolicy re-serialized with Python's default separators
    # ({"deadLetterTargetArn": "...", "maxReceiveCount": 10}). AWS returns the compact JSON document
    # ({"deadLetterTargetArn":"...","maxReceiveCount":10}) that it was given; the AWS provider stores exactly that
    # (normalized) and compares the read-back byte for byte, so moto's spacing reads as a change on every plan.
    def attributes(self: Queue) -> dict[str, Any]:
        result = original_attributes.fget(self)  # type: ignore[attr-defined]
        if self.redrive_policy:
            result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
        return result

    attributes.__pilot_light_patch__ = True  # type: ignore[attr-defined]
    Queue.attributes = property(attributes)


# ----------------------------------------------------------------------------------------------------- main


def apply_patches() -> None:
    if moto.__version__ != PINNED_MOTO_VERSION:
        sys.exit(
            f"moto_launcher: patches are written for moto {PINNED_MOTO_VERSION}, found {moto.__version__}; "
            f"install it with: pip install 'moto[server]=={PINNED_MOTO_VERSION}'"
        )
    patch_rds()
    patch_autoscaling()
    patch_ec2()
    patch_elbv2()
    patch_ecs()
    patch_route53()
    patch_sqs()
    patch_iam()


def main() -> None:
    parser = argparse.ArgumentParser(description="moto server with pilot-light's fixes")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()

    apply_patches()
    # One line per request on stderr is noise the test runner would have to drain; errors still get through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    from moto.server import main as server_main

    server_main(["-H", args.host, "-p", str(args.port)])


if __name__ == "__main__":
    main()
