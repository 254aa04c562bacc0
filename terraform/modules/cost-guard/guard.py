"""The cost guard: stop an environment's spending when its spend cap is crossed.

AWS Budgets publishes to this function's SNS topic when month-to-date spend passes the
cap. Any message on that topic means "stop" (the topic admits only budgets.amazonaws.com).
For each ECS service of the environment it:

1. records the scalable target's min/max and the service's desired count (once: a
   second trigger never overwrites what resume must restore),
2. sets min = max = 0 and suspends scheduled and dynamic scaling, so the working-hours
   schedule cannot bring the service back,
3. sets the desired count to 0;

and throttles the HTTP API's default stage to 0 requests/s, so API Gateway answers 429
instead of forwarding. The record is one SSM String parameter (STATE_PARAMETER): the
tools read it to say "capped" instead of "failed", and `ecs-scale resume` restores from
it and deletes it. Format and reasons: docs/decisions/0009-spend-cap.md; the reader:
crates/ecs/src/cap.rs.

Python standard library and boto3 only (both in the Lambda runtime): nothing to build.
"""

import datetime
import json
import os

import boto3

STATE_VERSION = 1


def _config():
    services = [s for s in os.environ.get("SERVICES", "").split(",") if s]
    return {
        "region": os.environ["GUARD_REGION"],
        "cluster": os.environ["CLUSTER"],
        "services": services,
        "http_api_id": os.environ.get("HTTP_API_ID", ""),
        "stage": os.environ.get("HTTP_API_STAGE", "$default"),
        "parameter": os.environ["STATE_PARAMETER"],
        "cap_usd": os.environ.get("CAP_USD", ""),
    }


def _reason(event):
    """The budget's own words, cut short: only for the record, never parsed."""
    try:
        return str(event["Records"][0]["Sns"]["Message"])[:300]
    except (KeyError, IndexError, TypeError):
        return "invoked without an SNS message"


def _existing_state(ssm, name):
    try:
        value = ssm.get_parameter(Name=name)["Parameter"]["Value"]
    except ssm.exceptions.ParameterNotFound:
        return None
    try:
        state = json.loads(value)
    except ValueError:
        return None
    return state if isinstance(state, dict) and state.get("version") == STATE_VERSION else None


def _record(cfg, ecs, scaling, apigw, event):
    state = {
        "version": STATE_VERSION,
        "capped_at": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cap_usd": cfg["cap_usd"],
        "reason": _reason(event),
        "cluster": cfg["cluster"],
        "services": {},
        "http_api": None,
    }
    try:
        described = ecs.describe_services(cluster=cfg["cluster"], services=cfg["services"])
        desired = {s["serviceName"]: s.get("desiredCount", 0) for s in described["services"]}
    except ecs.exceptions.ClusterNotFoundException:
        desired = {}
    for name in cfg["services"]:
        resource = f"service/{cfg['cluster']}/{name}"
        targets = scaling.describe_scalable_targets(
            ServiceNamespace="ecs", ResourceIds=[resource]
        )["ScalableTargets"]
        target = targets[0] if targets else {}
        state["services"][name] = {
            "desired": desired.get(name, 0),
            "min": target.get("MinCapacity"),
            "max": target.get("MaxCapacity"),
        }
    if cfg["http_api_id"]:
        stage = apigw.get_stage(ApiId=cfg["http_api_id"], StageName=cfg["stage"])
        route = stage.get("DefaultRouteSettings", {})
        state["http_api"] = {
            "id": cfg["http_api_id"],
            "stage": cfg["stage"],
            "burst": route.get("ThrottlingBurstLimit"),
            "rate": route.get("ThrottlingRateLimit"),
        }
    return state


def stop(cfg, ecs, scaling, apigw):
    gone = []
    for name in cfg["services"]:
        try:
            _stop_service(cfg, name, ecs, scaling)
        except (ecs.exceptions.ServiceNotFoundException, ecs.exceptions.ClusterNotFoundException):
            # Nothing of it runs, so nothing bills: the other services still stop.
            gone.append(name)
    if cfg["http_api_id"]:
        apigw.update_stage(
            ApiId=cfg["http_api_id"],
            StageName=cfg["stage"],
            DefaultRouteSettings={"ThrottlingBurstLimit": 0, "ThrottlingRateLimit": 0.0},
        )
    return gone


def _stop_service(cfg, name, ecs, scaling):
    resource = f"service/{cfg['cluster']}/{name}"
    targets = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])
    if targets["ScalableTargets"]:
        scaling.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=resource,
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=0,
            MaxCapacity=0,
            SuspendedState={
                "DynamicScalingInSuspended": True,
                "DynamicScalingOutSuspended": True,
                "ScheduledScalingSuspended": True,
            },
        )
    ecs.update_service(cluster=cfg["cluster"], service=name, desiredCount=0)


def handler(event, context=None):
    cfg = _config()
    ecs = boto3.client("ecs", region_name=cfg["region"])
    scaling = boto3.client("application-autoscaling", region_name=cfg["region"])
    apigw = boto3.client("apigatewayv2", region_name=cfg["region"])
    ssm = boto3.client("ssm", region_name=cfg["region"])

    state = _existing_state(ssm, cfg["parameter"])
    first = state is None
    if first:
        # Written before anything is stopped: a stop that fails half-way still leaves
        # what resume needs, and the tools already see the environment as capped.
        state = _record(cfg, ecs, scaling, apigw, event)
        ssm.put_parameter(
            Name=cfg["parameter"],
            Value=json.dumps(state, sort_keys=True),
            Type="String",
            Overwrite=True,
        )
    gone = stop(cfg, ecs, scaling, apigw)
    print(
        json.dumps(
            {
                "capped": True,
                "first_trigger": first,
                "cluster": cfg["cluster"],
                "services": cfg["services"],
                "not_found": gone,
                "http_api": cfg["http_api_id"] or None,
            }
        )
    )
    return {"capped": True, "first_trigger": first}
