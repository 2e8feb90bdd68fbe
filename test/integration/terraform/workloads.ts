/**
 * Workloads other than the shipped one, as tfvars JSON (the `ecs_services` and `asgs` variables): the
 * smallest (one service, no ASG) and a large one (12 services, 3 ASGs), so tests show that the stack
 * takes any number and any names without a code change.
 */
import type { AsgConfig, EcsServiceConfig } from '../../../modules/ecs';

/** The two workload variables. */
export interface Workload {
  readonly ecs_services: Record<string, EcsServiceConfig>;
  readonly asgs: Record<string, AsgConfig>;
}

const spot = { desired_count: 0, capacity_provider: 'FARGATE_SPOT' };
const onDemand = (n: number) => ({ desired_count: n, capacity_provider: 'FARGATE' });
const pilotLight = { min_size: 0, max_size: 1, desired_capacity: 0, on_demand_percentage: 0 };
const active = { min_size: 1, max_size: 2, desired_capacity: 1, on_demand_percentage: 100 };

/** One service behind the default route, no ASG. */
export const ONE_SERVICE_NO_ASG: Workload = {
  ecs_services: {
    shop: { image: 'public.ecr.aws/nginx/nginx:stable', container_port: 80, route: { default: true }, pilot_light: spot, active: onDemand(2) },
  },
  asgs: {},
};

/** 12 services (routes by path, by host, both, and none) and 3 ASGs with 4 target groups between them. */
export const TWELVE_SERVICES_THREE_ASGS: Workload = {
  ecs_services: Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => {
      const name = `svc-${String(i + 1).padStart(2, '0')}`;
      const route =
        i === 0 ? { default: true }
        : i % 4 === 1 ? { priority: 100 + i, path_patterns: [`/${name}/*`] }
        : i % 4 === 2 ? { priority: 100 + i, host_headers: [`${name}.example.com`] }
        : i % 4 === 3 ? { priority: 100 + i, path_patterns: [`/${name}/*`], host_headers: ['api.example.com'] }
        : undefined;
      return [name, { image: 'public.ecr.aws/nginx/nginx:stable', container_port: 8000 + i, ...(route ? { route } : {}), pilot_light: spot, active: onDemand(1 + (i % 3)) }];
    }),
  ),
  asgs: {
    ci: { instance_types: ['t3.medium'], targets: { ci: { port: 8080, route: { priority: 10, path_patterns: ['/ci/*'] } } }, pilot_light: pilotLight, active },
    metrics: {
      instance_types: ['t3.medium', 't3a.medium'],
      targets: {
        'metrics-api': { port: 9090, health_check_path: '/-/healthy', route: { priority: 20, path_patterns: ['/metrics/*'] } },
        dashboards: { port: 3000, route: { priority: 30, host_headers: ['dashboards.example.com'] } },
      },
      pilot_light: pilotLight,
      active,
    },
    batch: { instance_types: ['m5.large'], root_volume_gb: 50, targets: { 'batch-ui': { port: 8081 } }, pilot_light: pilotLight, active: { ...active, max_size: 4, desired_capacity: 2 } },
  },
};
