//! A scripted ECS service for rollout tests (moto never completes, rolls back or
//! stalls a rollout): service `app-service` of cluster `fft-dev` on revision `app:7`
//! (image `fft/app:v1`), deployed to `app:8`.

use crate::scripted::{Reply, Scripted};
use serde_json::{Value, json};

pub const OLD: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:7";
pub const NEW: &str = "arn:aws:ecs:us-east-1:123456789012:task-definition/app:8";

pub fn deployment(
    id: &str,
    status: &str,
    td: &str,
    desired: i32,
    running: i32,
    rollout: &str,
    reason: &str,
) -> Value {
    json!({
        "id": id, "status": status, "taskDefinition": td, "desiredCount": desired,
        "pendingCount": (desired - running).max(0), "runningCount": running, "failedTasks": 0,
        "rolloutState": rollout, "rolloutStateReason": reason, "createdAt": 1.7e9, "updatedAt": 1.7e9
    })
}

pub fn service(td: &str, deployments: Vec<Value>, events: Vec<(&str, &str)>) -> Value {
    json!({
        "serviceName": "app-service", "clusterArn": "arn:aws:ecs:us-east-1:123456789012:cluster/fft-dev",
        "status": "ACTIVE", "desiredCount": 1, "runningCount": 1, "pendingCount": 0,
        "taskDefinition": td, "deployments": deployments,
        "events": events.iter().map(|(id, m)| json!({"id": id, "createdAt": 1.7e9, "message": m})).collect::<Vec<_>>()
    })
}

pub fn describe(svc: Value) -> Reply {
    Reply::json(json!({"services": [svc], "failures": []}))
}

pub fn task_definition() -> Reply {
    Reply::json(json!({"taskDefinition": {
        "taskDefinitionArn": OLD, "family": "app", "revision": 7, "cpu": "256", "memory": "512",
        "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
        "executionRoleArn": "arn:aws:iam::123456789012:role/fft-dev-task-execution",
        "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/fft/app:v1", "essential": true}]
    }}))
}

pub fn steady_old() -> Value {
    service(
        OLD,
        vec![deployment(
            "d-old",
            "PRIMARY",
            OLD,
            1,
            1,
            "COMPLETED",
            "done",
        )],
        vec![("e0", "has reached a steady state.")],
    )
}

pub fn in_progress() -> Value {
    service(
        NEW,
        vec![
            deployment("d-new", "PRIMARY", NEW, 1, 0, "IN_PROGRESS", "in progress"),
            deployment("d-old", "ACTIVE", OLD, 1, 1, "COMPLETED", "done"),
        ],
        vec![
            ("e1", "has started 1 tasks: (task abc)."),
            ("e0", "has reached a steady state."),
        ],
    )
}

/// The new deployment PRIMARY and COMPLETED: a successful rollout's last state.
pub fn completed() -> Value {
    service(
        NEW,
        vec![deployment(
            "d-new",
            "PRIMARY",
            NEW,
            1,
            1,
            "COMPLETED",
            "completed",
        )],
        vec![("e2", "has reached a steady state.")],
    )
}

/// The spend cap's record (`ecs::cap`) is not there: the environment is not stopped.
pub fn no_cap_record() -> (&'static str, Vec<Reply>) {
    (
        "GetParameter",
        vec![Reply::error("ParameterNotFound", "no such parameter")],
    )
}

/// Common script; `polls` are the DescribeServices replies after the first two (the
/// read the deploy is based on, and the re-read just before UpdateService).
pub fn ecs(polls: Vec<Value>, stopped: Vec<Value>) -> Scripted {
    let mut describes = vec![describe(steady_old()), describe(steady_old())];
    describes.extend(polls.into_iter().map(describe));
    let stopped_arns: Vec<String> = stopped
        .iter()
        .filter_map(|t| t["taskArn"].as_str().map(str::to_string))
        .collect();
    Scripted::start(vec![
        no_cap_record(),
        ("DescribeServices", describes),
        ("DescribeTaskDefinition", vec![task_definition()]),
        (
            "RegisterTaskDefinition",
            vec![Reply::json(
                json!({"taskDefinition": {"taskDefinitionArn": NEW, "family": "app", "revision": 8}}),
            )],
        ),
        (
            "UpdateService",
            vec![Reply::json(json!({"service": in_progress()}))],
        ),
        (
            "ListTasks",
            vec![
                Reply::json(json!({"taskArns": []})),
                Reply::json(json!({"taskArns": stopped_arns})),
            ],
        ),
        (
            "DescribeTasks",
            vec![Reply::json(json!({"tasks": stopped, "failures": []}))],
        ),
        (
            "DeregisterTaskDefinition",
            vec![Reply::json(
                json!({"taskDefinition": {"taskDefinitionArn": NEW}}),
            )],
        ),
    ])
}

/// The service after ECS's circuit breaker rolled `app:8` back to `app:7`, and the
/// stopped task of `app:8` with its reason.
pub fn circuit_breaker() -> (Value, Vec<Value>) {
    let rolled_back = service(
        OLD,
        vec![
            deployment(
                "d-roll",
                "PRIMARY",
                OLD,
                1,
                1,
                "IN_PROGRESS",
                "rolling back",
            ),
            deployment(
                "d-new",
                "ACTIVE",
                NEW,
                0,
                0,
                "FAILED",
                "ECS deployment circuit breaker: tasks failed to start.",
            ),
        ],
        vec![
            (
                "e3",
                "(deployment d-new) deployment failed: tasks failed to start.",
            ),
            ("e1", "x"),
        ],
    );
    let stopped = vec![json!({
        "taskArn": "arn:aws:ecs:us-east-1:123456789012:task/fft-dev/t1", "taskDefinitionArn": NEW,
        "stoppedReason": "Essential container in task exited", "stopCode": "EssentialContainerExited",
        "containers": [{"name": "app", "exitCode": 1, "reason": null}]
    })];
    (rolled_back, stopped)
}
