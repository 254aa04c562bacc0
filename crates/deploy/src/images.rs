//! The images a plan makes new tasks run: every container image of a task definition
//! the plan creates or replaces. Checked in ECR before anything is applied, so a
//! first deploy never starts a service whose tasks cannot pull their image.

use cost_engine::model::Stack;
use cost_engine::plan_loader::Changes;

/// Container images of the task definitions the plan creates, updates or replaces.
pub fn planned(after: &Stack, changes: &Changes) -> Vec<String> {
    let touched = |a: &str| {
        changes
            .create
            .iter()
            .chain(&changes.update)
            .chain(&changes.replace)
            .any(|c| c == a)
    };
    let mut images: Vec<String> = after
        .of_type("aws_ecs_task_definition")
        .filter(|td| touched(&td.address))
        .filter_map(|td| td.str("container_definitions"))
        .filter_map(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
        .flatten()
        .filter_map(|c| c.get("image")?.as_str().map(str::to_string))
        .collect();
    images.sort();
    images.dedup();
    images
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_of_new_task_definitions_only() {
        let plan = r#"{"format_version": "1.2",
          "planned_values": {"root_module": {"resources": [
            {"address": "aws_ecs_task_definition.new", "mode": "managed", "type": "aws_ecs_task_definition", "name": "new",
             "values": {"container_definitions": "[{\"name\":\"app\",\"image\":\"1.dkr.ecr.us-east-1.amazonaws.com/a:v1\"},{\"name\":\"side\",\"image\":\"nginx\"}]"}},
            {"address": "aws_ecs_task_definition.old", "mode": "managed", "type": "aws_ecs_task_definition", "name": "old",
             "values": {"container_definitions": "[{\"name\":\"x\",\"image\":\"busybox\"}]"}}]}},
          "resource_changes": [
            {"address": "aws_ecs_task_definition.new", "mode": "managed", "change": {"actions": ["create"]}},
            {"address": "aws_ecs_task_definition.old", "mode": "managed", "change": {"actions": ["no-op"]}}]}"#;
        let p = cost_engine::plan_loader::parse_plan(plan, "p").expect("plan");
        assert_eq!(
            planned(&p.after, &p.changes),
            ["1.dkr.ecr.us-east-1.amazonaws.com/a:v1", "nginx"]
        );
    }
}
